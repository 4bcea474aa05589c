/**
 * A socket lives no longer than its session and its school membership: sign-out, expiry and
 * removal from a school end what an open socket hears and may send, on this isolate and on every
 * other one, and the periodic re-check against KV ends them even when the bus lost the news.
 */
import assert from "node:assert/strict";
import {
  call,
  createSchool,
  joinAs,
  json,
  ORIGIN,
  post,
  serve,
  signIn,
  type TestApp,
  testApp,
  twoIsolates,
} from "./helpers.ts";
import { barrier, closedWithin, eventsOf, greeted, type WsClient } from "./ws_client.ts";
import { api, signInReal, startServer } from "./server.ts";
import { SESSION_TTL_MS } from "../domain/auth.ts";
import { keys } from "../platform/kv_keys.ts";
import type { OrgId, UserId } from "../shared/ids.ts";
import { CLOSE, type ServerFrame } from "../shared/wire.ts";
import type { ChatEvent } from "../shared/chat_model.ts";

type ErrorFrame = Extract<ServerFrame, { type: "error" }>;

/** Asserts the socket was closed for its session's end, after an `unauthenticated` error frame. */
async function assertSessionEnded(ws: WsClient) {
  const closed = await closedWithin(ws);
  assert.equal(closed.code, CLOSE.sessionEnded, `closed with ${closed.code}`);
  const error = ws.frames.findLast((f): f is ErrorFrame => f.type === "error");
  assert.equal(error?.error.code, "unauthenticated");
}

async function logEvents(t: TestApp, token: string, chatId: string): Promise<ChatEvent[]> {
  const res = await json<{ events: ChatEvent[] }>(
    t,
    "GET",
    `/chats/${chatId}/events?after=0&limit=200`,
    token,
  );
  assert.equal(res.status, 200);
  return res.body.events;
}

/** A school with a teacher, a student and a group of the two. */
async function classChat(t: TestApp) {
  const { orgId, admin } = await createSchool(t);
  const teacher = await joinAs(t, admin, orgId, "teacher", "Учитель");
  const student = await joinAs(t, admin, orgId, "student", "Ученик");
  const res = await json<{ chat: { id: string } }>(
    t,
    "POST",
    `/orgs/${orgId}/chats`,
    teacher.token,
    {
      kind: "group",
      title: "5А",
      memberIds: [student.id],
    },
  );
  assert.equal(res.status, 201);
  return { orgId, admin, teacher, student, chatId: res.body.chat.id };
}

// ── Sign-out ─────────────────────────────────────────────────────────────────────────────────

Deno.test("logout closes every open socket of that session with 4401 at once, and only those; what they send after commits nothing", async () => {
  await using t = await testApp();
  await using server = serve(t);
  const { teacher, student, chatId } = await classChat(t);
  const email = (await json<{ user: { email: string } }>(t, "GET", "/me", student.token)).body
    .user.email;
  const otherSession = await signIn(t, email);
  await using byToken = await greeted(server.wsUrl, student.token);
  await using byCookie = await greeted(server.wsUrl, null, {
    headers: { Origin: ORIGIN, Cookie: `parta_session=${student.token}` },
  });
  await using stays = await greeted(server.wsUrl, otherSession);
  await post(t, teacher.token, chatId, "before");
  for (const ws of [byToken, byCookie, stays]) {
    await ws.until(() => eventsOf(ws, chatId).length === 1);
  }

  const out = await call(t, "POST", "/auth/logout", student.token);
  assert.equal(out.status, 204);
  // Sent right after the logout answer, before the client has seen the close.
  if (byToken.socket.readyState === WebSocket.OPEN) {
    byToken.send({ type: "send", chatId, clientId: "after-logout", text: "я ещё здесь" });
    byToken.send({ type: "typing", chatId });
  }
  await assertSessionEnded(byToken);
  await assertSessionEnded(byCookie);

  const after = await post(t, teacher.token, chatId, "after");
  await stays.until(() => eventsOf(stays, chatId).some((e) => e.seq === after.seq));
  await barrier(stays);
  assert.equal(stays.socket.readyState, WebSocket.OPEN, "the other session's socket stays open");
  assert.ok(!stays.frames.some((f) => f.type === "typing"), "typing after logout went nowhere");
  for (const ws of [byToken, byCookie]) {
    assert.deepEqual(eventsOf(ws, chatId).map((e) => e.seq), [2], "nothing after the logout");
    assert.ok(!ws.frames.some((f) => f.type === "ack"), "no send was acknowledged");
  }
  const log = await logEvents(t, teacher.token, chatId);
  assert.deepEqual(
    log.flatMap((e) => e.type === "message.created" ? [e.message.clientId] : []),
    ["before", "after"],
    "the send after logout was not committed",
  );
});

