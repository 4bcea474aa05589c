import assert from "node:assert/strict";
import {
  call,
  createSchool,
  joinAs,
  json,
  ORIGIN,
  post,
  serve,
  type TestApp,
  testApp,
} from "./helpers.ts";
import { barrier, connect, eventsOf, greeted, type WsClient } from "./ws_client.ts";
import type { ServerFrame } from "../shared/wire.ts";
import type { ChatEvent, Message } from "../shared/chat_model.ts";

type EventFrame = Extract<ServerFrame, { type: "event" }>;
type ErrorFrame = Extract<ServerFrame, { type: "error" }>;
type ReadyFrame = Extract<ServerFrame, { type: "ready" }>;
type Person = { token: string; id: string };

function readyOf(ws: WsClient): ReadyFrame {
  const ready = ws.frames.find((f): f is ReadyFrame => f.type === "ready");
  assert.ok(ready, "no ready frame");
  return ready;
}

/** Waits until the socket has received `n` events of `chatId`. */
async function untilEvents(ws: WsClient, chatId: string, n: number, ms = 10_000) {
  let seen = 0;
  let count = 0;
  await ws.until((frames) => {
    for (; seen < frames.length; seen++) {
      const f = frames[seen]!;
      if (f.type === "event" && f.chatId === chatId) count++;
    }
    return count >= n;
  }, ms);
}

/**
 * Pings and waits for the pong: every frame the server wrote to this socket before handling
 * the ping has then arrived.
 */
type Answer = Extract<ServerFrame, { type: "ack" | "error" }>;

/** The answers (ack or error) to `send`s with `clientIds`, among frames from index `from`. */
async function replies(ws: WsClient, clientIds: readonly string[], from: number) {
  const wanted = new Set(clientIds);
  const found = new Map<string, Answer>();
  let seen = from;
  await ws.until((frames) => {
    for (; seen < frames.length; seen++) {
      const f = frames[seen]!;
      if ((f.type === "ack" || f.type === "error") && wanted.has(f.clientId!)) {
        found.set(f.clientId!, f);
      }
    }
    return found.size === wanted.size;
  }, 10_000);
  return found;
}

/** The answer (ack or error) to a `send` with `clientId`, among frames from index `from`. */
async function reply(ws: WsClient, clientId: string, from: number): Promise<Answer> {
  return (await replies(ws, [clientId], from)).get(clientId)!;
}

async function createGroup(t: TestApp, orgId: string, token: string, memberIds: string[]) {
  const res = await json<{ chat: { id: string } }>(t, "POST", `/orgs/${orgId}/chats`, token, {
    kind: "group",
    title: "5А",
    memberIds,
  });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return res.body.chat.id;
}

async function lastSeq(t: TestApp, token: string, chatId: string): Promise<number> {
  const res = await json<{ chat: { lastSeq: number } }>(t, "GET", `/chats/${chatId}`, token);
  assert.equal(res.status, 200);
  return res.body.chat.lastSeq;
}

/** A school with a teacher and `n` students, and a group of them all owned by the teacher. */
async function classChat(t: TestApp, n: number) {
  const { orgId, admin, adminId } = await createSchool(t);
  const teacher = await joinAs(t, admin, orgId, "teacher", "Учитель");
  const students: Person[] = [];
  for (let i = 0; i < n; i++) {
    students.push(await joinAs(t, admin, orgId, "student", `Ученик ${i + 1}`));
  }
  const chatId = await createGroup(t, orgId, teacher.token, students.map((s) => s.id));
  return { orgId, admin, adminId, teacher, students, chatId };
}

