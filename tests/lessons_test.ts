import assert from "node:assert/strict";
import { createSchool, joinAs, json, testApp } from "./helpers.ts";

Deno.test("a planned lesson shows in the chat and in each member's upcoming list", async () => {
  await using t = await testApp();
  const { orgId, admin } = await createSchool(t);
  const teacher = await joinAs(t, admin, orgId, "teacher", "Учитель");
  const student = await joinAs(t, admin, orgId, "student", "Ученица");
  const parent = await joinAs(t, admin, orgId, "parent", "Родитель");
  const chat = await json<{ chat: { id: string } }>(
    t,
    "POST",
    `/orgs/${orgId}/chats`,
    teacher.token,
    {
      kind: "group",
      title: "Алгебра 8А",
      memberIds: [student.id],
    },
  );
  const chatId = chat.body.chat.id;
  const startsAt = new Date(t.clock.now() + 3600_000).toISOString();
  const refused = await json(t, "POST", `/chats/${chatId}/lessons`, student.token, {
    kind: "lesson",
    title: "Уравнения",
    startsAt,
  });
  assert.equal(refused.status, 403);
  const past = await json(t, "POST", `/chats/${chatId}/lessons`, teacher.token, {
    kind: "lesson",
    title: "Вчера",
    startsAt: new Date(t.clock.now() - 60_000).toISOString(),
  });
  assert.equal(past.status, 400);
  const planned = await json<{ lesson: { id: string; messageSeq: number } }>(
    t,
    "POST",
    `/chats/${chatId}/lessons`,
    teacher.token,
    { kind: "lesson", title: "Уравнения", startsAt, durationMinutes: 40 },
  );
  assert.equal(planned.status, 201);
  const page = await json<
    { messages: { seq: number; kind: string; lesson?: { title: string } }[] }
  >(
    t,
    "GET",
    `/chats/${chatId}/messages`,
    student.token,
  );
  assert.equal(page.body.messages[0]!.lesson?.title, "Уравнения");
  const upcoming = await json<{ lessons: { id: string; chatTitle: string; startsAt: string }[] }>(
    t,
    "GET",
    "/me/lessons",
    student.token,
  );
  assert.deepEqual(upcoming.body.lessons.map((l) => [l.id, l.chatTitle, l.startsAt]), [
    [planned.body.lesson.id, "Алгебра 8А", startsAt],
  ]);
  const notMine = await json<{ lessons: unknown[] }>(t, "GET", "/me/lessons", parent.token);
  assert.deepEqual(notMine.body.lessons, [], "people outside the chat do not see it");
  t.clock.advance(3600_000 + 41 * 60_000);
  const later = await json<{ lessons: unknown[] }>(t, "GET", "/me/lessons", student.token);
  assert.deepEqual(later.body.lessons, [], "a lesson leaves the list once it is over");
});
