/**
 * Notifications in a real browser. Chromium here cannot reach a real push service, so the push
 * the server made for the parent (decrypted by the test's push service) is handed to the page's
 * real service worker over the DevTools protocol (`ServiceWorker.deliverPushMessage`); the test
 * then reads the notification it shows and clicks it.
 */
import assert from "node:assert/strict";
import { assertAccessible, schoolWith, signInThroughUi, startE2E } from "./browser.ts";
import { api } from "../server.ts";
import { PushService } from "../push_service.ts";
import { until } from "../until.ts";

const SHOTS = "/tmp/parta-push";

Deno.test("a parent turns notifications on; a teacher's message shows as a notification that opens the chat", async () => {
  await Deno.mkdir(SHOTS, { recursive: true });
  await using e2e = await startE2E({ PUSH_ALLOW_INSECURE_LOCALHOST: "1" });
  await using push = new PushService();
  const school = await schoolWith(
    e2e.base,
    { name: "Школа № 12", adminEmail: "admin@school12.test", adminName: "Анна Петровна" },
    [
      { role: "teacher", email: "teacher@school12.test", name: "Мария Ивановна" },
      { role: "parent", email: "parent@school12.test", name: "Ольга Кузнецова" },
    ],
  );
  const [teacher, parent] = school.people as [typeof school.people[0], typeof school.people[0]];
  const chat = await api<{ chat: { id: string } }>(
    e2e.base,
    "POST",
    `/orgs/${school.orgId}/chats`,
    teacher.token,
    { kind: "group", title: "5 «А»", memberIds: [parent.id] },
  );
  const chatId = chat.body.chat.id;

  const context = await e2e.person();
  await context.grantPermissions(["notifications"], { origin: e2e.base });
  const page = await context.newPage();
  await page.goto("/signin");
  await signInThroughUi(page, e2e.base, "parent@school12.test");
  await page.waitForURL(/\/chats$/);
  await page.goto("/profile");
  await page.evaluate(() => navigator.serviceWorker.ready.then(() => true));
  const section = page.getByRole("region", { name: "Уведомления" });
  await section.getByText("Браузер спросит разрешение").waitFor();
  await page.screenshot({ path: `${SHOTS}/profile-before.png`, fullPage: true });
  await assertAccessible(page, "profile with notifications");
  // The permission is asked only from the button. Headless Chromium has no push service to
  // subscribe with, so it says so in words instead of failing silently.
  await section.getByRole("button", { name: "Включить уведомления в этом браузере" }).click();
  await section.getByText(/не смог включить уведомления|уведомления включены/).waitFor();
  await page.screenshot({ path: `${SHOTS}/profile-after.png`, fullPage: true });

  // The parent's phone, subscribed through the API, receives the server's real push.
  const phone = push.subscribe();
  const subscribed = await api(e2e.base, "POST", "/push-subscriptions", parent.token, phone.json);
  assert.equal(subscribed.status, 201);
  const sent = await api(e2e.base, "POST", `/chats/${chatId}/messages`, teacher.token, {
    clientId: "excursion",
    text: "Завтра экскурсия в музей, сбор в 9:00 у школы",
  });
  assert.equal(sent.status, 201);
  await until("the push reached the push service", () => push.to(phone.id).length === 1);
  const payload = push.to(phone.id)[0]!.payload;

  // The same push, handed to this browser's service worker.
  const cdp = await context.newCDPSession(page);
  const registrations: { registrationId: string; scopeURL: string }[] = [];
  cdp.on("ServiceWorker.workerRegistrationUpdated", (e) => registrations.push(...e.registrations));
  await cdp.send("ServiceWorker.enable");
  await until("the service worker is registered", () => registrations.length > 0);
  /** Hands `data` to the page's service worker as its push service would. */
  const deliver = (data: Record<string, unknown>) =>
    cdp.send("ServiceWorker.deliverPushMessage", {
      origin: e2e.base,
      registrationId: registrations[0]!.registrationId,
      data: JSON.stringify(data),
    });
  await deliver(payload);
  const shown = async () =>
    await page.evaluate(async () => {
      const reg = await navigator.serviceWorker.ready;
      return (await reg.getNotifications()).map((n) => ({
        title: n.title,
        body: n.body,
        tag: n.tag,
      }));
    });
  await until("the notification is shown", async () => (await shown()).length === 1);
  assert.deepEqual(await shown(), [{
    title: "5 «А»",
    body: "Мария Ивановна: Завтра экскурсия в музей, сбор в 9:00 у школы",
    tag: `chat-${chatId}`,
  }]);

  // A second message of the chat joins the same notification.
  await deliver({
    ...payload,
    seq: (payload.seq as number) + 1,
    body: "Мария Ивановна: Возьмите сменную обувь",
  });
  await until("grouped", async () => (await shown())[0]?.body.includes("сменную обувь") ?? false);
  assert.equal((await shown()).length, 1, "one notification per chat");
  // The same push again (sent twice across a crash) changes nothing the parent sees.
  const before = await shown();
  await deliver({
    ...payload,
    seq: (payload.seq as number) + 1,
    body: "Мария Ивановна: Возьмите сменную обувь",
  });
  await new Promise((r) => setTimeout(r, 500));
  assert.deepEqual(await shown(), before, "a second copy is shown once");

  // A click on it opens the chat.
  const worker = context.serviceWorkers()[0] ?? await context.waitForEvent("serviceworker");
  await worker.evaluate(async () => {
    const sw = self as unknown as {
      registration: ServiceWorkerRegistration;
      dispatchEvent(e: Event): boolean;
    };
    const [notification] = await sw.registration.getNotifications();
    // deno-lint-ignore no-explicit-any
    const NotificationEvent = (self as any).NotificationEvent;
    sw.dispatchEvent(new NotificationEvent("notificationclick", { notification }));
  });
  await page.waitForURL(new RegExp(`/chats/${chatId}$`));
  await page.locator(".msg-text", { hasText: "Завтра экскурсия в музей" }).waitFor();
  await until("the notification closes", async () => (await shown()).length === 0);
  await page.screenshot({ path: `${SHOTS}/opened-chat.png` });

  // The chat's own notifications: off for eight hours, shown in the list, and on again.
  await page.getByRole("button", { name: "Уведомления", exact: true }).click();
  const dialog = page.getByRole("dialog", { name: "Уведомления из этого чата" });
  await dialog.getByLabel("Выключить на 8 часов").check();
  await assertAccessible(page, "the chat's notifications dialog");
  await page.screenshot({ path: `${SHOTS}/mute-dialog.png` });
  await dialog.getByRole("button", { name: "Сохранить" }).click();
  await dialog.waitFor({ state: "hidden" });
  await page.getByRole("button", { name: "Уведомления: уведомления выключены" }).waitFor();
  await page.getByRole("link", { name: /5 «А».*уведомления выключены/ }).waitFor();
  const listed = await api<{ chats: { id: string; notifications: { muted: boolean } }[] }>(
    e2e.base,
    "GET",
    "/chats",
    parent.token,
  );
  assert.equal(listed.body.chats.find((c) => c.id === chatId)?.notifications.muted, true);

  // The teacher names her with @ in the composer: the muted chat notifies her all the same (she
  // has gone to her profile; had she the chat open before her, it would not).
  await page.goto("/profile");
  const teacherPage = await (await e2e.person()).newPage();
  await teacherPage.goto("/signin");
  await signInThroughUi(teacherPage, e2e.base, "teacher@school12.test");
  await teacherPage.waitForURL(/\/chats$/);
  await teacherPage.goto(`/chats/${chatId}`);
  const composer = teacherPage.locator("#composer-input:not([disabled])");
  await composer.fill("Спасибо, @Оль");
  const option = teacherPage.getByRole("option", { name: "Ольга Кузнецова" });
  await option.waitFor();
  await assertAccessible(teacherPage, "the composer's @ suggestions");
  await teacherPage.screenshot({ path: `${SHOTS}/mention-suggestions.png` });
  await composer.press("Enter");
  assert.equal(await composer.inputValue(), "Спасибо, @Ольга Кузнецова ");
  await composer.pressSequentially("за помощь!");
  await composer.press("Enter");
  await until("the mention reached the muted parent's phone", () => push.to(phone.id).length === 2);
  assert.equal(
    push.to(phone.id)[1]!.payload.body,
    "Мария Ивановна: Спасибо, @Ольга Кузнецова за помощь!",
  );
  await page.goto(`/chats/${chatId}`);
  await page.locator(".msg-mention", { hasText: "за помощь" }).waitFor();
  await page.screenshot({ path: `${SHOTS}/mentioned.png` });
});