Deno.test("logout on one isolate closes the session's socket on another at once, over the bus", async () => {
  await using stack = new AsyncDisposableStack();
  const [a, b] = await twoIsolates(stack);
  const { teacher, student, chatId } = await classChat(a.app);
  const there = stack.use(await greeted(b.server.wsUrl, student.token));

  const out = await call(a.app, "POST", "/auth/logout", student.token);
  assert.equal(out.status, 204);
  await assertSessionEnded(there);
  await post(b.app, teacher.token, chatId, "after");
  assert.deepEqual(eventsOf(there, chatId), []);
});

Deno.test("with the bus message lost, the periodic re-check against KV closes the signed-out session's socket", async () => {
  await using stack = new AsyncDisposableStack();
  const [a, b] = await twoIsolates(stack);
  const { teacher, student, chatId } = await classChat(a.app);
  const there = stack.use(await greeted(b.server.wsUrl, student.token));
  a.bus.lose = (m) => m.type === "session.ended";

  assert.equal((await call(a.app, "POST", "/auth/logout", student.token)).status, 204);
  // B has not heard: the socket is still served (this is the delay a lost message costs).
  await barrier(there);
  assert.equal(there.socket.readyState, WebSocket.OPEN);

  await b.app.deps.gateway.recheck();
  await assertSessionEnded(there);
  await post(b.app, teacher.token, chatId, "after");
  assert.deepEqual(eventsOf(there, chatId), []);
});

Deno.test("with deno serve --parallel, logout through one worker closes the session's sockets on both", async () => {
  const dir = await Deno.makeTempDir();
  await using server = await startServer({
    KV_PATH: `${dir}/parta.kv`,
    DEV_OUTBOX: "1",
    DENO_JOBS: "2",
  });
  const sockets: WsClient[] = [];
  try {
    const token = await signInReal(server.url, "leaver@school.test", "Уходящий");
    // The kernel spreads connections over the workers (SO_REUSEPORT): with 10 sockets both
    // workers serve some of them, except with probability 2^-9 (and 10 stay within the
    // per-account cap of each worker).
    for (let i = 0; i < 10; i++) sockets.push(await greeted(server.wsUrl, token));
    const out = await api(server.url, "POST", "/auth/logout", token);
    assert.equal(out.status, 204);
    for (const ws of sockets) await assertSessionEnded(ws);
  } finally {
    await Promise.all(sockets.map((s) => s.close()));
    await server.stop();
    await Deno.remove(dir, { recursive: true });
  }
});

// ── Expiry ───────────────────────────────────────────────────────────────────────────────────

Deno.test("a socket is closed with 4401 when its session expires, and a frame after expiry gets no answer", async () => {
  await using t = await testApp();
  await using server = serve(t);
  const { teacher, chatId } = await classChat(t);
  await using idle = await greeted(server.wsUrl, teacher.token);
  await using talking = await greeted(server.wsUrl, teacher.token);
  await barrier(idle);

  t.clock.advance(SESSION_TTL_MS + 1000);
  // Sent before the once-a-second sweep runs: refused as it arrives, and the socket closed.
  talking.send({ type: "ping" });
  talking.send({ type: "send", chatId, clientId: "expired", text: "поздно" });
  await assertSessionEnded(talking);
  assert.ok(!talking.frames.some((f) => f.type === "pong" || f.type === "ack"));
  // The idle socket sends nothing: the sweep finds it.
  await assertSessionEnded(idle);
  assert.equal(t.deps.gateway.size, 0);
});

