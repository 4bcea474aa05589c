/**
 * Property-based fuzzing of every API route with malformed, hostile and oversized input. The
 * suite runs a fixed seed so CI is repeatable; `FUZZ_SEED=random` (or a number) explores others,
 * and a failure is replayed with `FUZZ_SEED=<seed> deno task test tests/fuzz_test.ts`.
 */
import assert from "node:assert/strict";
import { createECDH, randomBytes } from "node:crypto";
import fc from "fast-check";
import { createSchool, joinAs, json, OPERATOR, signIn, type TestApp, testApp } from "./helpers.ts";
import { createApp } from "../routes/app.ts";

const SEED_ENV = Deno.env.get("FUZZ_SEED") ?? "20261129";
const SEED = SEED_ENV === "random" ? Math.floor(Math.random() * 2 ** 31) : Number(SEED_ENV);
const RUNS = Number(Deno.env.get("FUZZ_RUNS") ?? 200);
console.log(`fuzz seed ${SEED}, ${RUNS} runs per route (FUZZ_SEED=${SEED} to replay)`);

const LIMIT = 64 * 1024;

/** Each test prints how many cases it ran; the benchmark adds them up. */
const report = (cases: number) => console.log(`fuzz cases: ${cases}`);
const encoder = new TextEncoder();

// ── What the fuzzer sends ──────────────────────────────────────────────────────────────────

interface Body extends fc.WithToStringMethod {
  /** How the body was made, for failure reports. */
  kind: string;
  contentType: string | null;
  bytes: Uint8Array<ArrayBuffer>;
  /** Send as a stream of chunks (no length known up front) instead of one buffer. */
  stream: boolean;
}

const JSON_TYPES = [
  null,
  "application/json",
  "application/json; charset=utf-8",
  "APPLICATION/JSON",
  "application/merge-patch+json",
  "text/plain",
  "text/plain;charset=UTF-8",
] as const;
const OTHER_TYPES = [
  "text/html",
  "application/xml",
  "application/x-www-form-urlencoded",
  "multipart/form-data; boundary=x",
  "application/octet-stream",
  "image/png",
  "application/jsonx",
  "json",
  "application/javascript",
] as const;

/** JSON text, not values: `__proto__` keys, duplicate keys and escapes survive as written. */
const jsonString = (s: string) => JSON.stringify(s);

/** A few values of the right shape for this fixture, so some bodies get past type checks. */
let plausible: string[] = [];

const nested = (depth: number, open: string, close: string, inner = "1") =>
  open.repeat(depth) + inner + close.repeat(depth);

/** A JSON value written as text: wrong types, hostile strings, deep nesting, huge strings. */
const valueText: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)) },
  {
    weight: 3,
    arbitrary: fc.integer({ min: 0, max: 1000 }).map((i) => plausible[i % plausible.length]!),
  },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      '"\\ud800"', // lone high surrogate
      '"a\\udc00b"', // lone low surrogate
      '"\\udc00\\ud800"', // reversed pair
      '"\\ud83d"',
      '"ok\\u0000"',
      '"\\u202eevil"',
      '"   "',
      '""',
      "1e400",
      "-0",
      "0.5",
      "9007199254740993",
      "-9007199254740993",
      "true",
      "null",
      "[]",
      "{}",
      '{"__proto__":{"polluted":true}}',
      '{"constructor":{"prototype":{"polluted":true}}}',
    ),
  },
  { weight: 1, arbitrary: fc.string({ unit: "binary", maxLength: 40 }).map(jsonString) },
  { weight: 1, arbitrary: fc.string({ unit: "grapheme", maxLength: 40 }).map(jsonString) },
  {
    weight: 1,
    arbitrary: fc.tuple(fc.constantFrom("x", "я", "😀"), fc.integer({ min: 81, max: 30_000 }))
      .map(([c, n]) => jsonString(c.repeat(n))),
  },
  {
    weight: 1,
    arbitrary: fc.integer({ min: 2, max: 10_000 }).map((d) => nested(d, "[", "]")),
  },
  {
    weight: 1,
    arbitrary: fc.integer({ min: 2, max: 5_000 }).map((d) => nested(d, '{"a":', "}")),
  },
);

/** An object body: some of the route's fields, plus prototype keys and strangers. */
function objectText(fields: readonly string[]): fc.Arbitrary<string> {
  const keys = [...fields, "__proto__", "constructor", "prototype", "toString", "id", ""];
  return fc.array(fc.tuple(fc.constantFrom(...keys), valueText), { maxLength: 8 })
    .map((entries) => `{${entries.map(([k, v]) => `${jsonString(k)}:${v}`).join(",")}}`);
}

const MALFORMED = [
  "{",
  "}",
  '{"a":1,}',
  '{"a" 1}',
  "{'a':1}",
  "NaN",
  "undefined",
  '{"a":1}{"b":2}',
  '{"a":"\\x41"}',
  '{"a":"\\u12"}',
  '"unterminated',
  "[1,2",
  "\ufeff\ufeff{}",
  "nul",
  '{"a":01}',
  "\u0000",
] as const;

const INVALID_UTF8 = [
  [0xff],
  [0xc0, 0xaf], // overlong "/"
  [0xed, 0xa0, 0x80], // a surrogate encoded as UTF-8
  [0x80],
  [0xf4, 0x90, 0x80, 0x80], // beyond U+10FFFF
  [0xe2, 0x82], // truncated
] as const;

