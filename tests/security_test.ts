/**
 * Web attacks, in-process: cross-site WebSocket hijacking, CSRF on every state-changing route
 * (enumerated from the router, so a new route cannot be forgotten), session fixation, invite and
 * sign-in code guessing (with the guesses an attacker gets printed), and the security headers of
 * every page, API answer, error answer and file download.
 */
import assert from "node:assert/strict";
import { Hono } from "hono";
import { createApp } from "../routes/app.ts";
import type { AppEnv } from "../routes/context.ts";
import { errorResponse, ownOrigins, securityHeaders } from "../routes/http.ts";
import { ApiError, errorText } from "../shared/api_client.ts";
import { keys } from "../platform/kv_keys.ts";
import { sha256Hex } from "../shared/ids.ts";
import {
  call,
  createSchool,
  joinAs,
  json,
  lastCode,
  ORIGIN,
  serve,
  signIn,
  type TestApp,
  testApp,
} from "./helpers.ts";
import { connect, type WsClient } from "./ws_client.ts";
import { CLOSE, type ServerFrame } from "../shared/wire.ts";

type ErrorBody = { error: { code: string; message: string; field?: string } };

const UNSAFE = new Set(["POST", "PUT", "PATCH", "DELETE"]);
const WINDOW_MS = 15 * 60_000;

/** Origins a hostile page (or a careless proxy) could present instead of the app's own. */
const HOSTILE_ORIGINS = [
  "https://evil.test",
  "null",
  "http://parta.test.evil.com",
  "http://evil-parta.test",
  "http://parta.test:8080",
  "https://parta.test",
  "http://sub.parta.test",
  "HTTP://PARTA.TEST",
  "http://parta.tes",
  `${ORIGIN}/`,
  `${ORIGIN}.`,
] as const;

// ── Fixture ──────────────────────────────────────────────────────────────────────────────────

interface Fixture {
  orgId: string;
  admin: string;
  adminId: string;
  classId: string;
  teacher: { token: string; id: string };
  student: { token: string; id: string };
  chatId: string;
  seq: number;
  pollSeq: number;
  invite: string;
  chatInvite: string;
  applicationId: string;
  fileId: string;
  imageId: string;
}

const PNG_1x1 = Uint8Array.from(
  atob(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==",
  ),
  (c) => c.charCodeAt(0),
);

async function upload(t: TestApp, token: string, chatId: string, bytes: Uint8Array, name: string) {
  const form = new FormData();
  form.append("file", new File([new Uint8Array(bytes)], name));
  const res = await t.fetch(`/api/v1/chats/${chatId}/files`, {
    method: "POST",
    headers: { Authorization: `Bearer ${token}` },
    body: form,
  });
  const body = await res.json();
  assert.equal(res.status, 201, JSON.stringify(body));
  return body.file as { id: string };
}

async function setUp(t: TestApp): Promise<Fixture> {
  const school = await createSchool(t, "Лицей безопасности");
  const cls = await json<{ id: string }>(t, "POST", `/orgs/${school.orgId}/classes`, school.admin, {
    name: "7Б",
  });
  const teacher = await joinAs(t, school.admin, school.orgId, "teacher", "Учитель", {
    classId: cls.body.id,
  });
  const student = await joinAs(t, school.admin, school.orgId, "student", "Ученик", {
    classId: cls.body.id,
  });
  const chat = await json<{ chat: { id: string } }>(
    t,
    "POST",
    `/orgs/${school.orgId}/chats`,
    school.admin,
    { kind: "group", title: "7Б", memberIds: [teacher.id, student.id] },
  );
  assert.equal(chat.status, 201);
  const chatId = chat.body.chat.id;
  const sent = await json<{ message: { seq: number } }>(
    t,
    "POST",
    `/chats/${chatId}/messages`,
    school.admin,
    { clientId: "fixture-1", text: "Добрый день" },
  );
  const poll = await json<{ message: { seq: number } }>(
    t,
    "POST",
    `/chats/${chatId}/polls`,
    school.admin,
    { clientId: "fixture-poll", question: "Когда?", options: ["Сегодня", "Завтра"] },
  );
  assert.equal(poll.status, 201);
  const invite = await json<{ token: string }>(
    t,
    "POST",
    `/orgs/${school.orgId}/invites`,
    school.admin,
    {
      role: "parent",
    },
  );
  const chatInvite = await json<{ token: string }>(
    t,
    "POST",
    `/chats/${chatId}/invites`,
    school.admin,
    {},
  );
  assert.equal(chatInvite.status, 201);
  const applied = await json<{ id: string }>(t, "POST", "/org-applications", null, {
    schoolName: "Другая школа",
    region: "Тверь",
    adminName: "Директор",
    adminEmail: "director@other.test",
    adminPhone: "+7 900 000-00-00",
  });
  assert.equal(applied.status, 201);
  const file = await upload(
    t,
    school.admin,
    chatId,
    new TextEncoder().encode("<html><script>alert(1)</script>"),
    "page.html",
  );
  const image = await upload(t, school.admin, chatId, PNG_1x1, "dot.png");
  const withFiles = await json(t, "POST", `/chats/${chatId}/messages`, school.admin, {
    clientId: "fixture-files",
    text: "Файлы",
    fileIds: [file.id, image.id],
  });
  assert.equal(withFiles.status, 201, JSON.stringify(withFiles.body));
  return {
    orgId: school.orgId,
    admin: school.admin,
    adminId: school.adminId,
    classId: cls.body.id,
    teacher,
    student,
    chatId,
    seq: sent.body.message.seq,
    pollSeq: poll.body.message.seq,
    invite: invite.body.token,
    chatInvite: chatInvite.body.token,
    applicationId: applied.body.id,
    fileId: file.id,
    imageId: image.id,
  };
}

