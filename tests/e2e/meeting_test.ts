/**
 * A parent meeting on the real LiveKit server, in Chromium with its fake camera and microphone:
 * the class teacher starts a meeting from the class's parents' chat, two parents come from the
 * chat's call card, wait in the lobby until the teacher lets them in, and see each other, they write in the chat beside the video (the chat
 * itself, as the messenger shows it), a psychologist joins by a guest link and leaves when it is
 * revoked, a student of the class cannot get in, and a parent whose
 * network drops is shown as reconnecting and comes back into the same meeting. The browsers
 * reach LiveKit's signalling through a relay the test cuts, as a dropped network would.
 * Screenshots go to /tmp/parta-meeting.
 */
import assert from "node:assert/strict";
import type { Page } from "playwright-core";
import {
  assertAccessible,
  FAKE_MEDIA,
  type Member,
  schoolWith,
  signedInPage,
  startE2E,
} from "./browser.ts";
import { api, cable } from "../server.ts";
import { until } from "../until.ts";
import { freePort, startLiveKit } from "../livekit.ts";

const SHOTS = "/tmp/parta-meeting";

/** How many tiles on `page` play someone else's camera (frames arrive: videoWidth > 0). */
function remoteVideos(page: Page): Promise<number> {
  return page.evaluate(() =>
    [...document.querySelectorAll<HTMLVideoElement>(".call-grid video:not(.mirror)")]
      .filter((v) => v.videoWidth > 0).length
  );
}