Deno.test("messages sent over the socket reach every member in order, with an ack", async () => {
  await using t = await testApp();
  await using server = serve(t);
  const { orgId, admin } = await createSchool(t);
  const teacher = await joinAs(t, admin, orgId, "teacher", "Учитель");
  const student = await joinAs(t, admin, orgId, "student", "Ученик");
  const created = await json<{ chat: { id: string; lastSeq: number } }>(
    t,
    "POST",
    `/orgs/${orgId}/chats`,
    teacher.token,
    { kind: "group", title: "5А", memberIds: [student.id] },
  );
  assert.equal(created.status, 201);
  const chatId = created.body.chat.id;

  await using a = await connect(server.wsUrl);
  await using b = await connect(server.wsUrl);
  a.send({ type: "hello", token: teacher.token });
  b.send({ type: "hello", token: student.token });
  const readyA = await a.next<Extract<ServerFrame, { type: "ready" }>>((f) => f.type === "ready");
  await b.next((f) => f.type === "ready");
  assert.deepEqual(readyA.chats, { [chatId]: 1 });

  for (let i = 1; i <= 5; i++) {
    a.send({ type: "send", chatId, clientId: `c${i}`, text: `сообщение ${i}` });
  }
  await b.until((fs) => fs.filter((f) => f.type === "event").length === 5);
  const seqs = b.frames.filter((f): f is EventFrame => f.type === "event").map((f) => f.event.seq);
  assert.deepEqual(seqs, [2, 3, 4, 5, 6]);
  await a.until((fs) => fs.filter((f) => f.type === "ack").length === 5);
  const acks = a.frames.filter((f) => f.type === "ack");
  assert.deepEqual(acks.map((f) => (f as { seq: number }).seq), [2, 3, 4, 5, 6]);
});

// ── Concurrency ─────────────────────────────────────────────────────────────────────────────

interface Round {
  accepted: string[];
  limited: string[];
  /** Largest Retry-After among the limited sends, in seconds. */
  retryAfter: number;
}

async function sendRoundOverSocket(ws: WsClient, chatId: string, clientIds: string[]) {
  const from = ws.frames.length;
  for (const clientId of clientIds) {
    ws.send({ type: "send", chatId, clientId, text: `текст ${clientId}` });
  }
  const answers = await replies(ws, clientIds, from);
  const round: Round = { accepted: [], limited: [], retryAfter: 0 };
  for (const clientId of clientIds) {
    const answer = answers.get(clientId)!;
    if (answer.type === "ack") {
      round.accepted.push(clientId);
    } else {
      assert.equal(answer.error.code, "rate_limited", JSON.stringify(answer));
      assert.ok(answer.retryAfter! >= 1 && Number.isInteger(answer.retryAfter));
      round.limited.push(clientId);
      round.retryAfter = Math.max(round.retryAfter, answer.retryAfter!);
    }
  }
  return round;
}

async function sendRoundOverHttp(t: TestApp, token: string, chatId: string, ids: string[]) {
  const round: Round = { accepted: [], limited: [], retryAfter: 0 };
  await Promise.all(ids.map(async (clientId) => {
    const res = await call(t, "POST", `/chats/${chatId}/messages`, token, {
      clientId,
      text: `текст ${clientId}`,
    });
    const body = await res.json();
    if (res.status === 201) {
      round.accepted.push(clientId);
    } else {
      assert.equal(res.status, 429, JSON.stringify(body));
      assert.equal(body.error.code, "rate_limited");
      const retryAfter = Number(res.headers.get("Retry-After"));
      assert.ok(retryAfter >= 1 && Number.isInteger(retryAfter));
      round.limited.push(clientId);
      round.retryAfter = Math.max(round.retryAfter, retryAfter);
    }
  }));
  return round;
}

