import assert from "node:assert/strict";
import { call, createSchool, joinAs, json, serve, type TestApp, testApp } from "./helpers.ts";
import { connect } from "./ws_client.ts";
import type { ChatEvent, Message } from "../shared/chat_model.ts";

type ErrorBody = { error: { code: string; message: string; field?: string } };
type Person = { token: string; id: string };
type ChatRow = {
  id: string;
  orgId: string;
  kind: string;
  title: string | null;
  lastSeq: number;
  lastReadSeq: number;
  unread: number;
  lastActivityAt: string;
  lastMessage?: Message;
};
type MessageView = Message & { myReactions: string[] };

const SECOND = 1000;

function assertError(
  res: { status: number; body: unknown },
  status: number,
  code: string,
  field?: string,
) {
  assert.equal(res.status, status, JSON.stringify(res.body));
  const { error } = res.body as ErrorBody;
  assert.equal(error.code, code);
  if (field !== undefined) assert.equal(error.field, field);
}

async function createChat(
  t: TestApp,
  orgId: string,
  token: string,
  body: { kind: string; title?: string; memberIds: string[] },
) {
  return await json<{ chat: { id: string; lastSeq: number; members: { userId: string }[] } }>(
    t,
    "POST",
    `/orgs/${orgId}/chats`,
    token,
    body,
  );
}

async function createGroup(t: TestApp, orgId: string, token: string, memberIds: string[]) {
  const res = await createChat(t, orgId, token, { kind: "group", title: "5А", memberIds });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return res.body.chat.id;
}

async function post(t: TestApp, token: string, chatId: string, clientId: string, text?: string) {
  const res = await json<{ message: Message }>(t, "POST", `/chats/${chatId}/messages`, token, {
    clientId,
    text: text ?? `текст ${clientId}`,
  });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return res.body.message;
}

async function lastSeq(t: TestApp, token: string, chatId: string): Promise<number> {
  const res = await json<{ chat: { lastSeq: number } }>(t, "GET", `/chats/${chatId}`, token);
  assert.equal(res.status, 200);
  return res.body.chat.lastSeq;
}

async function eventsAfter(t: TestApp, token: string, chatId: string, after: number) {
  const res = await json<{ events: ChatEvent[] }>(
    t,
    "GET",
    `/chats/${chatId}/events?after=${after}`,
    token,
  );
  assert.equal(res.status, 200);
  return res.body.events;
}

async function messageAt(t: TestApp, token: string, chatId: string, seq: number) {
  const res = await json<{ messages: MessageView[] }>(
    t,
    "GET",
    `/chats/${chatId}/messages?before=${seq + 1}&limit=1`,
    token,
  );
  assert.equal(res.status, 200);
  assert.equal(res.body.messages[0]?.seq, seq);
  return res.body.messages[0]!;
}

async function listChats(t: TestApp, token: string): Promise<ChatRow[]> {
  const res = await json<{ chats: ChatRow[] }>(t, "GET", "/chats", token);
  assert.equal(res.status, 200);
  return res.body.chats;
}

/** A school with two classes, a teacher for each, and a teacher with two students. */
async function classChat(t: TestApp, students = 2) {
  const { orgId, admin, adminId } = await createSchool(t);
  const teacher = await joinAs(t, admin, orgId, "teacher", "Учитель");
  const kids: Person[] = [];
  for (let i = 0; i < students; i++) {
    kids.push(await joinAs(t, admin, orgId, "student", `Ученик ${i + 1}`));
  }
  const chatId = await createGroup(t, orgId, teacher.token, kids.map((s) => s.id));
  return { orgId, admin, adminId, teacher, students: kids, chatId };
}

// ── Idempotent sends ────────────────────────────────────────────────────────────────────────

