import assert from "node:assert/strict";
import { listOutbox } from "../platform/mail.ts";
import {
  call,
  createSchool,
  json,
  lastCode,
  ORIGIN,
  signIn,
  type TestApp,
  testApp,
} from "./helpers.ts";

type ErrorBody = { error: { code: string; message: string; field?: string } };
type Verified = { user: { id: string; displayName: string | null; email: string }; token: string };

async function requestCode(t: TestApp, email: string, address?: string): Promise<Response> {
  const res = await t.fetch("/api/v1/auth/code", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ email }),
    address,
  });
  await res.body?.cancel();
  return res;
}

function verify(t: TestApp, email: string, code: string) {
  return json<Verified & ErrorBody>(t, "POST", "/auth/verify", null, { email, code });
}

/** A six-digit code that is not `code`. */
const wrong = (code: string) => String((Number(code) + 1) % 1_000_000).padStart(6, "0");

function assertError(
  res: { status: number; body: unknown },
  status: number,
  code: string,
  field?: string,
  context = "",
) {
  assert.equal(res.status, status, `${context} ${JSON.stringify(res.body)}`);
  const { error } = res.body as ErrorBody;
  assert.equal(error.code, code, context);
  assert.equal(typeof error.message, "string");
  if (field !== undefined) assert.equal(error.field, field);
}

