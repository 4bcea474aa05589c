/**
 * The messenger in real browsers: a school is seeded through the API, a teacher and two students
 * join through invite links in their own browser profiles, the teacher creates the class chat,
 * and everything that happens in one browser shows up in the others without a reload.
 */
import assert from "node:assert/strict";
import type { BrowserContext, Page } from "playwright-core";
import {
  approvedSchool,
  assertAccessible,
  signedInPage,
  signInThroughUi,
  startE2E,
} from "./browser.ts";
import { api, signInReal } from "../server.ts";
import { until } from "../until.ts";

/** JavaScript the chat page may ship on first load, gzipped. */
const JS_BUDGET = 60 * 1024;
const SHOTS = "/tmp/parta-messenger";

interface School {
  orgId: string;
  classId: string;
  adminToken: string;
  teacherInvite: string;
  studentInvite: string;
}

/** A school approved by the operator, with its administrator signed in and joined. */
async function newSchool(base: string, name: string, adminEmail: string, adminName: string) {
  const approved = await approvedSchool(base, {
    schoolName: name,
    region: "Москва",
    adminName,
    adminEmail,
    adminPhone: "+7 900 123-45-67",
  });
  const adminToken = await signInReal(base, adminEmail);
  const accepted = await api(
    base,
    "POST",
    `/invites/${approved.adminInvite.token}/accept`,
    adminToken,
    { displayName: adminName },
  );
  assert.equal(accepted.status, 200);
  return { orgId: approved.orgId, adminToken };
}

/** An approved school with a class, a teacher invite and a class invite for students. */
async function seedSchool(base: string): Promise<School> {
  const { orgId, adminToken } = await newSchool(
    base,
    "Школа № 7",
    "admin@school7.test",
    "Анна Петровна",
  );
  const cls = await api<{ id: string }>(base, "POST", `/orgs/${orgId}/classes`, adminToken, {
    name: "5 «А»",
  });
  assert.equal(cls.status, 201);
  // Quiet hours would add a note on when students are notified at night; the test runs at any
  // hour, so they are off.
  const journal = await api(base, "PATCH", `/orgs/${orgId}`, adminToken, {
    journalUrl: "https://dnevnik.example.ru/school7",
    settings: { quietHours: { enabled: false, start: "21:00", end: "08:00" } },
  });
  assert.equal(journal.status, 200);
  const invite = async (role: string) => {
    const res = await api<{ url: string }>(base, "POST", `/orgs/${orgId}/invites`, adminToken, {
      role,
      classId: cls.body.id,
    });
    assert.equal(res.status, 201);
    return new URL(res.body.url).pathname;
  };
  return {
    orgId,
    classId: cls.body.id,
    adminToken,
    teacherInvite: await invite("teacher"),
    studentInvite: await invite("student"),
  };
}

/** Opens an invite link, signs in on it, picks a display name and accepts. */
async function joinThroughInvite(
  page: Page,
  base: string,
  path: string,
  email: string,
  name: string,
) {
  await page.goto(path);
  await page.locator("#signin-email").waitFor();
  await signInThroughUi(page, base, email);
  await page.fill("#invite-name", name);
  await page.getByRole("button", { name: "Принять приглашение" }).click();
  await page.getByRole("link", { name: "Перейти к чатам" }).click();
  await page.waitForURL(/\/chats$/);
  await waitLive(page);
}

/** Waits until the messenger island has hydrated and its socket is up. */
async function waitLive(page: Page) {
  await page.locator(".messenger[data-status=online]").waitFor({ state: "attached" });
}

/** The list row of a chat by its visible title. */
function row(page: Page, title: string) {
  return page.locator(".chat-row", { hasText: title });
}

/** A message of the open chat by its text. */
function message(page: Page, text: string | RegExp) {
  return page.locator("li.msg:not(.msg-pending)")
    .filter({ has: page.locator(".msg-text", { hasText: text }) });
}

async function openMenu(page: Page, text: string) {
  const item = message(page, text);
  await item.hover();
  await item.getByRole("button", { name: "Действия с сообщением" }).click();
  return item;
}

async function gzipSize(bytes: ArrayBuffer): Promise<number> {
  const stream = new Blob([bytes]).stream().pipeThrough(new CompressionStream("gzip"));
  return (await new Response(stream).arrayBuffer()).byteLength;
}