Deno.test("a repeated clientId returns 200 with the original message and appends nothing, even after a restart on the same KV", async () => {
  using kv = await Deno.openKv(":memory:");
  let teacher: Person;
  let chatId: string;
  let original: Message;
  {
    await using a = await testApp({ kv });
    ({ teacher, chatId } = await classChat(a, 1));
    original = await post(a, teacher.token, chatId, "k1", "Домашнее задание");
    assert.equal(original.seq, 2);
    const again = await json<{ message: Message }>(
      a,
      "POST",
      `/chats/${chatId}/messages`,
      teacher.token,
      { clientId: "k1", text: "совсем другой текст" },
    );
    assert.equal(again.status, 200);
    assert.deepEqual(again.body.message, original);
    assert.equal(await lastSeq(a, teacher.token, chatId), 2);

    // Concurrent repeats: one creates, the others get the same message.
    const racing = await Promise.all(
      Array.from(
        { length: 6 },
        () =>
          json<{ message: Message }>(a, "POST", `/chats/${chatId}/messages`, teacher.token, {
            clientId: "k2",
            text: "гонка",
          }),
      ),
    );
    assert.deepEqual(racing.map((r) => r.status).sort(), [200, 200, 200, 200, 200, 201]);
    assert.deepEqual(new Set(racing.map((r) => r.body.message.seq)), new Set([3]));
    assert.equal(await lastSeq(a, teacher.token, chatId), 3);
  }
  await using b = await testApp({ kv });
  const resent = await json<{ message: Message }>(
    b,
    "POST",
    `/chats/${chatId}/messages`,
    teacher.token,
    { clientId: "k1", text: "после перезапуска" },
  );
  assert.equal(resent.status, 200);
  assert.deepEqual(resent.body.message, original);
  assert.equal(await lastSeq(b, teacher.token, chatId), 3);
  assert.deepEqual((await eventsAfter(b, teacher.token, chatId, 0)).map((e) => e.seq), [1, 2, 3]);
  // Over a socket of the restarted app too.
  await using server = serve(b);
  await using ws = await connect(server.wsUrl);
  ws.send({ type: "hello", token: teacher.token });
  await ws.next((f) => f.type === "ready");
  ws.send({ type: "send", chatId, clientId: "k1", text: "и снова" });
  assert.deepEqual(await ws.next((f) => f.type === "ack" || f.type === "error"), {
    type: "ack",
    clientId: "k1",
    seq: 2,
  });
  assert.equal(await lastSeq(b, teacher.token, chatId), 3);
  // The log continues without a gap.
  assert.equal((await post(b, teacher.token, chatId, "k3")).seq, 4);
});

// ── Strangers ───────────────────────────────────────────────────────────────────────────────

Deno.test("a non-member and a member of another school get 404 on every route of a chat, and nothing changes", async () => {
  await using t = await testApp();
  const { orgId, admin, teacher, students, chatId } = await classChat(t, 1);
  const message = await post(t, students[0]!.token, chatId, "m1");
  const outsider = await joinAs(t, admin, orgId, "student", "Не в чате");
  const elsewhere = await createSchool(t, "Школа № 2");
  const foreign = await joinAs(t, elsewhere.admin, elsewhere.orgId, "teacher", "Чужой");
  const unknownChat = "01J0000000000000000000000Z";
  const unknown = await json<ErrorBody>(t, "GET", `/chats/${unknownChat}`, outsider.token);
  assertError(unknown, 404, "not_found");

  const thumbs = encodeURIComponent("👍");
  const routes: [string, string, unknown?][] = [
    ["GET", `/chats/${chatId}`],
    ["GET", `/chats/${chatId}/messages`],
    ["GET", `/chats/${chatId}/events`],
    ["POST", `/chats/${chatId}/messages`, { clientId: "x", text: "привет" }],
    ["PATCH", `/chats/${chatId}/messages/${message.seq}`, { text: "взлом" }],
    ["DELETE", `/chats/${chatId}/messages/${message.seq}`],
    ["PUT", `/chats/${chatId}/messages/${message.seq}/reactions/${thumbs}`],
    ["DELETE", `/chats/${chatId}/messages/${message.seq}/reactions/${thumbs}`],
    ["POST", `/chats/${chatId}/read`, { seq: 2 }],
    ["POST", `/chats/${chatId}/members`, { userIds: [outsider.id] }],
    ["DELETE", `/chats/${chatId}/members/${students[0]!.id}`],
    ["PATCH", `/chats/${chatId}`, { title: "Наш чат" }],
  ];
  for (const stranger of [outsider, foreign, { token: elsewhere.admin }]) {
    for (const [method, path, body] of routes) {
      const res = await json<ErrorBody>(t, method, path, stranger.token, body);
      assertError(res, 404, "not_found");
      // Indistinguishable from a chat that does not exist.
      assert.equal(res.body.error.message, unknown.body.error.message, `${method} ${path}`);
    }
    assert.deepEqual(await listChats(t, stranger.token), []);
  }
  assert.equal(await lastSeq(t, teacher.token, chatId), 2);
  const after = await messageAt(t, teacher.token, chatId, 2);
  assert.deepEqual(after.reactions, {});
  assert.equal(after.text, message.text);
  const members = await json<{ chat: { members: { userId: string }[] } }>(
    t,
    "GET",
    `/chats/${chatId}`,
    teacher.token,
  );
  assert.deepEqual(
    members.body.chat.members.map((m) => m.userId).sort(),
    [teacher.id, students[0]!.id].sort(),
  );
});

