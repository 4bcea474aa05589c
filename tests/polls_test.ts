import assert from "node:assert/strict";
import { createSchool, joinAs, json, testApp } from "./helpers.ts";

interface PollView {
  options: { text: string; votes: number | null }[];
  closed: boolean;
  voterCount: number;
  voters?: string[][];
  myVote: number[];
}

async function classChat(anonymous: boolean, multiple = false) {
  const t = await testApp();
  const { orgId, admin } = await createSchool(t);
  const teacher = await joinAs(t, admin, orgId, "teacher", "Учитель");
  const students = [];
  for (let i = 0; i < 5; i++) {
    students.push(await joinAs(t, admin, orgId, "student", `Ученик ${i + 1}`));
  }
  const chat = await json<{ chat: { id: string } }>(
    t,
    "POST",
    `/orgs/${orgId}/chats`,
    teacher.token,
    {
      kind: "group",
      title: "7В",
      memberIds: students.map((s) => s.id),
    },
  );
  const poll = await json<{ message: { seq: number; kind: string; poll: PollView } }>(
    t,
    "POST",
    `/chats/${chat.body.chat.id}/polls`,
    teacher.token,
    {
      clientId: "p1",
      question: "Куда поедем?",
      options: ["Музей", "Театр", "Парк"],
      anonymous,
      multiple,
    },
  );
  assert.equal(poll.status, 201);
  return {
    t,
    teacher,
    students,
    chatId: chat.body.chat.id,
    seq: poll.body.message.seq,
    poll: poll.body.message,
  };
}

Deno.test("a poll is a message of kind poll; votes replace earlier votes and results stay exact", async () => {
  const { t, teacher, students, chatId, seq, poll } = await classChat(false);
  await using _ = t;
  assert.equal(poll.kind, "poll");
  assert.deepEqual(poll.poll.options.map((o) => o.votes), [0, 0, 0]);
  const [a, b] = students;
  await json(t, "PUT", `/chats/${chatId}/polls/${seq}/vote`, a!.token, { options: [0] });
  const changed = await json<{ poll: PollView }>(
    t,
    "PUT",
    `/chats/${chatId}/polls/${seq}/vote`,
    a!.token,
    {
      options: [2],
    },
  );
  assert.deepEqual(changed.body.poll.options.map((o) => o.votes), [0, 0, 1]);
  assert.deepEqual(changed.body.poll.myVote, [2]);
  await json(t, "PUT", `/chats/${chatId}/polls/${seq}/vote`, b!.token, { options: [2] });
  const two = await json<{ poll: PollView }>(
    t,
    "PUT",
    `/chats/${chatId}/polls/${seq}/vote`,
    b!.token,
    {
      options: [2],
    },
  );
  assert.equal(two.body.poll.voterCount, 2);
  assert.deepEqual(two.body.poll.voters, [[], [], [a!.id, b!.id].sort()].map((v) => v.sort()));
  const single = await json(t, "PUT", `/chats/${chatId}/polls/${seq}/vote`, b!.token, {
    options: [0, 1],
  });
  assert.equal(single.status, 400, "a single-choice poll takes one option");
  const outOfRange = await json(t, "PUT", `/chats/${chatId}/polls/${seq}/vote`, b!.token, {
    options: [3],
  });
  assert.equal(outOfRange.status, 400);

  const byStudent = await json(t, "POST", `/chats/${chatId}/polls/${seq}/close`, a!.token);
  assert.equal(byStudent.status, 403, "only the author or a moderator closes a poll");
  const closed = await json<{ poll: PollView }>(
    t,
    "POST",
    `/chats/${chatId}/polls/${seq}/close`,
    teacher.token,
  );
  assert.equal(closed.body.poll.closed, true);
  const late = await json<{ error: { code: string } }>(
    t,
    "PUT",
    `/chats/${chatId}/polls/${seq}/vote`,
    a!.token,
    {
      options: [1],
    },
  );
  assert.equal(late.status, 409);

  const events = await json<{ events: { type: string }[] }>(
    t,
    "GET",
    `/chats/${chatId}/events?after=0`,
    teacher.token,
  );
  assert.deepEqual(
    events.body.events.map((e) => e.type),
    [
      "chat.created",
      "message.created",
      "poll.updated",
      "poll.updated",
      "poll.updated",
      "poll.updated",
    ],
  );
});

