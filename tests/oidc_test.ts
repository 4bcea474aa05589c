/**
 * Single sign-on against a real OpenID Provider (npm oidc-provider) started by the test. The
 * provider is reached over real HTTP like a browser would (a cookie jar, manual redirects,
 * its development login and consent forms); the app is called in-process.
 */
import assert from "node:assert/strict";
import { createServer } from "node:http";
import Provider from "oidc-provider";
import { json, ORIGIN, type TestApp, testApp } from "./helpers.ts";

const CLIENT_ID = "parta";
const CLIENT_SECRET = "parta-test-secret";
const CALLBACK = `${ORIGIN}/api/v1/auth/oidc/callback`;

/** The provider's accounts: login name → claims. */
const ACCOUNTS: Record<string, { email: string; email_verified: boolean }> = {
  masha: { email: "Masha.Sso@School.test", email_verified: true },
  unverified: { email: "unverified@school.test", email_verified: false },
};

interface Idp extends AsyncDisposable {
  issuer: string;
  env: Record<string, string>;
}

/** An OpenID Provider on a free loopback port with one confidential client for the app. */
async function startProvider(): Promise<Idp> {
  let handler: ((req: unknown, res: unknown) => void) | null = null;
  const server = createServer((req, res) => handler!(req, res));
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const close = async () => {
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections();
    await closed;
  };
  try {
    const address = server.address();
    assert.ok(address && typeof address === "object");
    const issuer = `http://127.0.0.1:${address.port}`;
    const provider = new Provider(issuer, {
      clients: [{ client_id: CLIENT_ID, client_secret: CLIENT_SECRET, redirect_uris: [CALLBACK] }],
      pkce: { required: () => true },
      features: { devInteractions: { enabled: true } },
      claims: { openid: ["sub"], email: ["email", "email_verified"], profile: ["name"] },
      cookies: { keys: ["oidc-test-cookie-key"] },
      findAccount(_ctx: unknown, id: string) {
        const account = ACCOUNTS[id];
        if (!account) return undefined;
        return { accountId: id, claims: () => ({ sub: id, ...account }) };
      },
    });
    handler = provider.callback();
    return {
      issuer,
      env: { OIDC_ISSUER: issuer, OIDC_CLIENT_ID: CLIENT_ID, OIDC_CLIENT_SECRET: CLIENT_SECRET },
      [Symbol.asyncDispose]: close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}

/** Just enough of a browser's cookie store: name, value and path; expired cookies removed. */
class CookieJar {
  #cookies = new Map<string, { name: string; value: string; path: string }>();

  store(url: URL, response: Response): void {
    for (const line of response.headers.getSetCookie()) {
      const [pair, ...attributes] = line.split(";").map((part) => part.trim());
      const eq = pair!.indexOf("=");
      const name = pair!.slice(0, eq);
      const value = pair!.slice(eq + 1);
      let path = url.pathname.replace(/\/[^/]*$/, "") || "/";
      let expired = false;
      for (const attribute of attributes) {
        const [key, val = ""] = attribute.split("=");
        const k = key!.toLowerCase();
        if (k === "path") path = val;
        if (k === "max-age" && Number(val) <= 0) expired = true;
        if (k === "expires" && Date.parse(val) <= Date.now()) expired = true;
      }
      const id = `${name};${path}`;
      if (expired) this.#cookies.delete(id);
      else this.#cookies.set(id, { name, value, path });
    }
  }

  header(url: URL): string {
    return [...this.#cookies.values()]
      .filter((c) =>
        url.pathname === c.path || url.pathname.startsWith(c.path.replace(/\/?$/, "/"))
      )
      .map((c) => `${c.name}=${c.value}`)
      .join("; ");
  }
}

const unescapeHtml = (s: string) =>
  s.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, "<").replace(/&gt;/g, ">")
    .replace(/&amp;/g, "&");

/**
 * Plays the browser at the provider: follows redirects from `start`, signs in as `login` on
 * the login form, confirms the consent form, and returns the URL the provider sends back to
 * the app (which a browser would then open).
 */
async function authorizeAtProvider(start: URL, login: string): Promise<URL> {
  const jar = new CookieJar();
  let url = start;
  let init: RequestInit = {};
  for (let step = 0; step < 12; step++) {
    const headers = new Headers(init.headers);
    const cookie = jar.header(url);
    if (cookie) headers.set("Cookie", cookie);
    const res = await fetch(url, { ...init, headers, redirect: "manual" });
    jar.store(url, res);
    if (res.status >= 300 && res.status < 400) {
      await res.body?.cancel();
      const next = new URL(res.headers.get("Location")!, url);
      if (next.href.startsWith(CALLBACK)) return next;
      url = next;
      init = {};
      continue;
    }
    const html = await res.text();
    assert.equal(res.status, 200, `the provider answered ${res.status}: ${html.slice(0, 500)}`);
    const form = /<form[^>]*action="([^"]+)"[^>]*method="post"[^>]*>([\s\S]*?)<\/form>/.exec(html);
    assert.ok(form, `a form on the provider's page: ${html.slice(0, 500)}`);
    const prompt = /name="prompt" value="([^"]+)"/.exec(form[2]!)?.[1];
    const fields = new URLSearchParams({ prompt: prompt! });
    if (prompt === "login") {
      fields.set("login", login);
      fields.set("password", "any password");
    } else {
      assert.equal(prompt, "consent");
    }
    url = new URL(unescapeHtml(form[1]!), url);
    init = { method: "POST", body: fields };
  }
  throw new Error("the provider did not redirect back to the app");
}