// ── Edits, deletions, reactions ─────────────────────────────────────────────────────────────

Deno.test("only the author edits a message; the edit is logged with its text and time", async () => {
  await using t = await testApp();
  const { teacher, students, chatId } = await classChat(t, 2);
  const [author, other] = students as [Person, Person];
  const message = await post(t, author.token, chatId, "m1", "черновик");

  for (const token of [teacher.token, other.token]) {
    const res = await json(t, "PATCH", `/chats/${chatId}/messages/${message.seq}`, token, {
      text: "чужая правка",
    });
    assertError(res, 403, "forbidden");
  }
  assertError(
    await json(t, "PATCH", `/chats/${chatId}/messages/${message.seq}`, author.token, { text: " " }),
    400,
    "invalid_input",
    "text",
  );
  assertError(
    await json(t, "PATCH", `/chats/${chatId}/messages/99`, author.token, { text: "нет" }),
    404,
    "not_found",
  );
  assert.equal(await lastSeq(t, teacher.token, chatId), 2);

  t.clock.advance(60 * SECOND);
  const edited = await json<{ message: Message }>(
    t,
    "PATCH",
    `/chats/${chatId}/messages/${message.seq}`,
    author.token,
    { text: " чистовик " },
  );
  assert.equal(edited.status, 200);
  const editedAt = new Date(t.clock.now()).toISOString();
  assert.deepEqual(edited.body.message, { ...message, text: "чистовик", editedAt });
  const [event] = await eventsAfter(t, teacher.token, chatId, 2);
  assert.deepEqual(event, {
    type: "message.edited",
    seq: 3,
    at: editedAt,
    actorId: author.id,
    messageSeq: 2,
    text: "чистовик",
    editedAt,
  });
  assert.equal((await messageAt(t, other.token, chatId, 2)).text, "чистовик");
});

Deno.test("the author or a chat owner deletes a message, leaving a tombstone; other members get 403", async () => {
  await using t = await testApp();
  const { teacher, students, chatId } = await classChat(t, 2);
  const [author, other] = students as [Person, Person];
  const first = await post(t, author.token, chatId, "m1", "первое");
  const reply = await json<{ message: Message }>(
    t,
    "POST",
    `/chats/${chatId}/messages`,
    author.token,
    { clientId: "m2", text: "ответ", replyToSeq: first.seq },
  );
  assert.equal(reply.status, 201);
  assert.equal(reply.body.message.replyToSeq, first.seq);
  const thumbs = encodeURIComponent("👍");
  assert.equal(
    (await call(t, "PUT", `/chats/${chatId}/messages/3/reactions/${thumbs}`, other.token)).status,
    200,
  );

  assertError(
    await json(t, "DELETE", `/chats/${chatId}/messages/3`, other.token),
    403,
    "forbidden",
  );
  const byOwner = await call(t, "DELETE", `/chats/${chatId}/messages/3`, teacher.token);
  assert.equal(byOwner.status, 204);
  const byAuthor = await call(t, "DELETE", `/chats/${chatId}/messages/2`, author.token);
  assert.equal(byAuthor.status, 204);

  const tombstone = await messageAt(t, other.token, chatId, 3);
  assert.deepEqual(tombstone, {
    seq: 3,
    id: reply.body.message.id,
    chatId,
    clientId: "m2",
    authorId: author.id,
    kind: "text",
    text: "",
    reactions: {},
    deleted: true,
    createdAt: reply.body.message.createdAt,
    myReactions: ["👍"],
  });
  const events = await eventsAfter(t, teacher.token, chatId, 4);
  assert.deepEqual(events.map((e) => ({ ...e, at: undefined })), [
    { type: "message.deleted", seq: 5, at: undefined, actorId: teacher.id, messageSeq: 3 },
    { type: "message.deleted", seq: 6, at: undefined, actorId: author.id, messageSeq: 2 },
  ]);

  // Deleting again changes nothing; a tombstone is neither edited nor reacted to.
  assert.equal((await call(t, "DELETE", `/chats/${chatId}/messages/3`, author.token)).status, 204);
  assertError(
    await json(t, "PATCH", `/chats/${chatId}/messages/2`, author.token, { text: "снова" }),
    409,
    "conflict",
  );
  assertError(
    await json(t, "PUT", `/chats/${chatId}/messages/2/reactions/${thumbs}`, other.token),
    409,
    "conflict",
  );
  assert.equal(await lastSeq(t, teacher.token, chatId), 6);
  // A resend of a deleted message's clientId returns the tombstone, not a new message.
  const resent = await json<{ message: Message }>(
    t,
    "POST",
    `/chats/${chatId}/messages`,
    author.token,
    { clientId: "m1", text: "первое" },
  );
  assert.equal(resent.status, 200);
  assert.equal(resent.body.message.deleted, true);
  assert.equal(await lastSeq(t, teacher.token, chatId), 6);
});