Deno.test("20 members sending 50 messages each over HTTP and sockets get seq 2..1001 once each, delivered in order to every socket", async () => {
  await using t = await testApp();
  await using server = serve(t);
  await using sockets = new AsyncDisposableStack();
  const { teacher, students, chatId } = await classChat(t, 20);
  const receivers: WsClient[] = [];
  for (const person of [teacher, ...students]) {
    receivers.push(sockets.use(await greeted(server.wsUrl, person.token)));
  }
  const socketOf = (i: number) => receivers[i + 1]!;

  // Half the senders use their socket, half use HTTP; all send at once. Sends past the burst
  // are refused with a retry time; the clock is moved by it and the refused ones are resent.
  let pending = students.map((_, i) => Array.from({ length: 50 }, (_, k) => `s${i}-m${k}`));
  const accepted = students.map(() => new Set<string>());
  for (let round = 1; pending.some((ids) => ids.length > 0); round++) {
    assert.ok(round <= 10, "sends never finished");
    const rounds = await Promise.all(
      students.map((s, i) =>
        i < 10
          ? sendRoundOverSocket(socketOf(i), chatId, pending[i]!)
          : sendRoundOverHttp(t, s.token, chatId, pending[i]!)
      ),
    );
    rounds.forEach((r, i) => {
      if (round === 1) assert.equal(r.accepted.length, 30, "a member's burst is 30 sends");
      for (const id of r.accepted) accepted[i]!.add(id);
    });
    pending = rounds.map((r) => r.limited);
    const retryAfter = Math.max(...rounds.map((r) => r.retryAfter));
    if (pending.some((ids) => ids.length > 0)) {
      assert.ok(retryAfter >= 1);
      t.clock.advance(retryAfter * 1000);
    }
  }
  assert.ok(accepted.every((ids) => ids.size === 50));

  // The log: seq 1..1001, each once, in order.
  const events: ChatEvent[] = [];
  for (;;) {
    const page = await json<{ events: ChatEvent[]; lastSeq: number }>(
      t,
      "GET",
      `/chats/${chatId}/events?after=${events.at(-1)?.seq ?? 0}&limit=200`,
      teacher.token,
    );
    assert.equal(page.status, 200);
    assert.equal(page.body.lastSeq, 1001);
    if (page.body.events.length === 0) break;
    events.push(...page.body.events);
  }
  assert.deepEqual(events.map((e) => e.seq), Array.from({ length: 1001 }, (_, i) => i + 1));
  assert.equal(events[0]!.type, "chat.created");
  assert.ok(events.slice(1).every((e) => e.type === "message.created"));

  // The messages: 1000, unique seqs, each clientId of each author once.
  const messages: Message[] = [];
  for (;;) {
    const before = messages.at(-1)?.seq;
    const page = await json<{ messages: Message[] }>(
      t,
      "GET",
      `/chats/${chatId}/messages?limit=200${before ? `&before=${before}` : ""}`,
      teacher.token,
    );
    assert.equal(page.status, 200);
    if (page.body.messages.length === 0) break;
    messages.push(...page.body.messages);
  }
  assert.equal(messages.length, 1000);
  assert.equal(new Set(messages.map((m) => m.seq)).size, 1000);
  assert.deepEqual(
    messages.map((m) => m.seq),
    Array.from({ length: 1000 }, (_, i) => 1001 - i),
  );
  students.forEach((s, i) => {
    const own = messages.filter((m) => m.authorId === s.id).map((m) => m.clientId).sort();
    assert.deepEqual(own, [...accepted[i]!].sort());
  });

  // Every socket: all 1000 message.created events, in seq order, no duplicates.
  const expected = Array.from({ length: 1000 }, (_, i) => i + 2);
  for (const ws of receivers) {
    await untilEvents(ws, chatId, 1000, 20_000);
    await barrier(ws);
    const received = eventsOf(ws, chatId);
    assert.deepEqual(received.map((e) => e.seq), expected);
    assert.ok(received.every((e) => e.type === "message.created"));
  }
});

// ── Idempotency ─────────────────────────────────────────────────────────────────────────────

Deno.test("a socket send repeating a clientId is acked with the original seq and appends nothing", async () => {
  await using t = await testApp();
  await using server = serve(t);
  const { teacher, students, chatId } = await classChat(t, 1);
  await using ws = await greeted(server.wsUrl, teacher.token);
  await using other = await greeted(server.wsUrl, students[0]!.token);

  let from = ws.frames.length;
  ws.send({ type: "send", chatId, clientId: "once", text: "первый" });
  const first = await reply(ws, "once", from);
  assert.deepEqual(first, { type: "ack", clientId: "once", seq: 2 });

  from = ws.frames.length;
  ws.send({ type: "send", chatId, clientId: "once", text: "другой текст" });
  assert.deepEqual(await reply(ws, "once", from), { type: "ack", clientId: "once", seq: 2 });
  assert.equal(await lastSeq(t, teacher.token, chatId), 2);

  // Over HTTP, the same clientId of the same author names the same message.
  const again = await json<{ message: Message }>(
    t,
    "POST",
    `/chats/${chatId}/messages`,
    teacher.token,
    { clientId: "once", text: "третий" },
  );
  assert.equal(again.status, 200);
  assert.equal(again.body.message.seq, 2);
  assert.equal(again.body.message.text, "первый");

  // The same clientId from another author is another message.
  from = other.frames.length;
  other.send({ type: "send", chatId, clientId: "once", text: "мой" });
  assert.deepEqual(await reply(other, "once", from), { type: "ack", clientId: "once", seq: 3 });

  await untilEvents(ws, chatId, 2);
  await barrier(ws);
  assert.deepEqual(eventsOf(ws, chatId).map((e) => e.seq), [2, 3]);
  assert.equal(await lastSeq(t, teacher.token, chatId), 3);
});

