import assert from "node:assert/strict";
import { createSchool, joinAs, json, testApp } from "./helpers.ts";

Deno.test("a chat invite link lets members of the school join, and nobody else", async () => {
  await using t = await testApp();
  const { orgId, admin } = await createSchool(t);
  const teacher = await joinAs(t, admin, orgId, "teacher", "Учитель");
  const student = await joinAs(t, admin, orgId, "student", "Ученица");
  const other = await createSchool(t, "Другая школа");
  const stranger = await joinAs(t, other.admin, other.orgId, "teacher", "Чужой");
  const chat = await json<{ chat: { id: string } }>(
    t,
    "POST",
    `/orgs/${orgId}/chats`,
    teacher.token,
    {
      kind: "group",
      title: "Кружок робототехники",
      memberIds: [],
    },
  );
  const chatId = chat.body.chat.id;

  const refused = await json(t, "POST", `/chats/${chatId}/invites`, student.token, {});
  assert.equal(refused.status, 404, "a non-member cannot even see the chat");
  const link = await json<{ token: string; url: string }>(
    t,
    "POST",
    `/chats/${chatId}/invites`,
    teacher.token,
    { maxUses: 2 },
  );
  assert.equal(link.status, 201);
  assert.match(link.body.url, /\/invite\/[\w-]{40,}$/);

  const preview = await json(t, "GET", `/invites/${link.body.token}`);
  assert.equal(preview.body.kind, "chat");
  assert.equal(preview.body.chatTitle, "Кружок робототехники");

  const page = await t.fetch(`/invite/${link.body.token}`);
  assert.equal(page.status, 200, "the invite page shows a chat's link too");
  assert.match(await page.text(), /Кружок робототехники/);

  const outsider = await json(t, "POST", `/invites/${link.body.token}/accept`, stranger.token, {});
  assert.equal(outsider.status, 404, "a member of another school gets 404");

  const joined = await json(t, "POST", `/invites/${link.body.token}/accept`, student.token, {});
  assert.equal(joined.status, 200);
  assert.equal(joined.body.chatId, chatId);
  const again = await json(t, "POST", `/invites/${link.body.token}/accept`, student.token, {});
  assert.equal(again.status, 200, "joining twice is harmless");

  const view = await json<{ chat: { members: { userId: string }[] } }>(
    t,
    "GET",
    `/chats/${chatId}`,
    student.token,
  );
  assert.ok(view.body.chat.members.some((m) => m.userId === student.id));
  const events = await json<{ events: { type: string }[] }>(
    t,
    "GET",
    `/chats/${chatId}/events`,
    student.token,
  );
  assert.deepEqual(events.body.events.map((e) => e.type), ["chat.created", "member.joined"]);

  const revoked = await json(t, "DELETE", `/invites/${link.body.token}`, teacher.token);
  assert.equal(revoked.status, 204);
  const late = await joinAs(t, admin, orgId, "student", "Опоздавший");
  const gone = await json<{ error: { code: string } }>(
    t,
    "POST",
    `/invites/${link.body.token}/accept`,
    late.token,
    {},
  );
  assert.equal(gone.status, 410);
  assert.equal(gone.body.error.code, "invite_expired");
});

type ErrorBody = { error: { code: string; message: string } };

/** A school with a teacher's group holding a student, and a link into it. */
async function groupWithLink(t: Awaited<ReturnType<typeof testApp>>) {
  const school = await createSchool(t);
  const cls = await json<{ id: string }>(t, "POST", `/orgs/${school.orgId}/classes`, school.admin, {
    name: "5А",
  });
  const teacher = await joinAs(t, school.admin, school.orgId, "teacher", "Учитель", {
    classId: cls.body.id,
  });
  const student = await joinAs(t, teacher.token, school.orgId, "student", "Ученица", {
    classId: cls.body.id,
  });
  const chat = await json<{ chat: { id: string } }>(
    t,
    "POST",
    `/orgs/${school.orgId}/chats`,
    teacher.token,
    { kind: "group", title: "Кружок", memberIds: [student.id] },
  );
  const link = await json<{ token: string }>(
    t,
    "POST",
    `/chats/${chat.body.chat.id}/invites`,
    teacher.token,
    {},
  );
  return {
    ...school,
    classId: cls.body.id,
    teacher,
    student,
    chatId: chat.body.chat.id,
    link: link.body.token,
  };
}