const RANDOM_ULID = "01JAAAAAAAAAAAAAAAAAAAAAAA";

/** Fills a route pattern's parameters with the fixture's real ids; unknown ones fail loudly. */
function fill(path: string, fx: Fixture): string {
  return path.replace(/:(\w+)/g, (_, name: string) => {
    switch (name) {
      case "orgId":
        return fx.orgId;
      case "classId":
        return fx.classId;
      case "userId":
        return fx.student.id;
      case "chatId":
        return fx.chatId;
      case "seq":
        return String(path.includes("/polls/") ? fx.pollSeq : fx.seq);
      case "emoji":
        return encodeURIComponent("👍");
      case "token":
        return fx.invite;
      case "id":
        return fx.applicationId;
      case "callId":
      case "guestId":
        return RANDOM_ULID;
      case "fileId":
        return fx.fileId;
      case "name":
        return path.startsWith("/static/build/") ? builtAsset() : "icon.svg";
      default:
        throw new Error(`route ${path}: no fixture value for :${name}; add one to fill()`);
    }
  });
}

function builtAsset(): string {
  const manifest = JSON.parse(
    Deno.readTextFileSync(new URL("../static/build/manifest.json", import.meta.url)),
  ) as Record<string, string>;
  return manifest["app.css"]!;
}

/** The app's routes from its router, one per method and path, without middleware entries. */
function routesOf(t: TestApp): { method: string; path: string }[] {
  const seen = new Set<string>();
  const out: { method: string; path: string }[] = [];
  for (const r of createApp(t.deps).routes) {
    if (r.method === "ALL" || r.path.endsWith("*")) continue;
    const id = `${r.method} ${r.path}`;
    if (seen.has(id)) continue;
    seen.add(id);
    out.push({ method: r.method, path: r.path });
  }
  return out;
}

/** Every KV entry as key → versionstamp: any write, even of an equal value, shows. */
async function snapshot(kv: Deno.Kv): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for await (const e of kv.list({ prefix: [] }, { batchSize: 1000 })) {
    out.set(JSON.stringify(e.key), e.versionstamp);
  }
  return out;
}

function changes(before: Map<string, string>, after: Map<string, string>): string[] {
  const out: string[] = [];
  for (const [k, v] of after) {
    if (before.get(k) !== v) out.push(`${before.has(k) ? "~" : "+"} ${k}`);
  }
  for (const k of before.keys()) if (!after.has(k)) out.push(`- ${k}`);
  return out;
}

/** A browser-like request: the session cookie, plus whatever headers the case adds. */
function browserRequest(
  t: TestApp,
  method: string,
  path: string,
  cookie: string | null,
  headers: Record<string, string>,
): Promise<Response> {
  return t.fetch(path, {
    method,
    headers: {
      ...(cookie ? { Cookie: `parta_session=${cookie}` } : {}),
      "Content-Type": "application/json",
      ...headers,
    },
    body: method === "GET" ? undefined : JSON.stringify({ name: "x", text: "x", reason: "x" }),
  });
}

// ── CSRF ─────────────────────────────────────────────────────────────────────────────────────

Deno.test("every state-changing route refuses cookie requests from foreign, null, look-alike or missing origins with 403 csrf and changes nothing", async () => {
  await using t = await testApp();
  const fx = await setUp(t);
  await t.deps.effects.drain();
  const routes = routesOf(t).filter((r) => UNSAFE.has(r.method) && r.path.startsWith("/api/v1/"));
  assert.ok(routes.length >= 40, `only ${routes.length} state-changing routes found`);
  const cases: [string, Record<string, string>, boolean][] = [
    ...HOSTILE_ORIGINS.map((o): [string, Record<string, string>, boolean] => [
      `Origin ${o}`,
      { Origin: o },
      true,
    ]),
    ["no Origin", {}, false],
    ["no Origin, Sec-Fetch-Site none", { "Sec-Fetch-Site": "none" }, false],
    ["Sec-Fetch-Site cross-site", { "Sec-Fetch-Site": "cross-site" }, true],
    ["Sec-Fetch-Site same-site", { "Sec-Fetch-Site": "same-site" }, true],
    ["app Origin but cross-site fetch", { Origin: ORIGIN, "Sec-Fetch-Site": "cross-site" }, true],
    ["form post from a foreign page", {
      Origin: "https://evil.test",
      "Content-Type": "application/x-www-form-urlencoded",
    }, true],
  ];
  let requests = 0;
  for (const route of routes) {
    const path = fill(route.path, fx);
    const before = await snapshot(t.kv);
    for (const [name, headers, refusedWithoutCookie] of cases) {
      // With the cookie every case is refused; without it, the foreign ones still are.
      for (const cookie of refusedWithoutCookie ? [fx.admin, null] : [fx.admin]) {
        const res = await browserRequest(t, route.method, path, cookie, headers);
        requests++;
        const body = await res.json() as ErrorBody;
        const context = `${route.method} ${route.path}, ${name}${cookie ? " with cookie" : ""}`;
        assert.equal(res.status, 403, `${context}: ${JSON.stringify(body)}`);
        assert.equal(body.error.code, "csrf", context);
      }
    }
    assert.deepEqual(changes(before, await snapshot(t.kv)), [], `${route.method} ${route.path}`);
  }
  console.log(
    `CSRF: ${routes.length} state-changing routes × ${cases.length} origin cases: ${requests} requests, all 403 csrf, nothing changed`,
  );

  // The app's own pages get through (to whatever the route answers); logout last.
  routes.sort((a, b) =>
    Number(a.path === "/api/v1/auth/logout") - Number(b.path === "/api/v1/auth/logout")
  );
  for (const route of routes) {
    for (
      const headers of [{ Origin: ORIGIN }, { "Sec-Fetch-Site": "same-origin" }] as Record<
        string,
        string
      >[]
    ) {
      const res = await browserRequest(t, route.method, fill(route.path, fx), fx.admin, headers);
      const text = await res.text();
      const code = res.status === 403 ? (JSON.parse(text) as ErrorBody).error.code : null;
      assert.notEqual(code, "csrf", `${route.method} ${route.path} ${JSON.stringify(headers)}`);
    }
  }
});