// ── Resuming ────────────────────────────────────────────────────────────────────────────────

Deno.test("a socket resuming with since gets exactly the missed events in order, then live ones; chats left out get live events only", async () => {
  await using t = await testApp();
  await using server = serve(t);
  const { orgId, teacher, students, chatId } = await classChat(t, 1);
  const student = students[0]!;
  const other = await createGroup(t, orgId, teacher.token, [student.id]);
  for (let i = 0; i < 5; i++) await post(t, teacher.token, chatId, `a${i}`); // seq 2..6
  for (let i = 0; i < 3; i++) await post(t, teacher.token, other, `b${i}`); // seq 2..4

  await using ws = await greeted(server.wsUrl, student.token, { since: { [chatId]: 3 } });
  assert.deepEqual(readyOf(ws).chats, { [chatId]: 6, [other]: 4 });
  await untilEvents(ws, chatId, 3);
  assert.deepEqual(eventsOf(ws, chatId).map((e) => e.seq), [4, 5, 6]);

  await post(t, teacher.token, chatId, "a-live");
  await post(t, teacher.token, other, "b-live");
  await untilEvents(ws, chatId, 4);
  await untilEvents(ws, other, 1);
  await barrier(ws);
  const missed = eventsOf(ws, chatId);
  assert.deepEqual(missed.map((e) => e.seq), [4, 5, 6, 7]);
  assert.deepEqual(
    missed.map((e) => e.type === "message.created" ? e.message.clientId : e.type),
    ["a2", "a3", "a4", "a-live"],
  );
  assert.deepEqual(eventsOf(ws, other).map((e) => e.seq), [5]);
  // The replay comes after `ready`.
  const readyAt = ws.frames.findIndex((f) => f.type === "ready");
  const firstEventAt = ws.frames.findIndex((f) => f.type === "event");
  assert.ok(readyAt < firstEventAt);

  // Resuming from the head gives nothing old; from 0 gives the whole log.
  await using fresh = await greeted(server.wsUrl, student.token, {
    since: { [chatId]: 7, [other]: 0 },
  });
  await untilEvents(fresh, other, 5);
  await barrier(fresh);
  assert.deepEqual(eventsOf(fresh, other).map((e) => e.seq), [1, 2, 3, 4, 5]);
  assert.deepEqual(eventsOf(fresh, chatId), []);
});

// ── Strangers ───────────────────────────────────────────────────────────────────────────────

Deno.test("sockets of a non-member and of another school's member cannot send to a chat and hear nothing of it", async () => {
  await using t = await testApp();
  await using server = serve(t);
  const { orgId, admin, teacher, students, chatId } = await classChat(t, 1);
  const outsider = await joinAs(t, admin, orgId, "student", "Не в чате");
  const elsewhere = await createSchool(t, "Школа № 2");
  const foreign = await joinAs(t, elsewhere.admin, elsewhere.orgId, "teacher", "Чужой");

  await using member = await greeted(server.wsUrl, students[0]!.token);
  await using a = await greeted(server.wsUrl, outsider.token);
  await using b = await greeted(server.wsUrl, foreign.token);
  // Naming the chat in `since` replays nothing to a stranger.
  await using c = await greeted(server.wsUrl, elsewhere.admin, { since: { [chatId]: 0 } });
  for (const ws of [a, b, c]) {
    assert.deepEqual(readyOf(ws).chats, {});
    const from = ws.frames.length;
    ws.send({ type: "send", chatId, clientId: "sneak", text: "привет" });
    const answer = await reply(ws, "sneak", from);
    assert.equal(answer.type, "error");
    assert.equal((answer as ErrorFrame).error.code, "not_found");
    ws.send({ type: "typing", chatId });
  }

  await post(t, teacher.token, chatId, "visible");
  await untilEvents(member, chatId, 1);
  for (const ws of [a, b, c, member]) await barrier(ws);
  for (const ws of [a, b, c]) {
    assert.ok(
      ws.frames.every((f) => !("chatId" in f) || f.chatId !== chatId),
      JSON.stringify(ws.frames),
    );
  }
  assert.ok(member.frames.every((f) => f.type !== "typing"), "strangers' typing reaches no one");
  assert.equal(await lastSeq(t, teacher.token, chatId), 2);
});

