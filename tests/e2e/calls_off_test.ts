/**
 * A school on a server without a call server (no LiveKit): where joining or starting a call would
 * be, every role reads why it cannot happen here, in words; the admin is told what to do, with
 * the setup guide a click away.
 */
import assert from "node:assert/strict";
import { assertAccessible, schoolWith, signedInPage, startE2E } from "./browser.ts";
import { api } from "../server.ts";

const SHOTS = "/tmp/parta-calls-off";

Deno.test("without a call server, a lesson under way says so, the call button explains, the admin gets the guide", async () => {
  await Deno.mkdir(SHOTS, { recursive: true });
  await using e2e = await startE2E();
  const school = await schoolWith(
    e2e.base,
    { name: "Школа № 8", adminEmail: "admin@school8.test", adminName: "Анна Петровна" },
    [
      { role: "teacher", email: "teacher@school8.test", name: "Мария Ивановна" },
      { role: "student", email: "student@school8.test", name: "Петя Кузнецов" },
    ],
  );
  const [teacher, student] = school.people as [typeof school.people[0], typeof school.people[0]];
  const chat = await api<{ chat: { id: string } }>(
    e2e.base,
    "POST",
    `/orgs/${school.orgId}/chats`,
    teacher.token,
    { kind: "group", title: "5 «А»", memberIds: [student.id] },
  );
  const chatId = chat.body.chat.id;
  const lesson = await api(e2e.base, "POST", `/chats/${chatId}/lessons`, teacher.token, {
    kind: "lesson",
    title: "Математика",
    startsAt: new Date(Date.now() + 2000).toISOString(),
    durationMinutes: 45,
  });
  assert.equal(lesson.status, 201, JSON.stringify(lesson.body));
  // Planned a moment ahead (the past cannot be planned); by the time the page opens it is on.
  await new Promise((r) => setTimeout(r, 2500));

  const page = await signedInPage(e2e, "student@school8.test");
  await page.goto(`/chats/${chatId}`);
  const card = page.locator(".lesson-card");
  await card.getByText("идёт сейчас").waitFor();
  await card.getByText("Видеозвонки в этой школе пока не подключены").waitFor();
  await page.getByRole("button", { name: "Звонок" }).click();
  await page.getByText("Подключить их может администратор школы").first().waitFor();
  await assertAccessible(page, "a lesson under way without a call server");
  await page.screenshot({ path: `${SHOTS}/student-chat.png` });

  const admin = await signedInPage(e2e, "admin@school8.test");
  await admin.goto(`/admin/${school.orgId}`);
  await admin.getByText("Видеозвонки пока не подключены").waitFor();
  assert.equal(
    await admin.getByText("LIVEKIT_URL").count(),
    0,
    "no variable names for a school admin",
  );
  const guide = admin.getByRole("link", { name: "Инструкция: как подключить видеосвязь" });
  assert.equal(await guide.getAttribute("href"), "/docs/calls");
  await admin.screenshot({ path: `${SHOTS}/admin-console.png` });
  const res = await fetch(`${e2e.base}/docs/calls`);
  assert.equal(res.status, 200);
  assert.match(await res.text(), /LiveKit/);
});