function withInvalidUtf8(
  text: string,
  bad: readonly number[],
  at: number,
): Uint8Array<ArrayBuffer> {
  const bytes = encoder.encode(text);
  const cut = Math.min(at, bytes.length);
  return new Uint8Array([...bytes.slice(0, cut), ...bad, ...bytes.slice(cut)]);
}

/** Pads an object body past the limit (or to just under it). */
function sized(fields: readonly string[], target: number): string {
  const key = fields[0] ?? "padding";
  const head = `{${jsonString(key)}:"`;
  return head + "x".repeat(Math.max(0, target - head.length - 2)) + '"}';
}

function describe(this: Body): string {
  const text = new TextDecoder().decode(this.bytes.slice(0, 160));
  return `${this.kind} body, ${this.contentType ?? "no type"}, ${this.bytes.length} bytes${
    this.stream ? ", streamed" : ""
  }: ${JSON.stringify(text)}${this.bytes.length > 160 ? "…" : ""}`;
}

function bodyArb(fields: readonly string[]): fc.Arbitrary<Body> {
  return rawBodyArb(fields).map((b) => ({ ...b, [fc.toStringMethod]: describe }));
}

function rawBodyArb(fields: readonly string[]): fc.Arbitrary<Omit<Body, typeof fc.toStringMethod>> {
  const jsonType = fc.constantFrom(...JSON_TYPES);
  const stream = fc.boolean();
  const make = (kind: string) => (contentType: string | null, text: string, s: boolean) => ({
    kind,
    contentType,
    bytes: encoder.encode(text),
    stream: s,
  });
  return fc.oneof(
    {
      weight: 6,
      arbitrary: fc.tuple(jsonType, objectText(fields), stream).map(([c, t, s]) =>
        make("object")(c, t, s)
      ),
    },
    {
      weight: 2,
      arbitrary: fc.tuple(jsonType, valueText, stream).map(([c, t, s]) => make("value")(c, t, s)),
    },
    {
      weight: 1,
      arbitrary: fc.tuple(jsonType, fc.constantFrom(...MALFORMED), stream).map(([c, t, s]) =>
        make("malformed")(c, t, s)
      ),
    },
    {
      weight: 1,
      arbitrary: fc.tuple(jsonType, fc.string({ unit: "binary", maxLength: 100 }), stream).map((
        [c, t, s],
      ) => make("text")(c, t, s)),
    },
    {
      weight: 1,
      arbitrary: fc.tuple(jsonType, stream).map(([c, s]) =>
        make("deep arrays")(c, nested(10_000, "[", "]", ""), s)
      ),
    },
    {
      weight: 1,
      arbitrary: fc.tuple(jsonType, fc.constantFrom(...fields, "x"), stream).map(([c, f, s]) =>
        make("deep field")(c, `{${jsonString(f)}:${nested(10_000, "[", "]", "")}}`, s)
      ),
    },
    {
      weight: 1,
      arbitrary: fc.tuple(jsonType, stream).map(([c, s]) => make("proto")(c, protoBody(fields), s)),
    },
    { weight: 1, arbitrary: fc.tuple(jsonType, stream).map(([c, s]) => make("empty")(c, "", s)) },
    {
      weight: 2,
      arbitrary: fc.tuple(fc.constantFrom(...OTHER_TYPES), objectText(fields), stream).map((
        [c, t, s],
      ) => make("foreign type")(c, t, s)),
    },
    {
      weight: 1,
      arbitrary: fc.tuple(
        jsonType,
        objectText(fields),
        fc.constantFrom(...INVALID_UTF8),
        fc.nat(40),
        stream,
      ).map(([c, t, bad, at, s]) => ({
        kind: "invalid utf-8",
        contentType: c,
        bytes: withInvalidUtf8(t, bad, at),
        stream: s,
      })),
    },
    {
      weight: 1,
      arbitrary: fc.tuple(
        fc.constantFrom(...JSON_TYPES, ...OTHER_TYPES),
        fc.uint8Array({ minLength: 1, maxLength: 64 }),
        stream,
      ).map(([c, bytes, s]) => ({ kind: "bytes", contentType: c, bytes, stream: s })),
    },
    {
      weight: 1,
      arbitrary: fc.tuple(
        fc.constantFrom(...JSON_TYPES, ...OTHER_TYPES),
        fc.integer({ min: LIMIT + 1, max: LIMIT + 70_000 }),
        stream,
      ).map(([c, n, s]) => make("oversized")(c, sized(fields, n), s)),
    },
    {
      weight: 1,
      arbitrary: fc.tuple(jsonType, fc.integer({ min: LIMIT - 64, max: LIMIT }), stream).map((
        [c, n, s],
      ) => make("at the limit")(c, sized(fields, n), s)),
    },
  );
}

/** Bodies every route gets whatever the seed: one for each answer of the body reading. */
function fixedExamples(fields: readonly string[]): [Body, boolean][] {
  const body = (kind: string, contentType: string | null, text: string, stream: boolean) => ({
    kind,
    contentType,
    bytes: encoder.encode(text),
    stream,
    [fc.toStringMethod]: describe,
  });
  return [
    [body("oversized", "application/json", sized(fields, LIMIT + 1), false), true],
    [body("oversized", null, sized(fields, LIMIT + 1), true), false],
    [body("foreign type", "text/html", "<p>hi</p>", false), false],
    [body("malformed", "application/json", '{"a":', false), false],
    [body("deep arrays", "application/json", nested(10_000, "[", "]", ""), false), false],
    [body("proto", "application/json", protoBody(fields), false), false],
    [body("empty", null, "", false), false],
  ];
}

