/**
 * Test scaffolding: an in-process app on a real in-memory KV with a fake clock and the KV
 * outbox, plus small clients that sign people in and call the API as they would.
 */
import { readConfig } from "../platform/config.ts";
import type { Clock } from "../shared/ids.ts";
import { createApp } from "../routes/app.ts";
import type { Deps } from "../routes/context.ts";
import { createDeps, stopDeps, type WiringOptions } from "../wiring.ts";
import { listOutbox } from "../platform/mail.ts";
import { type Bus, type BusMessage, MemoryBusHub } from "../actors/bus.ts";
import type { Message } from "../shared/chat_model.ts";
import { checkAnswer } from "./contract.ts";

export const ORIGIN = "http://parta.test";
export const OPERATOR = "operator@parta.test";

/** A clock that only moves when told to. */
export class FakeClock implements Clock {
  constructor(public ms = Date.parse("2026-09-01T06:00:00Z")) {}
  now(): number {
    return this.ms;
  }
  advance(ms: number): void {
    this.ms += ms;
  }
}

export interface TestApp extends AsyncDisposable {
  deps: Deps;
  kv: Deno.Kv;
  clock: FakeClock;
  /** Calls the app in-process; `address` is the client's IP for rate limits. */
  fetch(path: string, init?: RequestInit & { address?: string }): Promise<Response>;
}

export interface TestAppOptions extends WiringOptions {
  env?: Record<string, string>;
  /** Share a KV store with another test app (two simulated isolates). */
  kv?: Deno.Kv;
}

/** An app on a fresh in-memory KV. Dispose it (`await using`) to stop actors and close KV. */
export async function testApp(options: TestAppOptions = {}): Promise<TestApp> {
  const ownKv = !options.kv;
  const kv = options.kv ?? await Deno.openKv(":memory:");
  const clock = new FakeClock();
  const config = readConfig({
    APP_ORIGIN: ORIGIN,
    KV_PATH: ":memory:",
    OPERATOR_EMAILS: OPERATOR,
    DEV_OUTBOX: "1",
    ...options.env,
  });
  // A private bus: apps in one test process must not hear each other unless a test joins them.
  const bus = options.bus ?? new MemoryBusHub().endpoint();
  const deps = createDeps(config, kv, { clock, ...options, bus });
  const app = createApp(deps);
  return {
    deps,
    kv,
    clock,
    async fetch(path, init = {}) {
      const { address = "10.0.0.1", ...rest } = init;
      const info = { remoteAddr: { transport: "tcp", hostname: address, port: 40000 } };
      const res = await app.request(path, rest, info as unknown as Deno.ServeHandlerInfo);
      // Every answer is held to the OpenAPI document (tests/contract.ts).
      await checkAnswer(rest.method ?? "GET", path, res);
      return res;
    },
    async [Symbol.asyncDispose]() {
      await stopDeps(deps);
      if (ownKv) kv.close();
    },
  };
}