/** A request authenticated by the session cookie, the way a browser sends it. */
function withCookie(
  t: TestApp,
  method: string,
  path: string,
  token: string,
  headers: Record<string, string> = {},
  body?: unknown,
): Promise<Response> {
  return t.fetch(`/api/v1${path}`, {
    method,
    headers: {
      Cookie: `parta_session=${token}`,
      ...(body === undefined ? {} : { "Content-Type": "application/json" }),
      ...headers,
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

async function statusOf(res: Promise<Response>): Promise<number> {
  const r = await res;
  await r.body?.cancel();
  return r.status;
}

Deno.test("the code mail holds the code as its only run of six digits", async () => {
  await using t = await testApp();
  assert.equal((await requestCode(t, "Pupil@School.test")).status, 202);
  const [mail] = await listOutbox(t.kv, "pupil@school.test");
  assert.ok(mail, "a mail was sent to the lower-cased address");
  const runs = mail.text.match(/\d+/g)!.filter((run) => run.length >= 6);
  assert.equal(runs.length, 1, mail.text);
  assert.match(runs[0]!, /^\d{6}$/);
  assert.equal(runs[0], await lastCode(t, "pupil@school.test"));
});

Deno.test("verify creates the user with no display name and answers the token", async () => {
  await using t = await testApp();
  await requestCode(t, "new@school.test");
  const res = await verify(t, "new@school.test", await lastCode(t, "new@school.test"));
  assert.equal(res.status, 200);
  assert.equal(res.body.user.displayName, null);
  assert.equal(res.body.user.email, "new@school.test");
  assert.match(res.body.user.id, /^[0-9A-HJKMNP-TV-Z]{26}$/);
  assert.equal(typeof res.body.token, "string");
  const me = await json<{ user: Verified["user"] }>(t, "GET", "/me", res.body.token);
  assert.equal(me.status, 200);
  assert.equal(me.body.user.id, res.body.user.id);
  assert.equal(me.body.user.displayName, null);
});

Deno.test("a wrong code is 400 invalid_code naming the code field", async () => {
  await using t = await testApp();
  await requestCode(t, "a@school.test");
  const code = await lastCode(t, "a@school.test");
  assertError(await verify(t, "a@school.test", wrong(code)), 400, "invalid_code", "code");
  assert.equal((await verify(t, "a@school.test", code)).status, 200);
});

Deno.test("after five wrong attempts from an address the right code is refused there too", async () => {
  await using t = await testApp();
  await requestCode(t, "a@school.test");
  const code = await lastCode(t, "a@school.test");
  for (let i = 0; i < 5; i++) {
    assertError(await verify(t, "a@school.test", wrong(code)), 400, "invalid_code", "code");
  }
  assertError(await verify(t, "a@school.test", code), 400, "invalid_code", "code");
});

Deno.test("a code is refused once ten minutes have passed", async () => {
  await using t = await testApp();
  await requestCode(t, "a@school.test");
  const code = await lastCode(t, "a@school.test");
  t.clock.advance(10 * 60_000);
  assertError(await verify(t, "a@school.test", code), 400, "invalid_code", "code");
});

Deno.test("a used code cannot be used again", async () => {
  await using t = await testApp();
  await requestCode(t, "a@school.test");
  const code = await lastCode(t, "a@school.test");
  assert.equal((await verify(t, "a@school.test", code)).status, 200);
  assertError(await verify(t, "a@school.test", code), 400, "invalid_code", "code");
});

Deno.test("a sixth code for one email within 15 minutes is 429 until the window passes", async () => {
  await using t = await testApp();
  // From five addresses: one address may ask for only three of the email's five.
  for (let i = 0; i < 5; i++) {
    assert.equal((await requestCode(t, "a@school.test", `192.0.2.${i}`)).status, 202);
    t.clock.advance(60_000);
  }
  const refused = await json<ErrorBody>(t, "POST", "/auth/code", null, { email: "a@school.test" });
  assertError(refused, 429, "rate_limited");
  const retryAfter = refused.headers.get("Retry-After");
  assert.match(retryAfter ?? "", /^\d+$/, "Retry-After is whole seconds");
  assert.ok(Number(retryAfter) >= 1);
  assert.ok(Number(retryAfter) <= 15 * 60);
  assert.equal(
    (await requestCode(t, "other@school.test")).status,
    202,
    "other emails are not affected",
  );

  t.clock.advance(Number(retryAfter) * 1000);
  assert.equal((await requestCode(t, "a@school.test")).status, 202);
});

Deno.test("guessing codes for one email is eventually refused with 429", async () => {
  await using t = await testApp();
  let limited: { status: number; body: unknown; headers: Headers } | null = null;
  for (let round = 0; round < 20 && !limited; round++) {
    // Each new code allows five guesses from one address; come back for a new one every window.
    t.clock.advance(15 * 60_000);
    await requestCode(t, "victim@school.test");
    for (let i = 0; i < 5 && !limited; i++) {
      const res = await verify(t, "victim@school.test", String(100000 + round * 5 + i));
      if (res.status === 429) limited = res;
      else assertError(res, 400, "invalid_code", "code");
    }
  }
  assert.ok(limited, "guessing was never limited");
  assertError(limited, 429, "rate_limited");
  assert.ok(Number(limited.headers.get("Retry-After")) >= 1);
});

Deno.test("one client address may ask for at least 100 codes and 100 verifies", async () => {
  await using t = await testApp();
  // 100 for new accounts (the most an address may ask for them) and 10 for existing ones.
  for (let i = 100; i < 110; i++) await signIn(t, `pupil${i}@school.test`);
  for (let i = 0; i < 110; i++) {
    const res = await requestCode(t, `pupil${i}@school.test`, "192.0.2.7");
    assert.equal(res.status, 202, `code request ${i + 1}`);
  }
  for (let i = 0; i < 110; i++) {
    const res = await t.fetch("/api/v1/auth/verify", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ email: `pupil${i}@school.test`, code: "000000x" }),
      address: "192.0.2.7",
    });
    const body = await res.json() as ErrorBody;
    assert.equal(res.status, 400, `verify ${i + 1}: ${JSON.stringify(body)}`);
    assert.equal(body.error.code, "invalid_code");
  }
});

Deno.test("signing in again ends the bearer session sent along with verify", async () => {
  await using t = await testApp();
  const before = await signIn(t, "a@school.test");
  await requestCode(t, "a@school.test");
  const res = await json<Verified>(t, "POST", "/auth/verify", before, {
    email: "a@school.test",
    code: await lastCode(t, "a@school.test"),
  });
  assert.equal(res.status, 200);
  assert.notEqual(res.body.token, before);
  assertError(await json(t, "GET", "/me", before), 401, "unauthenticated");
  assert.equal((await call(t, "GET", "/me", res.body.token)).status, 200);
});

Deno.test("signing in again ends the cookie session sent along with verify", async () => {
  await using t = await testApp();
  const before = await signIn(t, "a@school.test");
  await requestCode(t, "a@school.test");
  const res = await withCookie(t, "POST", "/auth/verify", before, { Origin: ORIGIN }, {
    email: "a@school.test",
    code: await lastCode(t, "a@school.test"),
  });
  assert.equal(res.status, 200);
  const { token } = await res.json() as Verified;
  assert.notEqual(token, before);
  assert.equal(await statusOf(withCookie(t, "GET", "/me", before)), 401);
  assert.equal(await statusOf(withCookie(t, "GET", "/me", token)), 200);
});

Deno.test("logout revokes the session", async () => {
  await using t = await testApp();
  const token = await signIn(t, "a@school.test");
  const other = await signIn(t, "b@school.test");
  const out = await call(t, "POST", "/auth/logout", token);
  assert.equal(out.status, 204);
  assertError(await json(t, "GET", "/me", token), 401, "unauthenticated");
  assert.equal((await call(t, "GET", "/me", other)).status, 200, "other sessions live on");
});

Deno.test("logout by cookie revokes the session and clears the cookie", async () => {
  await using t = await testApp();
  const token = await signIn(t, "a@school.test");
  const out = await withCookie(t, "POST", "/auth/logout", token, { Origin: ORIGIN });
  assert.equal(out.status, 204);
  assert.match(out.headers.get("Set-Cookie") ?? "", /parta_session=;.*Max-Age=0/i);
  assert.equal(await statusOf(withCookie(t, "GET", "/me", token)), 401);
});

Deno.test("the session cookie is HttpOnly, SameSite=Lax, Path=/ and carries the token", async () => {
  await using t = await testApp();
  await requestCode(t, "a@school.test");
  const res = await call(t, "POST", "/auth/verify", null, {
    email: "a@school.test",
    code: await lastCode(t, "a@school.test"),
  });
  const { token } = await res.json() as Verified;
  const cookie = res.headers.get("Set-Cookie") ?? "";
  const [pair, ...attributes] = cookie.split(";").map((s) => s.trim());
  assert.equal(pair, `parta_session=${token}`);
  const lower = attributes.map((a) => a.toLowerCase());
  assert.ok(lower.includes("httponly"), cookie);
  assert.ok(lower.includes("samesite=lax"), cookie);
  assert.ok(lower.includes("path=/"), cookie);
  assert.ok(!lower.includes("secure"), "no Secure flag over plain http");
  assert.equal(await statusOf(withCookie(t, "GET", "/me", token)), 200);
});

Deno.test("the session cookie is Secure when the app is served over https", async () => {
  await using t = await testApp({ env: { APP_ORIGIN: "https://parta.example" } });
  await requestCode(t, "a@school.test");
  const res = await call(t, "POST", "/auth/verify", null, {
    email: "a@school.test",
    code: await lastCode(t, "a@school.test"),
  });
  assert.equal(res.status, 200);
  await res.body?.cancel();
  const attributes = (res.headers.get("Set-Cookie") ?? "").toLowerCase().split(";").map((s) =>
    s.trim()
  );
  assert.ok(attributes.includes("secure"));
});

Deno.test("cookie-authenticated writes from a foreign origin or without origin are 403 csrf", async () => {
  await using t = await testApp();
  const token = await signIn(t, "a@school.test", "Аня");
  const cases: [string, Record<string, string>][] = [
    ["no Origin", {}],
    ["foreign Origin", { Origin: "https://evil.test" }],
    ["Origin null", { Origin: "null" }],
    ["look-alike Origin", { Origin: "http://parta.test.evil.test" }],
    ["cross-site fetch", { "Sec-Fetch-Site": "cross-site" }],
    ["same-site fetch", { "Sec-Fetch-Site": "same-site" }],
  ];
  for (const [name, headers] of cases) {
    for (
      const [method, path, body] of [
        ["PATCH", "/me", { displayName: "Взлом" }],
        ["POST", "/auth/logout", undefined],
        ["POST", "/orgs/01J0000000000000000000000A/classes", { name: "5А" }],
        ["DELETE", "/invites/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", undefined],
      ] as const
    ) {
      const res = await withCookie(t, method, path, token, headers, body);
      const answer = { status: res.status, body: await res.json() };
      assertError(answer, 403, "csrf", undefined, `${name}: ${method} ${path}`);
    }
  }
  const me = await json<{ user: { displayName: string } }>(t, "GET", "/me", token);
  assert.equal(me.body.user.displayName, "Аня", "nothing changed");
  assert.equal(me.status, 200, "the session was not ended");
});

Deno.test("cookie-authenticated writes from the app's origin work", async () => {
  await using t = await testApp();
  const { orgId, admin: token } = await createSchool(t);
  const cls = await withCookie(t, "POST", `/orgs/${orgId}/classes`, token, { Origin: ORIGIN }, {
    name: "5А",
  });
  assert.equal(cls.status, 201);
  await cls.body?.cancel();
  const sameOrigin: Record<string, string>[] = [
    { Origin: ORIGIN },
    { "Sec-Fetch-Site": "same-origin" },
  ];
  for (const headers of sameOrigin) {
    const link = await json<{ token: string }>(t, "POST", `/orgs/${orgId}/invites`, token, {
      role: "parent",
    });
    const revoked = await withCookie(t, "DELETE", `/invites/${link.body.token}`, token, headers);
    assert.equal(revoked.status, 204, JSON.stringify(headers));
    assert.equal((await json(t, "GET", `/invites/${link.body.token}`)).status, 410);
  }

  const fromOrigin = await withCookie(t, "PATCH", "/me", token, { Origin: ORIGIN }, {
    displayName: "Анна",
  });
  assert.equal(fromOrigin.status, 200);
  assert.equal((await fromOrigin.json()).user.displayName, "Анна");

  const sameOriginFetch = await withCookie(t, "PATCH", "/me", token, {
    "Sec-Fetch-Site": "same-origin",
  }, { displayName: "Аннушка" });
  assert.equal(sameOriginFetch.status, 200);
  assert.equal((await sameOriginFetch.json()).user.displayName, "Аннушка");

  const out = await withCookie(t, "POST", "/auth/logout", token, {
    Origin: ORIGIN,
    "Sec-Fetch-Site": "same-origin",
  });
  assert.equal(out.status, 204);
});

Deno.test("bearer-token writes need no Origin, even with a foreign one", async () => {
  await using t = await testApp();
  const token = await signIn(t, "a@school.test");
  const plain = await json<{ user: { displayName: string } }>(t, "PATCH", "/me", token, {
    displayName: "Аня",
  });
  assert.equal(plain.status, 200);
  assert.equal(plain.body.user.displayName, "Аня");
  const foreign = await call(t, "PATCH", "/me", token, { displayName: "Анна" }, {
    Origin: "https://client.example",
    "Sec-Fetch-Site": "cross-site",
  });
  assert.equal(foreign.status, 200);
  await foreign.body?.cancel();
});

Deno.test("PATCH /me takes a display name of 1 to 80 characters", async () => {
  await using t = await testApp();
  const token = await signIn(t, "a@school.test");
  const longest = "я".repeat(80);
  const ok = await json<{ user: { displayName: string } }>(t, "PATCH", "/me", token, {
    displayName: `  ${longest}  `,
  });
  assert.equal(ok.status, 200);
  assert.equal(ok.body.user.displayName, longest, "trimmed, counted in characters");

  for (const displayName of ["я".repeat(81), "", "   ", 42, null, "a\u0000b", "\ud800"]) {
    const res = await json(t, "PATCH", "/me", token, { displayName });
    assertError(res, 400, "invalid_input", "displayName");
  }
  const me = await json<{ user: { displayName: string } }>(t, "GET", "/me", token);
  assert.equal(me.body.user.displayName, longest, "refused names changed nothing");
});

Deno.test("GET /me answers the user, the operator flag and the schools", async () => {
  await using t = await testApp();
  assertError(await json(t, "GET", "/me"), 401, "unauthenticated");
  const token = await signIn(t, "a@school.test", "Аня");
  const me = await json<{
    user: Record<string, unknown>;
    operator: boolean;
    orgs: unknown[];
  }>(t, "GET", "/me", token);
  assert.equal(me.status, 200);
  const { id, displayName, email } = me.body.user;
  assert.match(String(id), /^[0-9A-HJKMNP-TV-Z]{26}$/);
  assert.deepEqual({ displayName, email }, { displayName: "Аня", email: "a@school.test" });
  assert.equal(me.body.operator, false);
  assert.deepEqual(me.body.orgs, []);
});

Deno.test("behind a trusted proxy, an over-long or forged X-Forwarded-For is no 500", async () => {
  await using t = await testApp({ env: { TRUST_PROXY: "1" } });
  for (const forwarded of ["x".repeat(3000), "1".repeat(5000) + ", 10.0.0.9", "<script>", ""]) {
    const res = await t.fetch("/api/v1/auth/code", {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-Forwarded-For": forwarded },
      body: JSON.stringify({ email: "proxied@school.test" }),
    });
    await res.body?.cancel();
    assert.equal(res.status, 202, forwarded.slice(0, 20));
  }
});

Deno.test("behind a trusted proxy, the forwarded client address is what is rate limited", async () => {
  await using t = await testApp({ env: { TRUST_PROXY: "1" } });
  const send = async (email: string, forwarded: string) => {
    const res = await t.fetch("/api/v1/auth/code", {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-Forwarded-For": forwarded },
      body: JSON.stringify({ email }),
    });
    await res.body?.cancel();
    return res.status;
  };
  // The per-address bucket of one forwarded client fills without touching another's.
  let limitedAfter = 0;
  for (let i = 0; i < 2000 && !limitedAfter; i++) {
    if (await send(`p${i}@school.test`, "10.0.0.1, 203.0.113.5") === 429) limitedAfter = i;
  }
  assert.ok(limitedAfter >= 100, `limited after ${limitedAfter} requests`);
  assert.equal(await send("fresh@school.test", "10.0.0.1, 203.0.113.6"), 202);
});

Deno.test("concurrent code requests for one email are limited to five", async () => {
  await using t = await testApp();
  const statuses = await Promise.all(
    Array.from(
      { length: 12 },
      (_, i) => requestCode(t, "busy@school.test", `192.0.2.${i}`).then((r) => r.status),
    ),
  );
  assert.equal(statuses.filter((s) => s === 202).length, 5, statuses.join(","));
  assert.equal(statuses.filter((s) => s === 429).length, 7, statuses.join(","));
});

Deno.test("one code verified twice at once signs in only once", async () => {
  await using t = await testApp();
  await using other = await testApp({ kv: t.kv });
  await requestCode(t, "a@school.test");
  const code = await lastCode(t, "a@school.test");
  const [one, two] = await Promise.all([
    verify(t, "a@school.test", code),
    verify(other, "a@school.test", code),
  ]);
  assert.deepEqual([one.status, two.status].sort(), [200, 400]);
  const users = [];
  for await (const e of t.kv.list({ prefix: ["users"] })) users.push(e.key);
  assert.equal(users.length, 1, "one user, not two");
});
