/**
 * Two simulated isolates: two apps on one KV store, joined by one in-memory bus, each serving
 * real WebSockets on its own port.
 */
import assert from "node:assert/strict";
import { call, createSchool, joinAs, json, type TestApp, twoIsolates } from "./helpers.ts";
import { barrier, eventsOf, greeted, type WsClient } from "./ws_client.ts";
import type { ServerFrame } from "../shared/wire.ts";
import type { ChatEvent, Message } from "../shared/chat_model.ts";

type Person = { token: string; id: string };
type Answer = Extract<ServerFrame, { type: "ack" | "error" }>;

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

/** Sends over the socket and waits for every answer. */
async function sendAll(ws: WsClient, chatId: string, clientIds: readonly string[]) {
  const from = ws.frames.length;
  for (const clientId of clientIds) {
    ws.send({ type: "send", chatId, clientId, text: `текст ${clientId}` });
  }
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

async function postAll(t: TestApp, token: string, chatId: string, clientIds: readonly string[]) {
  return await Promise.all(clientIds.map(async (clientId) => {
    const res = await json<{ message: Message }>(t, "POST", `/chats/${chatId}/messages`, token, {
      clientId,
      text: `текст ${clientId}`,
    });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    return res.body.message;
  }));
}

Deno.test("two isolates on one KV assign gap-free seqs under concurrent sends, and sockets on both get every event in order", async () => {
  await using stack = new AsyncDisposableStack();
  const [a, b] = await twoIsolates(stack);
  const { orgId, admin } = await createSchool(a.app);
  const teacher = await joinAs(a.app, admin, orgId, "teacher", "Учитель");
  const students: Person[] = [];
  for (let i = 0; i < 8; i++) {
    students.push(await joinAs(a.app, admin, orgId, "student", `Ученик ${i + 1}`));
  }
  // Members 0..3 (and the teacher) are connected to isolate A, members 4..7 to isolate B.
  const home = (i: number) => i < 4 ? a : b;
  const away = (i: number) => i < 4 ? b : a;
  const teacherSocket = stack.use(await greeted(a.server.wsUrl, teacher.token));
  const sockets: WsClient[] = [];
  for (const [i, s] of students.entries()) {
    sockets.push(stack.use(await greeted(home(i).server.wsUrl, s.token)));
  }
  const everyone = [teacherSocket, ...sockets];

  // The chat is created on B: sockets on both isolates learn of it.
  const created = await json<{ chat: { id: string } }>(
    b.app,
    "POST",
    `/orgs/${orgId}/chats`,
    teacher.token,
    { kind: "group", title: "5А", memberIds: students.map((s) => s.id) },
  );
  assert.equal(created.status, 201);
  const chatId = created.body.chat.id;
  for (const ws of everyone) {
    const added = await ws.next<Extract<ServerFrame, { type: "chat.added" }>>((f) =>
      f.type === "chat.added"
    );
    assert.equal(added.chat.id, chatId);
  }

  // Everyone sends at once: 15 through their own isolate's socket, 10 by HTTP to the other.
  const ids = (i: number, via: string, n: number) =>
    Array.from({ length: n }, (_, k) => `${via}-${i}-${k}`);
  await Promise.all(students.flatMap((s, i) => [
    sendAll(sockets[i]!, chatId, ids(i, "ws", 15)).then((answers) => {
      for (const answer of answers.values()) assert.equal(answer.type, "ack");
    }),
    postAll(away(i).app, s.token, chatId, ids(i, "http", 10)),
  ]));

  for (const { app } of [a, b]) {
    const events: ChatEvent[] = [];
    for (;;) {
      const page = await json<{ events: ChatEvent[]; lastSeq: number }>(
        app,
        "GET",
        `/chats/${chatId}/events?after=${events.at(-1)?.seq ?? 0}&limit=200`,
        teacher.token,
      );
      assert.equal(page.body.lastSeq, 201);
      if (page.body.events.length === 0) break;
      events.push(...page.body.events);
    }
    assert.deepEqual(events.map((e) => e.seq), Array.from({ length: 201 }, (_, i) => i + 1));
    const clientIds = events.slice(1).map((e) => {
      assert.equal(e.type, "message.created");
      return e.message.clientId;
    });
    assert.equal(new Set(clientIds).size, 200);
  }

  const expected = Array.from({ length: 200 }, (_, i) => i + 2);
  for (const ws of everyone) {
    await untilEvents(ws, chatId, 200);
    await barrier(ws);
    assert.deepEqual(eventsOf(ws, chatId).map((e) => e.seq), expected);
  }
});

Deno.test("membership changes, typing and resends cross isolates", async () => {
  await using stack = new AsyncDisposableStack();
  const [a, b] = await twoIsolates(stack);
  const { orgId, admin } = await createSchool(a.app);
  const teacher = await joinAs(a.app, admin, orgId, "teacher", "Учитель");
  const student = await joinAs(a.app, admin, orgId, "student", "Ученик");
  const newcomer = await joinAs(a.app, admin, orgId, "student", "Новенький");
  const created = await json<{ chat: { id: string } }>(
    a.app,
    "POST",
    `/orgs/${orgId}/chats`,
    teacher.token,
    { kind: "group", title: "5А", memberIds: [student.id] },
  );
  const chatId = created.body.chat.id;
  const owner = stack.use(await greeted(a.server.wsUrl, teacher.token));
  const pupil = stack.use(await greeted(b.server.wsUrl, student.token));
  const late = stack.use(await greeted(b.server.wsUrl, newcomer.token));

  // Added on A, announced on B.
  const added = await json(a.app, "POST", `/chats/${chatId}/members`, teacher.token, {
    userIds: [newcomer.id],
  });
  assert.equal(added.status, 200);
  await late.next((f) => f.type === "chat.added" && f.chat.id === chatId);
  const [message] = await postAll(a.app, teacher.token, chatId, ["hello"]);
  await untilEvents(late, chatId, 1);
  assert.deepEqual(eventsOf(late, chatId).map((e) => e.seq), [message!.seq]);

  // Typing on B reaches A (and B's other member), not the typist.
  pupil.send({ type: "typing", chatId });
  for (const ws of [owner, late]) {
    assert.deepEqual(await ws.next((f) => f.type === "typing"), {
      type: "typing",
      chatId,
      userId: student.id,
    });
  }

  // A send over B's socket, repeated by HTTP on A, is the same message.
  const acked = await sendAll(pupil, chatId, ["once"]);
  const seq = (acked.get("once") as Extract<ServerFrame, { type: "ack" }>).seq;
  const resent = await json<{ message: Message }>(
    a.app,
    "POST",
    `/chats/${chatId}/messages`,
    student.token,
    { clientId: "once", text: "ещё раз" },
  );
  assert.equal(resent.status, 200);
  assert.equal(resent.body.message.seq, seq);

  // Removed from the chat on A, and from the school: B's sockets are told, and hear no more.
  const removed = await call(
    a.app,
    "DELETE",
    `/chats/${chatId}/members/${newcomer.id}`,
    teacher.token,
  );
  assert.equal(removed.status, 204);
  await late.next((f) => f.type === "chat.removed" && f.chatId === chatId);
  const gone = await call(a.app, "DELETE", `/orgs/${orgId}/members/${student.id}`, admin);
  assert.equal(gone.status, 204);
  await pupil.next((f) => f.type === "chat.removed" && f.chatId === chatId);
  assert.equal((await json(b.app, "GET", `/chats/${chatId}`, student.token)).status, 404);

  const [after] = await postAll(b.app, teacher.token, chatId, ["after"]);
  await owner.until(() => eventsOf(owner, chatId).some((e) => e.seq === after!.seq));
  for (const ws of [pupil, late]) {
    await barrier(ws);
    assert.ok(eventsOf(ws, chatId).every((e) => e.seq < after!.seq));
  }
  assert.deepEqual(
    eventsOf(owner, chatId).map((e) => e.type),
    [
      "member.joined",
      "message.created",
      "message.created",
      "member.left",
      "member.left",
      "message.created",
    ],
  );
});

Deno.test("events whose broadcast is lost reach the other isolate's sockets from KV, in order, with the next event", async () => {
  await using stack = new AsyncDisposableStack();
  const [a, b] = await twoIsolates(stack);
  const { orgId, admin } = await createSchool(a.app);
  const teacher = await joinAs(a.app, admin, orgId, "teacher", "Учитель");
  const student = await joinAs(a.app, admin, orgId, "student", "Ученик");
  const created = await json<{ chat: { id: string } }>(
    a.app,
    "POST",
    `/orgs/${orgId}/chats`,
    teacher.token,
    { kind: "group", title: "5А", memberIds: [student.id] },
  );
  const chatId = created.body.chat.id;
  const here = stack.use(await greeted(a.server.wsUrl, student.token));
  const there = stack.use(await greeted(b.server.wsUrl, student.token));

  // A loses two of every three event broadcasts to B.
  let published = 0;
  a.bus.lose = (m) => m.type === "events" && published++ % 3 !== 0;
  for (let i = 0; i < 10; i++) await postAll(a.app, teacher.token, chatId, [`lossy-${i}`]);
  await postAll(a.app, teacher.token, chatId, Array.from({ length: 10 }, (_, i) => `burst-${i}`));
  a.bus.lose = () => false;
  const [last] = await postAll(a.app, teacher.token, chatId, ["last"]);
  assert.equal(last!.seq, 22);

  const expected = Array.from({ length: 21 }, (_, i) => i + 2);
  for (const ws of [here, there]) {
    await untilEvents(ws, chatId, 21);
    await barrier(ws);
    assert.deepEqual(eventsOf(ws, chatId).map((e) => e.seq), expected);
  }
});
