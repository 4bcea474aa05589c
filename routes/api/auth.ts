/** Sign-in by email code or single sign-on, sign-out, and the caller's own profile. */
import { Hono } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import type { AppEnv, Ctx, Deps } from "../context.ts";
import { requireUser } from "../context.ts";
import { clientAddress, readJson, readNoInput, SESSION_COOKIE } from "../http.ts";
import { email, parseInput } from "../../lib/validate.ts";
import * as auth from "../../lib/auth.ts";
import { codeRequestInput, profilePatch, verifyInput } from "../../lib/api_input.ts";
import { sha256Hex } from "../../lib/ids.ts";
import { publicSelf, updateUser } from "../../lib/users.ts";
import { listOrgsOfUser } from "../../lib/orgs.ts";
import { listOutbox } from "../../lib/mail.ts";
import { notFound } from "../../lib/errors.ts";
import { enforce } from "../../lib/rate_limit.ts";

const OIDC_COOKIE = "parta_oidc";
/** Each start stores a flow for 10 minutes; bound how many one address can make. */
const SSO_START_RATE = { bucket: "sso_start_addr", limit: 100, windowMs: 15 * 60_000 };

export function authRoutes(deps: Deps) {
  const { config } = deps;
  const secure = config.appOrigin.startsWith("https:");
  const app = new Hono<AppEnv>();

  function startSession(c: Ctx, token: string) {
    setCookie(c, SESSION_COOKIE, token, {
      httpOnly: true,
      sameSite: "Lax",
      secure,
      path: "/",
      maxAge: auth.SESSION_TTL_MS / 1000,
    });
  }

  /** Signing in replaced the caller's earlier session (rotation): its sockets close now. */
  async function endReplacedSession(c: Ctx) {
    const previous = c.get("token");
    if (previous) deps.gateway.endSession(await sha256Hex(previous));
  }

  app.post("/auth/code", async (c) => {
    const body = await readJson(c, codeRequestInput);
    await auth.requestCode(deps, body.email, clientAddress(c, config.trustProxy));
    return c.json({}, 202);
  });

  app.post("/auth/verify", async (c) => {
    const body = await readJson(c, verifyInput);
    const signedIn = await auth.verifyCode(
      deps,
      body.email,
      body.code.trim(),
      clientAddress(c, config.trustProxy),
      c.get("token"),
    );
    await endReplacedSession(c);
    startSession(c, signedIn.token);
    return c.json({ user: publicSelf(signedIn.user), token: signedIn.token });
  });

  app.post("/auth/logout", async (c) => {
    await readNoInput(c);
    const token = c.get("token");
    if (token) {
      await auth.revokeSession(deps, token);
      // Sockets opened with this session close now, on every isolate (KV is already updated).
      deps.gateway.endSession(await sha256Hex(token));
    }
    deleteCookie(c, SESSION_COOKIE, { path: "/", secure });
    return c.body(null, 204);
  });

  app.get("/auth/providers", (c) => c.json({ oidc: deps.oidc !== null }));

  app.get("/auth/oidc/start", async (c) => {
    if (!deps.oidc) throw notFound("Single sign-on is not set up");
    await enforce(deps.kv, deps.clock, SSO_START_RATE, clientAddress(c, config.trustProxy));
    const { url, state } = await deps.oidc.start();
    setCookie(c, OIDC_COOKIE, state, {
      httpOnly: true,
      sameSite: "Lax",
      secure,
      path: "/api/v1/auth/oidc",
      maxAge: 600,
    });
    return c.redirect(url.href, 302);
  });

  app.get("/auth/oidc/callback", async (c) => {
    if (!deps.oidc) throw notFound("Single sign-on is not set up");
    const state = getCookie(c, OIDC_COOKIE);
    deleteCookie(c, OIDC_COOKIE, { path: "/api/v1/auth/oidc", secure });
    const url = new URL(c.req.url);
    if (!state || url.searchParams.get("state") !== state) {
      return c.redirect("/signin?error=sso_failed", 302);
    }
    try {
      const { email } = await deps.oidc.finish(url, state);
      const signedIn = await auth.signInVerifiedEmail(deps, email, c.get("token"));
      await endReplacedSession(c);
      startSession(c, signedIn.token);
      return c.redirect(signedIn.user.displayName === null ? "/profile" : "/", 302);
    } catch (err) {
      console.error("sso sign-in refused:", err instanceof Error ? err.message : err);
      return c.redirect("/signin?error=sso_failed", 302);
    }
  });

  app.get("/me", async (c) => {
    const user = requireUser(c);
    return c.json({
      user: publicSelf(user),
      operator: config.operatorEmails.has(user.email),
      orgs: await listOrgsOfUser(deps.kv, user.id),
    });
  });

  app.patch("/me", async (c) => {
    const user = requireUser(c);
    const body = await readJson(c, profilePatch);
    const updated = await updateUser(deps.kv, user.id, body);
    return c.json({ user: publicSelf(updated) });
  });

  app.get("/dev/outbox", async (c) => {
    if (!config.devOutbox) throw notFound();
    const raw = c.req.query("to");
    const to = raw === undefined || raw.trim() === "" ? null : parseInput(email(), raw);
    return c.json({ messages: await listOutbox(deps.kv, to) });
  });

  return app;
}