const usesOf = async (t: Awaited<ReturnType<typeof testApp>>, token: string) =>
  (await t.kv.get<{ uses: number }>(["invites", token])).value!.uses;

Deno.test("a member a moderator removed cannot rejoin by the chat's link until added back", async () => {
  await using t = await testApp();
  const s = await groupWithLink(t);
  const removed = await json(
    t,
    "DELETE",
    `/chats/${s.chatId}/members/${s.student.id}`,
    s.teacher.token,
  );
  assert.equal(removed.status, 204);
  const refused = await json<ErrorBody>(
    t,
    "POST",
    `/invites/${s.link}/accept`,
    s.student.token,
    {},
  );
  assert.equal(refused.status, 403, JSON.stringify(refused.body));
  assert.equal(refused.body.error.code, "forbidden");
  assert.match(refused.body.error.message, /^Cannot join this chat: a moderator removed you/);
  assert.equal(await usesOf(t, s.link), 0, "the link's uses do not move");
  assert.equal((await json(t, "GET", `/chats/${s.chatId}`, s.student.token)).status, 404);

  const added = await json<{ added: string[] }>(
    t,
    "POST",
    `/chats/${s.chatId}/members`,
    s.teacher.token,
    { userIds: [s.student.id] },
  );
  assert.deepEqual(added.body.added, [s.student.id], "adding back lifts the ban");
  const left = await json(
    t,
    "DELETE",
    `/chats/${s.chatId}/members/${s.student.id}`,
    s.student.token,
  );
  assert.equal(left.status, 204, "she leaves herself");
  const back = await json(t, "POST", `/invites/${s.link}/accept`, s.student.token, {});
  assert.equal(back.status, 200, "leaving oneself is not a ban");
});

Deno.test("a school's removal leaves no chat bans: a readmitted student rejoins by the chat's link", async () => {
  await using t = await testApp();
  const s = await groupWithLink(t);
  const gone = await json(t, "DELETE", `/orgs/${s.orgId}/members/${s.student.id}`, s.admin);
  assert.equal(gone.status, 204);
  assert.equal((await json(t, "GET", `/chats/${s.chatId}`, s.student.token)).status, 404);
  const lifted = await json(t, "DELETE", `/orgs/${s.orgId}/bans/${s.student.id}`, s.admin);
  assert.equal(lifted.status, 204);
  const invite = await json<{ token: string }>(t, "POST", `/orgs/${s.orgId}/invites`, s.admin, {
    role: "student",
    classId: s.classId,
  });
  const readmitted = await json(
    t,
    "POST",
    `/invites/${invite.body.token}/accept`,
    s.student.token,
    {},
  );
  assert.equal(readmitted.status, 200);
  const joined = await json(t, "POST", `/invites/${s.link}/accept`, s.student.token, {});
  assert.equal(joined.status, 200, JSON.stringify(joined.body));
});

Deno.test("a class chat's link admits only members of that class", async () => {
  await using t = await testApp();
  const s = await groupWithLink(t);
  const other = await json<{ id: string }>(t, "POST", `/orgs/${s.orgId}/classes`, s.admin, {
    name: "6Б",
  });
  const outsider = await joinAs(t, s.admin, s.orgId, "student", "Из 6Б", {
    classId: other.body.id,
  });
  const classmate = await joinAs(t, s.teacher.token, s.orgId, "student", "Из 5А", {
    classId: s.classId,
  });
  const classChat = await json<{ chat: { id: string } }>(
    t,
    "POST",
    `/orgs/${s.orgId}/chats`,
    s.teacher.token,
    { kind: "group", title: "5А", classId: s.classId, classRoles: ["teacher"] },
  );
  const link = await json<{ token: string }>(
    t,
    "POST",
    `/chats/${classChat.body.chat.id}/invites`,
    s.teacher.token,
    {},
  );
  const refused = await json<ErrorBody>(
    t,
    "POST",
    `/invites/${link.body.token}/accept`,
    outsider.token,
    {},
  );
  assert.equal(refused.status, 403, JSON.stringify(refused.body));
  assert.equal(await usesOf(t, link.body.token), 0);
  const ok = await json(t, "POST", `/invites/${link.body.token}/accept`, classmate.token, {});
  assert.equal(ok.status, 200);
  const admin = await json(t, "POST", `/invites/${link.body.token}/accept`, s.admin, {});
  assert.equal(admin.status, 200, "the school's admins may join any class chat");
});
