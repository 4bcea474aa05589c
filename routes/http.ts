/** HTTP edge: body reading and validation, error mapping, security headers, origin checks. */
import type { MiddlewareHandler } from "hono";
import { HTTPException } from "hono/http-exception";
import { getCookie } from "hono/cookie";
import type { z } from "zod";
import { AppError, invalidInput, isLocked } from "../shared/errors.ts";
import { parseInput } from "../domain/validate.ts";
import type { AppEnv, Ctx, Deps } from "./context.ts";

export const MAX_JSON_BYTES = 64 * 1024;
export const SESSION_COOKIE = "parta_session";

const tooLarge = () =>
  new AppError(413, "too_large", `The body is larger than ${MAX_JSON_BYTES / 1024} KiB`);
const notJson = () =>
  new AppError(415, "unsupported_media_type", "The body must be JSON (application/json)");

/** Reads at most `limit` bytes of `body`, failing with 413 beyond that. */
export async function readCapped(
  body: ReadableStream<Uint8Array>,
  limit: number,
): Promise<Uint8Array<ArrayBuffer>> {
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > limit) {
        await reader.cancel().catch(() => {});
        throw tooLarge();
      }
      chunks.push(value);
    }
  } catch (err) {
    if (err instanceof AppError) throw err;
    throw invalidInput("The body could not be read");
  }
  const out = new Uint8Array(size);
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.byteLength;
  }
  return out;
}

/** The parsed JSON body, or undefined when the body is empty. */
async function readBody(c: Ctx): Promise<unknown> {
  const req = c.req.raw;
  const length = req.headers.get("content-length");
  if (length !== null && Number(length) > MAX_JSON_BYTES) throw tooLarge();
  if (!req.body) return undefined;
  const bytes = await readCapped(req.body, MAX_JSON_BYTES);
  if (bytes.byteLength === 0) return undefined;
  const type = (req.headers.get("content-type") ?? "").split(";")[0]!.trim().toLowerCase();
  const declaredJson = type === "application/json" || type.endsWith("+json");
  // Clients that send JSON without saying so (fetch's text/plain default) are accepted.
  const undeclared = type === "" || type === "text/plain";
  if (!declaredJson && !undeclared) throw notJson();
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw declaredJson ? invalidInput("The body is not valid UTF-8") : notJson();
  }
  try {
    return JSON.parse(text);
  } catch {
    throw declaredJson ? invalidInput("The body is not valid JSON") : notJson();
  }
}

/** The JSON body validated by `schema`; an empty body is read as `{}`. */
export async function readJson<S extends z.ZodType>(c: Ctx, schema: S): Promise<z.output<S>> {
  const body = await readBody(c);
  return parseInput(schema, body === undefined ? {} : body);
}

/** For routes without input: accepts an empty body or any JSON, refuses anything else. */
export async function readNoInput(c: Ctx): Promise<void> {
  await readBody(c);
}

/** Maps every error to the API's error body; unexpected ones are logged and hidden. */
export function errorResponse(err: unknown, c: Ctx): Response {
  if (err instanceof AppError) {
    if (err.retryAfter !== undefined) c.header("Retry-After", String(err.retryAfter));
    return c.json({ error: err.toJSON() }, err.status);
  }
  if (err instanceof HTTPException) {
    const status = err.status;
    if (status === 413) return errorResponse(tooLarge(), c);
    if (status >= 400 && status < 500) {
      return c.json(
        { error: { code: "invalid_input", message: err.message || "Bad request" } },
        400,
      );
    }
  }
  if (isLocked(err)) {
    // KV contention that outlasted the retries: the client's request was fine, so try again.
    c.header("Retry-After", "1");
    return c.json(
      { error: { code: "unavailable", message: "The server is busy; try again in a moment" } },
      503,
    );
  }
  console.error("unexpected error:", err);
  return c.json({ error: { code: "internal", message: "Something went wrong on our side" } }, 500);
}

/**
 * Content Security Policy for HTML pages: no inline script, no framing. `connect` adds origins
 * the page may connect to besides its own (the call page's LiveKit server).
 */
export function pageCsp(connect: readonly string[] = []): string {
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data: blob:",
    "media-src 'self' blob:",
    ["connect-src 'self'", ...connect].join(" "),
    "font-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
    "manifest-src 'self'",
    "worker-src 'self'",
  ].join("; ");
}