Deno.test("a member's reaction counts once however often it is put, DELETE takes it back, and a non-emoji is 400", async () => {
  await using t = await testApp();
  const { teacher, students, chatId } = await classChat(t, 1);
  const student = students[0]!;
  const message = await post(t, teacher.token, chatId, "m1");
  const path = (emoji: string) =>
    `/chats/${chatId}/messages/${message.seq}/reactions/${encodeURIComponent(emoji)}`;

  for (let i = 0; i < 2; i++) {
    const res = await json<{ message: MessageView }>(t, "PUT", path("👍"), student.token);
    assert.equal(res.status, 200);
    assert.deepEqual(res.body.message.reactions, { "👍": 1 });
    assert.deepEqual(res.body.message.myReactions, ["👍"]);
  }
  const teachers = await json<{ message: MessageView }>(t, "PUT", path("👍"), teacher.token);
  assert.deepEqual(teachers.body.message.reactions, { "👍": 2 });
  const flag = await json<{ message: MessageView }>(t, "PUT", path("🇷🇺"), student.token);
  assert.equal(flag.status, 200);
  assert.deepEqual(flag.body.message.reactions, { "👍": 2, "🇷🇺": 1 });
  assert.deepEqual(flag.body.message.myReactions, ["👍", "🇷🇺"]);

  for (let i = 0; i < 2; i++) {
    const res = await json<{ message: MessageView }>(t, "DELETE", path("👍"), student.token);
    assert.equal(res.status, 200);
    assert.deepEqual(res.body.message.reactions, { "👍": 1, "🇷🇺": 1 });
    assert.deepEqual(res.body.message.myReactions, ["🇷🇺"]);
  }
  await call(t, "DELETE", path("🇷🇺"), student.token);
  assert.deepEqual((await messageAt(t, student.token, chatId, message.seq)).reactions, { "👍": 1 });

  for (const bad of ["a", "1", "👍 ", "<b>", "%F0%9F", "👍👍", "🇷🇺🇺🇸"]) {
    const res = await json(t, "PUT", path(bad), student.token);
    assertError(res, 400, "invalid_input", "emoji");
  }
  assertError(
    await json(
      t,
      "PUT",
      `/chats/${chatId}/messages/77/reactions/${encodeURIComponent("👍")}`,
      student.token,
    ),
    404,
    "not_found",
  );

  // One event per change, none for repeats.
  const events = await eventsAfter(t, teacher.token, chatId, message.seq);
  assert.deepEqual(
    events.map((e) => {
      assert.equal(e.type, "reaction.changed");
      const { type: _, seq, at: __, actorId, ...rest } = e;
      assert.equal(actorId, (rest as { userId: string }).userId);
      return { seq, ...rest };
    }),
    [
      { seq: 3, messageSeq: 2, emoji: "👍", userId: student.id, added: true, count: 1 },
      { seq: 4, messageSeq: 2, emoji: "👍", userId: teacher.id, added: true, count: 2 },
      { seq: 5, messageSeq: 2, emoji: "🇷🇺", userId: student.id, added: true, count: 1 },
      { seq: 6, messageSeq: 2, emoji: "👍", userId: student.id, added: false, count: 1 },
      { seq: 7, messageSeq: 2, emoji: "🇷🇺", userId: student.id, added: false, count: 0 },
    ],
  );
  const keycap = await json<{ message: MessageView }>(t, "PUT", path("1️⃣"), student.token);
  assert.equal(keycap.status, 200, JSON.stringify(keycap.body));
  assert.deepEqual(keycap.body.message.reactions, { "👍": 1, "1️⃣": 1 });
});