Deno.test("50 concurrent votes give exact counts", async () => {
  const t = await testApp();
  await using _ = t;
  const { orgId, admin } = await createSchool(t);
  const teacher = await joinAs(t, admin, orgId, "teacher", "Учитель");
  const voters = await Promise.all(
    Array.from({ length: 50 }, (_, i) => joinAs(t, admin, orgId, "student", `Ученик ${i}`)),
  );
  const chat = await json<{ chat: { id: string } }>(
    t,
    "POST",
    `/orgs/${orgId}/chats`,
    teacher.token,
    {
      kind: "group",
      title: "Параллель",
      memberIds: voters.map((v) => v.id),
    },
  );
  const chatId = chat.body.chat.id;
  const created = await json<{ message: { seq: number } }>(
    t,
    "POST",
    `/chats/${chatId}/polls`,
    teacher.token,
    {
      clientId: "big",
      question: "Дата экскурсии?",
      options: ["Пятница", "Суббота"],
      anonymous: true,
    },
  );
  const seq = created.body.message.seq;
  const statuses = await Promise.all(
    voters.map((v, i) =>
      json(t, "PUT", `/chats/${chatId}/polls/${seq}/vote`, v.token, { options: [i % 2] }).then((
        r,
      ) => r.status)
    ),
  );
  assert.ok(statuses.every((s) => s === 200), statuses.join(","));
  const page = await json<{ messages: { seq: number; poll?: PollView }[] }>(
    t,
    "GET",
    `/chats/${chatId}/messages`,
    teacher.token,
  );
  const open = page.body.messages.find((m) => m.seq === seq)!.poll!;
  assert.deepEqual(open.options.map((o) => o.votes), [null, null], "hidden until it closes");
  assert.equal(open.voterCount, 50);
  const closed = await json<{ poll: PollView }>(
    t,
    "POST",
    `/chats/${chatId}/polls/${seq}/close`,
    teacher.token,
  );
  assert.deepEqual(closed.body.poll.options.map((o) => o.votes), [25, 25]);
  assert.equal(closed.body.poll.voterCount, 50);
  assert.equal(closed.body.poll.voters, undefined, "an anonymous poll does not tell who voted");
});

type Event = {
  seq: number;
  type: string;
  actorId: string;
  poll?: { options: { votes: number | null }[]; voterCount: number; closed: boolean };
  vote?: unknown;
};

Deno.test("an anonymous poll tells no one who chose what: no voter in any event, no counts until it closes with three or more voters", async () => {
  const { t, teacher, students, chatId, seq } = await classChat(true);
  await using _ = t;
  const [a, b, c, observer] = students;
  const events = async () =>
    (await json<{ events: Event[] }>(t, "GET", `/chats/${chatId}/events?after=0`, observer!.token))
      .body.events.filter((e) => e.type === "poll.updated");
  const vote = (who: { token: string }, options: number[]) =>
    json<{ poll: PollView }>(t, "PUT", `/chats/${chatId}/polls/${seq}/vote`, who.token, {
      options,
    });

  const first = await vote(a!, [0]);
  assert.equal(first.status, 200);
  assert.deepEqual(first.body.poll.myVote, [0], "the voter sees their own choice");
  assert.deepEqual(first.body.poll.options.map((o) => o.votes), [null, null, null]);
  assert.equal(first.body.poll.voterCount, 1);
  // Changing a vote in an anonymous poll shows nothing new to anyone.
  const before = await events();
  assert.equal((await vote(a!, [2])).status, 200);
  assert.deepEqual(await events(), before);
  await vote(b!, [1]);

  for (const e of await events()) {
    assert.notEqual(e.actorId, a!.id, "no event names a voter");
    assert.notEqual(e.actorId, b!.id, "no event names a voter");
    assert.equal(e.vote, undefined);
    assert.deepEqual(e.poll!.options.map((o) => o.votes), [null, null, null]);
  }
  assert.deepEqual((await events()).map((e) => e.poll!.voterCount), [1, 2]);
  for (const who of [teacher, observer!]) {
    const page = await json<{ messages: { seq: number; poll?: PollView }[] }>(
      t,
      "GET",
      `/chats/${chatId}/messages`,
      who.token,
    );
    const poll = page.body.messages.find((m) => m.seq === seq)!.poll!;
    assert.deepEqual(poll.options.map((o) => o.votes), [null, null, null]);
    assert.deepEqual(poll.myVote, []);
    const list = await json<{ chats: { lastMessage?: { poll?: PollView } }[] }>(
      t,
      "GET",
      "/chats",
      who.token,
    );
    const last = list.body.chats[0]!.lastMessage!.poll!;
    assert.deepEqual(last.options.map((o) => o.votes), [null, null, null], "nor in the chat list");
  }

  // Closed with two voters, the counts would tell each one's choice: they stay hidden.
  const early = await json<{ poll: PollView }>(
    t,
    "POST",
    `/chats/${chatId}/polls/${seq}/close`,
    teacher.token,
  );
  assert.equal(early.body.poll.closed, true);
  assert.deepEqual(early.body.poll.options.map((o) => o.votes), [null, null, null]);
  assert.ok(c, "a third student exists");
});