Deno.test("login CSRF: signing in from a foreign page is refused and makes no session", async () => {
  await using t = await testApp();
  await call(t, "POST", "/auth/code", null, { email: "attacker@evil.test" });
  const code = await lastCode(t, "attacker@evil.test");
  const res = await t.fetch("/api/v1/auth/verify", {
    method: "POST",
    headers: { Origin: "https://evil.test", "Content-Type": "text/plain" },
    body: JSON.stringify({ email: "attacker@evil.test", code }),
  });
  assert.equal(res.status, 403);
  assert.equal(res.headers.get("Set-Cookie"), null, "no session cookie is planted");
  await res.body?.cancel();
  const sessions = await Array.fromAsync(t.kv.list({ prefix: ["sessions"] }));
  assert.equal(sessions.length, 0);
});

// ── Cross-site WebSocket hijacking ───────────────────────────────────────────────────────────

Deno.test("cross-site WebSocket hijacking: a socket from any other origin gets an error, close 1008 and no data", async () => {
  await using t = await testApp();
  const fx = await setUp(t);
  await using server = serve(t);
  const cookie = `parta_session=${fx.student.token}`;
  const before = await json<{ lastSeq: number }>(
    t,
    "GET",
    `/chats/${fx.chatId}/events?after=0`,
    fx.admin,
  );
  const origins: (string | null)[] = [...HOSTILE_ORIGINS, null];
  for (const origin of origins) {
    for (const first of ["hello", "send"] as const) {
      const headers: Record<string, string> = { Cookie: cookie };
      if (origin !== null) headers.Origin = origin;
      await using ws = await connect(server.wsUrl, headers);
      if (first === "hello") ws.send({ type: "hello", since: { [fx.chatId]: 0 } });
      else ws.send({ type: "send", chatId: fx.chatId, clientId: "hijack", text: "hijacked" });
      // Meanwhile the chat moves on: none of it may reach the hijacked socket.
      await call(t, "POST", `/chats/${fx.chatId}/messages`, fx.admin, {
        clientId: `during-${origin}-${first}`,
        text: "секрет",
      });
      const closed = await ws.closed;
      const context = `Origin ${origin ?? "(none)"}, first frame ${first}`;
      assert.equal(closed.code, 1008, context);
      assert.ok(ws.frames.length >= 1, `${context}: no error frame`);
      for (const f of ws.frames) {
        assert.equal(f.type, "error", `${context}: got ${JSON.stringify(f)}`);
        assert.equal((f as Extract<ServerFrame, { type: "error" }>).error.code, "unauthenticated");
      }
      assert.ok(!JSON.stringify(ws.frames).includes("секрет"), context);
    }
  }
  const after = await json<{ events: { type: string; message?: { clientId: string } }[] }>(
    t,
    "GET",
    `/chats/${fx.chatId}/events?after=${before.body.lastSeq}&limit=200`,
    fx.admin,
  );
  assert.ok(
    after.body.events.every((e) => e.message?.clientId !== "hijack"),
    "a hijacked socket sent nothing",
  );
  // The app's own origin still works with the same cookie.
  await using ws = await connect(server.wsUrl, { Cookie: cookie, Origin: ORIGIN });
  ws.send({ type: "hello" });
  await ws.next((f) => f.type === "ready");
  console.log(`WebSocket hijacking: ${origins.length} origins × 2 first frames refused with 1008`);
});

// ── Session fixation, token strength, logout ─────────────────────────────────────────────────

/** Bits a base64url token holds: whole bytes encoded by its length. */
const tokenBits = (token: string) => Math.floor((token.length * 6) / 8) * 8;

function assertRandomTokens(tokens: string[], what: string) {
  assert.equal(new Set(tokens).size, tokens.length, `${what}: repeated`);
  for (const token of tokens) {
    assert.match(token, /^[A-Za-z0-9_-]+$/, `${what}: base64url`);
    assert.ok(tokenBits(token) >= 128, `${what}: ${token} has under 128 bits`);
  }
  // Every position varies across tokens (no fixed prefix or counter).
  const length = Math.min(...tokens.map((t) => t.length));
  for (let i = 0; i < length; i++) {
    const chars = new Set(tokens.map((t) => t[i]));
    assert.ok(chars.size > tokens.length / 4, `${what}: position ${i} hardly varies`);
  }
}

async function verifyWithCookie(t: TestApp, email: string, planted: string) {
  await call(t, "POST", "/auth/code", null, { email });
  const res = await t.fetch("/api/v1/auth/verify", {
    method: "POST",
    headers: {
      Cookie: `parta_session=${planted}`,
      Origin: ORIGIN,
      "Content-Type": "application/json",
    },
    body: JSON.stringify({ email, code: await lastCode(t, email) }),
  });
  assert.equal(res.status, 200);
  const body = await res.json() as { token: string; user: { id: string } };
  return { ...body, setCookie: res.headers.get("Set-Cookie") ?? "" };
}

async function meByCookie(t: TestApp, token: string): Promise<number> {
  const res = await t.fetch("/api/v1/me", { headers: { Cookie: `parta_session=${token}` } });
  await res.body?.cancel();
  return res.status;
}