// ── Read markers and the chat list ──────────────────────────────────────────────────────────

Deno.test("read markers only move forward, unread counts only others' messages, and the chat list is sorted by recent activity", async () => {
  await using t = await testApp();
  const { orgId, admin, teacher, students, chatId } = await classChat(t, 2);
  const [me, classmate] = students as [Person, Person];
  t.clock.advance(SECOND);
  const quiet = await createGroup(t, orgId, teacher.token, [me.id]);

  let rows = await listChats(t, me.token);
  assert.deepEqual(rows.map((r) => r.id), [quiet, chatId], "the newer chat first");
  assert.deepEqual(rows[0], {
    id: quiet,
    orgId,
    kind: "group",
    title: "5А",
    lastSeq: 1,
    lastReadSeq: 0,
    unread: 0,
    notifications: { muted: false, mutedUntil: null },
    createdAt: new Date(t.clock.now()).toISOString(),
    lastActivityAt: new Date(t.clock.now()).toISOString(),
    settings: { frozen: false, slowModeSeconds: 0 },
  });

  t.clock.advance(SECOND);
  await post(t, me.token, chatId, "mine"); // 2
  await post(t, teacher.token, chatId, "t1"); // 3
  await post(t, teacher.token, chatId, "t2"); // 4
  const last = await post(t, classmate.token, chatId, "c1"); // 5
  await post(t, me.token, chatId, "mine2"); // 6
  rows = await listChats(t, me.token);
  assert.deepEqual(rows.map((r) => r.id), [chatId, quiet], "the chat with news first");
  const row = () => rows.find((r) => r.id === chatId)!;
  assert.equal(row().lastSeq, 6);
  assert.equal(row().unread, 3, "three messages by others, none of mine");
  assert.equal(row().lastReadSeq, 0);
  assert.equal(row().lastMessage!.clientId, "mine2");
  const forTeacher = (await listChats(t, teacher.token)).find((r) => r.id === chatId)!;
  assert.equal(forTeacher.unread, 3, "the teacher's own two do not count");
  assert.equal(forTeacher.lastMessage!.seq, 6);

  const read = (seq: unknown) => call(t, "POST", `/chats/${chatId}/read`, me.token, { seq });
  assert.equal((await read(3)).status, 204);
  rows = await listChats(t, me.token);
  assert.equal(row().lastReadSeq, 3);
  assert.equal(row().unread, 2);
  assert.equal((await read(2)).status, 204, "moving back is accepted and ignored");
  rows = await listChats(t, me.token);
  assert.equal(row().lastReadSeq, 3);
  assert.equal(row().unread, 2);
  assert.equal((await read(last.seq)).status, 204);
  rows = await listChats(t, me.token);
  assert.equal(row().lastReadSeq, 5);
  assert.equal(row().unread, 0);
  for (const bad of [-1, 1.5, "7", null]) {
    const res = await read(bad);
    assert.equal(res.status, 400);
    assert.equal((await res.json()).error.field, "seq");
  }
  assert.equal((await read(10_000)).status, 204, "a marker past the end stops at the end");
  rows = await listChats(t, me.token);
  assert.equal(row().lastReadSeq, 6);

  // Membership events are not unread messages; activity in the quiet chat moves it up.
  const newcomer = await joinAs(t, admin, orgId, "student", "Новенький");
  t.clock.advance(SECOND);
  const added = await json(t, "POST", `/chats/${chatId}/members`, teacher.token, {
    userIds: [newcomer.id],
  });
  assert.equal(added.status, 200);
  rows = await listChats(t, me.token);
  assert.equal(row().lastSeq, 7);
  assert.equal(row().unread, 0);
  assert.equal(row().lastReadSeq, 6);
  t.clock.advance(SECOND);
  await post(t, teacher.token, quiet, "news");
  rows = await listChats(t, me.token);
  assert.deepEqual(rows.map((r) => [r.id, r.unread]), [[quiet, 1], [chatId, 0]]);
});

// ── Paging ──────────────────────────────────────────────────────────────────────────────────

