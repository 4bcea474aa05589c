/**
 * The call page in a real browser with Chromium's fake camera and microphone when the call
 * server is out of reach (LIVEKIT_URL points at a closed port): the page shows the camera
 * preview, then says plainly that the call server cannot be reached. Also: devices refused, the
 * call ended, and a server without LiveKit at all. A lesson on the real LiveKit server is
 * lesson_test.ts. Screenshots go to /tmp/parta-call.
 */
import assert from "node:assert/strict";
import type { Browser, BrowserContext, Page } from "playwright-core";
import {
  approvedSchool,
  assertAccessible,
  FAKE_MEDIA,
  launchChromium,
  OPERATOR,
  signInThroughUi,
  startE2E,
} from "./browser.ts";
import { api, freePort, type RealServer, signInReal, startServer } from "../server.ts";
import { until } from "../until.ts";

const SHOTS = "/tmp/parta-call";
const KEY = "APIpartae2e";
const SECRET = "an-e2e-livekit-secret-long-enough-for-hs256";
const TEACHER = "teacher@school5.test";
const STUDENT = "student@school5.test";

async function shot(page: Page, name: string) {
  await page.screenshot({ path: `${SHOTS}/${name}.png`, fullPage: true });
}

interface Seeded {
  teacherToken: string;
  studentToken: string;
  outsiderToken: string;
  chatId: string;
}

/** An approved school with a teacher, a student in the teacher's class chat, and an outsider. */
async function seed(base: string): Promise<Seeded> {
  const approved = await approvedSchool(base, {
    schoolName: "Школа № 5",
    region: "Тверь",
    adminName: "Ольга Сергеевна",
    adminEmail: "admin@school5.test",
    adminPhone: "+7 900 555-55-55",
  });
  const orgId = approved.orgId;
  const admin = await signInReal(base, "admin@school5.test");
  const accepted = await api(
    base,
    "POST",
    `/invites/${approved.adminInvite.token}/accept`,
    admin,
    {
      displayName: "Ольга Сергеевна",
    },
  );
  assert.equal(accepted.status, 200);
  const join = async (role: string, email: string, name: string) => {
    const invite = await api<{ token: string }>(base, "POST", `/orgs/${orgId}/invites`, admin, {
      role,
    });
    assert.equal(invite.status, 201);
    const token = await signInReal(base, email);
    const res = await api(base, "POST", `/invites/${invite.body.token}/accept`, token, {
      displayName: name,
    });
    assert.equal(res.status, 200);
    const me = await api<{ user: { id: string } }>(base, "GET", "/me", token);
    return { token, id: me.body.user.id };
  };
  const teacher = await join("teacher", TEACHER, "Мария Ивановна");
  const student = await join("student", STUDENT, "Коля Петров");
  const outsider = await join("student", "outsider@school5.test", "Не из класса");
  const chat = await api<{ chat: { id: string } }>(
    base,
    "POST",
    `/orgs/${orgId}/chats`,
    teacher.token,
    {
      kind: "group",
      title: "Физика, 9 «А»",
      memberIds: [student.id],
    },
  );
  assert.equal(chat.status, 201);
  return {
    teacherToken: teacher.token,
    studentToken: student.token,
    outsiderToken: outsider.token,
    chatId: chat.body.chat.id,
  };
}

async function startLesson(base: string, s: Seeded, title: string): Promise<string> {
  const res = await api<{ call: { id: string } }>(
    base,
    "POST",
    `/chats/${s.chatId}/calls`,
    s.teacherToken,
    {
      kind: "lesson",
      title,
    },
  );
  assert.equal(res.status, 201);
  return res.body.call.id;
}

/** The page's HTML as `token`'s holder gets it. */
async function pageAs(base: string, path: string, token: string) {
  const res = await fetch(`${base}${path}`, {
    headers: { Authorization: `Bearer ${token}` },
    redirect: "manual",
  });
  return {
    status: res.status,
    html: await res.text(),
    csp: res.headers.get("Content-Security-Policy"),
  };
}

/** Whether the preview <video> shows frames from the (fake) camera. */
function previewPlaying(page: Page) {
  return page.evaluate(() => {
    const v = document.querySelector<HTMLVideoElement>(".call-preview video");
    const stream = v?.srcObject as MediaStream | null;
    return !!v && !!stream && stream.getVideoTracks().length > 0 && v.videoWidth > 0;
  });
}

async function signedIn(browser: Browser, base: string, email: string, width = 1280) {
  const context = await browser.newContext({
    baseURL: base,
    locale: "ru-RU",
    viewport: width < 600 ? { width, height: 844 } : { width, height: 900 },
  });
  const page = await context.newPage();
  await signInThroughUi(page, base, email);
  await page.waitForURL(/\/chats$/);
  return { context, page };
}