Deno.test("session fixation: a session planted before sign-in stops working after verify", async () => {
  await using t = await testApp();
  // The attacker's own valid session, tossed into the victim's browser.
  const attacker = await signIn(t, "attacker@school.test");
  const victim = await verifyWithCookie(t, "victim@school.test", attacker);
  assert.notEqual(victim.token, attacker);
  assert.ok(victim.setCookie.startsWith(`parta_session=${victim.token};`), victim.setCookie);
  assert.equal(await meByCookie(t, attacker), 401, "the planted session is gone");
  assert.equal((await call(t, "GET", "/me", attacker)).status, 401);
  assert.equal(await meByCookie(t, victim.token), 200);

  // A made-up token the attacker hopes the server adopts.
  const madeUp = "A".repeat(43);
  const other = await verifyWithCookie(t, "other@school.test", madeUp);
  assert.notEqual(other.token, madeUp);
  assert.equal(await meByCookie(t, madeUp), 401);

  // Tokens are stored only as hashes.
  const dump = JSON.stringify(
    await Array.fromAsync(t.kv.list({ prefix: [] })),
    (_, v) => typeof v === "bigint" ? String(v) : v,
  );
  assert.ok(!dump.includes(victim.token), "a session token is stored in the clear");
  assert.ok((await t.kv.get(keys.session(await sha256Hex(victim.token)))).value);
});

Deno.test("session and invite tokens carry at least 128 random bits", async () => {
  await using t = await testApp();
  const fx = await setUp(t);
  const sessions: string[] = [];
  for (let i = 0; i < 40; i++) sessions.push(await signIn(t, `s${i}@school.test`));
  assertRandomTokens(sessions, "session tokens");
  const invites: string[] = [];
  for (let i = 0; i < 20; i++) {
    const school = await json<{ token: string }>(t, "POST", `/orgs/${fx.orgId}/invites`, fx.admin, {
      role: "student",
    });
    const chat = await json<{ token: string }>(
      t,
      "POST",
      `/chats/${fx.chatId}/invites`,
      fx.admin,
      {},
    );
    invites.push(school.body.token, chat.body.token);
  }
  assertRandomTokens(invites, "invite tokens");
  console.log(
    `tokens: session ${tokenBits(sessions[0]!)} bits, invite ${
      tokenBits(invites[0]!)
    } bits (base64url of crypto.getRandomValues)`,
  );
});

/** The socket's close code, or -1 if it is still open after 5 s. */
function closeCode(ws: WsClient): Promise<number> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return Promise.race([
    ws.closed.then((e) => e.code),
    new Promise<number>((resolve) => timer = setTimeout(() => resolve(-1), 5000)),
  ]).finally(() => clearTimeout(timer));
}

Deno.test("logout revokes the session on the server, for cookie, bearer and socket alike", async () => {
  await using t = await testApp();
  await using server = serve(t);
  const token = await signIn(t, "leaver@school.test", "Уходящий");
  const hash = await sha256Hex(token);
  assert.ok((await t.kv.get(keys.session(hash))).value);
  // Sockets opened before the logout, by cookie and by token.
  await using openByCookie = await connect(server.wsUrl, {
    Cookie: `parta_session=${token}`,
    Origin: ORIGIN,
  });
  openByCookie.send({ type: "hello" });
  await using openByToken = await connect(server.wsUrl);
  openByToken.send({ type: "hello", token });
  for (const ws of [openByCookie, openByToken]) await ws.next((f) => f.type === "ready");
  const out = await t.fetch("/api/v1/auth/logout", {
    method: "POST",
    headers: { Cookie: `parta_session=${token}`, Origin: ORIGIN },
  });
  assert.equal(out.status, 204);
  assert.equal((await t.kv.get(keys.session(hash))).value, null, "the session record is deleted");
  for (const ws of [openByCookie, openByToken]) {
    assert.equal(await closeCode(ws), CLOSE.sessionEnded, "an open socket is closed at once");
  }
  // A copy of the cookie kept by an attacker is worthless now.
  assert.equal(await meByCookie(t, token), 401);
  assert.equal((await call(t, "GET", "/me", token)).status, 401);
  await using ws = await connect(server.wsUrl, {
    Cookie: `parta_session=${token}`,
    Origin: ORIGIN,
  });
  ws.send({ type: "hello", token });
  assert.equal((await ws.closed).code, 1008);
});

Deno.test("a stolen token's open socket dies with the session: once its owner signs out, it is closed with 4401 and hears nothing", async () => {
  await using t = await testApp();
  await using server = serve(t);
  const fx = await setUp(t);
  // The thief opened a socket from their own page with the student's token, before the logout.
  await using stolen = await connect(server.wsUrl, { Origin: "http://evil.test" });
  stolen.send({ type: "hello", token: fx.student.token });
  await stolen.next((f) => f.type === "ready");
  const out = await t.fetch("/api/v1/auth/logout", {
    method: "POST",
    headers: { Cookie: `parta_session=${fx.student.token}`, Origin: ORIGIN },
  });
  assert.equal(out.status, 204);
  assert.equal(await closeCode(stolen), CLOSE.sessionEnded);
  const sent = await json<{ message: { seq: number } }>(
    t,
    "POST",
    `/chats/${fx.chatId}/messages`,
    fx.teacher.token,
    { clientId: "after-logout", text: "Не для чужих глаз" },
  );
  assert.equal(sent.status, 201);
  assert.ok(
    !stolen.frames.some((f) => f.type === "event" && f.event.seq === sent.body.message.seq),
    "no event after the logout",
  );
});

// ── Guessing ─────────────────────────────────────────────────────────────────────────────────

