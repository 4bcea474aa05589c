/**
 * A lesson on the real LiveKit server (the pinned release scripts/ensure_livekit.sh builds), in
 * Chromium with its fake camera and microphone: a teacher starts a lesson from the class chat,
 * two students join from the chat's call card, everyone sees everyone's video, a hand goes up,
 * the teacher mutes a student and removes another (who cannot come back), ends the lesson for
 * everyone, and attendance comes from LiveKit's own signed webhooks. LiveKit's RoomService is asked what it has at each step.
 * Screenshots go to /tmp/parta-lesson.
 */
import assert from "node:assert/strict";
import type { Page } from "playwright-core";
import { TrackSource } from "livekit-server-sdk";
import { FAKE_MEDIA, type Member, schoolWith, signedInPage, startE2E } from "./browser.ts";
import { api } from "../server.ts";
import { until } from "../until.ts";
import { freePort, startLiveKit } from "../livekit.ts";

const SHOTS = "/tmp/parta-lesson";

async function shot(page: Page, name: string) {
  await page.screenshot({ path: `${SHOTS}/${name}.png` });
}

/** How many tiles on `page` play someone else's camera (frames arrive: videoWidth > 0). */
function remoteVideos(page: Page): Promise<number> {
  return page.evaluate(() =>
    [...document.querySelectorAll<HTMLVideoElement>(".call-grid video:not(.mirror)")]
      .filter((v) => v.videoWidth > 0 && !v.closest(".call-tile-screen")).length
  );
}

/** Joins the call open on `page`; resolves when the call room shows. */
async function join(page: Page) {
  await page.getByRole("button", { name: "Присоединиться", exact: true }).click();
  await page.getByRole("button", { name: "Выйти" }).waitFor({ timeout: 30_000 });
}

