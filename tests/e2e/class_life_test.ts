/**
 * Class life in real browsers: a teacher and students of one class, each in their own browser
 * profile, share pictures and files, vote in a poll, confirm an announcement, report a message,
 * and see the chat frozen and slowed down; with calls configured, the teacher starts a lesson and
 * plans one. Everything is seeded through the API; what people do goes through the UI.
 */
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import type { Locator, Page } from "playwright-core";
import { approvedSchool, assertAccessible, type E2E, startE2E } from "./browser.ts";
import { api, signInReal } from "../server.ts";

const SHOTS = "/tmp/parta-class-life";

interface Person {
  token: string;
  id: string;
  name: string;
}

interface ClassSchool {
  orgId: string;
  classId: string;
  chatId: string;
  teacher: Person;
  students: Person[];
}

const SCHEDULE = "https://school7.example.ru/raspisanie/5a";

async function signedUp(base: string, email: string, name: string, invite: string) {
  const token = await signInReal(base, email);
  const accepted = await api(base, "POST", `/invites/${invite}/accept`, token, {
    displayName: name,
  });
  assert.equal(accepted.status, 200, `${name} joins`);
  const me = await api<{ user: { id: string } }>(base, "GET", "/me", token);
  return { token, id: me.body.user.id, name };
}

/**
 * An approved school with quiet hours off, class 5 «А» with a schedule link, its teacher, three
 * students, and the class chat the teacher made (she owns it; the students are members).
 */
async function seedClass(base: string): Promise<ClassSchool> {
  const approved = await approvedSchool(base, {
    schoolName: "Школа № 7",
    region: "Москва",
    adminName: "Анна Петровна",
    adminEmail: "admin@school7.test",
    adminPhone: "+7 900 123-45-67",
  });
  const orgId = approved.orgId;
  const admin = await signedUp(
    base,
    "admin@school7.test",
    "Анна Петровна",
    approved.adminInvite.token,
  );
  // Quiet hours would make class chats read-only for students at night (if the school chose so)
  // and note when they will be notified; the test runs at any hour, so they are off.
  const settings = await api(base, "PATCH", `/orgs/${orgId}`, admin.token, {
    settings: { quietHours: { enabled: false, start: "21:00", end: "08:00" } },
  });
  assert.equal(settings.status, 200);
  const cls = await api<{ id: string }>(base, "POST", `/orgs/${orgId}/classes`, admin.token, {
    name: "5 «А»",
  });
  assert.equal(cls.status, 201);
  const classId = cls.body.id;
  const schedule = await api(
    base,
    "PATCH",
    `/orgs/${orgId}/classes/${classId}`,
    admin.token,
    { scheduleUrl: SCHEDULE },
  );
  assert.equal(schedule.status, 200);
  const invite = async (role: string) => {
    const res = await api<{ token: string }>(base, "POST", `/orgs/${orgId}/invites`, admin.token, {
      role,
      classId,
      ...(role === "student" ? { maxUses: 10 } : {}),
    });
    assert.equal(res.status, 201);
    return res.body.token;
  };
  const teacher = await signedUp(
    base,
    "teacher@school7.test",
    "Мария Ивановна",
    await invite("teacher"),
  );
  const studentInvite = await invite("student");
  const students = [];
  for (
    const [email, name] of [
      ["anya@school7.test", "Аня Смирнова"],
      ["boris@school7.test", "Борис Котов"],
      ["vera@school7.test", "Вера Лебедева"],
    ]
  ) {
    students.push(await signedUp(base, email!, name!, studentInvite));
  }
  const chat = await api<{ chat: { id: string } }>(
    base,
    "POST",
    `/orgs/${orgId}/chats`,
    teacher.token,
    { kind: "group", title: "5 «А» — классный чат", classId },
  );
  assert.equal(chat.status, 201);
  return { orgId, classId, chatId: chat.body.chat.id, teacher, students };
}

const PHONE = { width: 390, height: 844 };