function randomToken(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  return btoa(String.fromCharCode(...bytes)).replaceAll("+", "-").replaceAll("/", "_")
    .replace(/=+$/, "");
}

Deno.test("guessing invite tokens gives 404 and reveals nothing", async () => {
  await using t = await testApp();
  const fx = await setUp(t);
  const guesser = await signIn(t, "guesser@evil.test", "Гадалка");
  const bodies = new Set<string>();
  const guesses = [
    ...Array.from({ length: 100 }, randomToken),
    fx.invite.slice(0, -1) + (fx.invite.endsWith("A") ? "B" : "A"), // one character off
    fx.invite.slice(0, 20),
    "short",
    "x".repeat(101),
    "..%2F..%2Fetc",
    "%00",
  ];
  for (const guess of guesses) {
    const preview = await json<ErrorBody>(t, "GET", `/invites/${guess}`);
    assert.equal(preview.status, 404, guess);
    assert.equal(preview.body.error.code, "not_found");
    bodies.add(JSON.stringify(preview.body));
    const accept = await json<ErrorBody>(t, "POST", `/invites/${guess}/accept`, guesser, {
      displayName: "Гадалка",
    });
    assert.equal(accept.status, 404, guess);
    bodies.add(JSON.stringify(accept.body));
    const page = await t.fetch(`/invite/${guess}`);
    assert.equal(page.status, 404);
    assert.ok(!(await page.text()).includes("Лицей безопасности"), "the page names no school");
  }
  assert.equal(bodies.size, 1, `answers differ: ${[...bodies].join(" | ")}`);
  const me = await json<{ orgs: unknown[] }>(t, "GET", "/me", guesser);
  assert.deepEqual(me.body.orgs, [], "no guess got anyone in");
  console.log(
    `invite guessing: ${guesses.length} guesses all 404 with one identical body; tokens are 256-bit, so a guess succeeds with probability n/2^256`,
  );
});

async function requestCode(t: TestApp, email: string, address: string): Promise<number> {
  const res = await t.fetch("/api/v1/auth/code", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ email }),
    address,
  });
  await res.body?.cancel();
  return res.status;
}

async function guess(t: TestApp, email: string, code: string, address: string): Promise<number> {
  const res = await t.fetch("/api/v1/auth/verify", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ email, code }),
    address,
  });
  const body = await res.json() as ErrorBody;
  if (res.status === 400) assert.equal(body.error.code, "invalid_code");
  else assert.equal(res.status, 429, JSON.stringify(body));
  return res.status;
}

/** Wrong guesses checked against the live code of `email` so far (none if there is none). */
async function checkedAt(t: TestApp, email: string): Promise<number> {
  return (await t.kv.get<{ attempts: number }>(keys.loginCode(email))).value?.attempts ?? 0;
}

/**
 * An attacker after one email during one 15-minute window, with as many client addresses as it
 * likes: asks for a new code whenever the email allows it (mailing its owner each time) and
 * guesses at each from address after address until refused. Answers the guesses that were
 * checked against a live code.
 */
async function guessOneEmail(t: TestApp, email: string, next: () => string): Promise<number> {
  let checked = 0;
  let n = 0;
  for (let round = 0; round < 20; round++) {
    if (await requestCode(t, email, next()) !== 202) break;
    // Five tries from one address use the code up for it; 25 tries reach the code's limit.
    for (let a = 0; a < 5; a++) {
      const address = next();
      for (let i = 0; i < 5; i++) {
        if (await guess(t, email, String(100000 + (n++ % 900000)), address) !== 400) {
          return checked + await checkedAt(t, email);
        }
      }
    }
    checked += await checkedAt(t, email);
  }
  return checked;
}

Deno.test("sign-in code guessing is cut off: 5 tries per code and address, 20 per code, 429 per email and per address", async () => {
  await using t = await testApp();
  // Five wrong tries from one address void the code there, even for the right one after them.
  await requestCode(t, "pupil@school.test", "192.0.2.1");
  const code = await lastCode(t, "pupil@school.test");
  const wrong = String((Number(code) + 1) % 1_000_000).padStart(6, "0");
  for (let i = 0; i < 5; i++) {
    assert.equal(await guess(t, "pupil@school.test", wrong, "192.0.2.1"), 400);
  }
  assert.equal(await guess(t, "pupil@school.test", code, "192.0.2.1"), 400);

  // One email (an account), one window, every address the attacker likes.
  await signIn(t, "victim@school.test");
  let address = 0;
  const fresh = () => `198.51.${Math.floor(++address / 250) % 250}.${address % 250}`;
  const perEmailWindow = await guessOneEmail(t, "victim@school.test", fresh);
  // The same email across a day: the attacker comes back every window.
  let perEmailDay = perEmailWindow;
  for (let w = 1; w < 96; w++) {
    t.clock.advance(WINDOW_MS);
    perEmailDay += await guessOneEmail(t, "victim@school.test", fresh);
  }
  t.clock.advance(24 * 3600_000);

  // One address, one window, spraying many emails (each code allows it 5 tries).
  const spray = "203.0.113.9";
  let perAddress = 0;
  let refusedAt = 0;
  for (let e = 0; e < 400 && !refusedAt; e++) {
    const email = `kid${e}@school.test`;
    if (await requestCode(t, email, spray) !== 202) {
      refusedAt = e;
      break;
    }
    for (let i = 0; i < 5; i++) {
      if (await guess(t, email, String(200000 + i), spray) === 400) perAddress++;
      else {
        refusedAt = e;
        break;
      }
    }
  }
  const perMonth = perEmailDay * 30;
  console.log(
    [
      "sign-in code guessing (6 digits, 10^6 codes):",
      `  per email: ${perEmailWindow} guesses per 15-minute window, ${perEmailDay} per day (at most ${
        2 * perEmailDay
      } in any 24 hours across a day edge), ${perMonth} per 30 days = ${
        (perMonth / 1e4).toFixed(2)
      }% chance to take one account over in a month`,
      `  per client address (spraying emails): ${perAddress} guesses per 15-minute window, ${
        perAddress * 96
      } per day = ${(perAddress * 96 / 1e6).toFixed(3)} expected accounts per address per day`,
    ].join("\n"),
  );
  assert.ok(perEmailWindow <= 100, `per email per window: ${perEmailWindow}`);
  assert.ok(perEmailDay <= 100, `per email per day: ${perEmailDay}`);
  assert.ok(perAddress <= 200, `per address per window: ${perAddress}`);
  assert.ok(perAddress >= 100, "a school behind one address can still verify 100 times");
});