// ── Authentication ──────────────────────────────────────────────────────────────────────────

async function refused(ws: WsClient, hello: Record<string, unknown>) {
  ws.send({ type: "hello", ...hello });
  const error = await ws.next<ErrorFrame>((f) => f.type === "error");
  assert.equal(error.error.code, "unauthenticated");
  const closed = await ws.closed;
  assert.equal(closed.code, 1008);
  assert.ok(ws.frames.every((f) => f.type === "error"), "nothing but the error is sent");
}

Deno.test("a socket authenticates by cookie only from the app's origin, by hello token from anywhere, and is closed with 1008 otherwise", async () => {
  await using t = await testApp();
  await using server = serve(t);
  const { teacher, chatId } = await classChat(t, 1);
  const cookie = `parta_session=${teacher.token}`;

  {
    await using ws = await connect(server.wsUrl, { Origin: "http://evil.test", Cookie: cookie });
    await refused(ws, {});
  }
  {
    await using ws = await connect(server.wsUrl, { Cookie: cookie });
    await refused(ws, {});
  }
  {
    await using ws = await connect(server.wsUrl, { Origin: ORIGIN, Cookie: cookie });
    ws.send({ type: "hello" });
    const ready = await ws.next<ReadyFrame>((f) => f.type === "ready");
    assert.deepEqual(ready.chats, { [chatId]: 1 });
  }
  {
    await using ws = await connect(server.wsUrl, { Origin: "http://evil.test" });
    ws.send({ type: "hello", token: teacher.token });
    const ready = await ws.next<ReadyFrame>((f) => f.type === "ready");
    assert.deepEqual(ready.chats, { [chatId]: 1 });
  }
  {
    await using ws = await connect(server.wsUrl, { Origin: ORIGIN, Cookie: cookie });
    await refused(ws, { token: "x".repeat(43) });
  }
  {
    await using ws = await connect(server.wsUrl);
    await refused(ws, { token: "x".repeat(43) });
  }
  {
    // After logout the token no longer opens a socket.
    const out = await call(t, "POST", "/auth/logout", teacher.token);
    assert.equal(out.status, 204);
    await using ws = await connect(server.wsUrl);
    await refused(ws, { token: teacher.token });
  }
  {
    await using ws = await connect(server.wsUrl);
    ws.send({ type: "ping" });
    const error = await ws.next<ErrorFrame>((f) => f.type === "error");
    assert.equal(error.error.code, "unauthenticated");
    assert.equal((await ws.closed).code, 1008);
  }
});

// ── Membership ──────────────────────────────────────────────────────────────────────────────

