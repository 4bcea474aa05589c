/**
 * Edited and deleted text leaves everything a member can read: the event log, a socket's
 * resync, history, the chat list, files and planned lessons. Moderation keeps its own copy
 * (reports, the audit log), which members cannot read.
 */
import assert from "node:assert/strict";
import { call, createSchool, joinAs, json, serve, type TestApp, testApp } from "./helpers.ts";
import { connect } from "./ws_client.ts";
import type { ChatEvent, Message } from "../shared/chat_model.ts";
import type { ServerFrame } from "../shared/wire.ts";

type Person = { token: string; id: string };

async function classChat(t: TestApp) {
  const { orgId, admin } = await createSchool(t);
  const teacher = await joinAs(t, admin, orgId, "teacher", "Учитель");
  const author = await joinAs(t, admin, orgId, "student", "Ученик 1");
  const reader = await joinAs(t, admin, orgId, "student", "Ученик 2");
  const chat = await json<{ chat: { id: string } }>(
    t,
    "POST",
    `/orgs/${orgId}/chats`,
    teacher.token,
    {
      kind: "group",
      title: "5А",
      memberIds: [author.id, reader.id],
    },
  );
  assert.equal(chat.status, 201);
  return { orgId, admin, teacher, author, reader, chatId: chat.body.chat.id };
}

async function send(t: TestApp, who: Person, chatId: string, clientId: string, text: string) {
  const res = await json<{ message: Message }>(t, "POST", `/chats/${chatId}/messages`, who.token, {
    clientId,
    text,
  });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return res.body.message;
}

async function edit(t: TestApp, who: Person, chatId: string, seq: number, text: string) {
  const res = await json(t, "PATCH", `/chats/${chatId}/messages/${seq}`, who.token, { text });
  assert.equal(res.status, 200, JSON.stringify(res.body));
}

async function allEvents(t: TestApp, who: Person, chatId: string): Promise<ChatEvent[]> {
  const res = await json<{ events: ChatEvent[] }>(
    t,
    "GET",
    `/chats/${chatId}/events?after=0&limit=200`,
    who.token,
  );
  assert.equal(res.status, 200);
  return res.body.events;
}

/** Everything a member can read of the chat over HTTP, as one string. */
async function readable(t: TestApp, who: Person, chatId: string): Promise<string> {
  const [events, messages, chats] = await Promise.all([
    allEvents(t, who, chatId),
    json(t, "GET", `/chats/${chatId}/messages?limit=200`, who.token),
    json(t, "GET", "/chats", who.token),
  ]);
  return JSON.stringify([events, messages.body, chats.body]);
}

Deno.test("an edit takes the earlier text out of the log; the latest text shows once in creation and once in the last edit", async () => {
  await using t = await testApp();
  const { author, reader, chatId } = await classChat(t);
  const m = await send(t, author, chatId, "m1", "черновик: мой телефон 8-900-000-00-00");
  await edit(t, author, chatId, m.seq, "второй вариант");
  t.clock.advance(1000);
  await edit(t, author, chatId, m.seq, "чистовик");

  const text = await readable(t, reader, chatId);
  assert.ok(!text.includes("8-900"), "the first text is gone");
  assert.ok(!text.includes("второй вариант"), "the replaced edit's text is gone");
  const events = await allEvents(t, reader, chatId);
  const created = events.find((e) => e.type === "message.created")!;
  assert.equal(created.type === "message.created" && created.message.text, "чистовик");
  const edits = events.filter((e) => e.type === "message.edited");
  assert.equal(edits.length, 2, "each edit keeps its place in the log");
  assert.deepEqual(edits.map((e) => e.type === "message.edited" && [e.text, e.redacted]), [
    [undefined, true],
    ["чистовик", undefined],
  ]);
  // seq stays gap-free and the head does not move for the rewrites.
  assert.deepEqual(events.map((e) => e.seq), [1, 2, 3, 4]);
});