Deno.test("a right code still signs in while the address is near its limit of wrong codes", async () => {
  await using t = await testApp();
  const address = "203.0.113.50";
  // Wrong verifies count against the address whether or not a code is live.
  for (let i = 0; i < 199; i++) {
    assert.equal(await guess(t, `kid${i}@school.test`, "000000", address), 400);
  }
  // Right codes are not counted as failures: a school keeps signing in.
  for (let i = 0; i < 20; i++) {
    const email = `ok${i}@school.test`;
    await requestCode(t, email, address);
    const res = await t.fetch("/api/v1/auth/verify", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ email, code: await lastCode(t, email) }),
      address,
    });
    assert.equal(res.status, 200, `sign-in ${i}`);
    await res.body?.cancel();
  }
  await requestCode(t, "last@school.test", address);
  assert.equal(await guess(t, "last@school.test", "000000", address), 400);
  assert.equal(await guess(t, "last@school.test", "000001", address), 429, "the 201st wrong code");
});

Deno.test("concurrent wrong codes from one address cannot overshoot its limit", async () => {
  await using t = await testApp();
  const address = "203.0.113.60";
  for (let i = 0; i < 60; i++) await requestCode(t, `c${i}@school.test`, address);
  const statuses = await Promise.all(
    Array.from(
      { length: 300 },
      (_, i) => guess(t, `c${i % 60}@school.test`, String(300000 + i), address),
    ),
  );
  const checked = statuses.filter((s) => s === 400).length;
  assert.ok(checked <= 200, `${checked} wrong codes were checked at once`);
});

Deno.test("concurrent wrong codes from many addresses check at most 20 against one code", async () => {
  await using t = await testApp();
  await requestCode(t, "busy@school.test", "192.0.2.1");
  const code = await lastCode(t, "busy@school.test");
  const statuses = await Promise.all(
    Array.from({ length: 40 }, (_, i) => {
      const wrong = String((Number(code) + 1 + i) % 1_000_000).padStart(6, "0");
      return guess(t, "busy@school.test", wrong, `198.51.100.${i % 20}`);
    }),
  );
  assert.ok(statuses.every((s) => s === 400 || s === 429), statuses.join(","));
  assert.ok(await checkedAt(t, "busy@school.test") <= 20);
  if (await checkedAt(t, "busy@school.test") === 20) {
    assert.equal(await guess(t, "busy@school.test", code, "192.0.2.1"), 400, "void for everyone");
  }
});

// ── Headers ──────────────────────────────────────────────────────────────────────────────────

function scriptPolicy(csp: string): string {
  const directives = new Map(
    csp.split(";").map((d) => d.trim().split(/\s+/)).filter((d) => d[0]).map((
      [name, ...values],
    ) => [name!.toLowerCase(), values.join(" ")]),
  );
  return directives.get("script-src") ?? directives.get("default-src") ?? "";
}

function assertCommonHeaders(res: Response, context: string) {
  const h = res.headers;
  assert.equal(h.get("X-Content-Type-Options"), "nosniff", `${context}: nosniff`);
  assert.equal(h.get("Referrer-Policy"), "no-referrer", `${context}: Referrer-Policy`);
  const csp = h.get("Content-Security-Policy") ?? "";
  assert.ok(csp, `${context}: no CSP`);
  assert.match(csp, /frame-ancestors 'none'/, `${context}: framable`);
}

function assertHtmlPage(res: Response, context: string) {
  assertCommonHeaders(res, context);
  const csp = res.headers.get("Content-Security-Policy")!;
  const scripts = scriptPolicy(csp);
  assert.ok(scripts, `${context}: no script policy in ${csp}`);
  assert.ok(!scripts.includes("'unsafe-inline'"), `${context}: ${csp}`);
  assert.ok(!scripts.includes("'unsafe-eval'"), `${context}: ${csp}`);
  assert.ok(!/(^|\s)(\*|data:|https?:)(\s|$)/.test(scripts), `${context}: scripts from anywhere`);
  assert.match(csp, /object-src 'none'/, context);
  assert.match(csp, /base-uri 'none'/, context);
  assert.equal(res.headers.get("X-Frame-Options"), "DENY", context);
}