function protoBody(fields: readonly string[]): string {
  const own = fields.map((f) => `${jsonString(f)}:{"__proto__":{"admin":true}}`);
  return `{"__proto__":{"roles":["admin"],"polluted":true},"constructor":{"prototype":{"polluted":true}}${
    own.map((e) => `,${e}`).join("")
  }}`;
}

function requestBody(body: Body): BodyInit | undefined {
  if (!body.stream) return body.bytes;
  const chunk = 8 * 1024;
  let at = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (at >= body.bytes.length) return controller.close();
      controller.enqueue(body.bytes.slice(at, at + chunk));
      at += chunk;
    },
  });
}

/**
 * What the body reading must answer whatever the route: the statuses allowed, or null when the
 * body is acceptable input and only the route can tell (then it is neither 413 nor 415).
 */
function expectedEdge(body: Body): Record<number, string> | null {
  if (body.bytes.length > LIMIT) return { 413: "too_large" };
  if (body.bytes.length === 0) return null;
  const type = (body.contentType ?? "").split(";")[0]!.trim().toLowerCase();
  const declared = type === "application/json" || type.endsWith("+json");
  const undeclared = type === "" || type === "text/plain";
  if (!declared && !undeclared) return { 415: "unsupported_media_type" };
  try {
    JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(body.bytes));
    return null;
  } catch {
    // Text that is no JSON, sent without saying what it is: malformed JSON or not JSON at all.
    return declared
      ? { 400: "invalid_input" }
      : { 400: "invalid_input", 415: "unsupported_media_type" };
  }
}

// ── What the fuzzer checks ─────────────────────────────────────────────────────────────────

const UNTRACKED = new Set(["rate_limits", "outbox", "outbox_by_to"]);

/**
 * Every KV entry except rate-limit counters and the mail outbox, as key → versionstamp: any
 * write, even of an equal value, shows.
 */
async function snapshot(kv: Deno.Kv): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for await (const e of kv.list({ prefix: [] }, { batchSize: 1000 })) {
    if (!UNTRACKED.has(String(e.key[0]))) out.set(JSON.stringify(e.key), e.versionstamp);
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

async function assertErrorShape(res: Response, context: string): Promise<unknown> {
  const text = await res.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    assert.fail(`${context}: ${res.status} without a JSON body: ${text.slice(0, 200)}`);
  }
  const { error, ...rest } = body as { error?: Record<string, unknown> };
  assert.deepEqual(Object.keys(rest), [], `${context}: extra top-level keys`);
  assert.ok(error && typeof error === "object", `${context}: no error object`);
  assert.match(String(error.code), /^[a-z][a-z0-9_]*$/, `${context}: code`);
  assert.equal(typeof error.message, "string", `${context}: message`);
  assert.ok((error.message as string).length > 0, `${context}: empty message`);
  if ("field" in error) assert.equal(typeof error.field, "string", `${context}: field`);
  return body;
}

function assertNoPollution() {
  const probe = {} as Record<string, unknown>;
  assert.equal(probe.polluted, undefined, "Object.prototype was polluted");
  assert.equal(probe.admin, undefined, "Object.prototype was polluted");
  assert.equal(probe.roles, undefined, "Object.prototype was polluted");
}

// ── The fixture: a school with people, a chat, invites and applications ─────────────────────

interface Fixture {
  orgId: string;
  admin: string;
  adminId: string;
  operator: string;
  classId: string;
  teacherId: string;
  studentId: string;
  chatId: string;
  seq: number;
  invite: string;
  removable: string;
  acceptor: string;
  loggedIn: string;
  toApprove: string;
  toReject: string;
  pollSeq: number;
  ackSeq: number;
  callId: string;
  /** One of the admin's push subscriptions (made again after a fuzzed delete succeeds). */
  subscriptionId: string;
}

/** A push subscription of the admin's, as a browser on Google's push service sends it. */
async function newSubscription(t: TestApp, fx: Pick<Fixture, "admin">): Promise<string> {
  const ecdh = createECDH("prime256v1");
  ecdh.generateKeys();
  const res = await json<{ subscription: { id: string } }>(
    t,
    "POST",
    "/push-subscriptions",
    fx.admin,
    {
      endpoint: `https://fcm.googleapis.com/fcm/send/fuzz-${crypto.randomUUID()}`,
      keys: {
        p256dh: ecdh.getPublicKey().toString("base64url"),
        auth: randomBytes(16).toString("base64url"),
      },
    },
  );
  assert.equal(res.status, 201);
  return res.body.subscription.id;
}

let people = 0;
async function newApplication(t: TestApp): Promise<string> {
  const res = await t.fetch("/api/v1/org-applications", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({
      schoolName: `Школа № ${++people}`,
      region: "Тверь",
      adminName: "Директор",
      adminEmail: `director${people}@school.test`,
      adminPhone: "+7 900 000-00-00",
    }),
    address: `203.0.113.${people % 250}`,
  });
  assert.equal(res.status, 201);
  return ((await res.json()) as { id: string }).id;
}

async function newInvite(t: TestApp, fx: Pick<Fixture, "orgId" | "admin">): Promise<string> {
  const res = await json<{ token: string }>(t, "POST", `/orgs/${fx.orgId}/invites`, fx.admin, {
    role: "student",
    maxUses: 1000,
  });
  assert.equal(res.status, 201);
  return res.body.token;
}

async function newPoll(t: TestApp, fx: Pick<Fixture, "chatId" | "admin">): Promise<number> {
  const res = await json<{ message: { seq: number } }>(
    t,
    "POST",
    `/chats/${fx.chatId}/polls`,
    fx.admin,
    {
      clientId: `poll-${++people}`,
      question: "Когда собрание?",
      options: ["Во вторник", "В четверг"],
    },
  );
  assert.equal(res.status, 201);
  return res.body.message.seq;
}