Deno.test("a lesson on the real LiveKit: start, join, see each other, hand, mute, remove, end, attendance", async () => {
  await Deno.mkdir(SHOTS, { recursive: true });
  const port = freePort();
  const origin = `http://127.0.0.1:${port}`;
  await using lk = await startLiveKit({ webhookUrl: `${origin}/api/v1/livekit/webhook` });
  await using e2e = await startE2E(
    { PORT: String(port), APP_ORIGIN: origin, ...lk.env },
    [...FAKE_MEDIA, "--allow-loopback-in-peer-connection"],
  );
  const { base } = e2e;
  const school = await schoolWith(
    base,
    { name: "Школа № 7", adminEmail: "admin@school7.test", adminName: "Ольга Сергеевна" },
    [
      { role: "teacher", email: "teacher@school7.test", name: "Мария Ивановна" },
      { role: "student", email: "kolya@school7.test", name: "Коля Петров" },
      { role: "student", email: "masha@school7.test", name: "Маша Соколова" },
      { role: "parent", email: "parent@school7.test", name: "Анна Петрова" },
    ],
  );
  const [teacher, kolya, masha, parent] = school.people as [Member, Member, Member, Member];
  // Set, not left to the clock: the school's default quiet hours would hold students'
  // notifications in the evening.
  const quiet = await api(base, "PATCH", `/orgs/${school.orgId}`, school.admin, {
    settings: { quietHours: { enabled: false, start: "21:00", end: "08:00" } },
  });
  assert.equal(quiet.status, 200);
  const chat = await api<{ chat: { id: string } }>(
    base,
    "POST",
    `/orgs/${school.orgId}/chats`,
    teacher.token,
    { kind: "group", title: "Физика, 9 «А»", memberIds: [kolya.id, masha.id] },
  );
  assert.equal(chat.status, 201);
  const chatId = chat.body.chat.id;
  const errors: string[] = [];
  const watch = (page: Page) => page.on("pageerror", (err) => errors.push(err.message));

  try {
    // The teacher starts a lesson from the class chat and lands on its page.
    const tPage = await signedInPage(e2e, "teacher@school7.test");
    watch(tPage);
    await tPage.goto(`/chats/${chatId}`);
    await tPage.getByRole("button", { name: "Звонок, урок или встреча" }).click();
    await tPage.getByRole("radio", { name: /Онлайн-урок/ }).check();
    await tPage.getByLabel("Тема (необязательно)").fill("Законы Ньютона");
    await tPage.getByRole("button", { name: "Начать", exact: true }).click();
    await tPage.waitForURL(/\/calls\/[0-9A-Z]{26}$/);
    const callId = new URL(tPage.url()).pathname.split("/").pop()!;
    const view = await api<{ call: { room: string } }>(
      base,
      "GET",
      `/calls/${callId}`,
      teacher.token,
    );
    const room = view.body.call.room;
    await join(tPage);

    // The students find the live call card in the chat and join from it.
    const students: Page[] = [];
    let joinMs = 0;
    for (const email of ["kolya@school7.test", "masha@school7.test"]) {
      const page = await signedInPage(e2e, email);
      watch(page);
      await page.goto(`/chats/${chatId}`);
      const card = page.locator(".call-card.is-live");
      await card.getByText("Онлайн-урок: Законы Ньютона").waitFor();
      await card.getByRole("link", { name: /Присоединиться/ }).click();
      await page.waitForURL(`**/calls/${callId}`);
      await page.getByRole("heading", { level: 1, name: "Законы Ньютона" }).waitFor();
      const clicked = Date.now();
      await join(page);
      await until(
        "the student sees the teacher's video",
        async () => await remoteVideos(page) >= 1,
        30_000,
      );
      joinMs = Date.now() - clicked;
      students.push(page);
    }
    console.log(`lesson: the second student's join, click to first remote frame: ${joinMs} ms`);
    const [kPage, mPage] = students as [Page, Page];

    // Everyone sees the two others' cameras playing.
    for (const page of [tPage, kPage, mPage]) {
      await until("two remote videos play", async () => await remoteVideos(page) === 2, 30_000);
    }
    await tPage.getByText("Участники (3)").waitFor();
    await shot(tPage, "lesson-teacher");
    await shot(kPage, "lesson-student");

    // LiveKit itself has the three of them, each publishing a camera and a microphone.
    const participants = await lk.rooms.listParticipants(room);
    assert.deepEqual(
      participants.map((p) => p.identity).sort(),
      [teacher.id, kolya.id, masha.id].sort(),
    );
    for (const p of participants) {
      const sources = p.tracks.map((t) => t.source).sort();
      assert.deepEqual(sources, [TrackSource.CAMERA, TrackSource.MICROPHONE].sort(), p.identity);
    }

    // Коля raises his hand; the teacher sees it on his tile and in the list.
    await kPage.getByRole("button", { name: "Поднять руку" }).click();
    const kolyaTile = tPage.locator(".call-tile", { hasText: "Коля Петров" });
    await kolyaTile.locator(".call-flag-hand").waitFor({ timeout: 15_000 });
    await shot(tPage, "hand-raised");

    // The teacher mutes Коля's microphone: his page shows it off, and LiveKit has it muted.
    await tPage.getByRole("button", { name: "Выключить микрофон: Коля Петров" }).click();
    await until("LiveKit reports Коля's microphone muted", async () => {
      const p = await lk.rooms.getParticipant(room, kolya.id);
      return p.tracks.some((t) => t.source === TrackSource.MICROPHONE && t.muted);
    }, 15_000);
    await until(
      "Коля's page shows his microphone off",
      async () =>
        await kPage.getByRole("button", { name: "Микрофон" }).getAttribute("aria-pressed") ===
          "false",
      15_000,
    );
    await shot(kPage, "student-muted");

    // The teacher shares her screen; both students see it.
    await tPage.getByRole("button", { name: "Показать экран" }).click();
    for (const page of [kPage, mPage]) {
      await until("the teacher's screen plays", () =>
        page.evaluate(() => {
          const v = document.querySelector<HTMLVideoElement>(".call-tile-screen video");
          return !!v && v.videoWidth > 0;
        }), 20_000);
    }
    await shot(kPage, "screen-share-student");
    await tPage.getByRole("button", { name: "Показать экран" }).click();

    // A student has no host powers, and LiveKit itself holds him to camera and microphone.
    const byStudent = await api(
      base,
      "POST",
      `/calls/${callId}/participants/${teacher.id}/mute`,
      kolya.token,
      { source: "microphone" },
    );
    assert.equal(byStudent.status, 403);
    const granted = (await lk.rooms.getParticipant(room, kolya.id)).permission?.canPublishSources;
    assert.deepEqual(
      [...granted ?? []].sort(),
      [TrackSource.CAMERA, TrackSource.MICROPHONE].sort(),
      "no screen share for students in a lesson",
    );
    // A parent who is not in the class chat gets no way in.
    const outsider = await api(base, "POST", `/calls/${callId}/token`, parent.token);
    assert.equal(outsider.status, 404);

    // A LiveKit token Маша gets while she may still join (tokens last ten minutes).
    const oldGrant = await api(base, "POST", `/calls/${callId}/token`, masha.token);
    assert.equal(oldGrant.status, 200);

    // The teacher removes Маша: her page says so, LiveKit lets her go, she cannot come back.
    await tPage.getByRole("button", { name: "Удалить из звонка: Маша Соколова" }).click();
    await tPage.getByRole("dialog").getByRole("button", { name: "Удалить", exact: true }).click();
    await mPage.getByText("Ведущий удалил вас из звонка.").waitFor({ timeout: 15_000 });
    await until("LiveKit no longer has Маша", async () => {
      const ids = (await lk.rooms.listParticipants(room)).map((p) => p.identity);
      return ids.length === 2 && !ids.includes(masha.id);
    });
    const again = await api<{ error: { code: string } }>(
      base,
      "POST",
      `/calls/${callId}/token`,
      masha.token,
    );
    assert.deepEqual([again.status, again.body.error.code], [403, "removed_from_call"]);
    await mPage.reload();
    await mPage.getByRole("button", { name: "Присоединиться", exact: true }).click();
    await mPage.getByText("Ведущий удалил вас из звонка.").waitFor();
    await shot(mPage, "student-removed");
    // Nor with the token from before: her page is handed it instead of the refusal, LiveKit lets
    // her in, and Parta, told by LiveKit's webhook, takes her out again.
    await mPage.route(
      `**/api/v1/calls/${callId}/token`,
      (route) => route.fulfill({ json: oldGrant.body }),
    );
    await mPage.reload();
    await mPage.getByRole("button", { name: "Присоединиться", exact: true }).click();
    await mPage.getByText("Ведущий удалил вас из звонка.").waitFor({ timeout: 20_000 });
    await until("LiveKit has Маша out again", async () => {
      const ids = (await lk.rooms.listParticipants(room)).map((p) => p.identity);
      return ids.length === 2 && !ids.includes(masha.id);
    });

    // The teacher ends the lesson for everyone: LiveKit closes the room, every page says so.
    await tPage.getByRole("button", { name: "Завершить для всех" }).click();
    await tPage.getByRole("button", { name: "Завершить звонок" }).click();
    for (const page of [tPage, kPage]) {
      await page.getByRole("heading", { name: "Звонок завершён" }).waitFor({ timeout: 20_000 });
    }
    await until(
      "LiveKit has no room left",
      async () => (await lk.rooms.listRooms()).length === 0,
      15_000,
    );
    const events = await api<{ events: { type: string }[] }>(
      base,
      "GET",
      `/chats/${chatId}/events`,
      teacher.token,
    );
    assert.ok(events.body.events.some((e) => e.type === "call.ended"), "the chat is told");

    // Attendance comes from LiveKit's signed webhooks: each of the three joined and left.
    await until("LiveKit's webhooks recorded all three leaving", async () => {
      const res = await api<{ attendance: { userId: string; leftAt?: string }[] }>(
        base,
        "GET",
        `/calls/${callId}`,
        teacher.token,
      );
      // One visit each: Маша's return with the old token is no visit.
      const left = res.body.attendance.filter((a) => a.leftAt).map((a) => a.userId).sort();
      return res.body.attendance.length === 3 &&
        JSON.stringify(left) === JSON.stringify([teacher.id, kolya.id, masha.id].sort());
    }, 20_000);
    await tPage.reload();
    await tPage.getByRole("heading", { name: "Посещаемость" }).waitFor();
    // Each of the three is drawn on the lesson's timeline.
    assert.equal(await tPage.locator("svg.call-timeline rect.call-timeline-visit").count(), 3);
    await shot(tPage, "attendance");
    assert.deepEqual(errors, []);
  } catch (err) {
    console.error(lk.log().split("\n").slice(-60).join("\n"));
    throw err;
  }
});