Deno.test("history pages newest first with before and limit, events page oldest first with after, and limit must be 1..200", async () => {
  await using t = await testApp();
  const { teacher, chatId } = await classChat(t, 1);
  for (let i = 0; i < 7; i++) await post(t, teacher.token, chatId, `m${i}`); // seq 2..8
  const page = async (query: string) => {
    const res = await json<{ messages: Message[]; lastSeq: number }>(
      t,
      "GET",
      `/chats/${chatId}/messages?${query}`,
      teacher.token,
    );
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.lastSeq, 8);
    return res.body.messages.map((m) => m.seq);
  };
  assert.deepEqual(await page(""), [8, 7, 6, 5, 4, 3, 2]);
  assert.deepEqual(await page("limit=3"), [8, 7, 6]);
  assert.deepEqual(await page("before=6&limit=3"), [5, 4, 3]);
  assert.deepEqual(await page("before=3&limit=3"), [2]);
  assert.deepEqual(await page("before=2"), []);
  assert.deepEqual(await page("limit=1"), [8]);
  assert.deepEqual(await page("limit=200"), [8, 7, 6, 5, 4, 3, 2]);

  for (const route of ["messages", "events"]) {
    for (const limit of ["0", "201", "abc", "-1", "1.5"]) {
      const res = await json(t, "GET", `/chats/${chatId}/${route}?limit=${limit}`, teacher.token);
      assertError(res, 400, "invalid_input", "limit");
    }
  }
  assertError(
    await json(t, "GET", `/chats/${chatId}/messages?before=0`, teacher.token),
    400,
    "invalid_input",
    "before",
  );
  assertError(
    await json(t, "GET", `/chats/${chatId}/events?after=x`, teacher.token),
    400,
    "invalid_input",
    "after",
  );

  const events = await json<{ events: ChatEvent[]; lastSeq: number }>(
    t,
    "GET",
    `/chats/${chatId}/events?after=3&limit=2`,
    teacher.token,
  );
  assert.deepEqual(events.body.events.map((e) => e.seq), [4, 5]);
  assert.equal(events.body.lastSeq, 8);
  const created = await eventsAfter(t, teacher.token, chatId, 0);
  assert.equal(created[0]!.type, "chat.created");
  assert.deepEqual(created[0]!.seq, 1);
  const first = created[1]!;
  assert.equal(first.type, "message.created");
  assert.equal(first.actorId, teacher.id);
  assert.deepEqual((first as Extract<ChatEvent, { type: "message.created" }>).message, {
    seq: 2,
    id: (first as Extract<ChatEvent, { type: "message.created" }>).message.id,
    chatId,
    clientId: "m0",
    authorId: teacher.id,
    kind: "text",
    text: "текст m0",
    reactions: {},
    createdAt: first.at,
  });
});

// ── Creation policy ─────────────────────────────────────────────────────────────────────────

async function schoolWithClasses(t: TestApp) {
  const { orgId, admin } = await createSchool(t);
  const classes: string[] = [];
  for (const name of ["5А", "6Б"]) {
    const res = await json<{ id: string }>(t, "POST", `/orgs/${orgId}/classes`, admin, { name });
    assert.equal(res.status, 201);
    classes.push(res.body.id);
  }
  const [c5, c6] = classes as [string, string];
  const teacher5 = await joinAs(t, admin, orgId, "teacher", "Учитель 5А", { classId: c5 });
  const teacher6 = await joinAs(t, admin, orgId, "teacher", "Учитель 6Б", { classId: c6 });
  const pupil = await joinAs(t, admin, orgId, "student", "Петя", { classId: c5 });
  const classmate = await joinAs(t, admin, orgId, "student", "Вася", { classId: c5 });
  const older = await joinAs(t, admin, orgId, "student", "Коля", { classId: c6 });
  const parent = await joinAs(t, admin, orgId, "parent", "Мама Пети", {
    classId: c5,
    childId: pupil.id,
  });
  return { orgId, admin, teacher5, teacher6, pupil, classmate, older, parent };
}

const direct = (t: TestApp, orgId: string, from: Person, to: Person) =>
  createChat(t, orgId, from.token, { kind: "direct", memberIds: [to.id] });