Deno.test("a deleted message leaves no text in the event log, a socket's resync, history or the chat list", async () => {
  await using t = await testApp();
  const { orgId, admin, teacher, author, reader, chatId } = await classChat(t);
  const m = await send(t, author, chatId, "m1", "обидные слова");
  await edit(t, author, chatId, m.seq, "ещё обиднее");
  await send(t, reader, chatId, "r1", "ответ");
  const reported = await json(
    t,
    "POST",
    `/chats/${chatId}/messages/${m.seq}/report`,
    reader.token,
    {
      reason: "Оскорбление",
    },
  );
  assert.equal(reported.status, 201);
  assert.equal(
    (await call(t, "DELETE", `/chats/${chatId}/messages/${m.seq}`, teacher.token)).status,
    204,
  );

  const text = await readable(t, reader, chatId);
  assert.ok(!text.includes("обидн"), `no trace of the text: ${text}`);
  const events = await allEvents(t, reader, chatId);
  const created = events.find((e) => e.type === "message.created" && e.message.seq === m.seq);
  assert.equal(created?.type === "message.created" && created.message.deleted, true);
  assert.deepEqual(events.map((e) => e.seq), [1, 2, 3, 4, 5]);

  // A socket resyncing from the start reads the same log.
  await using served = serve(t);
  await using ws = await connect(served.wsUrl);
  ws.send({ type: "hello", token: reader.token, since: { [chatId]: 0 } });
  await ws.until((frames) => frames.some((f) => f.type === "event" && f.event.seq === 5));
  const frames = JSON.stringify(ws.frames.filter((f: ServerFrame) => f.type === "event"));
  assert.ok(!frames.includes("обидн"), `no trace of the text in the resync: ${frames}`);

  // Moderation keeps its copy where members cannot read it.
  const reports = await json<{ reports: { message: { text: string } }[] }>(
    t,
    "GET",
    `/orgs/${orgId}/reports`,
    admin,
  );
  assert.equal(reports.body.reports[0]!.message.text, "ещё обиднее");
  const audit = await json<{ entries: { action: string; details?: { text?: string } }[] }>(
    t,
    "GET",
    `/orgs/${orgId}/audit`,
    admin,
  );
  const entry = audit.body.entries.find((e) => e.action === "message.deleted");
  assert.equal(entry?.details?.text, "ещё обиднее");
  assert.equal((await json(t, "GET", `/orgs/${orgId}/audit`, reader.token)).status, 403);
});

Deno.test("a deleted poll leaves neither its question nor its options in the log", async () => {
  await using t = await testApp();
  const { teacher, reader, chatId } = await classChat(t);
  const poll = await json<{ message: Message }>(
    t,
    "POST",
    `/chats/${chatId}/polls`,
    teacher.token,
    {
      clientId: "p1",
      question: "Кто пойдёт на экскурсию?",
      options: ["Пойду", "Не смогу"],
      anonymous: false,
      multiple: false,
    },
  );
  assert.equal(poll.status, 201);
  const seq = poll.body.message.seq;
  assert.equal(
    (await json(t, "PUT", `/chats/${chatId}/polls/${seq}/vote`, reader.token, { options: [0] }))
      .status,
    200,
  );
  assert.equal(
    (await call(t, "DELETE", `/chats/${chatId}/messages/${seq}`, teacher.token)).status,
    204,
  );
  const text = await readable(t, reader, chatId);
  for (const word of ["экскурси", "Пойду", "Не смогу"]) {
    assert.ok(!text.includes(word), `no "${word}" left: ${text}`);
  }
});

Deno.test("a deleted lesson message takes the lesson off everyone's upcoming list", async () => {
  await using t = await testApp();
  const { teacher, reader, chatId } = await classChat(t);
  const startsAt = new Date(t.clock.now() + 24 * 3600_000).toISOString();
  const planned = await json<{ lesson: { messageSeq: number } }>(
    t,
    "POST",
    `/chats/${chatId}/lessons`,
    teacher.token,
    { kind: "lesson", title: "Контрольная по дробям", startsAt, durationMinutes: 45 },
  );
  assert.equal(planned.status, 201, JSON.stringify(planned.body));
  const before = await json<{ lessons: unknown[] }>(t, "GET", "/me/lessons", reader.token);
  assert.equal(before.body.lessons.length, 1);
  const seq = planned.body.lesson.messageSeq;
  assert.equal(
    (await call(t, "DELETE", `/chats/${chatId}/messages/${seq}`, teacher.token)).status,
    204,
  );
  const after = await json<{ lessons: unknown[] }>(t, "GET", "/me/lessons", reader.token);
  assert.deepEqual(after.body.lessons, []);
  assert.ok(!(await readable(t, reader, chatId)).includes("дроб"));
});