Deno.test("an anonymous poll with three or more voters shows its counts once closed, in the event and in history", async () => {
  const { t, teacher, students, chatId, seq } = await classChat(true);
  await using _ = t;
  for (const [i, s] of students.slice(0, 3).entries()) {
    const res = await json(t, "PUT", `/chats/${chatId}/polls/${seq}/vote`, s.token, {
      options: [i === 2 ? 1 : 0],
    });
    assert.equal(res.status, 200);
  }
  assert.equal(
    (await json(t, "POST", `/chats/${chatId}/polls/${seq}/close`, teacher.token)).status,
    200,
  );
  const events = (await json<{ events: Event[] }>(
    t,
    "GET",
    `/chats/${chatId}/events?after=0`,
    students[4]!.token,
  )).body.events.filter((e) => e.type === "poll.updated");
  const last = events.at(-1)!;
  assert.equal(last.poll!.closed, true);
  assert.deepEqual(last.poll!.options.map((o) => o.votes), [2, 1, 0]);
  assert.equal(last.actorId, teacher.id, "closing is the closer's act");
  const page = await json<{ messages: { seq: number; poll?: PollView }[] }>(
    t,
    "GET",
    `/chats/${chatId}/messages`,
    students[4]!.token,
  );
  const poll = page.body.messages.find((m) => m.seq === seq)!.poll!;
  assert.deepEqual(poll.options.map((o) => o.votes), [2, 1, 0]);
});

Deno.test("a changed vote in an anonymous poll is kept, though no one is told of it", async () => {
  const { t, teacher, students, chatId, seq } = await classChat(true);
  await using _ = t;
  const vote = (token: string, option: number) =>
    json<{ poll: PollView }>(t, "PUT", `/chats/${chatId}/polls/${seq}/vote`, token, {
      options: [option],
    });
  for (const s of students.slice(0, 3)) assert.equal((await vote(s.token, 0)).status, 200);
  const before = (await json<{ events: Event[] }>(
    t,
    "GET",
    `/chats/${chatId}/events?after=0`,
    teacher.token,
  )).body.events.length;
  // The first pupil thinks again: the count of voters does not move, so no event tells of it.
  const changed = await vote(students[0]!.token, 2);
  assert.equal(changed.status, 200);
  assert.deepEqual(changed.body.poll.myVote, [2]);
  const after = await json<{ events: Event[] }>(
    t,
    "GET",
    `/chats/${chatId}/events?after=0`,
    teacher.token,
  );
  assert.equal(after.body.events.length, before, "nothing announced");
  // Asked again (a new read from KV), the pupil's choice is the new one, and it counts.
  const mine = await json<{ messages: { seq: number; poll?: PollView }[] }>(
    t,
    "GET",
    `/chats/${chatId}/messages`,
    students[0]!.token,
  );
  assert.deepEqual(mine.body.messages.find((m) => m.seq === seq)!.poll!.myVote, [2]);
  assert.equal(
    (await json(t, "POST", `/chats/${chatId}/polls/${seq}/close`, teacher.token)).status,
    200,
  );
  const page = await json<{ messages: { seq: number; poll?: PollView }[] }>(
    t,
    "GET",
    `/chats/${chatId}/messages`,
    students[4]!.token,
  );
  assert.deepEqual(
    page.body.messages.find((m) => m.seq === seq)!.poll!.options.map((o) => o.votes),
    [2, 0, 1],
  );
});