/** Security headers on every response. */
export function securityHeaders(appOrigin: string): MiddlewareHandler<AppEnv> {
  const https = appOrigin.startsWith("https:");
  return async (c, next) => {
    await next();
    const h = c.res.headers;
    h.set("X-Content-Type-Options", "nosniff");
    h.set("Referrer-Policy", "no-referrer");
    h.set("X-Frame-Options", "DENY");
    h.set("Cross-Origin-Opener-Policy", "same-origin");
    h.set("Cross-Origin-Resource-Policy", "same-origin");
    h.set(
      "Permissions-Policy",
      "camera=(self), microphone=(self), display-capture=(self), geolocation=(), payment=()",
    );
    if (https) h.set("Strict-Transport-Security", "max-age=31536000; includeSubDomains");
    if (!h.has("Content-Security-Policy")) {
      const html = (h.get("Content-Type") ?? "").startsWith("text/html");
      h.set(
        "Content-Security-Policy",
        html ? pageCsp() : "default-src 'none'; frame-ancestors 'none'; base-uri 'none'",
      );
    }
    if (c.req.path.startsWith("/api/") && !h.has("Cache-Control")) {
      h.set("Cache-Control", "no-store");
    }
  };
}

/** The session token a request carries: a bearer header wins over the cookie. */
function tokenOf(c: Ctx): { token: string | null; authBy: "cookie" | "bearer" | null } {
  const header = c.req.header("Authorization");
  if (header !== undefined) {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    return { token: match ? match[1]! : "", authBy: "bearer" };
  }
  const cookie = getCookie(c, SESSION_COOKIE);
  return cookie ? { token: cookie, authBy: "cookie" } : { token: null, authBy: null };
}

const UNSAFE = new Set(["POST", "PUT", "PATCH", "DELETE"]);

/**
 * Cross-site protection: a state-changing request not authenticated by bearer token must come
 * from the app's own origin when it carries the cookie, and must not come from a foreign
 * origin otherwise (this also stops login CSRF).
 */
const LOOPBACK = ["localhost", "127.0.0.1", "[::1]"];

/**
 * The origins the app's own pages may come from: `appOrigin`, and when that is a loopback address
 * (a server on one's own machine), the other spellings of loopback on the same port, since
 * `deno serve` prints `127.0.0.1` while the default origin says `localhost`. Loopback is reachable
 * only from the machine itself, so this opens nothing to anyone else.
 */
export function ownOrigins(appOrigin: string): ReadonlySet<string> {
  const u = new URL(appOrigin);
  if (!LOOPBACK.includes(u.hostname)) return new Set([appOrigin]);
  const port = u.port ? `:${u.port}` : "";
  return new Set([appOrigin, ...LOOPBACK.map((host) => `${u.protocol}//${host}${port}`)]);
}

export function originCheck(appOrigin: string): MiddlewareHandler<AppEnv> {
  const own = ownOrigins(appOrigin);
  return async (c, next) => {
    if (!UNSAFE.has(c.req.method) || c.req.header("Authorization") !== undefined) {
      return await next();
    }
    const origin = c.req.header("Origin");
    const site = c.req.header("Sec-Fetch-Site");
    const hasCookie = getCookie(c, SESSION_COOKIE) !== undefined;
    const sameOrigin = origin !== undefined ? own.has(origin) : site === "same-origin";
    const foreign = (origin !== undefined && !own.has(origin)) ||
      (site !== undefined && site !== "same-origin" && site !== "none");
    if ((hasCookie && !sameOrigin) || foreign) {
      throw new AppError(
        403,
        "csrf",
        `Cross-site request refused: this server takes requests from ${appOrigin} only`,
      );
    }
    await next();
  };
}

/** Resolves the signed-in user from the bearer token or the session cookie. */
export function authenticate(deps: Deps): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const { token, authBy } = tokenOf(c);
    c.set("token", token);
    c.set("authBy", authBy);
    c.set("user", token ? await deps.services.identity.sessionUser(token) : null);
    await next();
  };
}

/** An IPv4 or IPv6 address, perhaps with brackets and a port; bounded, as it goes into keys. */
const IP_ADDRESS = /^[0-9A-Fa-f.:[\]]{2,64}$/;

/**
 * The client's address, for rate limits: the socket peer, or the proxy's word if trusted. The
 * trusted proxy appends the address it saw, so the last entry is the one it vouches for (the
 * ones before it are whatever the client sent). A value that is no address counts as the peer's.
 */
export function clientAddress(c: Ctx, trustProxy: boolean): string {
  if (trustProxy) {
    const forwarded = c.req.header("X-Forwarded-For")?.split(",").at(-1)?.trim();
    if (forwarded && IP_ADDRESS.test(forwarded)) return forwarded;
  }
  const addr = c.env?.remoteAddr;
  return addr && "hostname" in addr ? addr.hostname : "local";
}