const STACK = /\bat [\w.<>]+ \(|file:\/\/|\.tsx?:\d+|\.js:\d+|\bstack\b|Error:/i;

async function assertErrorAnswer(res: Response, status: number, context: string) {
  assert.equal(res.status, status, context);
  assertCommonHeaders(res, context);
  assert.match(res.headers.get("Content-Type") ?? "", /^application\/json/, context);
  const text = await res.text();
  assert.ok(!STACK.test(text), `${context}: looks like a stack trace: ${text}`);
  const body = JSON.parse(text) as ErrorBody;
  assert.deepEqual(Object.keys(body), ["error"], context);
  assert.match(body.error.code, /^[a-z_]+$/, context);
  if (status === 429) assert.match(res.headers.get("Retry-After") ?? "", /^[1-9]\d*$/, context);
}

Deno.test("every page route answers with nosniff, a strict CSP without unsafe-inline, no framing and no referrer", async () => {
  await using t = await testApp();
  const fx = await setUp(t);
  const pages = routesOf(t).filter((r) => r.method === "GET" && !r.path.startsWith("/api/"));
  let checked = 0;
  let html = 0;
  for (const route of pages) {
    const path = fill(route.path, fx);
    for (const viewer of [fx.admin, fx.student.token, null]) {
      const res = await t.fetch(path, {
        headers: viewer ? { Cookie: `parta_session=${viewer}` } : {},
      });
      const context = `GET ${route.path} (${
        viewer === null ? "signed out" : "signed in"
      }) → ${res.status}`;
      assert.ok(res.status < 500, context);
      assertCommonHeaders(res, context);
      if ((res.headers.get("Content-Type") ?? "").startsWith("text/html")) {
        assertHtmlPage(res, context);
        html++;
      }
      await res.body?.cancel();
      checked++;
    }
  }
  // Pages that do not exist, or that the viewer may not see.
  for (
    const path of [
      "/no/such/page",
      `/chats/${RANDOM_ULID}`,
      `/admin/${RANDOM_ULID}`,
      `/invite/${randomToken()}`,
    ]
  ) {
    const res = await t.fetch(path, { headers: { Cookie: `parta_session=${fx.student.token}` } });
    assert.equal(res.status, 404, path);
    assertHtmlPage(res, `GET ${path}`);
    await res.body?.cancel();
    checked++;
    html++;
  }
  console.log(
    `headers: ${pages.length} page routes, ${checked} answers (${html} HTML pages) checked`,
  );
});

Deno.test("every API answer and every kind of error answer carries the security headers and no stack", async () => {
  await using t = await testApp();
  const fx = await setUp(t);
  const gets = routesOf(t).filter((r) => r.method === "GET" && r.path.startsWith("/api/v1/"));
  for (const route of gets) {
    const res = await t.fetch(fill(route.path, fx), {
      headers: { Authorization: `Bearer ${fx.admin}` },
    });
    const context = `GET ${route.path} → ${res.status}`;
    assert.ok(res.status < 500, context);
    assertCommonHeaders(res, context);
    if (route.path.startsWith("/api/v1/files/")) {
      await res.body?.cancel();
      continue;
    }
    if (!(res.status >= 300 && res.status < 400)) {
      assert.equal(res.headers.get("Cache-Control"), "no-store", context);
    }
    if (res.status >= 400) await assertErrorAnswer(res, res.status, context);
    else await res.body?.cancel();
  }

  const bearer = { Authorization: `Bearer ${fx.admin}` };
  const errors: [number, string, RequestInit][] = [
    [404, "/api/v1/no/such/route", {}],
    [404, `/api/v1/chats/${RANDOM_ULID}`, { headers: bearer }],
    [400, `/api/v1/orgs/${fx.orgId}/classes`, {
      method: "POST",
      headers: { ...bearer, "Content-Type": "application/json" },
      body: '{"name":',
    }],
    [401, "/api/v1/me", {}],
    [403, "/api/v1/me", { method: "PATCH", headers: { Origin: "https://evil.test" }, body: "{}" }],
    [403, `/api/v1/orgs/${fx.orgId}/classes`, {
      method: "POST",
      headers: { Authorization: `Bearer ${fx.student.token}`, "Content-Type": "application/json" },
      body: JSON.stringify({ name: "8В" }),
    }],
    [413, "/api/v1/me", {
      method: "PATCH",
      headers: { ...bearer, "Content-Type": "application/json" },
      body: JSON.stringify({ displayName: "x".repeat(70_000) }),
    }],
    [415, "/api/v1/me", {
      method: "PATCH",
      headers: { ...bearer, "Content-Type": "text/html" },
      body: "<p>hi</p>",
    }],
    [400, "/api/v1/realtime", {}],
  ];
  for (const [status, path, init] of errors) {
    await assertErrorAnswer(await t.fetch(path, init), status, `${init.method ?? "GET"} ${path}`);
  }
  let limited: Response | null = null;
  for (let i = 0; i < 6 && !limited; i++) {
    const res = await t.fetch("/api/v1/auth/code", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ email: "many@school.test" }),
    });
    if (res.status === 429) limited = res;
    else await res.body?.cancel();
  }
  assert.ok(limited, "no 429");
  await assertErrorAnswer(limited, 429, "POST /auth/code, sixth time");
  console.log(
    `headers: ${gets.length} API GET routes and ${errors.length + 1} error answers checked`,
  );
});

Deno.test("an unexpected error answers 500 internal without a stack trace or paths", async () => {
  const app = new Hono<AppEnv>();
  app.use("*", securityHeaders(ORIGIN));
  app.onError(errorResponse);
  app.get("/boom", () => {
    throw new TypeError(
      "Cannot read properties of undefined at file:///work/main/lib/secret.ts:12",
    );
  });
  const logged: unknown[] = [];
  const original = console.error;
  console.error = (...args: unknown[]) => void logged.push(args);
  try {
    const res = await app.request("/boom");
    await assertErrorAnswer(res, 500, "GET /boom");
  } finally {
    console.error = original;
  }
  assert.equal(logged.length, 1, "the error is logged on the server instead");
});

