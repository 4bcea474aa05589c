/**
 * The school admin console in real browsers: the operator approves a school, its administrator
 * joins through the invite page and runs the console (classes, invites with links and QR codes,
 * the roster, settings), a teacher joins through a link in a browser of their own, and the
 * server's refusals (the last admin) reach the screen. Screenshots go to /tmp/parta-admin.
 */
import assert from "node:assert/strict";
import type { Page } from "playwright-core";
import { approvedSchool, assertAccessible, signInThroughUi, startE2E } from "./browser.ts";
import { api, signInReal } from "../server.ts";
import { until } from "../until.ts";

const SHOTS = "/tmp/parta-admin";
const ADMIN = "director@school12.test";
const TEACHER = "teacher@school12.test";

/** Joins through the invite page open on `page`: sign in, give a name, accept. */
async function joinThroughInvite(page: Page, base: string, email: string, name: string) {
  await signInThroughUi(page, base, email);
  await page.fill("#invite-name", name);
  await page.getByRole("button", { name: "Принять приглашение" }).click();
  await page.getByText("Готово!").waitFor();
}

/** The console, hydrated (its forms come alive once the island runs). */
async function openConsole(page: Page, orgId: string) {
  await page.goto(`/admin/${orgId}`);
  await until("the console hydrates", () => page.locator("#class-new").isEnabled());
}

async function shot(page: Page, name: string, fullPage = true) {
  await page.screenshot({ path: `${SHOTS}/${name}.png`, fullPage });
}