Deno.test("a parent meeting on the real LiveKit: parents join, a student cannot, a dropped parent comes back", async () => {
  await Deno.mkdir(SHOTS, { recursive: true });
  const port = freePort();
  const origin = `http://127.0.0.1:${port}`;
  await using lk = await startLiveKit({ webhookUrl: `${origin}/api/v1/livekit/webhook` });
  await using relay = cable(Number(new URL(lk.url.replace(/^ws/, "http")).port));
  await using e2e = await startE2E(
    {
      PORT: String(port),
      APP_ORIGIN: origin,
      ...lk.env,
      // Browsers (and Parta's RoomService calls) reach LiveKit through the relay.
      LIVEKIT_URL: `ws://127.0.0.1:${relay.port}`,
    },
    [...FAKE_MEDIA, "--allow-loopback-in-peer-connection"],
  );
  const { base } = e2e;
  const school = await schoolWith(
    base,
    { name: "Школа № 12", adminEmail: "admin@school12.test", adminName: "Ольга Сергеевна" },
    [
      { role: "teacher", email: "teacher@school12.test", name: "Елена Викторовна" },
      { role: "parent", email: "mama@school12.test", name: "Анна Петрова" },
      { role: "parent", email: "papa@school12.test", name: "Игорь Смирнов" },
      { role: "student", email: "kolya@school12.test", name: "Коля Петров" },
    ],
  );
  const [teacher, mama, papa, kolya] = school.people as [Member, Member, Member, Member];
  const chat = await api<{ chat: { id: string } }>(
    base,
    "POST",
    `/orgs/${school.orgId}/chats`,
    teacher.token,
    { kind: "group", title: "Родители 5 «А»", memberIds: [mama.id, papa.id] },
  );
  assert.equal(chat.status, 201);
  const chatId = chat.body.chat.id;
  const errors: string[] = [];
  const watch = (page: Page) => page.on("pageerror", (err) => errors.push(err.message));

  try {
    // The teacher starts the meeting from the parents' chat and joins it.
    const tPage = await signedInPage(e2e, "teacher@school12.test");
    watch(tPage);
    await tPage.goto(`/chats/${chatId}`);
    await tPage.getByRole("button", { name: "Звонок, урок или встреча" }).click();
    await tPage.getByRole("radio", { name: /Встреча/ }).check();
    await tPage.getByLabel("Тема (необязательно)").fill("Родительское собрание");
    await tPage.getByRole("button", { name: "Начать", exact: true }).click();
    await tPage.waitForURL(/\/calls\/[0-9A-Z]{26}$/);
    const callId = new URL(tPage.url()).pathname.split("/").pop()!;
    const view = await api<{ call: { room: string; kind: string } }>(
      base,
      "GET",
      `/calls/${callId}`,
      teacher.token,
    );
    assert.equal(view.body.call.kind, "meeting");
    const room = view.body.call.room;
    await tPage.getByRole("button", { name: "Присоединиться", exact: true }).click();
    await tPage.getByRole("button", { name: "Выйти" }).waitFor({ timeout: 30_000 });
    const inRoom = async () =>
      (await lk.rooms.listParticipants(room)).map((p) => p.identity).sort();

    // Both parents come from the live card in their chat and wait in the meeting's lobby.
    const parents: Page[] = [];
    for (const email of ["mama@school12.test", "papa@school12.test"]) {
      const page = await signedInPage(e2e, email);
      watch(page);
      await page.goto(`/chats/${chatId}`);
      const card = page.locator(".call-card.is-live");
      await card.getByText("Встреча: Родительское собрание").waitFor();
      await card.getByRole("link", { name: /Присоединиться/ }).click();
      await page.waitForURL(`**/calls/${callId}`);
      await page.getByRole("button", { name: "Присоединиться", exact: true }).click();
      await page.getByRole("heading", { name: "Вы в зале ожидания" }).waitFor({ timeout: 15_000 });
      parents.push(page);
    }
    const [mPage, pPage] = parents as [Page, Page];
    await mPage.screenshot({ path: `${SHOTS}/lobby-waiting.png` });
    await assertAccessible(mPage, "waiting in the lobby");
    assert.deepEqual(await inRoom(), [teacher.id], "nobody is in before the host lets them in");

    // The teacher sees both waiting, lets Анна in, then everyone.
    const lobby = tPage.locator(".call-lobby");
    await lobby.getByRole("heading", { name: "Зал ожидания (2)" }).waitFor({ timeout: 15_000 });
    await tPage.screenshot({ path: `${SHOTS}/lobby-host.png` });
    await assertAccessible(tPage, "the host's call page with people in the lobby");
    await lobby.getByRole("button", { name: "Впустить: Анна Петрова" }).click();
    await mPage.getByRole("button", { name: "Выйти" }).waitFor({ timeout: 30_000 });
    await lobby.getByRole("heading", { name: "Зал ожидания (1)" }).waitFor({ timeout: 15_000 });
    await lobby.getByRole("button", { name: "Впустить: Игорь Смирнов" }).click();
    await pPage.getByRole("button", { name: "Выйти" }).waitFor({ timeout: 30_000 });
    await lobby.getByText("Никто не ждёт.").waitFor();
    for (const page of [tPage, mPage, pPage]) {
      await until("two remote videos play", async () => await remoteVideos(page) === 2, 30_000);
    }
    assert.deepEqual(await inRoom(), [teacher.id, mama.id, papa.id].sort());
    await mPage.screenshot({ path: `${SHOTS}/parent.png` });

    // The chat beside the video is the parents' chat itself: what a parent types there is
    // seen by everyone in the call and is in the chat's history, and what is written in the
    // messenger arrives in the call.
    await mPage.getByLabel("Сообщение в чат").fill("Можно вопрос про экскурсию?");
    await mPage.getByRole("button", { name: "Отправить" }).click();
    for (const page of [tPage, pPage]) {
      await page.locator(".call-chat-msg", { hasText: "Можно вопрос про экскурсию?" }).waitFor();
    }
    const history = await api<{ messages: { text: string; authorId: string }[] }>(
      base,
      "GET",
      `/chats/${chatId}/messages`,
      teacher.token,
    );
    assert.equal(history.body.messages[0]?.text, "Можно вопрос про экскурсию?");
    assert.equal(history.body.messages[0]?.authorId, mama.id);
    const messenger = await signedInPage(e2e, "teacher@school12.test");
    watch(messenger);
    await messenger.goto(`/chats/${chatId}`);
    await messenger.locator(".msg-text", { hasText: "Можно вопрос про экскурсию?" }).waitFor();
    await messenger.fill("#composer-input", "Да, конечно, задавайте.");
    await messenger.keyboard.press("Enter");
    for (const page of [mPage, pPage]) {
      await page.locator(".call-chat-msg", { hasText: "Да, конечно, задавайте." }).waitFor();
    }
    await mPage.screenshot({ path: `${SHOTS}/chat-in-call.png` });
    await messenger.close();

    // A psychologist from outside the school joins by a guest link the teacher makes: named as
    // the teacher labelled her, with the «гость» badge; she sees no names of the school's people,
    // no chat; revoking the link takes her out.
    const guests = tPage.locator(".call-guests");
    await guests.getByRole("button", { name: "Гости" }).click();
    await guests.getByLabel("Подпись гостя (необязательно)").fill("Ирина Олеговна, психолог");
    await guests.getByRole("button", { name: "Создать ссылку" }).click();
    const link = await guests.getByLabel("Ссылка для гостя (отправьте её только ему):")
      .inputValue();
    assert.match(link, new RegExp(`^${origin}/guest/[A-Za-z0-9_-]{43}$`));
    const gPage = await (await e2e.person()).newPage();
    watch(gPage);
    await gPage.goto(link);
    await gPage.getByText("Вы входите как гость: Ирина Олеговна, психолог.").waitFor();
    await gPage.getByRole("button", { name: "Присоединиться", exact: true }).click();
    await gPage.getByRole("button", { name: "Выйти" }).waitFor({ timeout: 30_000 });
    await until("the guest sees the three", async () => await remoteVideos(gPage) === 3, 30_000);
    const guestTile = tPage.locator(".call-tile", { hasText: "Ирина Олеговна, психолог" });
    await guestTile.getByText("гость", { exact: true }).waitFor({ timeout: 15_000 });
    const seen = await gPage.locator("main").innerText();
    for (const name of ["Анна Петрова", "Игорь Смирнов", "Елена Викторовна", "Родители 5"]) {
      assert.ok(!seen.includes(name), `the guest's page names nobody of the school: ${name}`);
    }
    assert.equal(await gPage.locator(".call-chat").count(), 0, "no chat for a guest");
    assert.equal(await gPage.getByRole("button", { name: "Поднять руку" }).count(), 0);
    await gPage.screenshot({ path: `${SHOTS}/guest.png` });
    await assertAccessible(gPage, "the guest's call page");
    await assertAccessible(tPage, "the host's call page with the guest panel and the chat");
    await tPage.screenshot({ path: `${SHOTS}/guest-host-view.png`, fullPage: true });
    await guests.getByRole("button", { name: "Отозвать ссылку: Ирина Олеговна, психолог" }).click();
    await gPage.getByText("Ведущий удалил вас из звонка.").waitFor({ timeout: 20_000 });
    await gPage.goto(link);
    await gPage.getByRole("heading", { name: "Ссылка не работает" }).waitFor();
    await gPage.close();

    // A student of the class is not in the parents' chat: no way in, not even by the address.
    const token = await api<{ error: { code: string } }>(
      base,
      "POST",
      `/calls/${callId}/token`,
      kolya.token,
    );
    assert.deepEqual([token.status, token.body.error.code], [404, "not_found"]);
    const sPage = await signedInPage(e2e, "kolya@school12.test");
    watch(sPage);
    const shown = await sPage.goto(`/calls/${callId}`);
    assert.equal(shown?.status(), 404);
    await sPage.getByRole("heading", { name: "Страница не найдена" }).waitFor();
    assert.equal(await sPage.getByRole("button", { name: "Присоединиться" }).count(), 0);

    // The network drops for a few seconds: the parents' pages say they are reconnecting, and
    // everyone comes back into the same meeting without pressing anything.
    relay.cut(4_000);
    await mPage.getByText("Связь со звонком прервалась. Переподключаемся…").waitFor({
      timeout: 15_000,
    });
    await mPage.screenshot({ path: `${SHOTS}/reconnecting.png` });
    await mPage.getByText("Связь со звонком прервалась. Переподключаемся…").waitFor({
      state: "detached",
      timeout: 45_000,
    });
    await mPage.getByRole("button", { name: "Выйти" }).waitFor();
    for (const page of [tPage, mPage, pPage]) {
      await until(
        "two remote videos play again",
        async () => await remoteVideos(page) === 2,
        30_000,
      );
    }
    await until(
      "LiveKit has the same three in the same room",
      async () =>
        JSON.stringify(await inRoom()) === JSON.stringify([teacher.id, mama.id, papa.id].sort()),
      15_000,
    );
    await mPage.screenshot({ path: `${SHOTS}/reconnected.png` });

    // The teacher ends the meeting for everyone.
    await tPage.getByRole("button", { name: "Завершить для всех" }).click();
    await tPage.getByRole("button", { name: "Завершить звонок" }).click();
    for (const page of [tPage, mPage, pPage]) {
      await page.getByRole("heading", { name: "Звонок завершён" }).waitFor({ timeout: 20_000 });
    }
    assert.deepEqual(errors, []);
  } catch (err) {
    console.error(lk.log().split("\n").slice(-60).join("\n"));
    throw err;
  }
});