/** A browser profile signed in as `person`, with the chat open and live. */
async function open(
  e2e: E2E,
  person: Person,
  path: string,
  viewport?: { width: number; height: number },
) {
  const context = await e2e.person(viewport ? { viewport } : {});
  await context.addCookies([{ name: "parta_session", value: person.token, url: e2e.base }]);
  const page = await context.newPage();
  await page.goto(path);
  await waitLive(page);
  return { context, page };
}

async function waitLive(page: Page) {
  await page.locator(".messenger[data-status=online]").waitFor({ state: "attached" });
  await page.locator("#composer-input:not([disabled]), .composer-readonly").first().waitFor();
}

/** A message of the open chat by its text. */
function message(page: Page, text: string | RegExp) {
  return page.locator("li.msg:not(.msg-pending)").filter({ hasText: text });
}

async function openMenu(page: Page, text: string) {
  const item = message(page, text);
  await item.hover();
  await item.getByRole("button", { name: "Действия с сообщением" }).click();
  return item;
}

/** Waits until a picture has loaded (and did not fail). */
async function loaded(img: Locator) {
  const handle = await img.elementHandle();
  await img.page().waitForFunction(
    (el) => el instanceof HTMLImageElement && el.complete && el.naturalWidth > 0,
    handle,
  );
}

/** Sends a text message through the composer. */
async function say(page: Page, text: string) {
  await page.fill("#composer-input", text);
  await page.keyboard.press("Enter");
  await message(page, text).waitFor();
}

/** A JPEG photo drawn by the browser (a sky, a sun, a field), as bytes. */
async function photo(page: Page): Promise<Buffer> {
  const base64 = await page.evaluate(async () => {
    const canvas = new OffscreenCanvas(960, 640);
    const g = canvas.getContext("2d")!;
    const sky = g.createLinearGradient(0, 0, 0, 400);
    sky.addColorStop(0, "#4a90d9");
    sky.addColorStop(1, "#bfe0ff");
    g.fillStyle = sky;
    g.fillRect(0, 0, 960, 420);
    g.fillStyle = "#3f8f3a";
    g.fillRect(0, 420, 960, 220);
    g.fillStyle = "#ffd54a";
    g.beginPath();
    g.arc(760, 130, 70, 0, Math.PI * 2);
    g.fill();
    const blob = await canvas.convertToBlob({ type: "image/jpeg", quality: 0.9 });
    const bytes = new Uint8Array(await blob.arrayBuffer());
    let binary = "";
    for (const b of bytes) binary += String.fromCharCode(b);
    return btoa(binary);
  });
  return Buffer.from(base64, "base64");
}

/** Drops a file on the open chat, as dragging it from the desktop does. */
async function dropFile(page: Page, name: string, type: string, text: string) {
  await page.evaluate(({ name, type, text }) => {
    const data = new DataTransfer();
    data.items.add(new File([text], name, { type }));
    const pane = document.querySelector(".chat-pane")!;
    pane.dispatchEvent(new DragEvent("dragover", { dataTransfer: data, bubbles: true }));
    pane.dispatchEvent(
      new DragEvent("drop", { dataTransfer: data, bubbles: true, cancelable: true }),
    );
  }, { name, type, text });
}

/** Collects script errors of the messenger's pages (the call page is another's to test). */
function watch(page: Page, errors: string[]) {
  page.on("pageerror", (err) => {
    if (!new URL(page.url()).pathname.startsWith("/calls/")) errors.push(err.message);
  });
  return page;
}

