import assert from "node:assert/strict";
import { createSchool, joinAs, json, testApp } from "./helpers.ts";

interface PollView {
  options: { text: string; votes: number }[];
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
  const poll = page.body.messages.find((m) => m.seq === seq)!.poll!;
  assert.deepEqual(poll.options.map((o) => o.votes), [25, 25]);
  assert.equal(poll.voterCount, 50);
  assert.equal(poll.voters, undefined, "an anonymous poll does not tell who voted");
});
