import assert from "node:assert/strict";
import { createSchool, joinAs, json, testApp } from "./helpers.ts";

async function setup() {
  const t = await testApp();
  const { orgId, admin } = await createSchool(t);
  const teacher = await joinAs(t, admin, orgId, "teacher", "Учитель");
  const a = await joinAs(t, admin, orgId, "student", "Аня");
  const b = await joinAs(t, admin, orgId, "student", "Боря");
  const chat = await json<{ chat: { id: string } }>(
    t,
    "POST",
    `/orgs/${orgId}/chats`,
    teacher.token,
    {
      kind: "group",
      title: "6А",
      memberIds: [a.id, b.id],
    },
  );
  return { t, orgId, admin, teacher, a, b, chatId: chat.body.chat.id };
}

let n = 0;
const say = (
  t: Awaited<ReturnType<typeof setup>>["t"],
  chatId: string,
  token: string,
  text = "привет",
) =>
  json<{ message: { seq: number }; error: { code: string } }>(
    t,
    "POST",
    `/chats/${chatId}/messages`,
    token,
    {
      clientId: `m${++n}`,
      text,
    },
  );

Deno.test("a frozen chat refuses members' sends with 403 while moderators still post", async () => {
  const { t, teacher, a, chatId } = await setup();
  await using _ = t;
  const refused = await json(t, "PATCH", `/chats/${chatId}/settings`, a.token, { frozen: true });
  assert.equal(refused.status, 403, "a member cannot freeze the chat");
  const frozen = await json<{ settings: { frozen: boolean } }>(
    t,
    "PATCH",
    `/chats/${chatId}/settings`,
    teacher.token,
    { frozen: true },
  );
  assert.equal(frozen.body.settings.frozen, true);
  const blocked = await say(t, chatId, a.token);
  assert.equal(blocked.status, 403);
  assert.equal(blocked.body.error.code, "forbidden");
  assert.equal((await say(t, chatId, teacher.token)).status, 201);
  await json(t, "PATCH", `/chats/${chatId}/settings`, teacher.token, { frozen: false });
  assert.equal((await say(t, chatId, a.token)).status, 201);
  const chat = await json<{ chat: { settings: { frozen: boolean } } }>(
    t,
    "GET",
    `/chats/${chatId}`,
    a.token,
  );
  assert.equal(chat.body.chat.settings.frozen, false);
});

Deno.test("slow mode refuses a second message too soon with 429 and Retry-After", async () => {
  const { t, teacher, a, chatId } = await setup();
  await using _ = t;
  await json(t, "PATCH", `/chats/${chatId}/settings`, teacher.token, { slowModeSeconds: 30 });
  assert.equal((await say(t, chatId, a.token)).status, 201);
  const res = await say(t, chatId, a.token);
  assert.equal(res.status, 429);
  assert.equal(res.headers.get("Retry-After"), "30");
  t.clock.advance(30_000);
  assert.equal((await say(t, chatId, a.token)).status, 201);
  assert.equal((await say(t, chatId, teacher.token)).status, 201, "moderators are exempt");
  assert.equal((await say(t, chatId, teacher.token)).status, 201);
});

Deno.test("a muted member cannot write until the mute ends; moderators cannot be muted by members", async () => {
  const { t, teacher, a, b, chatId } = await setup();
  await using _ = t;
  const byMember = await json(t, "POST", `/chats/${chatId}/members/${b.id}/mute`, a.token, {
    minutes: 10,
  });
  assert.equal(byMember.status, 403);
  const muted = await json<{ member: { mutedUntil: string } }>(
    t,
    "POST",
    `/chats/${chatId}/members/${a.id}/mute`,
    teacher.token,
    { minutes: 10 },
  );
  assert.equal(muted.status, 200);
  assert.equal((await say(t, chatId, a.token)).status, 403);
  t.clock.advance(10 * 60_000 + 1);
  assert.equal((await say(t, chatId, a.token)).status, 201);
});

Deno.test("a report keeps the message even after it is deleted, and moderation is audited", async () => {
  const { t, orgId, admin, teacher, a, b, chatId } = await setup();
  await using _ = t;
  const rude = await say(t, chatId, a.token, "обидные слова");
  const seq = rude.body.message.seq;
  const report = await json(t, "POST", `/chats/${chatId}/messages/${seq}/report`, b.token, {
    reason: "Оскорбление",
  });
  assert.equal(report.status, 201);
  assert.equal(
    (await json(t, "DELETE", `/chats/${chatId}/messages/${seq}`, teacher.token)).status,
    204,
  );
  await json(t, "POST", `/chats/${chatId}/members/${a.id}/mute`, teacher.token, { minutes: 60 });
  await json(t, "PATCH", `/chats/${chatId}/members/${b.id}`, teacher.token, {
    chatRole: "moderator",
  });
  await json(t, "PATCH", `/chats/${chatId}/settings`, teacher.token, {
    frozen: true,
    slowModeSeconds: 5,
  });
  await json(t, "DELETE", `/chats/${chatId}/members/${a.id}`, teacher.token);

  const reports = await json<{ reports: { message: { text: string }; reason: string }[] }>(
    t,
    "GET",
    `/orgs/${orgId}/reports`,
    admin,
  );
  assert.equal(reports.body.reports[0]!.message.text, "обидные слова");
  assert.equal(reports.body.reports[0]!.reason, "Оскорбление");
  const asStudent = await json(t, "GET", `/orgs/${orgId}/reports`, b.token);
  assert.equal(asStudent.status, 403);
  const chatReports = await json<{ reports: unknown[] }>(
    t,
    "GET",
    `/chats/${chatId}/reports`,
    teacher.token,
  );
  assert.equal(chatReports.body.reports.length, 1);

  const audit = await json<{ entries: { action: string; actorId: string }[] }>(
    t,
    "GET",
    `/orgs/${orgId}/audit`,
    admin,
  );
  assert.deepEqual(audit.body.entries.map((e) => e.action).reverse(), [
    "message.deleted",
    "member.muted",
    "member.role_changed",
    "chat.frozen",
    "chat.slow_mode",
    "member.removed",
  ]);
  assert.ok(audit.body.entries.every((e) => e.actorId === teacher.id));
});