Deno.test("a class shares files, votes, confirms an announcement, reports, and is frozen", async () => {
  await using e2e = await startE2E({ MAX_UPLOAD_BYTES: String(2 * 1024 * 1024) });
  await Deno.mkdir(SHOTS, { recursive: true });
  const school = await seedClass(e2e.base);
  const [anyaP, borisP, veraP] = school.students as [Person, Person, Person];
  const path = `/chats/${school.chatId}`;
  const errors: string[] = [];
  const { page: teacher } = await open(e2e, school.teacher, path);
  const { page: anya } = await open(e2e, anyaP, path);
  const { page: boris } = await open(e2e, borisP, path, PHONE);
  for (const page of [teacher, anya, boris]) watch(page, errors);

  try {
    // Calls are not configured on this server: the call button says why instead of starting one
    // (tests/e2e/calls_off_test.ts follows it). The class's schedule is linked.
    assert.equal(
      await teacher.getByRole("button", { name: /звон/i }).getAttribute("aria-haspopup"),
      null,
      "no dialog to start a call",
    );
    const schedule = anya.getByRole("link", { name: /Расписание/ });
    assert.equal(await schedule.getAttribute("href"), SCHEDULE);
    assert.equal(await schedule.getAttribute("rel"), "noopener noreferrer");

    // ── Files ──────────────────────────────────────────────────────────────────────────
    // Anya attaches a photo with the attach button: it uploads with a progress bar, then sends.
    await anya.locator(".composer input[type=file]").setInputFiles({
      name: "экскурсия.jpg",
      mimeType: "image/jpeg",
      buffer: await photo(anya),
    });
    await anya.locator(".attachment", { hasText: "экскурсия.jpg" }).getByText("загружен")
      .waitFor();
    await anya.fill("#composer-input", "Фото с экскурсии");
    await anya.keyboard.press("Enter");
    const photoMsg = message(teacher, "Фото с экскурсии");
    const thumb = photoMsg.getByRole("img", { name: "Изображение «экскурсия.jpg»" });
    await thumb.waitFor();
    assert.match((await thumb.getAttribute("src"))!, /^\/api\/v1\/files\/[0-9A-Z]{26}\/thumb$/);
    await loaded(thumb);
    assert.ok((await thumb.evaluate((img: HTMLImageElement) => img.naturalWidth)) <= 320);
    await anya.locator(".attachment").waitFor({ state: "detached" });

    // The teacher opens the full picture; Escape closes it and focus comes back.
    await thumb.click();
    const viewer = teacher.getByRole("dialog", { name: "экскурсия.jpg" });
    await viewer.waitFor();
    const full = viewer.getByRole("img", { name: "экскурсия.jpg" });
    await loaded(full);
    assert.equal(await full.evaluate((img: HTMLImageElement) => img.naturalWidth), 960);
    await teacher.screenshot({ path: `${SHOTS}/desktop-image-viewer.png` });
    await assertAccessible(teacher, "image viewer");
    await teacher.keyboard.press("Escape");
    await viewer.waitFor({ state: "detached" });
    // Focus comes back to the picture's link.
    await teacher.waitForFunction(() => !!document.activeElement?.closest(".file-image"));

    // Boris drops a document on the chat: it goes as a download card.
    await dropFile(
      boris,
      "План экскурсии.txt",
      "text/plain",
      "8:30 — сбор у школы\n9:00 — автобус",
    );
    await boris.locator(".attachment", { hasText: "План экскурсии.txt" }).getByText("загружен")
      .waitFor();
    await boris.locator(".send-button").click();
    const card = message(anya, "План экскурсии.txt").locator(".file-card");
    await card.waitFor();
    await card.locator(".file-meta", { hasText: "TXT" }).waitFor();
    const download = card.getByRole("link", { name: /План экскурсии\.txt/ });
    assert.equal(await download.getAttribute("download"), "План экскурсии.txt");
    const fetched = await anya.request.get(
      new URL(
        (await download.getAttribute("href"))!,
        e2e.base,
      ).href,
    );
    assert.equal(fetched.status(), 200);
    assert.match(fetched.headers()["content-disposition"] ?? "", /^attachment/);
    assert.equal(await fetched.text(), "8:30 — сбор у школы\n9:00 — автобус");

    // A pasted picture attaches too; one too large is refused at once, with the limit.
    await anya.locator("#composer-input").focus();
    await anya.evaluate(async () => {
      const canvas = new OffscreenCanvas(40, 40);
      canvas.getContext("2d")!.fillRect(0, 0, 40, 40);
      const blob = await canvas.convertToBlob({ type: "image/png" });
      const data = new DataTransfer();
      data.items.add(new File([blob], "скриншот.png", { type: "image/png" }));
      document.getElementById("composer-input")!.dispatchEvent(
        new ClipboardEvent("paste", { clipboardData: data, bubbles: true, cancelable: true }),
      );
    });
    await anya.locator(".attachment", { hasText: "скриншот.png" }).getByText("загружен").waitFor();
    await anya.locator(".composer input[type=file]").setInputFiles({
      name: "видео.mp4",
      mimeType: "video/mp4",
      buffer: Buffer.alloc(3 * 1024 * 1024, 1),
    });
    await anya.getByRole("alert").getByText(/«видео\.mp4» слишком большой: можно не больше 2\sМБ/)
      .waitFor();
    await anya.screenshot({ path: `${SHOTS}/desktop-attachments.png` });
    await anya.getByRole("button", { name: "Убрать файл «видео.mp4»" }).click();
    await anya.getByRole("button", { name: "Убрать файл «скриншот.png»" }).click();
    await anya.waitForFunction(() => !document.querySelector(".attachment"));
    await boris.screenshot({ path: `${SHOTS}/phone-files.png` });

    // ── Polls ──────────────────────────────────────────────────────────────────────────
    await teacher.getByRole("button", { name: "Ещё: опрос, урок" }).click();
    await teacher.getByRole("button", { name: "Опрос", exact: true }).click();
    const pollDialog = teacher.getByRole("dialog", { name: "Новый опрос" });
    await pollDialog.waitFor();
    await pollDialog.getByLabel("Вопрос").fill("Куда поедем на экскурсию?");
    await pollDialog.getByLabel("Вариант 1", { exact: true }).fill("В музей");
    await pollDialog.getByLabel("Вариант 2", { exact: true }).fill("В планетарий");
    await pollDialog.getByRole("button", { name: "Добавить вариант" }).click();
    await pollDialog.getByLabel("Вариант 3", { exact: true }).fill("В зоопарк");
    await teacher.screenshot({ path: `${SHOTS}/desktop-poll-dialog.png` });
    await assertAccessible(teacher, "new poll dialog");
    await pollDialog.getByRole("button", { name: "Создать опрос" }).click();
    await pollDialog.waitFor({ state: "detached" });

    const poll = (page: Page) => page.locator(".poll", { hasText: "Куда поедем на экскурсию?" });
    await poll(anya).waitFor();
    await poll(boris).waitFor();
    await poll(anya).getByLabel("В планетарий").check();
    await poll(anya).getByRole("button", { name: "Голосовать" }).click();
    await poll(boris).getByLabel("В музей").check();
    await poll(boris).getByRole("button", { name: "Голосовать" }).click();
    const option = (page: Page, text: string) =>
      poll(page).locator(".poll-option", { hasText: text });
    // Live results everywhere: one vote each, the voter's own choice marked.
    await option(teacher, "В планетарий").getByText("1 голос · 50 %").waitFor();
    await option(teacher, "В музей").getByText("1 голос · 50 %").waitFor();
    await option(anya, "В музей").getByText("1 голос · 50 %").waitFor();
    await option(anya, "В планетарий").getByText("ваш выбор").waitFor();
    await poll(teacher).getByText("Проголосовали 2 человека").waitFor();
    // Anya changes her mind; everyone sees it.
    await poll(anya).getByLabel("В музей").check();
    await poll(anya).getByRole("button", { name: "Изменить голос" }).click();
    await option(boris, "В музей").getByText("2 голоса · 100 %").waitFor();
    await option(teacher, "В планетарий").getByText("0 голосов · 0 %").waitFor();
    // A named poll: the teacher sees who voted for what.
    await poll(teacher).getByText("Кто как проголосовал").click();
    const museum = poll(teacher).locator(".poll-voters li", { hasText: "В музей:" });
    await museum.getByText(/Аня Смирнова/).waitFor();
    assert.match(await museum.innerText(), /Борис Котов/);
    await teacher.screenshot({ path: `${SHOTS}/desktop-poll.png` });
    await boris.screenshot({ path: `${SHOTS}/phone-poll.png` });
    // The teacher closes it: no more voting.
    await poll(teacher).getByRole("button", { name: "Завершить опрос" }).click();
    await poll(boris).getByText("Опрос завершён").waitFor();
    assert.equal(await poll(boris).getByLabel("В зоопарк").isDisabled(), true);
    assert.equal(await poll(boris).getByRole("button", { name: "Изменить голос" }).count(), 0);

    // An anonymous poll: only how many voted shows while it runs; counts once it is closed.
    const secret = await api<{ message: { seq: number } }>(
      e2e.base,
      "POST",
      `/chats/${school.chatId}/polls`,
      school.teacher.token,
      {
        clientId: "anon-1",
        question: "Было ли интересно на экскурсии?",
        options: ["Да", "Нет"],
        anonymous: true,
        multiple: false,
      },
    );
    assert.equal(secret.status, 201);
    const anon = (page: Page) => page.locator(".poll", { hasText: "Было ли интересно" });
    await anon(anya).getByLabel("Да").check();
    await anon(anya).getByRole("button", { name: "Голосовать" }).click();
    await anon(anya).getByText("ваш выбор").waitFor();
    await anon(teacher).getByText("Проголосовал 1 человек").waitFor();
    await anon(teacher).getByText("Итоги анонимного опроса появятся, когда он завершится.")
      .waitFor();
    assert.equal(await anon(teacher).locator(".poll-count").count(), 0, "no counts while open");
    assert.equal(await anon(anya).locator(".poll-count").count(), 0, "not even for the voter");
    await anon(boris).getByLabel("Нет").check();
    await anon(boris).getByRole("button", { name: "Голосовать" }).click();
    const veraVote = await api(
      e2e.base,
      "PUT",
      `/chats/${school.chatId}/polls/${secret.body.message.seq}/vote`,
      veraP.token,
      { options: [0] },
    );
    assert.equal(veraVote.status, 200);
    await anon(teacher).getByText("Проголосовали 3 человека").waitFor();
    await teacher.screenshot({ path: `${SHOTS}/desktop-poll-anonymous.png` });
    await anon(teacher).getByRole("button", { name: "Завершить опрос" }).click();
    const yes = (page: Page) => anon(page).locator(".poll-option", { hasText: "Да" });
    await yes(boris).getByText("2 голоса · 67 %").waitFor();
    await yes(anya).getByText("2 голоса · 67 %").waitFor();
    assert.equal(await anon(anya).locator(".poll-hidden").count(), 0);
    assert.equal(await anon(teacher).locator(".poll-voters").count(), 0, "nobody sees who");

    // ── An announcement that asks for confirmation ─────────────────────────────────────
    // Students cannot ask for confirmation; the teacher (a moderator) can.
    assert.equal(await anya.getByLabel("Попросить подтвердить прочтение").count(), 0);
    await teacher.getByLabel("Попросить подтвердить прочтение").check();
    await say(teacher, "Завтра сбор в 8:30 у школы. Не опаздывайте!");
    const notice = (page: Page) => message(page, "Завтра сбор в 8:30");
    await notice(teacher).getByText("Ознакомились: 0 из 3").waitFor();
    await notice(anya).getByRole("button", { name: "Ознакомлен(а)" }).click();
    await notice(anya).getByText("Вы ознакомились").waitFor();
    await notice(boris).getByRole("button", { name: "Ознакомлен(а)" }).click();
    await notice(boris).getByText("Вы ознакомились").waitFor();
    await notice(teacher).getByText("Ознакомились: 2 из 3").waitFor();
    assert.equal(await teacher.getByLabel("Попросить подтвердить прочтение").isChecked(), false);
    // Who has and who has not.
    await notice(teacher).getByRole("button", { name: /Показать, кто ознакомился/ }).click();
    const acks = teacher.getByRole("dialog", { name: "Кто ознакомился" });
    await acks.getByRole("heading", { name: "Ознакомились (2)" }).waitFor();
    await acks.getByText("Аня Смирнова").waitFor();
    await acks.getByText("Борис Котов").waitFor();
    await acks.getByRole("heading", { name: "Ещё не ознакомились (1)" }).waitFor();
    await acks.getByText(veraP.name).waitFor();
    await teacher.screenshot({ path: `${SHOTS}/desktop-acks.png` });
    await assertAccessible(teacher, "who has confirmed");
    await teacher.keyboard.press("Escape");
    await acks.waitFor({ state: "detached" });
    await boris.screenshot({ path: `${SHOTS}/phone-announcement.png` });

    // Vera, who has not confirmed yet, opens the chat on a tall screen: the picture, the poll and
    // the announcement all show, with the button to confirm.
    const { page: vera } = await open(e2e, veraP, path, { width: 1280, height: 1700 });
    watch(vera, errors);
    await notice(vera).getByRole("button", { name: "Ознакомлен(а)" }).waitFor();
    await loaded(message(vera, "Фото с экскурсии").getByRole("img"));
    await poll(vera).getByText("Опрос завершён").waitFor();
    await vera.screenshot({ path: `${SHOTS}/desktop-class-life.png` });

    // ── Reporting a message ────────────────────────────────────────────────────────────
    await say(anya, "Борис опять опоздает, как всегда 🙄");
    await openMenu(boris, "Борис опять опоздает");
    await boris.getByRole("button", { name: "Пожаловаться" }).click();
    const report = boris.getByRole("dialog", { name: "Пожаловаться на сообщение" });
    await report.waitFor();
    await report.getByRole("button", { name: "Оскорбление или травля" }).click();
    await boris.screenshot({ path: `${SHOTS}/phone-report.png` });
    await assertAccessible(boris, "report dialog (phone)");
    await report.getByRole("button", { name: "Отправить жалобу" }).click();
    await report.waitFor({ state: "detached" });
    await boris.getByText("Жалоба отправлена модераторам.").first().waitFor();
    // The teacher moderates the chat: she is told at once.
    await teacher.getByRole("status").getByText(/Новая жалоба на сообщение в чате/).waitFor();
    const reports = await api<{ reports: { reason: string }[] }>(
      e2e.base,
      "GET",
      `/chats/${school.chatId}/reports`,
      school.teacher.token,
    );
    assert.deepEqual(reports.body.reports.map((r) => r.reason), ["Оскорбление или травля"]);
    // She deletes the message for everyone; the report keeps its copy.
    await openMenu(teacher, "Борис опять опоздает");
    await teacher.getByRole("button", { name: "Удалить", exact: true }).click();
    await teacher.getByRole("button", { name: "Да, удалить" }).click();
    for (const page of [anya, boris, vera]) {
      await page.locator("li.msg-deleted", { hasText: "Сообщение удалено" }).waitFor();
      assert.equal(await message(page, "Борис опять опоздает").count(), 0);
    }

    // Accessibility of the chat with all of it, on desktop and phone.
    await assertAccessible(teacher, "class chat (desktop)");
    await assertAccessible(boris, "class chat (phone)");
    await teacher.screenshot({ path: `${SHOTS}/desktop-chat.png` });

    // ── Moderation: members, mute, slow mode, freeze ───────────────────────────────────
    await teacher.getByRole("button", { name: "Участники и правила чата" }).click();
    const members = teacher.getByRole("dialog", { name: /^Участники/ });
    await members.getByRole("heading", { name: "Участники (4)" }).waitFor();
    await members.getByRole("button", { name: `Управлять: ${borisP.name}` }).click();
    await members.getByLabel(`Насколько ограничить ${borisP.name}`).selectOption({
      label: "на 15 минут",
    });
    await members.getByRole("button", { name: "Запретить писать" }).click();
    await members.getByText(/не пишет до/).waitFor();
    await boris.locator(".composer-readonly", { hasText: "Модератор ограничил вас" }).waitFor();
    await teacher.screenshot({ path: `${SHOTS}/desktop-members.png` });
    await assertAccessible(teacher, "members dialog");
    await members.getByRole("button", { name: "Снять ограничение" }).click();
    await boris.locator("#composer-input:not([disabled])").waitFor();

    // The teacher adds the school's administrator and makes an invite link for the class.
    await members.getByRole("button", { name: "Добавить участников" }).click();
    await members.getByLabel(/Анна Петровна/).check();
    await members.getByRole("button", { name: "Добавить (1)" }).click();
    await members.getByText("Добавлено: 1").waitFor();
    await members.getByRole("heading", { name: "Участники (5)" }).waitFor();
    await members.getByRole("button", { name: "Ссылка-приглашение в чат" }).click();
    const link = members.getByLabel("Ссылка для участников школы");
    await link.waitFor();
    assert.match(await link.inputValue(), /\/invite\/[\w-]{16,}$/);

    // Slow mode: Anya wrote within the hour, so she is told how long to wait, and a message sent
    // anyway waits it out; lifting slow mode lets it go at once.
    await members.getByLabel("Медленный режим").selectOption({ label: "раз в час" });
    await anya.locator(".composer-slow", {
      hasText: /следующее сообщение можно отправить через \d+\sмин/,
    })
      .waitFor();
    await anya.fill("#composer-input", "Можно ещё вопрос?");
    await anya.keyboard.press("Enter");
    await anya.locator(".msg-pending", { hasText: "Можно ещё вопрос?" })
      .getByText(/Медленный режим: следующее сообщение можно отправить через \d+\sмин/).waitFor();
    await anya.screenshot({ path: `${SHOTS}/desktop-slow-mode.png` });
    await members.getByLabel("Медленный режим").selectOption({ label: "выключен" });
    await message(teacher, "Можно ещё вопрос?").waitFor();

    // Freezing: the students' composers give way to a note at once; the teacher still writes.
    await members.getByLabel(/Заморозить чат/).check();
    await teacher.keyboard.press("Escape");
    await members.waitFor({ state: "detached" });
    for (const page of [anya, boris]) {
      await page.locator(".composer-readonly", { hasText: "Чат заморожен модератором" }).waitFor();
      assert.equal(await page.locator("#composer-input").count(), 0);
    }
    await teacher.getByText("Чат заморожен: пишут только модераторы.").waitFor();
    await say(teacher, "Чат на паузе до завтра.");
    const refused = await api(e2e.base, "POST", `/chats/${school.chatId}/messages`, anyaP.token, {
      clientId: "frozen-try",
      text: "Можно?",
    });
    assert.equal(refused.status, 403);
    await anya.screenshot({ path: `${SHOTS}/desktop-frozen.png` });
    await boris.screenshot({ path: `${SHOTS}/phone-frozen.png` });
    await assertAccessible(boris, "frozen chat (phone)");

    assert.deepEqual(errors, []);
  } catch (err) {
    await Deno.writeTextFile(`${SHOTS}/server.log`, e2e.server.output());
    for (const [who, page] of [["teacher", teacher], ["anya", anya], ["boris", boris]] as const) {
      await page.screenshot({ path: `${SHOTS}/failure-${who}.png` }).catch(() => {});
    }
    throw err;
  }
});

