/**
 * The e-mail about unread messages, through a real SMTP server started here (npm smtp-server):
 * who gets it and when, what it says (plain text and HTML), and its one-click unsubscribe link,
 * which works without signing in and changes nothing else.
 */
import assert from "node:assert/strict";
import { simpleParser } from "mailparser";
import { createSchool, joinAs, json, kvSnapshot, serve, type TestApp, testApp } from "./helpers.ts";
import { connect } from "./ws_client.ts";
import { outboxMailer, smtpMailer } from "../platform/mail.ts";
import { readConfig } from "../platform/config.ts";
import { smtpSink } from "./smtp_sink.ts";
import { ulidSource } from "../shared/ids.ts";
import { until } from "./until.ts";
import { deliverWebhook, startLiveKit, webhookAuth } from "./livekit.ts";

async function setUp(port: number, env: Record<string, string> = {}) {
  // Every mail goes over SMTP; sign-in codes are also kept in the outbox for the helpers to read.
  const smtpConfig = readConfig({
    SMTP_URL: `smtp://127.0.0.1:${port}`,
    MAIL_FROM: "parta@school.test",
  })
    .smtp!;
  const smtp = smtpMailer(smtpConfig, "parta.test");
  let outbox: ReturnType<typeof outboxMailer> | null = null;
  const t = await testApp({
    env,
    mailer: {
      async send(mail) {
        await outbox!.send(mail);
        await smtp.send(mail);
      },
      close: () => smtp.close(),
    },
  });
  outbox = outboxMailer(t.kv, t.clock, ulidSource(t.clock));
  const { orgId, admin } = await createSchool(t);
  const teacher = await joinAs(t, admin, orgId, "teacher", "Мария Ивановна");
  const parent = await joinAs(t, admin, orgId, "parent", "Ольга Кузнецова");
  const other = await joinAs(t, admin, orgId, "parent", "Игорь Смирнов");
  const chat = await json<{ chat: { id: string } }>(
    t,
    "POST",
    `/orgs/${orgId}/chats`,
    teacher.token,
    {
      kind: "group",
      title: "5 «А»",
      memberIds: [parent.id, other.id],
    },
  );
  return { t, orgId, admin, teacher, parent, other, chatId: chat.body.chat.id };
}

async function send(t: TestApp, token: string, chatId: string, text: string) {
  const res = await json(t, "POST", `/chats/${chatId}/messages`, token, {
    clientId: crypto.randomUUID(),
    text,
  });
  assert.equal(res.status, 201);
  await t.deps.effects.drain();
}

Deno.test("an unread e-mail comes 15 minutes after, once per absence, not to whoever came by", async () => {
  await using sink = await smtpSink();
  const s = await setUp(sink.port);
  await using t = s.t;
  await using server = serve(t);
  const emailOf = async (token: string) =>
    (await json<{ user: { email: string } }>(t, "GET", "/me", token)).body.user.email;
  const parentEmail = await emailOf(s.parent.token);
  const otherEmail = await emailOf(s.other.token);
  const unread = (to: string) =>
    sink.received.filter((m) => m.to.includes(to) && m.raw.includes("List-Unsubscribe"));

  await send(t, s.teacher.token, s.chatId, "Завтра экскурсия в музей, сбор в 9:00");
  await send(t, s.teacher.token, s.chatId, "Возьмите <сменную> обувь & перекус");
  // The other parent opens Parta within the quarter of an hour.
  t.clock.advance(5 * 60_000);
  {
    await using socket = await connect(server.wsUrl);
    socket.send({ type: "hello", token: s.other.token });
    await socket.next((f) => f.type === "ready");
  }
  t.clock.advance(9 * 60_000);
  await t.deps.effects.drain();
  assert.equal(unread(parentEmail).length, 0, "not before 15 minutes");

  t.clock.advance(60_000 + 1000);
  await t.deps.effects.drain();
  await until("the e-mail arrived", () => unread(parentEmail).length === 1);
  assert.equal(unread(otherEmail).length, 0, "who came by in between gets none");

  const mail = await simpleParser(unread(parentEmail)[0]!.raw);
  assert.equal(mail.subject, "Парта: 2 непрочитанных сообщения");
  assert.match(mail.text ?? "", /Здравствуйте, Ольга Кузнецова!/);
  assert.match(
    mail.text ?? "",
    /• 5 «А» — 2 новых\n {2}Мария Ивановна: Возьмите <сменную> обувь & перекус/,
  );
  assert.match(mail.text ?? "", /Открыть Парту: http:\/\/parta\.test\/chats/);
  const html = String(mail.html);
  assert.ok(html.includes("Возьмите &lt;сменную&gt; обувь &amp; перекус"), "no user text as HTML");
  assert.ok(!html.includes("<сменную>"));
  const header = (name: string) => mail.headerLines.find((h) => h.key === name)?.line ?? "";
  const listUnsubscribe = header("list-unsubscribe");
  const link = /http:\/\/parta\.test(\/unsubscribe\/[\w.-]+)/.exec(listUnsubscribe)?.[1];
  assert.ok(link, listUnsubscribe);
  assert.equal(
    header("list-unsubscribe-post"),
    "List-Unsubscribe-Post: List-Unsubscribe=One-Click",
  );
  assert.ok((mail.text ?? "").includes(`http://parta.test${link}`), "the link is in the text too");

  // More messages while still away: no second e-mail until they come back.
  await send(t, s.teacher.token, s.chatId, "И ещё: родительское собрание в четверг");
  t.clock.advance(16 * 60_000);
  await t.deps.effects.drain();
  assert.equal(unread(parentEmail).length, 1, "one e-mail per absence");

  // The link, without signing in: opening it asks and changes nothing; the one-click POST turns
  // this person's unread e-mail off and nothing else.
  const before = await kvSnapshot(t.kv);
  const opened = await t.fetch(link);
  assert.equal(opened.status, 200);
  assert.match(await opened.text(), /Не присылать такие письма/);
  assert.deepEqual(await kvSnapshot(t.kv), before, "opening the link changes nothing");
  const clicked = await t.fetch(link, {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
    body: "List-Unsubscribe=One-Click",
  });
  assert.equal(clicked.status, 200);
  const after = await kvSnapshot(t.kv);
  const changed = after.filter((line) => !before.includes(line));
  assert.equal(changed.length, 1, `only the person's record: ${changed.join("; ")}`);
  const me = await json<{ user: { unreadEmail: string | null } }>(t, "GET", "/me", s.parent.token);
  assert.equal(me.body.user.unreadEmail, "off");

  const forged = await t.fetch(link.replace(/.$/, (c) => c === "A" ? "B" : "A"), {
    method: "POST",
  });
  assert.equal(forged.status, 404, "a link not signed by this server does nothing");
});

