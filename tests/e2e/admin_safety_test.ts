/**
 * Child safety and moderation in the school admin console, in a real browser: the admin sets
 * quiet hours and a class's timetable link and direct-message rule, sees a report with the
 * reported message's text kept after the message is deleted, and reads the moderation log page
 * by page. Screenshots go to /tmp/parta-admin.
 */
import assert from "node:assert/strict";
import type { Page } from "playwright-core";
import { approvedSchool, assertAccessible, signInThroughUi, startE2E } from "./browser.ts";
import { api, signInReal } from "../server.ts";
import { until } from "../until.ts";

const SHOTS = "/tmp/parta-admin";
const ADMIN = "director@school7.test";

/** The console, hydrated (its forms come alive once the island runs). */
async function openConsole(page: Page, orgId: string) {
  await page.goto(`/admin/${orgId}`);
  await until("the console hydrates", () => page.locator("#class-new").isEnabled());
}

async function shot(page: Page, name: string, fullPage = true) {
  await page.screenshot({ path: `${SHOTS}/${name}.png`, fullPage });
}

/** Screenshots of one element (a section of the console). */
async function shotOf(page: Page, selector: string, name: string) {
  await page.locator(selector).screenshot({ path: `${SHOTS}/${name}.png` });
}

/** The school's settings as any member reads them from the API, in the browser's session. */
function orgSettings(page: Page, orgId: string) {
  return page.evaluate(async (id) => {
    const res = await fetch(`/api/v1/orgs/${id}`);
    return (await res.json()).settings as {
      quietHours: { enabled: boolean; start: string; end: string };
      quietReadOnlyForStudents: boolean;
      studentDirectMessages: boolean;
    };
  }, orgId);
}

/** A school with an admin, a teacher and two students of 5 «А», and the class's chat. */
async function school(base: string) {
  const approved = await approvedSchool(base, {
    schoolName: "Школа № 7",
    region: "Тверь",
    adminName: "Мария Ивановна",
    adminEmail: ADMIN,
    adminPhone: "+7 900 000-07-07",
  });
  const orgId = approved.orgId;
  const tokenOf = (url: string) => new URL(url).pathname.split("/").pop()!;
  const admin = await signInReal(base, ADMIN, "Мария Ивановна");
  const accepted = await api(
    base,
    "POST",
    `/invites/${tokenOf(approved.adminInvite.url)}/accept`,
    admin,
    {},
  );
  assert.equal(accepted.status, 200);
  const cls = await api<{ id: string }>(base, "POST", `/orgs/${orgId}/classes`, admin, {
    name: "5 «А»",
  });
  assert.equal(cls.status, 201);
  const join = async (role: string, email: string, name: string) => {
    const invite = await api<{ url: string }>(base, "POST", `/orgs/${orgId}/invites`, admin, {
      role,
      classId: cls.body.id,
    });
    const token = await signInReal(base, email, name);
    const joined = await api<{ userId?: string }>(
      base,
      "POST",
      `/invites/${tokenOf(invite.body.url)}/accept`,
      token,
      {},
    );
    assert.equal(joined.status, 200);
    return token;
  };
  const teacher = await join("teacher", "teacher@school7.test", "Олег Павлович");
  const kolya = await join("student", "kolya@school7.test", "Коля Петров");
  const anya = await join("student", "anya@school7.test", "Аня Смирнова");
  const chat = await api<{ chat: { id: string } }>(base, "POST", `/orgs/${orgId}/chats`, teacher, {
    kind: "group",
    title: "5 «А»",
    classId: cls.body.id,
  });
  assert.equal(chat.status, 201);
  const members = await api<{ members: { userId: string; displayName: string }[] }>(
    base,
    "GET",
    `/orgs/${orgId}/members`,
    admin,
  );
  const idOf = (name: string) => members.body.members.find((m) => m.displayName === name)!.userId;
  return {
    orgId,
    classId: cls.body.id,
    chatId: chat.body.chat.id,
    teacher,
    kolya,
    anya,
    kolyaId: idOf("Коля Петров"),
  };
}