Deno.test("with calls configured, a teacher starts a lesson from the chat and plans the next", async () => {
  await using e2e = await startE2E({
    LIVEKIT_URL: "ws://127.0.0.1:9",
    LIVEKIT_API_KEY: "devkey",
    LIVEKIT_API_SECRET: "a-test-secret-that-is-long-enough-for-livekit",
  });
  await Deno.mkdir(SHOTS, { recursive: true });
  const school = await seedClass(e2e.base);
  const anyaP = school.students[0]!;
  const path = `/chats/${school.chatId}`;
  const errors: string[] = [];
  const { page: teacher } = await open(e2e, school.teacher, path);
  const { page: anya, context: anyaCtx } = await open(e2e, anyaP, path);
  const { page: boris } = await open(e2e, school.students[1]!, path, PHONE);
  for (const page of [teacher, anya, boris]) watch(page, errors);
  try {
    // The teacher chooses an online lesson; the call page opens.
    await teacher.getByRole("button", { name: "Звонок, урок или встреча" }).click();
    const start = teacher.getByRole("dialog", { name: "Начать звонок" });
    await start.getByLabel(/Онлайн-урок/).check();
    await start.getByLabel("Тема (необязательно)").fill("Дроби");
    await assertAccessible(teacher, "start a call dialog");
    await start.getByRole("button", { name: "Начать" }).click();
    await teacher.waitForURL(/\/calls\/[0-9A-Z]{26}$/);
    const callId = new URL(teacher.url()).pathname.split("/").pop()!;

    // The students see a live card that joins the call.
    const card = (page: Page) => page.locator(".call-card", { hasText: "Онлайн-урок: Дроби" });
    const join = card(anya).getByRole("link", { name: /Присоединиться/ });
    await join.waitFor();
    assert.equal(await join.getAttribute("href"), `/calls/${callId}`);
    await card(boris).getByText(/Идёт сейчас/).waitFor();
    await boris.screenshot({ path: `${SHOTS}/phone-call-live.png` });
    // A student's call button starts a quick call at once; one is going on, so it opens that.
    await anya.getByRole("button", { name: "Звонок", exact: true }).click();
    await anya.waitForURL(`**/calls/${callId}`);
    await anya.goBack();
    await waitLive(anya);

    // The call ends: the card says so, with how long it lasted, without a reload.
    const ended = await api(e2e.base, "POST", `/calls/${callId}/end`, school.teacher.token);
    assert.equal(ended.status, 200);
    await card(anya).getByText(/Завершён, меньше минуты/).waitFor();
    assert.equal(await card(anya).getByRole("link").count(), 0);
    await card(boris).getByText(/Завершён/).waitFor();

    // The teacher plans tomorrow's lesson; it shows in the chat and in everyone's upcoming list.
    await teacher.goto(path);
    await waitLive(teacher);
    await teacher.getByRole("button", { name: "Ещё: опрос, урок" }).click();
    await teacher.getByRole("button", { name: "Урок или встреча", exact: true }).click();
    const plan = teacher.getByRole("dialog", { name: "Запланировать урок или встречу" });
    await plan.getByLabel("Тема").fill("Сложение дробей");
    await plan.getByLabel("Время").fill("10:30");
    await plan.getByLabel("Длительность").selectOption({ label: "40 мин" });
    await plan.getByText(/Начало: .*10:30/).waitFor();
    await teacher.screenshot({ path: `${SHOTS}/desktop-plan-lesson.png` });
    await assertAccessible(teacher, "plan a lesson dialog");
    await plan.getByRole("button", { name: "Запланировать" }).click();
    await plan.waitFor({ state: "detached" });
    await anya.locator(".lesson-card", { hasText: "Урок: Сложение дробей" }).getByText(/10:30/)
      .waitFor();
    const upcoming = anya.getByRole("region", { name: "Ближайшие уроки" });
    await upcoming.getByRole("link", { name: /Урок: Сложение дробей.*10:30/ }).waitFor();
    await anya.screenshot({ path: `${SHOTS}/desktop-lessons.png` });
    await assertAccessible(anya, "chat with a call card and a lesson");

    // A fresh page load lists it too (from the server).
    const again = await anyaCtx.newPage();
    watch(again, errors);
    await again.goto("/chats");
    await again.getByRole("region", { name: "Ближайшие уроки" }).getByText("Сложение дробей")
      .waitFor();
    await again.close();
    assert.deepEqual(errors, []);
  } catch (err) {
    await Deno.writeTextFile(`${SHOTS}/server-calls.log`, e2e.server.output());
    for (const [who, page] of [["teacher", teacher], ["anya", anya], ["boris", boris]] as const) {
      await page.screenshot({ path: `${SHOTS}/failure-calls-${who}.png` }).catch(() => {});
    }
    throw err;
  }
});