Deno.test("a member added to a chat gets chat.added at once and then live events; a removed member gets chat.removed and nothing more", async () => {
  await using t = await testApp();
  await using server = serve(t);
  const { orgId, admin, teacher, chatId } = await classChat(t, 1);
  const newcomer = await joinAs(t, admin, orgId, "student", "Новенький");
  await using owner = await greeted(server.wsUrl, teacher.token);
  await using ws = await greeted(server.wsUrl, newcomer.token);
  assert.deepEqual(readyOf(ws).chats, {});

  const added = await json(t, "POST", `/chats/${chatId}/members`, teacher.token, {
    userIds: [newcomer.id],
  });
  assert.equal(added.status, 200);
  assert.deepEqual(added.body, { added: [newcomer.id] });
  const announced = await ws.next<Extract<ServerFrame, { type: "chat.added" }>>((f) =>
    f.type === "chat.added"
  );
  assert.equal(announced.chat.id, chatId);
  assert.equal(announced.chat.orgId, orgId);
  assert.equal(announced.chat.lastSeq, 2);
  await untilEvents(owner, chatId, 1);
  const joined = eventsOf(owner, chatId)[0]!;
  assert.equal(joined.type, "member.joined");
  assert.deepEqual((joined as Extract<ChatEvent, { type: "member.joined" }>).userIds, [
    newcomer.id,
  ]);

  await post(t, teacher.token, chatId, "welcome");
  await untilEvents(ws, chatId, 1);
  assert.deepEqual(eventsOf(ws, chatId).map((e) => e.seq), [3]);
  // The newcomer's socket may now send to the chat.
  let from = ws.frames.length;
  ws.send({ type: "send", chatId, clientId: "hi", text: "Здравствуйте" });
  assert.deepEqual(await reply(ws, "hi", from), { type: "ack", clientId: "hi", seq: 4 });

  const removed = await call(t, "DELETE", `/chats/${chatId}/members/${newcomer.id}`, teacher.token);
  assert.equal(removed.status, 204);
  await ws.next((f) => f.type === "chat.removed" && f.chatId === chatId);
  await post(t, teacher.token, chatId, "after");
  await untilEvents(owner, chatId, 5); // joined, welcome, hi, left, after
  await barrier(ws);
  assert.deepEqual(eventsOf(ws, chatId).map((e) => e.seq), [3, 4]);
  const left = eventsOf(owner, chatId)[3]!;
  assert.equal(left.type, "member.left");
  assert.equal((left as Extract<ChatEvent, { type: "member.left" }>).userId, newcomer.id);
  assert.equal((await json(t, "GET", `/chats/${chatId}`, newcomer.token)).status, 404);
  from = ws.frames.length;
  ws.send({ type: "send", chatId, clientId: "again", text: "я тут" });
  const refusedSend = await reply(ws, "again", from);
  assert.equal(refusedSend.type, "error");
  assert.equal((refusedSend as ErrorFrame).error.code, "not_found");
});

Deno.test("a member removed from the school loses its chats at once and gets chat.removed on the socket", async () => {
  await using t = await testApp();
  await using server = serve(t);
  const { orgId, admin, teacher, students, chatId } = await classChat(t, 1);
  const student = students[0]!;
  const second = await createGroup(t, orgId, teacher.token, [student.id]);
  await using owner = await greeted(server.wsUrl, teacher.token);
  await using ws = await greeted(server.wsUrl, student.token);
  assert.deepEqual(readyOf(ws).chats, { [chatId]: 1, [second]: 1 });

  const res = await call(t, "DELETE", `/orgs/${orgId}/members/${student.id}`, admin);
  assert.equal(res.status, 204);
  for (const id of [chatId, second]) {
    assert.equal((await json(t, "GET", `/chats/${id}`, student.token)).status, 404);
    assert.equal((await json(t, "GET", `/chats/${id}/events`, student.token)).status, 404);
  }
  const list = await json<{ chats: unknown[] }>(t, "GET", "/chats", student.token);
  assert.deepEqual(list.body.chats, []);
  await ws.until((fs) => fs.filter((f) => f.type === "chat.removed").length === 2);
  assert.deepEqual(
    ws.frames.flatMap((f) => f.type === "chat.removed" ? [f.chatId] : []).sort(),
    [chatId, second].sort(),
  );

  await post(t, teacher.token, chatId, "after");
  await untilEvents(owner, chatId, 2);
  assert.deepEqual(eventsOf(owner, chatId).map((e) => e.type), ["member.left", "message.created"]);
  await barrier(ws);
  assert.deepEqual(eventsOf(ws, chatId), []);
  const from = ws.frames.length;
  ws.send({ type: "send", chatId, clientId: "late", text: "я ещё тут?" });
  assert.equal(((await reply(ws, "late", from)) as ErrorFrame).error.code, "not_found");
});