Deno.test("the call page: camera preview, then a clear word when the call server is out of reach", async () => {
  await Deno.mkdir(SHOTS, { recursive: true });
  const dir = await Deno.makeTempDir({ prefix: "parta-call-e2e-" });
  const kvPath = `${dir}/parta.kv`;
  const lkPort = freePort(); // nothing listens there
  const contexts: BrowserContext[] = [];
  let browser: Browser | null = null;
  let bare: RealServer | null = null;
  try {
    const e2e = await startE2E({
      KV_PATH: kvPath,
      LIVEKIT_URL: `ws://127.0.0.1:${lkPort}`,
      LIVEKIT_API_KEY: KEY,
      LIVEKIT_API_SECRET: SECRET,
    });
    let s: Seeded;
    let nextCall: string;
    try {
      const { base } = e2e;
      browser = await launchChromium(FAKE_MEDIA);
      s = await seed(base);
      const callId = await startLesson(base, s, "Законы Ньютона");

      // Signed out: to sign-in and back. Outside the chat, or no such call: not found.
      const anon = await browser.newContext({ baseURL: base, locale: "ru-RU" });
      contexts.push(anon);
      const anonPage = await anon.newPage();
      await anonPage.goto(`/calls/${callId}`);
      assert.match(anonPage.url(), /\/signin\?next=%2Fcalls%2F/);
      assert.equal((await pageAs(base, `/calls/${callId}`, s.outsiderToken)).status, 404);
      assert.equal((await pageAs(base, "/calls/nonsense", s.teacherToken)).status, 404);

      // The page lets the LiveKit server's origin (and only it) into connect-src.
      const { csp } = await pageAs(base, `/calls/${callId}`, s.teacherToken);
      assert.match(csp ?? "", new RegExp(`connect-src 'self' ws://127\\.0\\.0\\.1:${lkPort} `));
      const chatCsp = (await pageAs(base, `/chats/${s.chatId}`, s.teacherToken)).csp ?? "";
      assert.ok(!chatCsp.includes(String(lkPort)), "other pages keep connect-src 'self'");

      // The teacher opens the call: title, chat, way back, and the fake camera's preview.
      const teacher = await signedIn(browser, base, TEACHER);
      contexts.push(teacher.context);
      const page = teacher.page;
      const errors: string[] = [];
      page.on("pageerror", (err) => errors.push(err.message));
      page.on("console", (m) => {
        if (/Content Security Policy/i.test(m.text())) errors.push(m.text());
      });
      await page.goto(`/calls/${callId}`);
      await page.getByRole("heading", { level: 1, name: "Законы Ньютона" }).waitFor();
      await page.getByText("Онлайн-урок").waitFor();
      await page.getByText("Чат «Физика, 9 «А»»").waitFor();
      assert.equal(
        await page.getByRole("link", { name: "Вернуться в чат" }).getAttribute("href"),
        `/chats/${s.chatId}`,
      );
      await until("the camera preview plays", () => previewPlaying(page));
      assert.ok(await page.locator("#call-cam option").count() >= 1, "cameras are listed");
      assert.ok(await page.locator("#call-mic option").count() >= 1, "microphones are listed");
      const micToggle = page.getByRole("button", { name: "Микрофон" });
      assert.equal(await micToggle.getAttribute("aria-pressed"), "true");
      await micToggle.click();
      assert.equal(await micToggle.getAttribute("aria-pressed"), "false");
      await micToggle.click();
      await shot(page, "prejoin-desktop");
      await assertAccessible(page, "pre-join");

      // Joining: the token is issued, LiveKit is not there; a plain sentence within ~10 s.
      const started = Date.now();
      await page.getByRole("button", { name: "Присоединиться", exact: true }).click();
      const alert = page.getByRole("alert").filter({
        hasText: "Не удаётся связаться с сервером звонков",
      });
      await alert.waitFor({ timeout: 15_000 });
      const took = Date.now() - started;
      assert.ok(took < 13_000, `the failure is told in ${took} ms`);
      await page.getByRole("button", { name: "Попробовать снова" }).waitFor();
      await until("the preview comes back", () => previewPlaying(page));
      await shot(page, "unreachable-desktop");
      await assertAccessible(page, "call server unreachable");

      // At phone width the same page fits.
      const phone = await browser.newContext({
        baseURL: base,
        locale: "ru-RU",
        viewport: { width: 390, height: 844 },
        storageState: await teacher.context.storageState(),
      });
      contexts.push(phone);
      const small = await phone.newPage();
      small.on("pageerror", (err) => errors.push(err.message));
      await small.goto(`/calls/${callId}`);
      await until("the phone preview plays", () => previewPlaying(small));
      const overflow = await small.evaluate(() =>
        document.documentElement.scrollWidth - document.documentElement.clientWidth
      );
      assert.ok(overflow <= 0, `no sideways scrolling at phone width (${overflow}px)`);
      await shot(small, "prejoin-phone");
      await small.getByRole("button", { name: "Присоединиться", exact: true }).click();
      await small.getByRole("alert").filter({ hasText: "Не удаётся связаться" }).waitFor({
        timeout: 15_000,
      });
      await shot(small, "unreachable-phone");

      // The student's browser refuses the camera and microphone: said so, joining still offered.
      const student = await signedIn(browser, base, STUDENT);
      contexts.push(student.context);
      await student.context.addInitScript(() => {
        navigator.mediaDevices.getUserMedia = () =>
          Promise.reject(new DOMException("Permission denied", "NotAllowedError"));
      });
      const pupil = student.page;
      pupil.on("pageerror", (err) => errors.push(err.message));
      await pupil.goto(`/calls/${callId}`);
      await pupil.getByRole("alert").filter({ hasText: "не дал доступ к камере и микрофону" })
        .waitFor();
      await pupil.getByRole("button", { name: "Присоединиться без камеры и микрофона" }).waitFor();
      assert.equal(
        await pupil.getByRole("button", { name: "Камера" }).getAttribute("aria-pressed"),
        "false",
      );
      await shot(pupil, "devices-refused");
      await assertAccessible(pupil, "devices refused");

      // The chat page does not load LiveKit's client.
      const chatPage = await teacher.context.newPage();
      const scripts: string[] = [];
      chatPage.on("response", (res) => {
        if (res.request().resourceType() === "script") scripts.push(res.url());
      });
      await chatPage.goto(`/chats/${s.chatId}`);
      await chatPage.waitForLoadState("networkidle");
      assert.ok(scripts.length > 0);
      assert.ok(!scripts.some((u) => u.includes("livekit")), `chat page scripts: ${scripts}`);
      await chatPage.close();

      // The teacher ends the call; joining now says it is over, and so does the page.
      const ended = await api(base, "POST", `/calls/${callId}/end`, s.teacherToken);
      assert.equal(ended.status, 200);
      await page.getByRole("button", { name: "Попробовать снова" }).click();
      await page.getByRole("heading", { name: "Звонок завершён" }).waitFor();
      const disclosure = page.getByRole("button", { name: "Посещаемость" });
      assert.equal(await disclosure.getAttribute("aria-expanded"), "false");
      await disclosure.click();
      assert.equal(await disclosure.getAttribute("aria-expanded"), "true");
      await page.getByText("Были на звонке: 0 из 2").waitFor();
      await shot(page, "ended-island");
      await assertAccessible(page, "ended call, seen from the call page");
      await page.reload();
      await page.getByRole("heading", { name: "Звонок завершён" }).waitFor();
      await page.getByText(/Длительность: /).waitFor();
      await page.getByRole("heading", { name: "Посещаемость" }).waitFor();
      await page.getByRole("cell", { name: "нет" }).first().waitFor();
      const csvHref = await page.getByRole("link", { name: "Скачать посещаемость (CSV)" })
        .getAttribute("href");
      const csv = await page.request.get(csvHref!);
      assert.equal(csv.status(), 200);
      assert.match(csv.headers()["content-type"] ?? "", /^text\/csv/);
      await shot(page, "ended-host");
      await assertAccessible(page, "ended call");
      const asStudent = await pageAs(base, `/calls/${callId}`, s.studentToken);
      assert.match(asStudent.html, /Звонок завершён/);
      assert.ok(!asStudent.html.includes("attendance.csv"), "attendance is for hosts");
      assert.deepEqual(errors, []);

      // A call left going for the server without LiveKit below.
      nextCall = await startLesson(base, s, "Консультация перед контрольной");
    } finally {
      for (const context of contexts.splice(0)) await context.close().catch(() => {});
      await e2e[Symbol.asyncDispose]();
    }

    // The same school on a server without LIVEKIT_*: the page says why there is no call.
    bare = await startServer({ KV_PATH: kvPath, DEV_OUTBOX: "1", OPERATOR_EMAILS: OPERATOR });
    const teacher = await signedIn(browser!, bare.url, TEACHER);
    contexts.push(teacher.context);
    const errors: string[] = [];
    teacher.page.on("pageerror", (err) => errors.push(err.message));
    await teacher.page.goto(`/calls/${nextCall}`);
    await teacher.page.getByRole("heading", { name: "Видеозвонки не настроены" }).waitFor();
    await teacher.page.getByRole("alert").filter({ hasText: "LIVEKIT_URL" }).waitFor();
    assert.equal(
      await teacher.page.locator(".call-outcome").getByRole("link", { name: "Вернуться в чат" })
        .getAttribute("href"),
      `/chats/${s.chatId}`,
    );
    assert.equal(await teacher.page.locator("video").count(), 0, "no camera is asked for");
    await shot(teacher.page, "not-configured");
    await assertAccessible(teacher.page, "calls not configured");
    const token = await api(bare.url, "POST", `/calls/${nextCall}/token`, s.teacherToken);
    assert.equal(token.status, 503);
    assert.deepEqual(errors, []);
  } finally {
    for (const context of contexts) await context.close().catch(() => {});
    await browser?.close().catch(() => {});
    await bare?.stop();
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
});