// ── Removal from the school ─────────────────────────────────────────────────────────────────

Deno.test("a member removed from the school stops hearing its chats on another isolate at once, even when the chats' own events are lost", async () => {
  await using stack = new AsyncDisposableStack();
  const [a, b] = await twoIsolates(stack);
  const { orgId, admin, teacher, student, chatId } = await classChat(a.app);
  const there = stack.use(await greeted(b.server.wsUrl, student.token));
  const owner = stack.use(await greeted(b.server.wsUrl, teacher.token));
  // A's chat broadcasts (the member.left it commits) never reach B.
  a.bus.lose = (m) => m.type === "events";

  assert.equal(
    (await call(a.app, "DELETE", `/orgs/${orgId}/members/${student.id}`, admin)).status,
    204,
  );
  await there.next((f) => f.type === "chat.removed" && f.chatId === chatId);
  // A message committed on B, delivered by B itself: the removed member's socket must not get it.
  const after = await post(b.app, teacher.token, chatId, "after");
  await owner.until(() => eventsOf(owner, chatId).some((e) => e.seq === after.seq));
  await barrier(there);
  assert.deepEqual(eventsOf(there, chatId), [], "no event of the school's chat after the removal");
  const from = there.frames.length;
  there.send({ type: "send", chatId, clientId: "still-here", text: "я тут?" });
  there.send({ type: "typing", chatId });
  const refused = await there.next<ErrorFrame>((f) =>
    f.type === "error" && f.clientId === "still-here"
  );
  assert.equal(refused.error.code, "not_found");
  await barrier(owner);
  assert.ok(!owner.frames.some((f) => f.type === "typing"), "typing from a removed member");
  assert.ok(there.frames.slice(from).every((f) => f.type !== "ack"));
});

Deno.test("with every bus message lost, a removed member's socket learns of the removal from the log before any later event", async () => {
  await using stack = new AsyncDisposableStack();
  const [a, b] = await twoIsolates(stack);
  const { orgId, admin, teacher, student, chatId } = await classChat(a.app);
  const there = stack.use(await greeted(b.server.wsUrl, student.token));
  const owner = stack.use(await greeted(b.server.wsUrl, teacher.token));
  a.bus.lose = () => true;

  assert.equal(
    (await call(a.app, "DELETE", `/orgs/${orgId}/members/${student.id}`, admin)).status,
    204,
  );
  // B reads the member.left it missed from KV when the next event arrives, and stops there.
  const after = await post(b.app, teacher.token, chatId, "after");
  await owner.until(() => eventsOf(owner, chatId).some((e) => e.seq === after.seq));
  await there.next((f) => f.type === "chat.removed" && f.chatId === chatId);
  await barrier(there);
  assert.deepEqual(eventsOf(there, chatId), [], "neither the member.left nor the message after it");
});

Deno.test("a membership that ended without any notice (the chats never told) is found by the re-check", async () => {
  await using stack = new AsyncDisposableStack();
  const [a, b] = await twoIsolates(stack);
  const { orgId, teacher, student, chatId } = await classChat(a.app);
  const there = stack.use(await greeted(b.server.wsUrl, student.token));
  // The removal's commit alone, as if its notices and tidy-up had all been lost.
  const gone = await a.app.kv.atomic()
    .delete(keys.orgMember(orgId as OrgId, student.id as UserId))
    .delete(keys.orgByUser(student.id as UserId, orgId as OrgId))
    .commit();
  assert.ok(gone.ok);

  await b.app.deps.gateway.recheck();
  await there.next((f) => f.type === "chat.removed" && f.chatId === chatId);
  const after = await post(b.app, teacher.token, chatId, "after");
  await barrier(there);
  assert.ok(!eventsOf(there, chatId).some((e) => e.seq === after.seq));
  assert.equal(
    there.socket.readyState,
    WebSocket.OPEN,
    "the socket itself stays: the session is fine",
  );
});