Deno.test("a school admin sets child-safety rules and follows reports and the moderation log", async () => {
  await Deno.mkdir(SHOTS, { recursive: true });
  await using e2e = await startE2E();
  const { base } = e2e;
  const s = await school(base);

  const context = await e2e.person();
  const page = await context.newPage();
  const errors: string[] = [];
  page.on("pageerror", (err) => errors.push(err.message));
  await signInThroughUi(page, base, ADMIN);
  await page.waitForURL(/\/(chats|profile)$/);
  await openConsole(page, s.orgId);

  // ── Quiet hours ─────────────────────────────────────────────────────────────────────────
  const safety = page.getByRole("form", { name: "Безопасность детей" });
  const now = safety.getByRole("group", { name: "Сейчас действует" });
  await now.getByText("Тихие часы: с 21:00 до 08:00; часовой пояс: Москва (UTC+3).").waitFor();
  await safety.getByText(/Ученики не получают уведомлений с 21:00 до 08:00, утром — одна сводка/)
    .waitFor();
  const saveRules = safety.getByRole("button", { name: "Сохранить правила" });

  // Off: the times cannot be edited, and the school's settings say so.
  await safety.getByLabel("Включить тихие часы").uncheck();
  assert.ok(await safety.getByLabel("Начало").isDisabled());
  await safety.getByText("Есть несохранённые изменения.").waitFor();
  await saveRules.click();
  await safety.getByText("Правила безопасности сохранены.").waitFor();
  await now.getByText("Тихие часы выключены").waitFor();
  assert.equal((await orgSettings(page, s.orgId)).quietHours.enabled, false);

  // On again, 22:00–07:30, class chats read-only for students then.
  await safety.getByLabel("Включить тихие часы").check();
  await safety.getByLabel("Начало").fill("22:00");
  await safety.getByLabel("Конец").fill("22:00");
  await saveRules.click();
  await safety.getByRole("alert").getByText("Начало и конец тихих часов должны различаться.")
    .waitFor();
  assert.equal(await safety.getByLabel("Конец").getAttribute("aria-invalid"), "true");
  // Times are HH:MM, 24-hour; "7.30" is taken as 07:30, "25:00" is not a time.
  await safety.getByLabel("Конец").fill("25:00");
  await saveRules.click();
  await safety.getByRole("alert").getByText("Укажите время в виде ЧЧ:ММ, например 21:00.")
    .waitFor();
  await safety.getByLabel("Конец").fill("7.30");
  await safety.getByLabel("Конец").blur();
  assert.equal(await safety.getByLabel("Конец").inputValue(), "07:30");
  await safety.getByLabel("В тихие часы чаты классов — только для чтения учениками").check();
  await saveRules.click();
  await safety.getByText("Правила безопасности сохранены.").waitFor();
  await now.getByText("Тихие часы: с 22:00 до 07:30; часовой пояс: Москва (UTC+3).").waitFor();
  await now.getByText("В тихие часы ученики только читают чаты классов.").waitFor();
  const settings = await orgSettings(page, s.orgId);
  assert.deepEqual(settings.quietHours, { enabled: true, start: "22:00", end: "07:30" });
  assert.equal(settings.quietReadOnlyForStudents, true);
  assert.equal(settings.studentDirectMessages, false);

  // A refusal by the server is shown, not swallowed.
  await page.route(
    `**/api/v1/orgs/${s.orgId}`,
    (route) =>
      route.request().method() === "PATCH"
        ? route.fulfill({
          status: 403,
          contentType: "application/json",
          body: JSON.stringify({ error: { code: "forbidden", message: "Admins only" } }),
        })
        : route.continue(),
  );
  await safety.getByLabel("Ученики могут писать одноклассникам в личные сообщения").check();
  await saveRules.click();
  await safety.getByRole("alert").getByText("Это действие вам недоступно.").waitFor();
  await shotOf(page, "#safety", "safety-refused");
  await page.unroute(`**/api/v1/orgs/${s.orgId}`);
  assert.equal((await orgSettings(page, s.orgId)).studentDirectMessages, false);

  // After a reload, the form shows what was saved.
  await openConsole(page, s.orgId);
  assert.equal(await safety.getByLabel("Начало").inputValue(), "22:00");
  assert.equal(await safety.getByLabel("Конец").inputValue(), "07:30");
  assert.ok(
    await safety.getByLabel("В тихие часы чаты классов — только для чтения учениками")
      .isChecked(),
  );
  await shotOf(page, "#safety", "safety");

  // ── A class's timetable link and direct messages ───────────────────────────────────────
  const configure = page.getByRole("button", { name: "Настроить класс 5 «А»" });
  await configure.click();
  const dialog = page.getByRole("dialog", { name: "Настройки класса 5 «А»" });
  await dialog.waitFor();
  assert.ok(await dialog.evaluate((d) => d.contains(document.activeElement)), "focus is inside");
  await dialog.getByLabel("Ссылка на расписание").fill("ftp://school7.example.ru/5a");
  await dialog.getByRole("button", { name: "Сохранить" }).click();
  await dialog.getByRole("alert").getByText(/начинается с http:\/\/ или https:\/\//).waitFor();
  assert.equal(
    await dialog.getByLabel("Ссылка на расписание").getAttribute("aria-invalid"),
    "true",
  );
  await dialog.getByLabel("Ссылка на расписание").fill("https://school7.example.ru/raspisanie/5a");
  await dialog.getByLabel("Ученики этого класса могут писать друг другу в личные сообщения")
    .check();
  await assertAccessible(page, "class settings dialog");
  await shot(page, "class-dialog", false);
  await dialog.getByRole("button", { name: "Сохранить" }).click();
  await dialog.waitFor({ state: "detached" });
  assert.ok(await configure.evaluate((b) => b === document.activeElement), "focus is back");
  const schedule = page.locator(".class-item").getByRole("link", {
    name: "school7.example.ru/raspisanie/5a",
  });
  assert.equal(await schedule.getAttribute("href"), "https://school7.example.ru/raspisanie/5a");
  await page.locator(".class-item").getByText("разрешена в классе").waitFor();
  await now.getByText(/классов, где это разрешено: 5 «А»/).waitFor();
  const classes = await page.evaluate(async (id) => {
    const res = await fetch(`/api/v1/orgs/${id}/classes`);
    return (await res.json()).classes as { scheduleUrl: string; studentDirectMessages: boolean }[];
  }, s.orgId);
  assert.equal(classes[0]!.scheduleUrl, "https://school7.example.ru/raspisanie/5a");
  assert.equal(classes[0]!.studentDirectMessages, true);

  // ── Reports ─────────────────────────────────────────────────────────────────────────────
  const reports = page.locator("#reports");
  await reports.getByText(/^Жалоб нет\./).waitFor();
  // Коля writes something hurtful, Аня reports it, the teacher deletes it. Class chats must
  // not be read-only for him now, whatever the time of day the test runs at.
  const daytime = await page.evaluate(async (id) => {
    const res = await fetch(`/api/v1/orgs/${id}`, {
      method: "PATCH",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ settings: { quietReadOnlyForStudents: false } }),
    });
    return res.status;
  }, s.orgId);
  assert.equal(daytime, 200);
  const sent = await api<{ message: { seq: number } }>(
    base,
    "POST",
    `/chats/${s.chatId}/messages`,
    s.kolya,
    { clientId: "rude-1", text: "обидные слова" },
  );
  assert.equal(sent.status, 201);
  const seq = sent.body.message.seq;
  const reported = await api(
    base,
    "POST",
    `/chats/${s.chatId}/messages/${seq}/report`,
    s.anya,
    { reason: "Оскорбление" },
  );
  assert.equal(reported.status, 201);
  const deleted = await api(base, "DELETE", `/chats/${s.chatId}/messages/${seq}`, s.teacher);
  assert.equal(deleted.status, 204);
  // The report shows up on refresh, the text kept though the message is gone.
  await reports.getByRole("button", { name: "Обновить" }).click();
  const report = reports.locator(".report-item");
  await report.getByRole("heading", { name: "Жалоба от: Аня Смирнова" }).waitFor();
  await report.getByText("Оскорбление").waitFor();
  await report.locator("blockquote", { hasText: "обидные слова" }).waitFor();
  await report.getByText(/^Автор: Коля Петров · отправлено/).waitFor();
  assert.equal(
    await report.getByRole("link", { name: /^Открыть чат/ }).getAttribute("href"),
    `/chats/${s.chatId}`,
  );
  await page.getByRole("link", { name: "Жалоб: 1" }).waitFor();

  // ── The moderation log ──────────────────────────────────────────────────────────────────
  // Enough steps for two pages: slow mode on and off, then a mute and a freeze.
  for (let i = 0; i < 52; i++) {
    const res = await api(base, "PATCH", `/chats/${s.chatId}/settings`, s.teacher, {
      slowModeSeconds: i % 2 === 0 ? 30 : 0,
    });
    assert.equal(res.status, 200);
  }
  const muted = await api(base, "POST", `/chats/${s.chatId}/members/${s.kolyaId}/mute`, s.teacher, {
    minutes: 60,
  });
  assert.equal(muted.status, 200);
  const frozen = await api(base, "PATCH", `/chats/${s.chatId}/settings`, s.teacher, {
    frozen: true,
  });
  assert.equal(frozen.status, 200);

  await openConsole(page, s.orgId);
  // After a reload the report names its chat (the admin is not in it).
  await report.getByRole("link", { name: "Открыть чат 5 «А»" }).waitFor();
  const entries = page.locator("#audit .audit-entry");
  assert.equal(await entries.count(), 50);
  const texts = await entries.locator(".audit-what").allInnerTexts();
  assert.equal(texts[0], "Олег Павлович заморозил(а) чат 5 «А»: писать могут только модераторы");
  assert.equal(texts[1], "Олег Павлович заглушил(а) участника Коля Петров в чате 5 «А» на 1 ч");
  assert.equal(
    texts[2],
    "Олег Павлович выключил(а) медленный режим в чате 5 «А»",
  );
  assert.equal(
    texts[3],
    "Олег Павлович включил(а) медленный режим в чате 5 «А»: не чаще одного сообщения в 30 с",
  );
  assert.equal(
    await entries.first().getByRole("link", { name: "чат 5 «А»" }).getAttribute("href"),
    `/chats/${s.chatId}`,
  );
  await assertAccessible(page, "admin console with reports and the log");
  await shotOf(page, "#reports", "reports");
  await shotOf(page, "#audit", "audit");
  await shot(page, "safety-console-desktop");

  // Older entries, a page at a time; focus moves to the first new one.
  await page.getByRole("button", { name: "Показать ещё" }).click();
  await until("the older page", async () => await entries.count() === 55);
  const oldest = entries.last();
  assert.equal(
    await oldest.locator(".audit-what").innerText(),
    "Олег Павлович удалил(а) сообщение участника Коля Петров в чате 5 «А»",
  );
  assert.ok(
    await entries.nth(50).evaluate((li) => li === document.activeElement),
    "focus is on the first entry loaded",
  );
  await page.getByText("Загружено записей: 5. Это все записи.").waitFor({ state: "attached" });
  assert.equal(await page.getByRole("button", { name: "Показать ещё" }).count(), 0);

  // ── Phone width ─────────────────────────────────────────────────────────────────────────
  await page.setViewportSize({ width: 390, height: 844 });
  await openConsole(page, s.orgId);
  assert.ok(
    await page.evaluate(() => document.documentElement.scrollWidth <= innerWidth),
    "nothing scrolls sideways at 390 px",
  );
  await assertAccessible(page, "admin console with safety sections (390×844)");
  await shotOf(page, "#safety", "safety-phone");
  await shotOf(page, "#classes", "classes-phone");
  await shotOf(page, "#reports", "reports-phone");
  await shotOf(page, "#audit", "audit-phone");

  // ── In English ──────────────────────────────────────────────────────────────────────────
  await page.evaluate(() =>
    fetch("/api/v1/me", {
      method: "PATCH",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ locale: "en" }),
    })
  );
  await page.setViewportSize({ width: 1280, height: 800 });
  await openConsole(page, s.orgId);
  await page.getByRole("heading", { name: "Moderation log" }).waitFor();
  assert.equal(
    await entries.nth(1).locator(".audit-what").innerText(),
    "Олег Павлович muted Коля Петров in 5 «А» for 1 hour",
  );
  await page.getByRole("form", { name: "Child safety" }).getByText(
    "Quiet hours: from 22:00 to 07:30; time zone: Moscow (UTC+3).",
  ).waitFor();
  await shotOf(page, "#reports", "reports-en");

  assert.deepEqual(errors, []);
});
