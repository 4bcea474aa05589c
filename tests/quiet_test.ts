import assert from "node:assert/strict";
import { createSchool, joinAs, json, serve, testApp } from "./helpers.ts";
import { connect } from "./ws_client.ts";
import type { ServerFrame } from "../shared/wire.ts";

type EventFrame = Extract<ServerFrame, { type: "event" }>;

Deno.test("during quiet hours an open app shows a student the messages live, as history does", async () => {
  await using t = await testApp();
  await using server = serve(t);
  const { orgId, admin } = await createSchool(t);
  const teacher = await joinAs(t, admin, orgId, "teacher", "Учитель");
  const student = await joinAs(t, admin, orgId, "student", "Ученица");
  const chat = await json<{ chat: { id: string } }>(
    t,
    "POST",
    `/orgs/${orgId}/chats`,
    teacher.token,
    {
      kind: "group",
      title: "Кружок",
      memberIds: [student.id],
    },
  );
  const chatId = chat.body.chat.id;
  t.clock.ms = Date.parse("2026-09-01T19:00:00Z"); // 22:00 in Moscow: quiet

  await using studentSocket = await connect(server.wsUrl);
  studentSocket.send({ type: "hello", token: student.token });
  await studentSocket.next((f) => f.type === "ready");

  const view = await json<{ chat: { quietUntil?: string } }>(
    t,
    "GET",
    `/chats/${chatId}`,
    teacher.token,
  );
  assert.equal(
    view.body.chat.quietUntil,
    "2026-09-02T05:00:00.000Z",
    "writers see when students will be notified",
  );

  for (const text of ["Домашнее задание", "Не забудьте тетради"]) {
    await json(t, "POST", `/chats/${chatId}/messages`, teacher.token, { clientId: text, text });
  }
  await studentSocket.until((fs) => fs.filter((f) => f.type === "event").length === 2);
  const live = studentSocket.frames.filter((f): f is EventFrame => f.type === "event");
  const readable = await json<{ messages: { seq: number }[] }>(
    t,
    "GET",
    `/chats/${chatId}/messages`,
    student.token,
  );
  assert.deepEqual(
    live.map((e) => e.event.seq),
    readable.body.messages.map((m) => m.seq).reverse(),
    "the open app shows what a reload would",
  );
});

Deno.test("class chats can be read-only for students during quiet hours", async () => {
  await using t = await testApp();
  const { orgId, admin } = await createSchool(t);
  const cls = await json<{ id: string }>(t, "POST", `/orgs/${orgId}/classes`, admin, {
    name: "4Г",
  });
  const teacher = await joinAs(t, admin, orgId, "teacher", "Учитель", { classId: cls.body.id });
  const student = await joinAs(t, teacher.token, orgId, "student", "Ученик", {
    classId: cls.body.id,
  });
  const settings = await json(t, "PATCH", `/orgs/${orgId}`, admin, {
    settings: {
      quietReadOnlyForStudents: true,
      quietHours: { enabled: true, start: "20:00", end: "07:30" },
    },
  });
  assert.equal(settings.status, 200);
  const chat = await json<{ chat: { id: string } }>(
    t,
    "POST",
    `/orgs/${orgId}/chats`,
    teacher.token,
    {
      kind: "group",
      title: "4Г",
      classId: cls.body.id,
    },
  );
  const chatId = chat.body.chat.id;
  const send = (token: string, clientId: string) =>
    json(t, "POST", `/chats/${chatId}/messages`, token, { clientId, text: "вопрос" });
  assert.equal((await send(student.token, "day")).status, 201, "09:00: open");
  t.clock.ms = Date.parse("2026-09-01T17:30:00Z"); // 20:30 in Moscow
  assert.equal((await send(student.token, "night")).status, 403);
  assert.equal((await send(teacher.token, "teacher")).status, 201, "teachers still write");
  t.clock.ms = Date.parse("2026-09-02T04:31:00Z"); // 07:31
  assert.equal((await send(student.token, "morning")).status, 201);
});
