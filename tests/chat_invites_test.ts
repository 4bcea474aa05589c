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