async function newCall(t: TestApp, fx: Pick<Fixture, "chatId" | "admin">): Promise<string> {
  const res = await json<{ call: { id: string } }>(
    t,
    "POST",
    `/chats/${fx.chatId}/calls`,
    fx.admin,
    {
      kind: "meeting",
    },
  );
  assert.equal(res.status, 201);
  return res.body.call.id;
}

/** A stand-in for LiveKit's RoomService that says yes to everything, so host controls succeed. */
function fakeLiveKit() {
  const server = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen() {} }, async (req) => {
    await req.body?.cancel();
    const path = new URL(req.url).pathname;
    if (path.endsWith("/GetParticipant")) return Response.json({ identity: "x", tracks: [] });
    if (path.endsWith("/ListParticipants")) return Response.json({ participants: [] });
    return Response.json({});
  });
  const { port } = server.addr as Deno.NetAddr;
  return {
    env: {
      LIVEKIT_URL: `ws://127.0.0.1:${port}`,
      LIVEKIT_API_KEY: "APIfuzz",
      LIVEKIT_API_SECRET: "a-fuzzing-secret-long-enough-for-hs256",
    },
    [Symbol.asyncDispose]: () => server.shutdown(),
  };
}

async function setUp(t: TestApp): Promise<Fixture> {
  const school = await createSchool(t, "Фаззинг-лицей");
  const cls = await json<{ id: string }>(t, "POST", `/orgs/${school.orgId}/classes`, school.admin, {
    name: "5А",
  });
  const teacher = await joinAs(t, school.admin, school.orgId, "teacher", "Учитель", {
    classId: cls.body.id,
  });
  const student = await joinAs(t, teacher.token, school.orgId, "student", "Ученик", {
    classId: cls.body.id,
  });
  const removable = await joinAs(t, school.admin, school.orgId, "parent", "Родитель");
  const chat = await json<{ chat: { id: string } }>(
    t,
    "POST",
    `/orgs/${school.orgId}/chats`,
    school.admin,
    { kind: "group", title: "5А", memberIds: [teacher.id, student.id] },
  );
  assert.equal(chat.status, 201);
  const sent = await json<{ message: { seq: number } }>(
    t,
    "POST",
    `/chats/${chat.body.chat.id}/messages`,
    school.admin,
    { clientId: "fixture-1", text: "Добрый день" },
  );
  assert.equal(sent.status, 201);
  const fx: Fixture = {
    orgId: school.orgId,
    admin: school.admin,
    adminId: school.adminId,
    operator: await signIn(t, OPERATOR, "Оператор"),
    classId: cls.body.id,
    teacherId: teacher.id,
    studentId: student.id,
    chatId: chat.body.chat.id,
    seq: sent.body.message.seq,
    invite: "",
    removable: removable.id,
    acceptor: await signIn(t, `acceptor${++people}@school.test`),
    loggedIn: await signIn(t, `leaver${++people}@school.test`),
    toApprove: await newApplication(t),
    toReject: await newApplication(t),
    pollSeq: 0,
    ackSeq: 0,
    callId: "",
    subscriptionId: "",
  };
  fx.subscriptionId = await newSubscription(t, fx);
  fx.invite = await newInvite(t, fx);
  fx.pollSeq = await newPoll(t, fx);
  const announcement = await json<{ message: { seq: number } }>(
    t,
    "POST",
    `/chats/${fx.chatId}/messages`,
    school.admin,
    { clientId: "fixture-ack", text: "Прочтите, пожалуйста", needsAck: true },
  );
  assert.equal(announcement.status, 201);
  fx.ackSeq = announcement.body.message.seq;
  fx.callId = await newCall(t, fx);
  plausible = [
    ...[fx.orgId, fx.adminId, fx.classId, fx.teacherId, fx.studentId, fx.chatId, fx.removable]
      .flatMap((id) => [jsonString(id), `[${jsonString(id)}]`]),
    ...["admin", "teacher", "student", "parent", "group", "channel", "direct", "ru", "en"]
      .map((s) => jsonString(s)),
    '["student","parent"]',
    '["admin","admin"]',
    jsonString("fuzz@school.test"),
    jsonString("+7 900 000-00-00"),
    jsonString("Europe/Moscow"),
    jsonString("Mars/Olympus"),
    jsonString("https://journal.example/x"),
    jsonString("javascript:alert(1)"),
    '{"timeZone":"Europe/Moscow","studentDirectMessages":true}',
    '{"timeZone":{"__proto__":null}}',
    "1",
    "0",
    "720",
    "721",
    "1000",
    "1001",
    jsonString("Обычное название"),
  ];
  return fx;
}

interface Route {
  method: string;
  path: (fx: Fixture) => string;
  /** The caller: the school's admin unless said otherwise. */
  token?: (fx: Fixture) => string;
  fields: readonly string[];
  /** Restores what a successful call used up, so later runs still reach validation. */
  refresh?: (t: TestApp, fx: Fixture) => Promise<void>;
}