Deno.test("session cookies are HttpOnly and SameSite=Lax, and Secure on https, also when cleared", async () => {
  for (const origin of [ORIGIN, "https://parta.example"]) {
    await using t = await testApp({ env: { APP_ORIGIN: origin } });
    await call(t, "POST", "/auth/code", null, { email: "a@school.test" });
    const verify = await call(t, "POST", "/auth/verify", null, {
      email: "a@school.test",
      code: await lastCode(t, "a@school.test"),
    });
    const { token } = await verify.json() as { token: string };
    const out = await call(t, "POST", "/auth/logout", token);
    await out.body?.cancel();
    for (
      const [what, cookie] of [["set", verify.headers.get("Set-Cookie")], [
        "cleared",
        out.headers.get("Set-Cookie"),
      ]]
    ) {
      const attributes = (cookie ?? "").split(";").slice(1).map((a) => a.trim().toLowerCase());
      const context = `${origin}, cookie ${what}: ${cookie}`;
      assert.ok(cookie?.startsWith("parta_session="), context);
      if (what === "set") {
        assert.ok(attributes.includes("httponly"), context);
        assert.ok(attributes.includes("samesite=lax"), context);
      }
      assert.equal(attributes.includes("secure"), origin.startsWith("https:"), context);
    }
  }
});

Deno.test("file downloads carry Content-Disposition, a sandboxing CSP and nosniff, ranges and previews too", async () => {
  await using t = await testApp();
  const fx = await setUp(t);
  const cases: [string, Record<string, string>, RegExp][] = [
    [`/api/v1/files/${fx.fileId}`, {}, /^attachment; filename="page\.html"/],
    [`/api/v1/files/${fx.fileId}`, { Range: "bytes=0-3" }, /^attachment;/],
    [`/api/v1/files/${fx.fileId}`, { Range: "bytes=9999-" }, /^attachment;/],
    [`/api/v1/files/${fx.imageId}`, {}, /^inline; filename="dot\.png"/],
    [`/api/v1/files/${fx.imageId}/thumb`, {}, /^inline; filename="preview-dot\.png"/],
  ];
  for (const [path, headers, disposition] of cases) {
    const res = await t.fetch(path, {
      headers: { Cookie: `parta_session=${fx.student.token}`, ...headers },
    });
    const context = `GET ${path} ${JSON.stringify(headers)} → ${res.status}`;
    assert.ok([200, 206, 416].includes(res.status), context);
    assertCommonHeaders(res, context);
    assert.match(res.headers.get("Content-Disposition") ?? "", disposition, context);
    const csp = res.headers.get("Content-Security-Policy") ?? "";
    assert.match(csp, /(^|;\s*)sandbox(;|$)/, `${context}: ${csp}`);
    assert.match(csp, /default-src 'none'/, `${context}: ${csp}`);
    const type = res.headers.get("Content-Type") ?? "";
    assert.ok(!/html|xml|javascript|svg/i.test(type), `${context}: served as ${type}`);
    await res.body?.cancel();
  }
});

Deno.test("island props are JSON that no user text can break out of", async () => {
  await using t = await testApp();
  const fx = await setUp(t);
  const payloads = [
    "</script><script>window.__xss=1</script>",
    "</SCRIPT ><img src=x onerror=alert(1)>",
    "<!--<script>",
    "a\u2028\u2029</script\u2028>b",
    "]]></script>",
  ];
  for (const [i, text] of payloads.entries()) {
    const sent = await call(t, "POST", `/chats/${fx.chatId}/messages`, fx.admin, {
      clientId: `props-${i}`,
      text,
    });
    assert.equal(sent.status, 201);
    await sent.body?.cancel();
  }
  const res = await t.fetch(`/chats/${fx.chatId}`, {
    headers: { Cookie: `parta_session=${fx.student.token}` },
  });
  const html = await res.text();
  const scripts = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/gi)];
  const data = scripts.filter((m) => /type="application\/json"/.test(m[1]!));
  const code = scripts.filter((m) => !/type="application\/json"/.test(m[1]!));
  assert.equal(data.length, 1, "one props element");
  for (const m of code) {
    assert.match(m[1]!, /type="module" src="\/static\/build\//, `unexpected script ${m[0]}`);
    assert.equal(m[2], "", "no inline code");
  }
  const props = JSON.stringify(JSON.parse(data[0]![2]!));
  for (const text of payloads) assert.ok(props.includes(JSON.stringify(text)), text);
  assert.ok(!/<\/?script/i.test(data[0]![2]!), "the props hold no tag");
  assert.ok(!/<!--/.test(data[0]![2]!), "the props open no comment");
});

Deno.test("on one's own machine every spelling of loopback is the app's origin; elsewhere only APP_ORIGIN", async () => {
  assert.deepEqual([...ownOrigins("https://parta.example.ru")], ["https://parta.example.ru"]);
  await using t = await testApp({ env: { APP_ORIGIN: "http://localhost:8000" } });
  const from = (origin: string) =>
    t.fetch("/api/v1/auth/code", {
      method: "POST",
      headers: { Origin: origin, "Content-Type": "application/json" },
      body: JSON.stringify({ email: "anna@school.test" }),
    });
  for (const origin of ["http://localhost:8000", "http://127.0.0.1:8000", "http://[::1]:8000"]) {
    const res = await from(origin);
    assert.equal(res.status, 202, origin);
    await res.body?.cancel();
  }
  for (
    const origin of [
      "http://127.0.0.1:8001",
      "http://localhost.evil.test:8000",
      "https://localhost:8000",
    ]
  ) {
    const res = await from(origin);
    const body = await res.json() as ErrorBody;
    assert.deepEqual([res.status, body.error.code], [403, "csrf"], origin);
    assert.match(body.error.message, /http:\/\/localhost:8000/, "it says which address works");
  }
  // The page says it in words a person understands, not «Что-то пошло не так».
  const text = errorText("ru", new ApiError(403, "csrf", "refused"));
  assert.match(text, /не по своему адресу/);
});