Deno.test("an e-mail only for those who want one: the school's default, their own choice", async () => {
  await using sink = await smtpSink();
  const s = await setUp(sink.port);
  await using t = s.t;
  const patched = await json(t, "PATCH", `/orgs/${s.orgId}`, s.admin, {
    settings: { unreadEmail: "off" },
  });
  assert.equal(patched.status, 200);
  const chose = await json(t, "PATCH", "/me", s.other.token, { unreadEmail: "15m" });
  assert.equal(chose.status, 200);
  await send(t, s.teacher.token, s.chatId, "Контрольная в пятницу");
  t.clock.advance(16 * 60_000);
  await t.deps.effects.drain();
  const to = async (token: string) => {
    const email = (await json<{ user: { email: string } }>(t, "GET", "/me", token)).body.user.email;
    return sink.received.filter((m) => m.to.includes(email) && m.raw.includes("List-Unsubscribe"));
  };
  await until(
    "the e-mail of who chose it arrived",
    async () => (await to(s.other.token)).length === 1,
  );
  assert.equal((await to(s.parent.token)).length, 0, "the school said no, and they did not choose");
  const back = await json<{ user: { unreadEmail: string | null } }>(
    t,
    "PATCH",
    "/me",
    s.other.token,
    { unreadEmail: null },
  );
  assert.equal(back.body.user.unreadEmail, null, "back to the school's choice");

  // The school chooses the daily digest: everyone who has not chosen gets theirs at 18:00.
  await json(t, "PATCH", "/me", s.teacher.token, { unreadEmail: "off" });
  const daily = await json(t, "PATCH", `/orgs/${s.orgId}`, s.admin, {
    settings: { unreadEmail: "daily" },
  });
  assert.equal(daily.status, 200);
  const pending = async (id: string) => (await t.kv.get(["digest_pending", id])).value;
  assert.deepEqual(await pending(s.parent.id), { dueAt: Date.parse("2026-09-01T15:00:00Z") });
  assert.equal(await pending(s.teacher.id), null, "who chose for themselves keeps it");
});