const ROUTES: Route[] = [
  { method: "POST", path: () => "/auth/code", fields: ["email"] },
  { method: "POST", path: () => "/auth/verify", fields: ["email", "code"] },
  {
    method: "POST",
    path: () => "/auth/logout",
    token: (fx) => fx.loggedIn,
    fields: [],
    refresh: async (t, fx) => {
      fx.loggedIn = await signIn(t, `leaver${++people}@school.test`);
    },
  },
  { method: "PATCH", path: () => "/me", fields: ["displayName", "locale"] },
  {
    method: "POST",
    path: () => "/org-applications",
    fields: ["schoolName", "region", "adminName", "adminEmail", "adminPhone"],
  },
  {
    method: "POST",
    path: (fx) => `/org-applications/${fx.toApprove}/approve`,
    token: (fx) => fx.operator,
    fields: [],
    refresh: async (t, fx) => {
      fx.toApprove = await newApplication(t);
    },
  },
  {
    method: "POST",
    path: (fx) => `/org-applications/${fx.toReject}/reject`,
    token: (fx) => fx.operator,
    fields: ["reason"],
    refresh: async (t, fx) => {
      fx.toReject = await newApplication(t);
    },
  },
  {
    method: "PATCH",
    path: (fx) => `/orgs/${fx.orgId}`,
    fields: ["name", "journalUrl", "settings"],
  },
  { method: "POST", path: (fx) => `/orgs/${fx.orgId}/classes`, fields: ["name"] },
  {
    method: "PATCH",
    path: (fx) => `/orgs/${fx.orgId}/classes/${fx.classId}`,
    fields: ["name", "scheduleUrl", "studentDirectMessages"],
  },
  {
    method: "PATCH",
    path: (fx) => `/orgs/${fx.orgId}/members/${fx.studentId}`,
    fields: ["roles", "classIds", "childIds", "phone"],
  },
  { method: "DELETE", path: (fx) => `/orgs/${fx.orgId}/bans/${fx.removable}`, fields: [] },
  {
    method: "DELETE",
    path: (fx) => `/orgs/${fx.orgId}/members/${fx.removable}`,
    fields: [],
    refresh: async (t, fx) => {
      fx.removable = (await joinAs(t, fx.admin, fx.orgId, "parent", `Родитель ${++people}`)).id;
    },
  },
  {
    method: "POST",
    path: (fx) => `/orgs/${fx.orgId}/invites`,
    fields: ["role", "classId", "childId", "maxUses", "ttlHours"],
  },
  {
    method: "POST",
    path: (fx) => `/invites/${fx.invite}/accept`,
    token: (fx) => fx.acceptor,
    fields: ["displayName"],
    refresh: async (t, fx) => {
      fx.acceptor = await signIn(t, `acceptor${++people}@school.test`);
    },
  },
  {
    method: "DELETE",
    path: (fx) => `/invites/${fx.invite}`,
    fields: [],
    refresh: async (t, fx) => {
      fx.invite = await newInvite(t, fx);
    },
  },
  {
    method: "POST",
    path: (fx) => `/orgs/${fx.orgId}/chats`,
    fields: ["kind", "title", "memberIds"],
  },
  { method: "PATCH", path: (fx) => `/chats/${fx.chatId}`, fields: ["title"] },
  { method: "POST", path: (fx) => `/chats/${fx.chatId}/members`, fields: ["userIds"] },
  {
    method: "DELETE",
    path: (fx) => `/chats/${fx.chatId}/members/${fx.studentId}`,
    fields: [],
    refresh: async (t, fx) => {
      const res = await json(t, "POST", `/chats/${fx.chatId}/members`, fx.admin, {
        userIds: [fx.studentId],
      });
      assert.equal(res.status, 200);
    },
  },
  {
    method: "POST",
    path: (fx) => `/chats/${fx.chatId}/messages`,
    fields: ["clientId", "text", "replyToSeq", "fileIds"],
  },
  { method: "PATCH", path: (fx) => `/chats/${fx.chatId}/messages/${fx.seq}`, fields: ["text"] },
  {
    method: "PUT",
    path: (fx) => `/chats/${fx.chatId}/messages/${fx.seq}/reactions/${encodeURIComponent("👍")}`,
    fields: [],
  },
  {
    method: "DELETE",
    path: (fx) => `/chats/${fx.chatId}/messages/${fx.seq}/reactions/${encodeURIComponent("👍")}`,
    fields: [],
  },
  { method: "POST", path: (fx) => `/chats/${fx.chatId}/read`, fields: ["seq"] },
  { method: "PUT", path: (fx) => `/chats/${fx.chatId}/notifications`, fields: ["mute"] },
  {
    method: "POST",
    path: () => "/push-subscriptions",
    fields: ["endpoint", "expirationTime", "keys"],
  },
  {
    method: "DELETE",
    path: (fx) => `/push-subscriptions/${fx.subscriptionId}`,
    fields: [],
    refresh: async (t, fx) => {
      t.clock.advance(3600_000); // past the hourly cap on subscribing
      fx.subscriptionId = await newSubscription(t, fx);
    },
  },
  { method: "POST", path: (fx) => `/chats/${fx.chatId}/invites`, fields: ["ttlHours", "maxUses"] },
  {
    method: "POST",
    path: (fx) => `/chats/${fx.chatId}/polls`,
    fields: ["clientId", "question", "options", "multiple", "anonymous", "closesAt"],
  },
  {
    method: "PUT",
    path: (fx) => `/chats/${fx.chatId}/polls/${fx.pollSeq}/vote`,
    fields: ["options"],
  },
  {
    method: "POST",
    path: (fx) => `/chats/${fx.chatId}/polls/${fx.pollSeq}/close`,
    fields: [],
    refresh: async (t, fx) => {
      t.clock.advance(60_000); // a new send allowance for the poll's author
      fx.pollSeq = await newPoll(t, fx);
    },
  },
  { method: "POST", path: (fx) => `/chats/${fx.chatId}/messages/${fx.ackSeq}/ack`, fields: [] },
  {
    method: "PATCH",
    path: (fx) => `/chats/${fx.chatId}/settings`,
    fields: ["frozen", "slowModeSeconds"],
  },
  {
    method: "POST",
    path: (fx) => `/chats/${fx.chatId}/members/${fx.studentId}/mute`,
    fields: ["minutes"],
  },
  {
    method: "PATCH",
    path: (fx) => `/chats/${fx.chatId}/members/${fx.studentId}`,
    fields: ["chatRole"],
  },
  {
    method: "POST",
    path: (fx) => `/chats/${fx.chatId}/messages/${fx.seq}/report`,
    fields: ["reason"],
  },
  {
    method: "POST",
    path: (fx) => `/chats/${fx.chatId}/lessons`,
    fields: ["kind", "title", "startsAt", "durationMinutes"],
  },
  {
    method: "POST",
    path: (fx) => `/chats/${fx.chatId}/calls`,
    fields: ["kind", "title", "screenShareForAll"],
    refresh: async (t, fx) => {
      const active = await t.kv.get<string>(["active_calls", fx.chatId]);
      if (active.value) await json(t, "POST", `/calls/${active.value}/end`, fx.admin);
    },
  },
  { method: "POST", path: (fx) => `/calls/${fx.callId}/token`, fields: [] },
  {
    method: "POST",
    path: (fx) => `/calls/${fx.callId}/participants/${fx.studentId}/mute`,
    fields: ["source"],
  },
  {
    method: "POST",
    path: (fx) => `/calls/${fx.callId}/participants/${fx.studentId}/remove`,
    fields: [],
  },
  { method: "POST", path: (fx) => `/calls/${fx.callId}/hands/lower`, fields: [] },
  { method: "POST", path: (fx) => `/calls/${fx.callId}/guests`, fields: ["name", "ttlMinutes"] },
  // No such guest: a ULID that names none.
  { method: "DELETE", path: (fx) => `/calls/${fx.callId}/guests/${fx.studentId}`, fields: [] },
  // A school invite's token is no guest link: 404 once the body is fine.
  { method: "POST", path: (fx) => `/guest/${fx.invite}/join`, fields: [] },
  {
    method: "POST",
    path: (fx) => `/calls/${fx.callId}/lobby/${fx.studentId}/admit`,
    fields: [],
  },
  {
    method: "POST",
    path: (fx) => `/calls/${fx.callId}/lobby/${fx.studentId}/decline`,
    fields: [],
  },
  { method: "POST", path: (fx) => `/calls/${fx.callId}/hand`, fields: ["raised"] },
  {
    method: "POST",
    path: (fx) => `/calls/${fx.callId}/end`,
    fields: [],
    refresh: async (t, fx) => {
      t.clock.advance(60_000); // a new send allowance for the call's starter
      fx.callId = await newCall(t, fx);
    },
  },
  // Last: once it succeeds, the message is a tombstone for the routes above.
  { method: "DELETE", path: (fx) => `/chats/${fx.chatId}/messages/${fx.seq}`, fields: [] },
];