Deno.test("students open direct chats with their class teacher, and with classmates only when the school allows it", async () => {
  await using t = await testApp();
  const s = await schoolWithClasses(t);

  const opened = await direct(t, s.orgId, s.pupil, s.teacher5);
  assert.equal(opened.status, 201);
  assert.deepEqual(
    opened.body.chat.members.map((m) => m.userId).sort(),
    [s.pupil.id, s.teacher5.id].sort(),
  );
  const again = await direct(t, s.orgId, s.pupil, s.teacher5);
  assert.equal(again.status, 200);
  assert.equal(again.body.chat.id, opened.body.chat.id);
  const fromTeacher = await direct(t, s.orgId, s.teacher5, s.pupil);
  assert.equal(fromTeacher.status, 200, "either side finds the same direct chat");
  assert.equal(fromTeacher.body.chat.id, opened.body.chat.id);

  assertError(await direct(t, s.orgId, s.pupil, s.teacher6), 403, "forbidden");
  assertError(await direct(t, s.orgId, s.pupil, s.classmate), 403, "forbidden");
  assertError(await direct(t, s.orgId, s.pupil, s.older), 403, "forbidden");

  const allowed = await json(t, "PATCH", `/orgs/${s.orgId}`, s.admin, {
    settings: { studentDirectMessages: true },
  });
  assert.equal(allowed.status, 200);
  const peers = await direct(t, s.orgId, s.pupil, s.classmate);
  assert.equal(peers.status, 201);
  assertError(await direct(t, s.orgId, s.pupil, s.older), 403, "forbidden");

  assertError(
    await createChat(t, s.orgId, s.pupil.token, {
      kind: "direct",
      memberIds: [s.teacher5.id, s.classmate.id],
    }),
    400,
    "invalid_input",
    "memberIds",
  );
  assertError(await direct(t, s.orgId, s.pupil, s.pupil), 400, "invalid_input", "memberIds");
  // Only the two chats exist for the pupil.
  assert.equal((await listChats(t, s.pupil.token)).length, 2);
});

Deno.test("a direct chat is not handed back to someone who left it with the school; a new one opens", async () => {
  await using t = await testApp();
  const s = await schoolWithClasses(t);
  const first = await direct(t, s.orgId, s.pupil, s.teacher5);
  assert.equal(first.status, 201);
  await post(t, s.pupil.token, first.body.chat.id, "old", "старое");
  assert.equal(
    (await call(t, "DELETE", `/orgs/${s.orgId}/members/${s.pupil.id}`, s.pupil.token)).status,
    204,
  );
  const classId = (await json<{ classes: { id: string }[] }>(
    t,
    "GET",
    `/orgs/${s.orgId}/classes`,
    s.admin,
  )).body.classes[0]!.id;
  const invite = await json<{ token: string }>(t, "POST", `/orgs/${s.orgId}/invites`, s.admin, {
    role: "student",
    classId,
  });
  const rejoined = await json(t, "POST", `/invites/${invite.body.token}/accept`, s.pupil.token, {});
  assert.equal(rejoined.status, 200);

  const fresh = await direct(t, s.orgId, s.teacher5, s.pupil);
  assert.equal(fresh.status, 201, JSON.stringify(fresh.body));
  assert.notEqual(fresh.body.chat.id, first.body.chat.id);
  assert.deepEqual(
    fresh.body.chat.members.map((m) => m.userId).sort(),
    [s.pupil.id, s.teacher5.id].sort(),
  );
  assert.equal((await json(t, "GET", `/chats/${first.body.chat.id}`, s.pupil.token)).status, 404);
  const mine = await json<{ chat: { lastSeq: number } }>(
    t,
    "GET",
    `/chats/${fresh.body.chat.id}`,
    s.pupil.token,
  );
  assert.equal(mine.status, 200);
  assert.equal(mine.body.chat.lastSeq, 1);
  const again = await direct(t, s.orgId, s.pupil, s.teacher5);
  assert.equal(again.status, 200);
  assert.equal(again.body.chat.id, fresh.body.chat.id);
});

Deno.test("parents open direct chats with their child's teacher only", async () => {
  await using t = await testApp();
  const s = await schoolWithClasses(t);
  const opened = await direct(t, s.orgId, s.parent, s.teacher5);
  assert.equal(opened.status, 201);
  assertError(await direct(t, s.orgId, s.parent, s.teacher6), 403, "forbidden");
  assertError(await direct(t, s.orgId, s.parent, s.classmate), 403, "forbidden");
  const again = await direct(t, s.orgId, s.parent, s.teacher5);
  assert.equal(again.status, 200);
  assert.equal(again.body.chat.id, opened.body.chat.id);
});

