import assert from "node:assert/strict";
import { createSchool, joinAs, json, testApp } from "./helpers.ts";

Deno.test("a class channel: the class joins, its teachers moderate, members read and react but do not post", async () => {
  await using t = await testApp();
  const { orgId, admin } = await createSchool(t);
  const cls = await json<{ id: string }>(t, "POST", `/orgs/${orgId}/classes`, admin, {
    name: "8Б",
  });
  const other = await json<{ id: string }>(t, "POST", `/orgs/${orgId}/classes`, admin, {
    name: "9А",
  });
  const teacher = await joinAs(t, admin, orgId, "teacher", "Классный руководитель", {
    classId: cls.body.id,
  });
  const outsiderTeacher = await joinAs(t, admin, orgId, "teacher", "Другой учитель", {
    classId: other.body.id,
  });
  const students = [];
  for (let i = 0; i < 3; i++) {
    students.push(
      await joinAs(t, teacher.token, orgId, "student", `Ученик ${i}`, { classId: cls.body.id }),
    );
  }
  const elsewhere = await joinAs(t, admin, orgId, "student", "Из 9А", { classId: other.body.id });

  const refused = await json(t, "POST", `/orgs/${orgId}/chats`, outsiderTeacher.token, {
    kind: "channel",
    title: "Объявления 8Б",
    classId: cls.body.id,
  });
  assert.equal(refused.status, 403, "only the class's own teachers and admins make class chats");

  const created = await json<
    { chat: { id: string; classId: string; members: { userId: string; chatRole: string }[] } }
  >(
    t,
    "POST",
    `/orgs/${orgId}/chats`,
    admin,
    { kind: "channel", title: "Объявления 8Б", classId: cls.body.id },
  );
  assert.equal(created.status, 201);
  const roles = new Map(created.body.chat.members.map((m) => [m.userId, m.chatRole]));
  assert.equal(roles.get(teacher.id), "moderator");
  for (const s of students) assert.equal(roles.get(s.id), "member");
  assert.equal(roles.has(elsewhere.id), false);
  const chatId = created.body.chat.id;

  const post = await json(t, "POST", `/chats/${chatId}/messages`, students[0]!.token, {
    clientId: "s1",
    text: "можно?",
  });
  assert.equal(post.status, 403, "members do not post in a channel");

  const announcement = await json<
    { message: { seq: number; needsAck: boolean; ackCount: number } }
  >(
    t,
    "POST",
    `/chats/${chatId}/messages`,
    teacher.token,
    { clientId: "a1", text: "Завтра родительское собрание в 18:00", needsAck: true },
  );
  assert.equal(announcement.status, 201);
  assert.equal(announcement.body.message.needsAck, true);
  const seq = announcement.body.message.seq;
  assert.equal(
    (await json(
      t,
      "PUT",
      `/chats/${chatId}/messages/${seq}/reactions/${encodeURIComponent("👍")}`,
      students[0]!.token,
    ))
      .status,
    200,
    "members react in channels",
  );
  for (const s of students.slice(0, 2)) {
    const acked = await json(t, "POST", `/chats/${chatId}/messages/${seq}/ack`, s.token);
    assert.equal(acked.status, 200);
  }
  await json(t, "POST", `/chats/${chatId}/messages/${seq}/ack`, students[0]!.token);
  const report = await json<
    { total: number; acknowledged: { userId: string }[]; pending: { userId: string }[] }
  >(
    t,
    "GET",
    `/chats/${chatId}/messages/${seq}/acks`,
    teacher.token,
  );
  assert.equal(report.body.total, 4, "every member but the author (admin owner, 3 students)");
  assert.equal(report.body.acknowledged.length, 2);
  assert.deepEqual(
    new Set(report.body.pending.map((p) => p.userId)),
    new Set([
      students[2]!.id,
      (await json<{ user: { id: string } }>(t, "GET", "/me", admin)).body.user.id,
    ]),
  );
  const hidden = await json(t, "GET", `/chats/${chatId}/messages/${seq}/acks`, students[0]!.token);
  assert.equal(hidden.status, 403);
  const page = await json<{ messages: { seq: number; myAck?: boolean; ackCount?: number }[] }>(
    t,
    "GET",
    `/chats/${chatId}/messages`,
    students[2]!.token,
  );
  const seen = page.body.messages.find((m) => m.seq === seq)!;
  assert.equal(seen.myAck, false);
  assert.equal(seen.ackCount, 2);

  const byMember = await json(t, "POST", `/chats/${chatId}/messages`, teacher.token, {
    clientId: "a2",
    text: "ок",
    needsAck: true,
  });
  assert.equal(byMember.status, 201, "the class teacher moderates the channel");
});