/** Read-only routes take no body; their query parameters and path ids are fuzzed instead. */
const GET_ROUTES: ((fx: Fixture, junk: string) => string)[] = [
  () => "/healthz",
  (_, j) => `/api/v1/auth/providers?x=${j}`,
  (_, j) => `/api/v1/auth/oidc/start?next=${j}`,
  (_, j) => `/api/v1/auth/oidc/callback?state=${j}&code=${j}`,
  () => "/api/v1/me",
  (_, j) => `/api/v1/dev/outbox?to=${j}`,
  (_, j) => `/api/v1/org-applications?status=${j}`,
  (_, j) => `/api/v1/orgs/${j}`,
  (fx) => `/api/v1/orgs/${fx.orgId}`,
  (_, j) => `/api/v1/orgs/${j}/classes`,
  (fx, j) => `/api/v1/orgs/${fx.orgId}/members?role=${j}`,
  (fx, j) => `/api/v1/orgs/${fx.orgId}/members?classId=${j}&role=student`,
  (fx, j) => `/api/v1/orgs/${fx.orgId}/invites?limit=${j}`,
  (_, j) => `/api/v1/invites/${j}`,
  (_, j) => `/api/v1/chats?limit=${j}`,
  (_, j) => `/api/v1/chats/${j}`,
  (fx, j) => `/api/v1/chats/${fx.chatId}/messages?before=${j}&limit=${j}`,
  (fx, j) => `/api/v1/chats/${fx.chatId}/messages?limit=${j}`,
  (fx, j) => `/api/v1/chats/${fx.chatId}/events?after=${j}`,
  (fx, j) => `/api/v1/chats/${fx.chatId}/events?after=1&limit=${j}`,
  (_, j) => `/api/v1/realtime?token=${j}`,
  (_, j) => `/api/v1/calls/${j}`,
  (fx, j) => `/api/v1/calls/${fx.callId}?x=${j}`,
  (_, j) => `/api/v1/calls/${j}/attendance.csv`,
  (_, j) => `/api/v1/me/lessons?x=${j}`,
  (_, j) => `/api/v1/chats/${j}/reports`,
  (fx, j) => `/api/v1/orgs/${fx.orgId}/audit?before=${j}&limit=${j}`,
  (fx, j) => `/api/v1/orgs/${fx.orgId}/reports?x=${j}`,
  (_, j) => `/api/v1/files/${j}`,
  (_, j) => `/api/v1/files/${j}/thumb`,
  (fx, j) => `/api/v1/chats/${fx.chatId}/messages/${j}/acks`,
  (_, j) => `/api/v1/${j}`,
];