Deno.test("a parent of two children who chose the daily digest gets one at 18:00 with each child's day", async () => {
  await using sink = await smtpSink();
  // Lessons are calls, on a real LiveKit; who joined is told as LiveKit tells it, by signed
  // webhooks (no browser joins here).
  await using lk = await startLiveKit();
  const s = await setUp(sink.port, lk.env);
  await using t = s.t;
  const classOf = async (name: string) =>
    (await json<{ id: string }>(t, "POST", `/orgs/${s.orgId}/classes`, s.admin, { name })).body.id;
  const [fifth, second] = [await classOf("5А"), await classOf("2Б")];
  await json(t, "PATCH", `/orgs/${s.orgId}/members/${s.teacher.id}`, s.admin, {
    classIds: [fifth, second],
  });
  const petya = await joinAs(t, s.admin, s.orgId, "student", "Петя Кузнецов", { classId: fifth });
  const masha = await joinAs(t, s.admin, s.orgId, "student", "Маша Кузнецова", { classId: second });
  const linked = await json(t, "PATCH", `/orgs/${s.orgId}/members/${s.parent.id}`, s.admin, {
    childIds: [petya.id, masha.id],
  });
  assert.equal(linked.status, 200, JSON.stringify(linked.body));
  const classChat = async (classId: string, title: string) =>
    (await json<{ chat: { id: string } }>(t, "POST", `/orgs/${s.orgId}/chats`, s.teacher.token, {
      kind: "group",
      title,
      classId,
    })).body.chat.id;
  const [chat5, chat2] = [await classChat(fifth, "5А"), await classChat(second, "2Б")];

  const chose = await json(t, "PATCH", "/me", s.parent.token, { unreadEmail: "daily" });
  assert.equal(chose.status, 200);
  const announce = async (chatId: string, text: string) =>
    (await json<{ message: { seq: number } }>(
      t,
      "POST",
      `/chats/${chatId}/messages`,
      s.teacher.token,
      {
        clientId: crypto.randomUUID(),
        text,
        needsAck: true,
      },
    )).body.message.seq;
  const trip = await announce(chat5, "Экскурсия в музей в пятницу");
  await announce(chat2, "Принесите фотографию для стенгазеты");
  const acked = await json(t, "POST", `/chats/${chat5}/messages/${trip}/ack`, petya.token);
  assert.equal(acked.status, 200);
  const lesson = await json(t, "POST", `/chats/${chat5}/lessons`, s.teacher.token, {
    kind: "lesson",
    title: "Математика",
    startsAt: "2026-09-02T06:00:00Z",
  });
  assert.equal(lesson.status, 201, JSON.stringify(lesson.body));
  await send(t, s.teacher.token, s.chatId, "Завтра родительское собрание в 18:30");
  // A lesson call in each class: Petya joins his, Masha misses hers.
  const lessonCall = async (chatId: string, title: string, joined: string[]) => {
    const call = (await json<{ call: { id: string; room: string } }>(
      t,
      "POST",
      `/chats/${chatId}/calls`,
      s.teacher.token,
      { kind: "lesson", title },
    )).body.call;
    for (const identity of joined) {
      const body = JSON.stringify({
        event: "participant_joined",
        id: crypto.randomUUID(),
        createdAt: Math.floor(t.clock.now() / 1000),
        room: { name: call.room },
        participant: { identity, sid: `PA_${identity}` },
      });
      assert.equal(await deliverWebhook(t, body, await webhookAuth(body)), 200);
    }
    t.clock.advance(40 * 60_000);
    const ended = await json(t, "POST", `/calls/${call.id}/end`, s.teacher.token);
    assert.equal(ended.status, 200, JSON.stringify(ended.body));
    await t.deps.effects.drain();
  };
  await lessonCall(chat5, "Окружающий мир", [petya.id]);
  await lessonCall(chat2, "Чтение", []);

  const email = (await json<{ user: { email: string } }>(t, "GET", "/me", s.parent.token)).body.user
    .email;
  const digests = () =>
    sink.received.filter((m) => m.to.includes(email) && m.raw.includes("List-Unsubscribe"));
  t.clock.ms = Date.parse("2026-09-01T14:59:00Z"); // 17:59 in Moscow
  await t.deps.effects.drain();
  assert.equal(digests().length, 0, "not before 18:00");
  t.clock.ms = Date.parse("2026-09-01T15:00:30Z");
  await t.deps.effects.drain();
  await until("the digest arrived", () => digests().length === 1);

  const mail = await simpleParser(digests()[0]!.raw);
  assert.equal(mail.subject, "Парта: сводка за 1 сентября");
  const text = mail.text ?? "";
  const petyaPart = text.slice(text.indexOf("Петя Кузнецов"), text.indexOf("Маша Кузнецова"));
  const mashaPart = text.slice(text.indexOf("Маша Кузнецова"), text.indexOf("Сообщения учителей"));
  assert.match(petyaPart, /5А: Экскурсия в музей в пятницу — подтверждено/);
  assert.match(petyaPart, /Урок «Математика» — 2 сентября 2026/);
  assert.match(mashaPart, /2Б: Принесите фотографию для стенгазеты — ещё не подтверждено/);
  assert.doesNotMatch(mashaPart, /Математика/, "each child's own lessons");
  assert.match(mashaPart, /Пропущенные уроки:\n {2}• «Чтение», 1 сентября 2026/);
  assert.doesNotMatch(petyaPart, /Пропущенные/, "he was at his lesson");
  assert.match(text, /5 «А» — Мария Ивановна: Завтра родительское собрание в 18:30/);
  assert.ok(String(mail.html).includes("Экскурсия в музей в пятницу — подтверждено"));

  // The next one is at tomorrow's 18:00, and nothing is sent twice.
  await t.deps.effects.drain();
  assert.equal(digests().length, 1);
  const next = await t.kv.get<{ dueAt: number }>(["digest_pending", s.parent.id]);
  assert.equal(next.value?.dueAt, Date.parse("2026-09-02T15:00:00Z"));
});