/** The value of cookie `name` among a response's Set-Cookie lines, with its attributes. */
function setCookie(res: Response, name: string): { value: string; attributes: string[] } | null {
  for (const line of res.headers.getSetCookie()) {
    const [pair, ...attributes] = line.split(";").map((part) => part.trim());
    if (pair!.startsWith(`${name}=`)) {
      return { value: pair!.slice(name.length + 1), attributes };
    }
  }
  return null;
}

interface Started {
  authorize: URL;
  state: string;
}

/** Opens the app's SSO start and checks the redirect it answers with. */
async function startSignIn(t: TestApp, idp: Idp): Promise<Started> {
  const res = await t.fetch("/api/v1/auth/oidc/start");
  assert.equal(res.status, 302);
  await res.body?.cancel();
  const authorize = new URL(res.headers.get("Location")!);
  assert.equal(authorize.origin, idp.issuer, "the browser is sent to the provider");
  const q = authorize.searchParams;
  assert.equal(q.get("client_id"), CLIENT_ID);
  assert.equal(q.get("redirect_uri"), CALLBACK);
  assert.equal(q.get("response_type"), "code");
  assert.match(q.get("code_challenge") ?? "", /^[A-Za-z0-9_-]{43}$/);
  assert.equal(q.get("code_challenge_method"), "S256");
  assert.ok((q.get("state") ?? "").length >= 20, "a random state");
  assert.ok((q.get("nonce") ?? "").length >= 20, "a random nonce");
  const cookie = setCookie(res, "parta_oidc");
  assert.ok(cookie, "the flow is bound to the browser by a cookie");
  assert.equal(cookie.value, q.get("state"));
  assert.ok(cookie.attributes.includes("HttpOnly"));
  assert.ok(cookie.attributes.includes("SameSite=Lax"));
  assert.ok(cookie.attributes.includes("Path=/api/v1/auth/oidc"));
  return { authorize, state: cookie.value };
}

/** Opens the app's callback with the provider's answer, carrying `state` in the flow cookie. */
async function callback(t: TestApp, returned: URL, state: string | null): Promise<Response> {
  const res = await t.fetch(returned.pathname + returned.search, {
    headers: state === null ? {} : { Cookie: `parta_oidc=${state}` },
  });
  await res.body?.cancel();
  return res;
}