/** A JSON request with a bearer token (exempt from origin checks). */
export function call(
  t: TestApp,
  method: string,
  path: string,
  token?: string | null,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<Response> {
  const h: Record<string, string> = { ...headers };
  if (token) h.Authorization = `Bearer ${token}`;
  if (body !== undefined) h["Content-Type"] = "application/json";
  return t.fetch(`/api/v1${path}`, {
    method,
    headers: h,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

/** `call`, then the parsed JSON body with the status. */
export async function json<T = Record<string, unknown>>(
  t: TestApp,
  method: string,
  path: string,
  token?: string | null,
  body?: unknown,
): Promise<{ status: number; body: T; headers: Headers }> {
  const res = await call(t, method, path, token, body);
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null, headers: res.headers };
}

/** The newest six-digit code mailed to `email`. */
export async function lastCode(t: TestApp, email: string): Promise<string> {
  const mails = await listOutbox(t.kv, email);
  const code = mails.at(-1)?.text.match(/\d{6}/)?.[0];
  if (!code) throw new Error(`no code mailed to ${email}`);
  return code;
}

/** Signs `email` in by code; sets the display name if given. Returns the bearer token. */
export async function signIn(t: TestApp, email: string, displayName?: string): Promise<string> {
  const sent = await call(t, "POST", "/auth/code", null, { email });
  if (sent.status !== 202) throw new Error(`code request: ${sent.status} ${await sent.text()}`);
  const code = await lastCode(t, email);
  const verified = await json<{ token: string }>(t, "POST", "/auth/verify", null, { email, code });
  if (verified.status !== 200) throw new Error(`verify: ${verified.status}`);
  if (displayName) await call(t, "PATCH", "/me", verified.body.token, { displayName });
  return verified.body.token;
}

/** Counters and the mail outbox, which a refused request may touch without changing anything. */
const UNSNAPSHOT = new Set(["rate_limits", "outbox", "outbox_by_to"]);

/**
 * Every KV entry's key and versionstamp (counters and mail aside): two equal snapshots mean
 * nothing was written in between.
 */
export async function kvSnapshot(kv: Deno.Kv): Promise<string[]> {
  const out: string[] = [];
  for await (const e of kv.list({ prefix: [] })) {
    if (!UNSNAPSHOT.has(String(e.key[0]))) out.push(JSON.stringify([e.key, e.versionstamp]));
  }
  return out;
}

export interface School {
  orgId: string;
  admin: string;
  adminId: string;
}

/** A school created the real way: application, operator approval, admin accepting the invite. */
export async function createSchool(t: TestApp, name = "Школа № 1"): Promise<School> {
  const adminEmail = `admin.${crypto.randomUUID().slice(0, 8)}@school.test`;
  const applied = await json<{ id: string }>(t, "POST", "/org-applications", null, {
    schoolName: name,
    region: "Москва",
    adminName: "Анна Петровна",
    adminEmail,
    adminPhone: "+7 900 123-45-67",
  });
  if (applied.status !== 201) throw new Error(`apply: ${applied.status}`);
  const operator = await signIn(t, OPERATOR, "Оператор");
  const approved = await json<{ org: { id: string }; adminInvite: { token: string } }>(
    t,
    "POST",
    `/org-applications/${applied.body.id}/approve`,
    operator,
  );
  if (approved.status !== 201) throw new Error(`approve: ${approved.status}`);
  const admin = await signIn(t, adminEmail);
  const accepted = await json(
    t,
    "POST",
    `/invites/${approved.body.adminInvite.token}/accept`,
    admin,
    {
      displayName: "Анна Петровна",
    },
  );
  if (accepted.status !== 200) throw new Error(`accept: ${accepted.status}`);
  const me = await json<{ user: { id: string } }>(t, "GET", "/me", admin);
  return { orgId: approved.body.org.id, admin, adminId: me.body.user.id };
}

/** Joins a new person to the school through an invite of `role`; returns their token and id. */
export async function joinAs(
  t: TestApp,
  inviterToken: string,
  orgId: string,
  role: string,
  name: string,
  extra: Record<string, unknown> = {},
): Promise<{ token: string; id: string }> {
  const invite = await json<{ token: string }>(t, "POST", `/orgs/${orgId}/invites`, inviterToken, {
    role,
    ...extra,
  });
  if (invite.status !== 201) {
    throw new Error(`invite: ${invite.status} ${JSON.stringify(invite.body)}`);
  }
  const token = await signIn(t, `${crypto.randomUUID().slice(0, 12)}@school.test`);
  const accepted = await json(t, "POST", `/invites/${invite.body.token}/accept`, token, {
    displayName: name,
  });
  if (accepted.status !== 200) throw new Error(`accept: ${accepted.status}`);
  const me = await json<{ user: { id: string } }>(t, "GET", "/me", token);
  return { token, id: me.body.user.id };
}

/** A school with a teacher and a student, in a group chat of the teacher's called `title`. */
export async function groupWithStudent(t: TestApp, title: string) {
  const { orgId, admin } = await createSchool(t);
  const teacher = await joinAs(t, admin, orgId, "teacher", "Учитель");
  const student = await joinAs(t, admin, orgId, "student", "Ученик");
  const chat = await json<{ chat: { id: string } }>(
    t,
    "POST",
    `/orgs/${orgId}/chats`,
    teacher.token,
    {
      kind: "group",
      title,
      memberIds: [student.id],
    },
  );
  return { orgId, admin, teacher, student, chatId: chat.body.chat.id };
}

export interface Served extends AsyncDisposable {
  url: string;
  wsUrl: string;
}

/** Serves the test app over real HTTP on a free port (for WebSocket tests). */
export function serve(t: TestApp): Served {
  const app = createApp(t.deps);
  const server = Deno.serve(
    { port: 0, hostname: "127.0.0.1", onListen() {} },
    (req, info) => app.fetch(req, info),
  );
  const { port } = server.addr as Deno.NetAddr;
  return {
    url: `http://127.0.0.1:${port}`,
    wsUrl: `ws://127.0.0.1:${port}/api/v1/realtime`,
    async [Symbol.asyncDispose]() {
      t.deps.gateway.close();
      await server.shutdown();
    },
  };
}

/** A bus endpoint that drops the messages `lose` picks (none by default). */
export class LossyBus implements Bus {
  lose: (message: BusMessage) => boolean = () => false;
  constructor(readonly inner: Bus) {}
  publish(message: BusMessage): void {
    if (!this.lose(message)) this.inner.publish(message);
  }
  subscribe(handler: (message: BusMessage) => void): () => void {
    return this.inner.subscribe(handler);
  }
  close(): void {
    this.inner.close();
  }
}

/** One simulated isolate: an app, its server, and its (lossy) end of the shared bus. */
export interface Isolate {
  app: TestApp;
  server: Served;
  bus: LossyBus;
}

/** Two apps on one KV and one bus, each served on its own port; disposed in reverse order. */
export async function twoIsolates(stack: AsyncDisposableStack): Promise<[Isolate, Isolate]> {
  const kv = stack.use(await Deno.openKv(":memory:"));
  const hub = new MemoryBusHub();
  const isolates: Isolate[] = [];
  for (let i = 0; i < 2; i++) {
    const bus = new LossyBus(hub.endpoint());
    const app = stack.use(await testApp({ kv, bus }));
    isolates.push({ app, server: stack.use(serve(app)), bus });
  }
  return isolates as [Isolate, Isolate];
}

/** Sends a message `clientId` over HTTP as `token` and returns it (asserting 201). */
export async function post(t: TestApp, token: string, chatId: string, clientId: string) {
  const res = await json<{ message: Message }>(t, "POST", `/chats/${chatId}/messages`, token, {
    clientId,
    text: `текст ${clientId}`,
  });
  if (res.status !== 201) throw new Error(`send: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.message;
}