Deno.test("a school admin runs the console: classes, invites, roster, settings", async () => {
  await Deno.mkdir(SHOTS, { recursive: true });
  await using e2e = await startE2E();
  const { base } = e2e;

  // The operator approves the school's application.
  const approved = await approvedSchool(base, {
    schoolName: "Лицей № 12",
    region: "Казань",
    adminName: "Ирина Викторовна",
    adminEmail: ADMIN,
    adminPhone: "+7 900 000-12-12",
  });
  const orgId = approved.orgId;

  // Signed out, the console asks for sign-in and comes back.
  const adminContext = await e2e.person();
  await adminContext.grantPermissions(["clipboard-read", "clipboard-write"], { origin: base });
  const admin = await adminContext.newPage();
  const errors: string[] = [];
  admin.on("pageerror", (err) => errors.push(err.message));
  await admin.goto(`/admin/${orgId}`);
  assert.match(admin.url(), /\/signin\?next=%2Fadmin%2F/);

  // The administrator accepts the admin invite in the browser and opens the console.
  await admin.goto(new URL(approved.adminInvite.url).pathname);
  await joinThroughInvite(admin, base, ADMIN, "Ирина Викторовна");
  await admin.goto("/chats");
  await admin.getByRole("link", { name: "Управление школой" }).click();
  await admin.waitForURL(new RegExp(`/admin/${orgId}$`));
  await until("the console hydrates", () => admin.locator("#class-new").isEnabled());
  await admin.getByRole("heading", { level: 1, name: /Управление школой/ }).waitFor();
  await admin.getByText("Видеозвонки пока не подключены").waitFor();

  // Classes: created in any order, listed in natural order.
  for (const name of ["10 «Б»", "5 «А»"]) {
    await admin.fill("#class-new", name);
    await admin.getByRole("button", { name: "Добавить класс" }).click();
    await admin.locator(".class-name", { hasText: name }).waitFor();
  }
  assert.deepEqual(await admin.locator(".class-name").allTextContents(), ["5 «А»", "10 «Б»"]);
  // A duplicate name is refused with a sentence that says why.
  await admin.fill("#class-new", "5 «а»");
  await admin.getByRole("button", { name: "Добавить класс" }).click();
  await admin.getByText("Класс с таким названием уже есть.").waitFor();
  // Renaming in place.
  await admin.getByRole("button", { name: "Переименовать класс 10 «Б»" }).click();
  await admin.getByLabel("Новое название класса 10 «Б»").fill("10 «В»");
  await admin.getByLabel("Новое название класса 10 «Б»").press("Enter");
  await admin.locator(".class-name", { hasText: "10 «В»" }).waitFor();
  await admin.fill("#class-new", "");

  // A teacher invite for 5 «А»: the link, a copy button and a QR image appear.
  const seen = new Set<string>();
  const inviteFor = async (role: string, className: string) => {
    await admin.selectOption("#invite-role", { label: role });
    await admin.selectOption("#invite-class", { label: className });
    await admin.getByRole("button", { name: "Создать приглашение" }).click();
    await admin.getByRole("heading", { name: "Приглашение готово" }).waitFor();
    await until("a fresh link", async () => {
      const url = await admin.inputValue("#invite-new-url");
      return url.includes("/invite/") && !seen.has(url);
    });
    const url = await admin.inputValue("#invite-new-url");
    seen.add(url);
    const qr = admin.locator(".invite-created img.qr");
    assert.match(await qr.getAttribute("src") ?? "", /^data:image\/svg\+xml/);
    assert.ok(await qr.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth > 0));
    return url;
  };
  const teacherUrl = await inviteFor("учитель", "5 «А»");
  await admin.getByRole("button", { name: "Копировать" }).click();
  await admin.getByText("Ссылка скопирована.").waitFor();
  assert.equal(await admin.evaluate(() => navigator.clipboard.readText()), teacherUrl);
  await shot(admin, "invite-created", false);
  const studentUrl = await inviteFor("ученик", "5 «А»");
  assert.equal(await admin.locator(".invite-row").count(), 2);
  await shot(admin, "console-desktop");
  await assertAccessible(admin, "admin console (desktop)");

  // The teacher joins through the link in a browser of their own.
  const teacherContext = await e2e.person();
  const teacher = await teacherContext.newPage();
  teacher.on("pageerror", (err) => errors.push(err.message));
  await teacher.goto(new URL(teacherUrl).pathname);
  await joinThroughInvite(teacher, base, TEACHER, "Олег Павлович");

  // The roster shows the teacher with the verified badge; the invite is used up.
  await openConsole(admin, orgId);
  const rowOf = (name: string) =>
    admin.locator(".member-row").filter({ has: admin.locator("h3", { hasText: name }) });
  const teacherRow = rowOf("Олег Павлович");
  await teacherRow.locator(".badge-verified").waitFor();
  assert.match(await teacherRow.innerText(), /5 «А»/);
  assert.match(await teacherRow.innerText(), new RegExp(TEACHER.replace(".", "\\.")));
  assert.equal(await admin.locator(".invite-row").count(), 1);

  // Filters: by role and by class.
  await admin.selectOption("#filter-role", "teacher");
  assert.equal(await admin.locator(".member-row").count(), 1);
  await admin.selectOption("#filter-role", "");
  await admin.selectOption("#filter-class", { label: "10 «В»" });
  assert.equal(await admin.locator(".member-row").count(), 0);
  await admin.selectOption("#filter-class", "");

  // The admin gives the teacher a second class, in the member dialog.
  await admin.getByRole("button", { name: "Изменить: Олег Павлович" }).click();
  const dialog = admin.getByRole("dialog", { name: "Участник: Олег Павлович" });
  await dialog.waitFor();
  assert.ok(await dialog.evaluate((d) => d.contains(document.activeElement)), "focus is inside");
  await assertAccessible(admin, "member dialog");
  await shot(admin, "member-dialog", false);
  await dialog.getByLabel("10 «В»").check();
  await dialog.getByRole("button", { name: "Сохранить" }).click();
  await dialog.waitFor({ state: "detached" });
  await until(
    "the row shows both classes",
    async () => /5 «А», 10 «В»/.test(await teacherRow.innerText()),
  );
  assert.equal(
    await admin.evaluate(() => document.activeElement?.textContent),
    "Изменить",
    "focus returns to the button that opened the dialog",
  );
  const roster = await admin.evaluate(async (id) => {
    const res = await fetch(`/api/v1/orgs/${id}/members?role=teacher`);
    return (await res.json()).members as { classIds: string[] }[];
  }, orgId);
  assert.equal(roster[0]?.classIds.length, 2);

  // A student and a parent join (through the API); the admin links the parent to the child.
  const tokenOf = (url: string) => new URL(url).pathname.split("/").pop()!;
  const pupil = await signInReal(base, "pupil@school12.test", "Маша Иванова");
  const joined = await api(base, "POST", `/invites/${tokenOf(studentUrl)}/accept`, pupil, {});
  assert.equal(joined.status, 200);
  const adminToken = await signInReal(base, ADMIN);
  const parentInvite = await api<{ url: string }>(
    base,
    "POST",
    `/orgs/${orgId}/invites`,
    adminToken,
    { role: "parent" },
  );
  const mother = await signInReal(base, "mother@school12.test", "Елена Иванова");
  const parentJoined = await api(
    base,
    "POST",
    `/invites/${tokenOf(parentInvite.body.url)}/accept`,
    mother,
    {},
  );
  assert.equal(parentJoined.status, 200);
  await openConsole(admin, orgId);
  await admin.getByRole("button", { name: "Изменить: Елена Иванова" }).click();
  const parentDialog = admin.getByRole("dialog", { name: "Участник: Елена Иванова" });
  await parentDialog.getByLabel("Класс ребёнка").selectOption({ label: "5 «А»" });
  await parentDialog.getByLabel("Ученик", { exact: true }).selectOption({ label: "Маша Иванова" });
  await parentDialog.getByRole("button", { name: "Добавить ребёнка" }).click();
  await parentDialog.getByRole("button", { name: "Убрать связь с учеником Маша Иванова" })
    .waitFor();
  await shot(admin, "parent-dialog", false);
  await parentDialog.getByRole("button", { name: "Сохранить" }).click();
  await parentDialog.waitFor({ state: "detached" });
  const parentRow = rowOf("Елена Иванова");
  await until(
    "the parent row names the child",
    async () => /Дети[\s:]*Маша Иванова/.test(await parentRow.innerText()),
  );
  await rowOf("Маша Иванова").getByText("Родители").waitFor();

  // Revoking the student invite: its link then says it is no longer valid.
  await admin.getByRole("button", { name: /^Отозвать приглашение: ученик/ }).click();
  await admin.getByRole("dialog", { name: "Отозвать приглашение?" }).getByRole("button", {
    name: "Отозвать",
  }).click();
  await until(
    "the invite leaves the list",
    async () => await admin.locator(".invite-row", { hasText: "ученик" }).count() === 0,
  );
  assert.equal(await admin.locator(".invite-row").count(), 1, "the parent invite stays");
  // A listed invite shows its link and QR code again, in a dialog.
  const showParent = admin.getByRole("button", { name: /^Ссылка и QR-код: родитель/ });
  await showParent.click();
  const shown = admin.getByRole("dialog", { name: "родитель" });
  assert.equal(
    await shown.locator("input.invite-url").inputValue(),
    parentInvite.body.url,
  );
  await shown.getByRole("img", { name: /QR-код приглашения/ }).waitFor();
  await admin.keyboard.press("Escape");
  await shown.waitFor({ state: "detached" });
  assert.ok(await showParent.evaluate((b) => b === document.activeElement), "focus is back");
  const gone = await teacherContext.newPage();
  const res = await gone.goto(new URL(studentUrl).pathname);
  assert.equal(res?.status(), 410);
  await gone.getByText("Приглашение больше не действует").waitFor();

  // Removing the pupil bars her: «Исключённые» lists her, no invite lets her back, until the
  // admin presses «Разрешить вернуться».
  await admin.getByRole("button", { name: "Удалить из школы: Маша Иванова" }).click();
  const removal = admin.getByRole("dialog", { name: "Удалить из школы: Маша Иванова?" });
  await removal.waitFor();
  await shot(admin, "remove-dialog", false);
  await removal.getByRole("button", { name: "Удалить из школы" }).click();
  await removal.waitFor({ state: "detached" });
  const banRow = admin.locator(".ban-row", { hasText: "Маша Иванова" });
  await banRow.waitFor();
  assert.match(await banRow.innerText(), /Исключил\(а\) Ирина Викторовна — /);
  const refused = await api<{ error: { code: string } }>(
    base,
    "POST",
    `/invites/${tokenOf(parentInvite.body.url)}/accept`,
    pupil,
    {},
  );
  assert.equal(refused.status, 403);
  await shot(admin, "bans", false);
  await admin.getByRole("button", { name: "Разрешить вернуться: Маша Иванова" }).click();
  await admin.getByText("Исключённых нет.").waitFor();

  // The gradebook link, shown to everyone in the school.
  await admin.fill("#settings-journal", "https://dnevnik.example.ru/lyceum12");
  await admin.getByRole("button", { name: "Сохранить", exact: true }).click();
  await admin.getByText("Настройки сохранены.").waitFor();
  const seenByTeacher = await teacher.evaluate(async (id) => {
    const res = await fetch(`/api/v1/orgs/${id}`);
    return (await res.json()).journalUrl as string;
  }, orgId);
  assert.equal(seenByTeacher, "https://dnevnik.example.ru/lyceum12");

  // The only admin cannot leave: the server's refusal is shown, and Escape closes the dialog.
  const removeSelf = admin.getByRole("button", { name: "Удалить из школы: Ирина Викторовна" });
  await removeSelf.click();
  const leave = admin.getByRole("dialog", { name: "Покинуть школу?" });
  await leave.getByRole("button", { name: "Покинуть школу" }).click();
  await leave.getByRole("alert").getByText(/хотя бы один администратор/).waitFor();
  await shot(admin, "last-admin-refused", false);
  await admin.keyboard.press("Escape");
  await leave.waitFor({ state: "detached" });
  assert.ok(await removeSelf.evaluate((b) => b === document.activeElement), "focus is back");
  // Nor give up the admin role.
  await admin.getByRole("button", { name: "Изменить: Ирина Викторовна" }).click();
  const self = admin.getByRole("dialog", { name: "Участник: Ирина Викторовна" });
  await self.getByLabel("администратор").uncheck();
  await self.getByLabel("учитель").check();
  await self.getByRole("button", { name: "Сохранить" }).click();
  await self.getByRole("alert").getByText(/хотя бы один администратор/).waitFor();
  await admin.keyboard.press("Escape");
  await self.waitFor({ state: "detached" });

  // Phone width.
  await admin.setViewportSize({ width: 390, height: 844 });
  await openConsole(admin, orgId);
  assert.ok(
    await admin.evaluate(() => document.documentElement.scrollWidth <= innerWidth),
    "nothing scrolls sideways at 390 px",
  );
  await shot(admin, "console-phone");
  const height = await admin.evaluate(() => document.documentElement.scrollHeight);
  for (let y = 0, i = 1; y < height; y += 844, i++) {
    await admin.screenshot({
      path: `${SHOTS}/console-phone-${i}.png`,
      fullPage: true,
      clip: { x: 0, y, width: 390, height: Math.min(844, height - y) },
    });
  }
  await assertAccessible(admin, "admin console (390×844)");

  // In English, too.
  await admin.evaluate(() =>
    fetch("/api/v1/me", {
      method: "PATCH",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ locale: "en" }),
    })
  );
  await openConsole(admin, orgId);
  assert.equal(await admin.locator("html").getAttribute("lang"), "en");
  await admin.getByRole("heading", { level: 1, name: /School administration/ }).waitFor();
  await admin.getByText("Video calls are not set up yet").waitFor();

  // A member who is not an admin gets a clear refusal; an outsider gets the 404 page.
  const denied = await teacher.goto(`/admin/${orgId}`);
  assert.equal(denied?.status(), 403);
  await teacher.getByRole("heading", { name: "Нет доступа" }).waitFor();
  await shot(teacher, "not-an-admin", false);
  const outsiderContext = await e2e.person();
  const outsider = await outsiderContext.newPage();
  await signInThroughUi(outsider, base, "stranger@elsewhere.test");
  await outsider.waitForURL(/\/(chats|profile)$/);
  const hidden = await outsider.goto(`/admin/${orgId}`);
  assert.equal(hidden?.status(), 404);

  assert.deepEqual(errors, []);
});