function assertRefused(res: Response): void {
  assert.equal(res.status, 302);
  assert.equal(res.headers.get("Location"), "/signin?error=sso_failed");
  assert.equal(setCookie(res, "parta_session"), null, "no session is started");
}

Deno.test("single sign-on through a real OIDC provider starts a cookie session for its verified email", async () => {
  await using idp = await startProvider();
  await using t = await testApp({ env: idp.env });

  const providers = await json(t, "GET", "/auth/providers");
  assert.deepEqual(providers.body, { oidc: true });

  const { authorize, state } = await startSignIn(t, idp);
  const returned = await authorizeAtProvider(authorize, "masha");
  assert.equal(returned.searchParams.get("state"), state);
  assert.ok(returned.searchParams.get("code"), "the provider returns a code");

  const done = await callback(t, returned, state);
  assert.equal(done.status, 302);
  assert.equal(done.headers.get("Location"), "/profile", "a new user picks a display name first");
  const session = setCookie(done, "parta_session");
  assert.ok(session, "a session cookie is set");
  assert.ok(session.attributes.includes("HttpOnly"));
  assert.ok(session.attributes.includes("SameSite=Lax"));
  assert.ok(!session.attributes.includes("Secure"), "the app is served over http here");
  const flowCookie = setCookie(done, "parta_oidc");
  assert.ok(flowCookie && flowCookie.value === "", "the flow cookie is cleared");

  const me = await t.fetch("/api/v1/me", { headers: { Cookie: `parta_session=${session.value}` } });
  assert.equal(me.status, 200);
  const body = await me.json();
  assert.equal(body.user.email, "masha.sso@school.test");
  assert.equal(body.user.displayName, null);
});

Deno.test("an OIDC callback whose state differs from the browser's flow cookie does not sign in", async () => {
  await using idp = await startProvider();
  await using t = await testApp({ env: idp.env });

  const victim = await startSignIn(t, idp);
  const attacker = await startSignIn(t, idp);
  const returned = await authorizeAtProvider(attacker.authorize, "masha");

  assertRefused(await callback(t, returned, victim.state));
  assertRefused(await callback(t, returned, null));
  assertRefused(await callback(t, new URL(`${CALLBACK}?code=x&state=${victim.state}`), "forged"));
});

Deno.test("a replayed OIDC callback does not sign in a second time", async () => {
  await using idp = await startProvider();
  await using t = await testApp({ env: idp.env });

  const { authorize, state } = await startSignIn(t, idp);
  const returned = await authorizeAtProvider(authorize, "masha");
  const first = await callback(t, returned, state);
  assert.equal(first.status, 302);
  assert.ok(setCookie(first, "parta_session")?.value, "the first callback signs in");

  assertRefused(await callback(t, returned, state));
});

Deno.test("single sign-on refuses an email the provider has not verified", async () => {
  await using idp = await startProvider();
  await using t = await testApp({ env: idp.env });

  const { authorize, state } = await startSignIn(t, idp);
  const returned = await authorizeAtProvider(authorize, "unverified");
  assertRefused(await callback(t, returned, state));
});

Deno.test("an unreachable OIDC provider makes the sign-in start answer 503 sso_unavailable", async () => {
  const idp = await startProvider();
  await idp[Symbol.asyncDispose]();
  await using t = await testApp({ env: idp.env });

  const res = await json<{ error: { code: string } }>(t, "GET", "/auth/oidc/start");
  assert.equal(res.status, 503);
  assert.equal(res.body.error.code, "sso_unavailable");
});

Deno.test("without OIDC configuration the SSO routes say so and answer 404", async () => {
  await using t = await testApp();

  const providers = await json(t, "GET", "/auth/providers");
  assert.equal(providers.status, 200);
  assert.deepEqual(providers.body, { oidc: false });
  const start = await json<{ error: { code: string } }>(t, "GET", "/auth/oidc/start");
  assert.equal(start.status, 404);
  assert.equal(start.body.error.code, "not_found");
  const back = await json(t, "GET", "/auth/oidc/callback?code=x&state=y");
  assert.equal(back.status, 404);
});