Deno.test("a class talks in its chat live, across browsers, on desktop and phone", async () => {
  await using e2e = await startE2E();
  await Deno.mkdir(SHOTS, { recursive: true });
  const school = await seedSchool(e2e.base);
  const errors: string[] = [];
  const frames: string[] = [];
  let pages = 0;
  const watch = async (context: BrowserContext) => {
    const page = await context.newPage();
    page.on("pageerror", (err) => errors.push(err.message));
    const who = pages++;
    page.on("websocket", (ws) => {
      frames.push(`${who} open ${ws.url()}`);
      ws.on("framereceived", (f) => frames.push(`${who} < ${String(f.payload).slice(0, 300)}`));
      ws.on("framesent", (f) => frames.push(`${who} > ${String(f.payload).slice(0, 300)}`));
      ws.on("close", () => frames.push(`${who} closed`));
    });
    return page;
  };
  try {
    const teacherCtx = await e2e.person();
    const anyaCtx = await e2e.person();
    const borisCtx = await e2e.person({ viewport: { width: 390, height: 844 } });
    const teacher = await watch(teacherCtx);
    const anya = await watch(anyaCtx);
    const boris = await watch(borisCtx);

    await joinThroughInvite(
      teacher,
      e2e.base,
      school.teacherInvite,
      "teacher@school7.test",
      "Мария Ивановна",
    );
    await joinThroughInvite(
      anya,
      e2e.base,
      school.studentInvite,
      "anya@school7.test",
      "Аня Смирнова",
    );
    await joinThroughInvite(
      boris,
      e2e.base,
      school.studentInvite,
      "boris@school7.test",
      "Борис Котов",
    );

    // Nobody has a chat yet; the list says so, links the school's gradebook, and is accessible.
    await teacher.getByText("Здесь пока нет чатов.").waitFor();
    const journal = teacher.getByRole("link", { name: /Электронный журнал и дневник/ });
    assert.equal(await journal.getAttribute("href"), "https://dnevnik.example.ru/school7");
    assert.equal(await journal.getAttribute("rel"), "noopener noreferrer");
    await assertAccessible(teacher, "empty chat list");

    // The teacher creates the class chat from the whole class.
    await teacher.getByRole("button", { name: "Новый чат" }).click();
    const dialog = teacher.getByRole("dialog", { name: "Новый чат" });
    await dialog.waitFor();
    await assertAccessible(teacher, "new chat dialog");
    await dialog.getByLabel("Название").fill("5 «А» — классный чат");
    await dialog.getByLabel("Добавить класс целиком").selectOption({ label: "5 «А»" });
    await dialog.getByText("Выбрано: 2").waitFor();
    await teacher.screenshot({ path: `${SHOTS}/desktop-new-chat.png` });
    await dialog.getByRole("button", { name: "Создать" }).click();
    await teacher.waitForURL(/\/chats\/[0-9A-Z]{26}$/);
    const chatPath = new URL(teacher.url()).pathname;
    await teacher.getByRole("heading", { name: "5 «А» — классный чат" }).waitFor();

    // The students' lists get the chat without a reload.
    await row(anya, "классный чат").waitFor();
    await row(boris, "классный чат").waitFor();

    // The teacher writes; the students see it in the list with an unread badge and tab title.
    await teacher.fill("#composer-input", "Здравствуйте, ребята! Завтра экскурсия.");
    await teacher.keyboard.press("Enter");
    await message(teacher, "Завтра экскурсия").waitFor();
    await row(anya, "Завтра экскурсия").getByText("1 непрочитанное сообщение").waitFor({
      state: "attached",
    });
    await until(
      "Boris's tab title counts 1 unread",
      async () => (await boris.title()) === "(1) Чаты · Парта",
    );
    await boris.screenshot({ path: `${SHOTS}/phone-list.png` });
    await anya.screenshot({ path: `${SHOTS}/desktop-list-unread.png` });

    // Anya opens the chat: the message is there, the teacher's "verified" badge is next to her name,
    // and the teacher sees that it has been read.
    await row(anya, "классный чат").click();
    await message(anya, "Завтра экскурсия").waitFor();
    await message(anya, "Завтра экскурсия").getByText("Проверенный учитель").waitFor({
      state: "attached",
    });
    await until(
      "Anya's badge cleared",
      async () => (await anya.locator(".unread-badge").count()) === 0,
    );
    await message(teacher, "Завтра экскурсия").locator(".msg-state.is-read").waitFor();

    // Typing shows for the others.
    await anya.locator("#composer-input").pressSequentially("А во ск", { delay: 30 });
    await teacher.getByText("Аня Смирнова печатает…").waitFor();
    await anya.fill("#composer-input", "");

    // Anya replies to the teacher; Shift+Enter makes a new line, Enter sends.
    await openMenu(anya, "Завтра экскурсия");
    await anya.getByRole("button", { name: "Ответить" }).click();
    await anya.getByText("Ответ: Мария Ивановна").waitFor();
    await anya.locator("#composer-input").pressSequentially("А во сколько?");
    await anya.keyboard.press("Shift+Enter");
    await anya.locator("#composer-input").pressSequentially("И куда?");
    await anya.keyboard.press("Enter");
    const reply = message(teacher, "А во сколько?");
    await reply.waitFor();
    await reply.locator(".msg-quote", { hasText: "Завтра экскурсия" }).waitFor();
    assert.match(await reply.locator(".msg-text").innerText(), /А во сколько\?\nИ куда\?/);

    // The teacher edits her message; everyone sees the new text marked as edited.
    await openMenu(teacher, "Завтра экскурсия");
    await teacher.getByRole("button", { name: "Изменить" }).click();
    // The composer takes the message's text once it is in edit mode: wait for it, or the text
    // typed here is overwritten.
    await teacher.getByText("Редактирование сообщения").waitFor();
    await until(
      "the composer holds the message",
      async () => (await teacher.inputValue("#composer-input")).includes("Завтра экскурсия"),
    );
    await teacher.fill("#composer-input", "Здравствуйте, ребята! Завтра экскурсия в 9:00.");
    await teacher.keyboard.press("Enter");
    await message(anya, "экскурсия в 9:00").getByText("изменено").waitFor();

    // Boris, on the phone, opens the chat and reacts; the teacher sees the reaction.
    await row(boris, "классный чат").click();
    await boris.getByRole("link", { name: "К списку чатов" }).waitFor();
    assert.equal(await boris.locator(".chat-list-pane").isVisible(), false);
    await openMenu(boris, "экскурсия в 9:00");
    await boris.screenshot({ path: `${SHOTS}/phone-menu.png` });
    await boris.getByRole("button", { name: "Поставить реакцию 👍" }).click();
    await message(teacher, "экскурсия в 9:00").getByRole("button", { name: "👍 1" }).waitFor();
    const mine = message(boris, "экскурсия в 9:00").getByRole("button", { name: "👍 1" });
    assert.equal(await mine.getAttribute("aria-pressed"), "true");

    // Anya goes offline: the banner shows, and what she types meanwhile arrives once.
    await anyaCtx.setOffline(true);
    await anya.getByRole("status").getByText("Нет соединения").waitFor();
    await anya.fill("#composer-input", "Пишу из метро");
    await anya.keyboard.press("Enter");
    await anya.locator(".msg-pending", { hasText: "Пишу из метро" }).waitFor();
    await anya.screenshot({ path: `${SHOTS}/desktop-offline.png` });
    await anyaCtx.setOffline(false);
    await message(teacher, "Пишу из метро").waitFor({ timeout: 20_000 });
    await message(anya, "Пишу из метро").waitFor({ timeout: 20_000 });
    // Boris, who has the chat open, hears it from the polite live region.
    await boris.locator("[aria-live=polite]").getByText("Новое сообщение от Аня Смирнова")
      .waitFor({ state: "attached" });
    await until(
      "the banner is gone",
      async () => (await anya.getByText("Нет соединения").count()) === 0,
    );
    await until("no pending left", async () => (await anya.locator(".msg-pending").count()) === 0);
    // A later message reaches every page after any copy of the earlier one would have (events
    // arrive in seq order), so once it shows, "once" is known rather than hoped for.
    await teacher.fill("#composer-input", "Аня снова на связи");
    await teacher.keyboard.press("Enter");
    for (const page of [teacher, anya, boris]) await message(page, "Аня снова на связи").waitFor();
    assert.equal(await message(teacher, "Пишу из метро").count(), 1);
    assert.equal(await message(anya, "Пишу из метро").count(), 1);
    assert.equal(await message(boris, "Пишу из метро").count(), 1);

    // Anya deletes her message: a tombstone for everyone.
    await openMenu(anya, "Пишу из метро");
    await anya.getByRole("button", { name: "Удалить", exact: true }).click();
    await anya.getByRole("button", { name: "Да, удалить" }).click();
    await until(
      "the message is gone for Boris",
      async () => (await message(boris, "Пишу из метро").count()) === 0,
    );
    await boris.locator("li.msg-deleted", { hasText: "Сообщение удалено" }).waitFor();

    // Accessibility of the chat on desktop and phone, and screenshots of both.
    await teacher.screenshot({ path: `${SHOTS}/desktop-chat.png` });
    await boris.screenshot({ path: `${SHOTS}/phone-chat.png` });
    await assertAccessible(teacher, "chat page (desktop)");
    await assertAccessible(boris, "chat page (phone)");
    await boris.getByRole("link", { name: "К списку чатов" }).click();
    await boris.locator(".chat-list-pane").waitFor();
    await assertAccessible(boris, "chat list (phone)");

    // A chat Anya is not in is a 404 for her, by URL.
    const staffRoom = await api<{ chat: { id: string } }>(
      e2e.base,
      "POST",
      `/orgs/${school.orgId}/chats`,
      school.adminToken,
      { kind: "group", title: "Учительская", memberIds: [] },
    );
    assert.equal(staffRoom.status, 201);
    const foreign = await anya.goto(`/chats/${staffRoom.body.chat.id}`);
    assert.equal(foreign?.status(), 404);
    await anya.getByRole("heading", { name: "Страница не найдена" }).waitFor();

    // Reading works without JavaScript: the server renders the chat and its messages.
    const noJs = await e2e.browser.newContext({ javaScriptEnabled: false, baseURL: e2e.base });
    try {
      await noJs.addCookies(await anyaCtx.cookies());
      const page = await noJs.newPage();
      await page.goto(chatPath);
      await message(page, "экскурсия в 9:00").waitFor();
      await message(page, "А во сколько?").locator(".msg-quote").waitFor();
    } finally {
      await noJs.close();
    }

    // Anya starts a direct chat: the school refuses one with a classmate, allows one with her
    // teacher, who gets it live with Anya shown online.
    await anya.goto("/chats");
    await waitLive(anya);
    await anya.getByRole("button", { name: "Новый чат" }).click();
    const direct = anya.getByRole("dialog", { name: "Новый чат" });
    await direct.getByLabel("Борис Котов").check();
    await direct.getByRole("button", { name: "Создать" }).click();
    await direct.getByRole("alert").getByText("Школа не разрешает вам писать").waitFor();
    await direct.getByLabel("Мария Ивановна").check();
    await direct.getByRole("button", { name: "Создать" }).click();
    await anya.getByRole("heading", { name: "Мария Ивановна" }).waitFor();
    await anya.locator(".chat-subtitle", { hasText: "в сети" }).waitFor();
    await anya.fill("#composer-input", "Мария Ивановна, можно вопрос?");
    await anya.keyboard.press("Enter");
    await row(teacher, "Аня Смирнова").getByText("в сети").waitFor({ state: "attached" });
    await row(teacher, "можно вопрос?").waitFor();
    await teacher.screenshot({ path: `${SHOTS}/desktop-direct-row.png` });

    // Escape closes the dialog.
    await anya.getByRole("button", { name: "Новый чат" }).click();
    await anya.getByRole("dialog", { name: "Новый чат" }).waitFor();
    await anya.keyboard.press("Escape");
    await anya.getByRole("dialog").waitFor({ state: "detached" });

    // The teacher also works in a second school: the list gets a school switcher.
    const gym = await newSchool(e2e.base, "Гимназия № 2", "admin@gym2.test", "Олег Сергеевич");
    const gymInvite = await api<{ url: string }>(
      e2e.base,
      "POST",
      `/orgs/${gym.orgId}/invites`,
      gym.adminToken,
      { role: "teacher" },
    );
    await teacher.goto(new URL(gymInvite.body.url).pathname);
    await teacher.getByRole("button", { name: "Принять приглашение" }).click();
    await teacher.getByRole("link", { name: "Перейти к чатам" }).click();
    await waitLive(teacher);
    const staff = await api<{ members: { userId: string; displayName: string }[] }>(
      e2e.base,
      "GET",
      `/orgs/${gym.orgId}/members?role=teacher`,
      gym.adminToken,
    );
    const teacherId = staff.body.members.find((m) => m.displayName === "Мария Ивановна")!.userId;
    await api(e2e.base, "POST", `/orgs/${gym.orgId}/chats`, gym.adminToken, {
      kind: "group",
      title: "Методобъединение",
      memberIds: [teacherId],
    });
    await row(teacher, "Методобъединение").waitFor();
    await row(teacher, "классный чат").waitFor();
    await teacher.getByLabel("Школа").selectOption({ label: "Гимназия № 2" });
    await until(
      "only the gymnasium's chats are listed",
      async () => (await row(teacher, "классный чат").count()) === 0,
    );
    await row(teacher, "Методобъединение").waitFor();
    await assertAccessible(teacher, "chat list with a school switcher");
    await teacher.screenshot({ path: `${SHOTS}/desktop-two-schools.png` });

    assert.deepEqual(errors, []);
  } catch (err) {
    // What the sockets said and what the server logged, for whoever reads the failure.
    await Deno.writeTextFile(`${SHOTS}/frames.log`, frames.join("\n"));
    await Deno.writeTextFile(`${SHOTS}/server.log`, e2e.server.output());
    throw err;
  }
});