Deno.test("students and parents cannot create groups or channels", async () => {
  await using t = await testApp();
  const s = await schoolWithClasses(t);
  for (const who of [s.pupil, s.parent]) {
    for (const kind of ["group", "channel"]) {
      const res = await createChat(t, s.orgId, who.token, {
        kind,
        title: "Свой чат",
        memberIds: [s.classmate.id],
      });
      assertError(res, 403, "forbidden");
    }
    assert.deepEqual(await listChats(t, who.token), []);
  }
  const byTeacher = await createChat(t, s.orgId, s.teacher5.token, {
    kind: "channel",
    title: "Объявления",
    memberIds: [s.pupil.id],
  });
  assert.equal(byTeacher.status, 201);
});

Deno.test("in a channel only the owner posts, while members read and react", async () => {
  await using t = await testApp();
  const s = await schoolWithClasses(t);
  const created = await createChat(t, s.orgId, s.teacher5.token, {
    kind: "channel",
    title: "Объявления 5А",
    memberIds: [s.pupil.id, s.parent.id],
  });
  assert.equal(created.status, 201);
  const chatId = created.body.chat.id;
  const news = await post(t, s.teacher5.token, chatId, "n1", "Завтра экскурсия");
  for (const member of [s.pupil, s.parent]) {
    const res = await json(t, "POST", `/chats/${chatId}/messages`, member.token, {
      clientId: "mine",
      text: "А можно?",
    });
    assertError(res, 403, "forbidden");
    const reacted = await json<{ message: Message }>(
      t,
      "PUT",
      `/chats/${chatId}/messages/${news.seq}/reactions/${encodeURIComponent("👍")}`,
      member.token,
    );
    assert.equal(reacted.status, 200);
    const history = await json<{ messages: Message[] }>(
      t,
      "GET",
      `/chats/${chatId}/messages`,
      member.token,
    );
    assert.deepEqual(history.body.messages.map((m) => m.seq), [news.seq]);
  }
  assert.deepEqual((await messageAt(t, s.teacher5.token, chatId, news.seq)).reactions, {
    "👍": 2,
  });
  assert.equal(await lastSeq(t, s.teacher5.token, chatId), 4);
});

Deno.test("only members of the chat's school can be added to a chat, and a refused add changes nothing", async () => {
  await using t = await testApp();
  const { orgId, admin, teacher, students, chatId } = await classChat(t, 1);
  const local = await joinAs(t, admin, orgId, "student", "Свой");
  const elsewhere = await createSchool(t, "Школа № 2");
  const foreign = await joinAs(t, elsewhere.admin, elsewhere.orgId, "student", "Чужой");
  const members = async () => {
    const res = await json<{ chat: { members: { userId: string }[] } }>(
      t,
      "GET",
      `/chats/${chatId}`,
      teacher.token,
    );
    return res.body.chat.members.map((m) => m.userId).sort();
  };
  const before = await members();

  for (const userIds of [[foreign.id], [local.id, foreign.id], [elsewhere.adminId]]) {
    const res = await json(t, "POST", `/chats/${chatId}/members`, teacher.token, { userIds });
    assertError(res, 400, "invalid_input", "userIds");
  }
  assert.deepEqual(await members(), before);
  assert.equal(await lastSeq(t, teacher.token, chatId), 1);
  assert.deepEqual(await listChats(t, foreign.token), []);
  assert.deepEqual(await listChats(t, local.token), []);

  // Creating a chat with someone from another school is refused the same way.
  const refused = await createChat(t, orgId, teacher.token, {
    kind: "group",
    title: "Смешанный",
    memberIds: [students[0]!.id, foreign.id],
  });
  assertError(refused, 400, "invalid_input", "memberIds");
  assert.equal((await listChats(t, teacher.token)).length, 1);

  // A student cannot add anyone; the owner can.
  assertError(
    await json(t, "POST", `/chats/${chatId}/members`, students[0]!.token, { userIds: [local.id] }),
    403,
    "forbidden",
  );
  const added = await json(t, "POST", `/chats/${chatId}/members`, teacher.token, {
    userIds: [local.id],
  });
  assert.equal(added.status, 200);
  assert.deepEqual(added.body, { added: [local.id] });
  assert.deepEqual(await members(), [...before, local.id].sort());
});