const junkArb: fc.Arbitrary<string> = fc.oneof(
  fc.string({ unit: "binary", maxLength: 30 }).map(encodeURIComponent),
  fc.string({ unit: "grapheme-ascii", maxLength: 30 }).map((s) => s.replace(/[#?/]/g, "")),
  fc.constantFrom(
    "",
    "%",
    "%zz",
    "%00",
    "%C0%AF",
    "%ED%A0%80",
    "%F0%9F",
    "-1",
    "0",
    "1e3",
    "0x10",
    "99999999999999999999",
    "NaN",
    "..",
    "%2e%2e",
    "01ARZ3NDEKTSV4RRFFQ69G5FAV",
    "x".repeat(5000),
    "__proto__",
    "constructor",
  ),
);

// ── The tests ──────────────────────────────────────────────────────────────────────────────

const routeName = (route: Route) =>
  `${route.method} ${
    route.path({
      orgId: ":orgId",
      classId: ":classId",
      studentId: ":userId",
      removable: ":userId",
      chatId: ":chatId",
      seq: ":seq",
      invite: ":token",
      toApprove: ":id",
      toReject: ":id",
      pollSeq: ":seq",
      ackSeq: ":seq",
      callId: ":callId",
      subscriptionId: ":id",
    } as unknown as Fixture).replace("%F0%9F%91%8D", ":emoji")
  }`;

for (const [i, route] of ROUTES.entries()) {
  Deno.test(`${routeName(route)} refuses malformed and oversized bodies cleanly and changes nothing`, async () => {
    // A fresh school per route keeps the store small, so a snapshot per request stays cheap.
    await using lk = fakeLiveKit();
    await using t = await testApp({ env: lk.env });
    const fx = await setUp(t);
    // What accepted requests leave to do after their commit is done before each snapshot.
    await t.deps.effects.drain();
    let before = await snapshot(t.kv);
    const statuses = new Set<number>();
    await fc.assert(
      fc.asyncProperty(bodyArb(route.fields), fc.boolean(), async (body, declareLength) => {
        const path = route.path(fx);
        const headers: Record<string, string> = {
          Authorization: `Bearer ${(route.token ?? ((f) => f.admin))(fx)}`,
        };
        if (body.contentType !== null) headers["Content-Type"] = body.contentType;
        if (declareLength && !body.stream) headers["Content-Length"] = String(body.bytes.length);
        const res = await t.fetch(`/api/v1${path}`, {
          method: route.method,
          headers,
          body: requestBody(body),
          address: "198.51.100.7",
        });
        const context = `${route.method} ${path} ← ${describe.call(body)} → ${res.status}`;
        statuses.add(res.status);
        assert.ok(res.status < 500, context);
        assertNoPollution();
        const edge = expectedEdge(body);
        if (edge === null) assert.ok(res.status !== 413 && res.status !== 415, context);
        if (res.status >= 200 && res.status < 300) {
          await res.body?.cancel();
          assert.equal(edge, null, `${context}: expected ${JSON.stringify(edge)}`);
          await route.refresh?.(t, fx);
          await t.deps.effects.drain();
          before = await snapshot(t.kv);
          return;
        }
        const answer = await assertErrorShape(res, context) as { error: { code: string } };
        if (edge) {
          assert.ok(res.status in edge, `${context} ${JSON.stringify(answer)}`);
          assert.equal(answer.error.code, edge[res.status], context);
        }
        const after = await snapshot(t.kv);
        assert.deepEqual(changes(before, after), [], `${context}: a refused request changed state`);
      }),
      { seed: SEED + i, numRuns: RUNS, endOnFailure: true, examples: fixedExamples(route.fields) },
    );
    report(RUNS + fixedExamples(route.fields).length);
    // The bodies reached the route's body reading and its validation.
    for (const status of [400, 413, 415]) {
      assert.ok(statuses.has(status), `never answered ${status}: ${[...statuses]}`);
    }
  });
}

Deno.test("junk in read routes' path ids and query parameters never fails or changes state", async () => {
  await using lk = fakeLiveKit();
  await using t = await testApp({ env: lk.env });
  const fx = await setUp(t);
  await t.deps.effects.drain();
  const before = await snapshot(t.kv);
  await fc.assert(
    fc.asyncProperty(
      fc.constantFrom(...GET_ROUTES),
      junkArb,
      fc.boolean(),
      async (route, junk, authed) => {
        const url = route(fx, junk);
        const res = await t.fetch(url, {
          headers: authed ? { Authorization: `Bearer ${fx.admin}` } : {},
        });
        const context = `GET ${url.slice(0, 200)}${authed ? " (admin)" : ""} → ${res.status}`;
        assert.ok(res.status < 500, context);
        if (res.status >= 300) await assertErrorShape(res, context);
        else await res.body?.cancel();
        assert.deepEqual(changes(before, await snapshot(t.kv)), [], `${context}: state changed`);
      },
    ),
    { seed: SEED, numRuns: RUNS * 4, endOnFailure: true },
  );
  report(RUNS * 4);
});

Deno.test("junk path ids with junk bodies are refused without changing state", async () => {
  await using lk = fakeLiveKit();
  await using t = await testApp({ env: lk.env });
  const fx = await setUp(t);
  await t.deps.effects.drain();
  const before = await snapshot(t.kv);
  const withIds = ROUTES.filter((r) => routeName(r).includes("/:"));
  await fc.assert(
    fc.asyncProperty(
      fc.constantFrom(...withIds),
      fc.nat(),
      junkArb.filter((j) => j !== "" && j !== "." && j !== ".."),
      bodyArb(["name", "text", "role", "userIds", "displayName"]),
      async (route, which, junk, body) => {
        const real = route.path(fx);
        const ids = real.match(/[0-9A-Z]{26}|[\w-]{40,}|\/\d+(?=\/|$)/g)!;
        const id = ids[which % ids.length]!;
        const path = real.replace(id, id.startsWith("/") ? `/${junk}` : junk);
        const headers: Record<string, string> = { Authorization: `Bearer ${fx.admin}` };
        if (body.contentType !== null) headers["Content-Type"] = body.contentType;
        const res = await t.fetch(`/api/v1${path}`, {
          method: route.method,
          headers,
          body: requestBody(body),
        });
        const context = `${route.method} ${path.slice(0, 200)} ← ${
          describe.call(body)
        } → ${res.status}`;
        assert.ok(res.status < 500, context);
        assert.ok(res.status >= 300 || path === real, `${context}: junk id accepted`);
        if (res.status < 300) return void await res.body?.cancel();
        await assertErrorShape(res, context);
        assert.deepEqual(changes(before, await snapshot(t.kv)), [], `${context}: state changed`);
      },
    ),
    { seed: SEED + 1000, numRuns: RUNS * 2, endOnFailure: true },
  );
  report(RUNS * 2);
});

/** State-changing routes whose bodies are not JSON, fuzzed by their own tests. */
const NOT_JSON = new Map([
  ["POST /chats/:/files", "multipart upload: tests/files_test.ts and the upload fuzz below"],
  ["POST /livekit/webhook", "LiveKit's signed body: the webhook fuzz below"],
]);

Deno.test("every state-changing API route is fuzzed (enumerated from the router)", async () => {
  await using t = await testApp();
  const shape = (path: string) => path.replace(/:[A-Za-z]+/g, ":");
  const fuzzed = new Set(ROUTES.map((r) => shape(routeName(r))));
  const missing = createApp(t.deps).routes
    .filter((r) => ["POST", "PUT", "PATCH", "DELETE"].includes(r.method))
    .filter((r) => r.path.startsWith("/api/v1/") && !r.path.endsWith("*"))
    .map((r) => shape(`${r.method} ${r.path.slice("/api/v1".length)}`))
    .filter((name) => !fuzzed.has(name) && !NOT_JSON.has(name));
  assert.deepEqual([...new Set(missing)], [], "routes without a body fuzz");
});

Deno.test("junk uploads and junk webhooks are refused without a 5xx or a change", async () => {
  await using lk = fakeLiveKit();
  await using t = await testApp({ env: lk.env });
  const fx = await setUp(t);
  await t.deps.effects.drain();
  const before = await snapshot(t.kv);
  await fc.assert(
    fc.asyncProperty(
      fc.constantFrom("upload", "webhook"),
      fc.constantFrom(
        ...JSON_TYPES,
        ...OTHER_TYPES,
        "multipart/form-data",
        "application/webhook+json",
      ),
      fc.oneof(
        fc.uint8Array({ maxLength: 2000 }),
        fc.string({ maxLength: 300 }).map((x) => encoder.encode(x)),
        fc.constantFrom(
          encoder.encode('--x\r\nContent-Disposition: form-data; name="other"\r\n\r\nhi\r\n--x--'),
          encoder.encode('{"event":"room_finished","room":{"name":"x"}}'),
        ),
      ),
      fc.option(fc.string({ maxLength: 200 }), { nil: undefined }),
      async (target, type, bytes, auth) => {
        const path = target === "upload"
          ? `/api/v1/chats/${fx.chatId}/files`
          : "/api/v1/livekit/webhook";
        const headers: Record<string, string> = { "Content-Type": type ?? "application/json" };
        if (target === "upload") headers.Authorization = `Bearer ${fx.admin}`;
        else if (auth !== undefined) headers.Authorization = auth;
        const res = await t.fetch(path, { method: "POST", headers, body: bytes });
        const context = `${target} ${type} ${bytes.length} bytes → ${res.status}`;
        assert.ok(res.status >= 400 && res.status < 500, context);
        await assertErrorShape(res, context);
        assert.deepEqual(changes(before, await snapshot(t.kv)), [], `${context}: state changed`);
      },
    ),
    { seed: SEED + 2000, numRuns: RUNS, endOnFailure: true },
  );
  report(RUNS);
});

Deno.test("the dev outbox answers 400, not 500, for an address too long to look up", async () => {
  await using t = await testApp();
  const res = await json<{ error: { code: string } }>(
    t,
    "GET",
    `/dev/outbox?to=${"x".repeat(5000)}%40school.test`,
  );
  assert.equal(res.status, 400, JSON.stringify(res.body));
  assert.equal(res.body.error.code, "invalid_input");
});

Deno.test("a malformed WebSocket upgrade is 400, not 500", async () => {
  await using t = await testApp();
  for (
    const headers of [
      { Upgrade: "websocket" },
      { Upgrade: "websocket", Connection: "Upgrade" },
      { Upgrade: "websocket", Connection: "Upgrade", "Sec-WebSocket-Version": "13" },
    ] as Record<string, string>[]
  ) {
    const res = await t.fetch("/api/v1/realtime", { headers });
    const body = await assertErrorShape(res, JSON.stringify(headers));
    assert.equal(res.status, 400, `${JSON.stringify(headers)}: ${JSON.stringify(body)}`);
  }
});