Deno.test("the chat page ships at most 60 KB of JavaScript, gzipped", async () => {
  await using e2e = await startE2E();
  await Deno.mkdir(SHOTS, { recursive: true });
  const school = await seedSchool(e2e.base);
  const created = await api<{ chat: { id: string } }>(
    e2e.base,
    "POST",
    `/orgs/${school.orgId}/chats`,
    school.adminToken,
    { kind: "group", title: "Объявления", memberIds: [] },
  );
  for (let i = 0; i < 60; i++) {
    for (;;) {
      const sent = await api(
        e2e.base,
        "POST",
        `/chats/${created.body.chat.id}/messages`,
        school.adminToken,
        { clientId: `seed-${i}`, text: `Сообщение номер ${i + 1} — https://example.org/${i}` },
      );
      if (sent.status !== 429) break;
      await new Promise((r) => setTimeout(r, 300));
    }
  }
  const page = await signedInPage(e2e, "admin@school7.test");

  const scripts = new Set<string>();
  page.on("response", (res) => {
    if (res.request().resourceType() === "script") scripts.add(res.url());
  });
  await page.goto(`/chats/${created.body.chat.id}`);
  await page.waitForLoadState("networkidle");
  await page.locator("#composer-input:not([disabled])").waitFor();
  let total = 0;
  for (const url of scripts) {
    const res = await fetch(url);
    total += await gzipSize(await res.arrayBuffer());
  }
  console.log(
    `chat page JavaScript: ${scripts.size} files, ${(total / 1024).toFixed(1)} KB gzipped`,
  );
  assert.ok(scripts.size > 0, "the page loads its island");
  assert.ok(total <= JS_BUDGET, `${total} bytes of gzipped JavaScript is over the budget`);

  // Scrolling back loads the older page of history.
  await message(page, "Сообщение номер 60").waitFor();
  await page.screenshot({ path: `${SHOTS}/desktop-history.png` });
  assert.equal(await message(page, /Сообщение номер 5 —/).count(), 0);
  // Scrolling up to the "older messages" button loads them by itself (a click would too, but the
  // button is gone as soon as they have arrived).
  await page.getByRole("button", { name: "Показать более ранние сообщения" })
    .scrollIntoViewIfNeeded();
  await message(page, /Сообщение номер 5 —/).waitFor();
  await page.getByText("Это начало переписки.").waitFor();
  // Links in messages are anchors to http(s) addresses only, opened safely.
  const link = message(page, "Сообщение номер 60").getByRole("link");
  assert.equal(await link.getAttribute("href"), "https://example.org/59");
  assert.equal(await link.getAttribute("rel"), "noopener noreferrer");
});
