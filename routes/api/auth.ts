/** Sign-in by email code or single sign-on, sign-out, and the caller's own profile. */
import { Hono } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import type { AppEnv, Ctx, Deps } from "../context.ts";
import { requireUser } from "../context.ts";
import { clientAddress, readJson, readNoInput, SESSION_COOKIE } from "../http.ts";
import { email, parseInput } from "../../domain/validate.ts";
import { SESSION_TTL_MS } from "../../domain/auth.ts";
import { codeRequestInput, profilePatch, verifyInput } from "../../domain/api_input.ts";

const OIDC_COOKIE = "parta_oidc";

export function authRoutes(deps: Deps) {
  const identity = deps.services.identity;
  const { config } = deps;
  const secure = config.appOrigin.startsWith("https:");
  const app = new Hono<AppEnv>();
  const address = (c: Ctx) => clientAddress(c, config.trustProxy);

  function startSession(c: Ctx, token: string) {
    setCookie(c, SESSION_COOKIE, token, {
      httpOnly: true,
      sameSite: "Lax",
      secure,
      path: "/",
      maxAge: SESSION_TTL_MS / 1000,
    });
  }

  app.post("/auth/code", async (c) => {
    const body = await readJson(c, codeRequestInput);
    await identity.requestCode(body.email, address(c));
    return c.json({}, 202);
  });

  app.post("/auth/verify", async (c) => {
    const body = await readJson(c, verifyInput);
    const { user, token } = await identity.verify(
      body.email,
      body.code,
      address(c),
      c.get("token"),
    );
    startSession(c, token);
    return c.json({ user, token });
  });

  app.post("/auth/logout", async (c) => {
    await readNoInput(c);
    await identity.signOut(c.get("token"));
    deleteCookie(c, SESSION_COOKIE, { path: "/", secure });
    return c.body(null, 204);
  });

  app.get("/auth/providers", (c) => c.json(identity.providers()));

  app.get("/auth/oidc/start", async (c) => {
    const { url, state } = await identity.startSso(address(c));
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
    identity.requireSso();
    const state = getCookie(c, OIDC_COOKIE);
    deleteCookie(c, OIDC_COOKIE, { path: "/api/v1/auth/oidc", secure });
    const url = new URL(c.req.url);
    if (!state || url.searchParams.get("state") !== state) {
      return c.redirect("/signin?error=sso_failed", 302);
    }
    try {
      const signedIn = await identity.finishSso(url, state, c.get("token"));
      startSession(c, signedIn.token);
      return c.redirect(signedIn.named ? "/" : "/profile", 302);
    } catch (err) {
      console.error("sso sign-in refused:", err instanceof Error ? err.message : err);
      return c.redirect("/signin?error=sso_failed", 302);
    }
  });

  app.get("/me", async (c) => {
    return c.json(await identity.me(requireUser(c)));
  });

  app.patch("/me", async (c) => {
    const user = requireUser(c);
    const body = await readJson(c, profilePatch);
    return c.json(await identity.updateProfile(user, body));
  });

  app.get("/dev/outbox", async (c) => {
    const raw = c.req.query("to");
    const to = () => raw === undefined || raw.trim() === "" ? null : parseInput(email(), raw);
    return c.json(await identity.devOutbox(to));
  });

  return app;
}