// ── Signals and bad frames ──────────────────────────────────────────────────────────────────

Deno.test("typing reaches the other members but not the typist; ping gets pong", async () => {
  await using t = await testApp();
  await using server = serve(t);
  const { teacher, students, chatId } = await classChat(t, 2);
  await using typist = await greeted(server.wsUrl, students[0]!.token);
  await using peer = await greeted(server.wsUrl, students[1]!.token);
  await using owner = await greeted(server.wsUrl, teacher.token);

  typist.send({ type: "typing", chatId });
  for (const ws of [peer, owner]) {
    const frame = await ws.next((f) => f.type === "typing");
    assert.deepEqual(frame, { type: "typing", chatId, userId: students[0]!.id });
  }
  await barrier(typist);
  assert.ok(typist.frames.every((f) => f.type !== "typing"));
  typist.send({ type: "ping" });
  assert.deepEqual(await typist.next((f) => f.type === "pong"), { type: "pong" });
});

Deno.test("a frame that is not JSON or has an unknown type gets an error frame and the socket stays open", async () => {
  await using t = await testApp();
  await using server = serve(t);
  const { teacher, chatId } = await classChat(t, 1);
  await using ws = await greeted(server.wsUrl, teacher.token);

  ws.send("this is not json {");
  const notJson = await ws.next<ErrorFrame>((f) => f.type === "error");
  assert.equal(notJson.error.code, "invalid_input");
  ws.send({ type: "shout", chatId });
  const unknown = await ws.next<ErrorFrame>((f) => f.type === "error");
  assert.equal(unknown.error.code, "invalid_input");
  assert.equal(unknown.error.field, "type");
  ws.send([1, 2, 3]);
  assert.equal((await ws.next<ErrorFrame>((f) => f.type === "error")).error.code, "invalid_input");
  ws.send({ type: "send", chatId, clientId: "", text: "пусто" });
  const badSend = await ws.next<ErrorFrame>((f) => f.type === "error");
  assert.equal(badSend.error.code, "invalid_input");
  assert.equal(badSend.error.field, "clientId");

  ws.send({ type: "send", clientId: "no-chat", text: "куда?" });
  const noChat = await ws.next<ErrorFrame>((f) => f.type === "error");
  assert.deepEqual(
    [noChat.clientId, noChat.error.code, noChat.error.field],
    ["no-chat", "invalid_input", "chatId"],
  );
  ws.socket.send(new Uint8Array([1, 2, 3]));
  assert.equal((await ws.next<ErrorFrame>((f) => f.type === "error")).error.code, "invalid_input");

  await barrier(ws);
  assert.equal(ws.socket.readyState, WebSocket.OPEN);
  const from = ws.frames.length;
  ws.send({ type: "send", chatId, clientId: "still-here", text: "работает" });
  assert.deepEqual(await reply(ws, "still-here", from), {
    type: "ack",
    clientId: "still-here",
    seq: 2,
  });
});

Deno.test("members of a small chat see each other come online and go offline", async () => {
  await using t = await testApp();
  await using server = serve(t);
  const { orgId, admin } = await createSchool(t);
  const teacher = await joinAs(t, admin, orgId, "teacher", "Учитель");
  const student = await joinAs(t, admin, orgId, "student", "Ученик");
  await json(t, "POST", `/orgs/${orgId}/chats`, teacher.token, {
    kind: "group",
    title: "5Б",
    memberIds: [student.id],
  });
  await using a = await connect(server.wsUrl);
  a.send({ type: "hello", token: teacher.token });
  await a.next((f) => f.type === "ready");
  const b = await connect(server.wsUrl);
  b.send({ type: "hello", token: student.token });
  await b.next((f) => f.type === "ready");
  const online = await a.next<Extract<ServerFrame, { type: "presence" }>>((f) =>
    f.type === "presence"
  );
  assert.deepEqual(online, { type: "presence", userId: student.id, online: true });
  await b.close();
  const offline = await a.next<Extract<ServerFrame, { type: "presence" }>>((f) =>
    f.type === "presence"
  );
  assert.deepEqual(offline, { type: "presence", userId: student.id, online: false });
});
