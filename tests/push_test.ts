/**
 * Web Push end to end against a real push service started here (tests/push_service.ts): it
 * checks each request's VAPID signature and decrypts the payload with the subscription's own
 * keys, so what is asserted is what a browser's service worker would get.
 */
import assert from "node:assert/strict";
import { createSchool, joinAs, json, serve, type TestApp, testApp } from "./helpers.ts";
import { connect } from "./ws_client.ts";
import { PushService } from "./push_service.ts";
import { keys } from "../platform/kv_keys.ts";

const PUSH_ENV = { PUSH_ALLOW_INSECURE_LOCALHOST: "1" };

/** Subscribes a new device of the person signed in with `token`; returns its id there. */
async function device(t: TestApp, push: PushService, token: string): Promise<string> {
  const sub = push.subscribe();
  const res = await json(t, "POST", "/push-subscriptions", token, sub.json);
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return sub.id;
}

/** A class-like group: a teacher, a student and a parent, each with one subscribed device. */
async function school(t: TestApp, push: PushService) {
  const { orgId, admin } = await createSchool(t);
  const teacher = await joinAs(t, admin, orgId, "teacher", "Мария Ивановна");
  const student = await joinAs(t, admin, orgId, "student", "Петя Кузнецов");
  const parent = await joinAs(t, admin, orgId, "parent", "Ольга Кузнецова");
  const chat = await json<{ chat: { id: string } }>(
    t,
    "POST",
    `/orgs/${orgId}/chats`,
    teacher.token,
    {
      kind: "group",
      title: "5 «А»",
      memberIds: [student.id, parent.id],
    },
  );
  const devices = {
    teacher: await device(t, push, teacher.token),
    student: await device(t, push, student.token),
    parent: await device(t, push, parent.token),
  };
  return { orgId, admin, teacher, student, parent, chatId: chat.body.chat.id, devices };
}

async function send(t: TestApp, token: string, chatId: string, text: string, extra = {}) {
  const res = await json(t, "POST", `/chats/${chatId}/messages`, token, {
    clientId: crypto.randomUUID(),
    text,
    ...extra,
  });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  await t.deps.effects.drain();
}

Deno.test("subscriptions: the key is served, https push services only, listed and removed by their owner", async () => {
  await using t = await testApp({ env: PUSH_ENV });
  await using push = new PushService();
  const { admin } = await createSchool(t);
  const key = await json<{ publicKey: string }>(t, "GET", "/push/vapid-public-key", null);
  assert.match(key.body.publicKey, /^[A-Za-z0-9_-]{87}$/);
  const again = await json<{ publicKey: string }>(t, "GET", "/push/vapid-public-key", null);
  assert.equal(again.body.publicKey, key.body.publicKey, "made once, kept");

  const sub = push.subscribe();
  const first = await json<{ subscription: { id: string } }>(
    t,
    "POST",
    "/push-subscriptions",
    admin,
    sub.json,
  );
  assert.equal(first.status, 201);
  const renewed = await json(t, "POST", "/push-subscriptions", admin, sub.json);
  assert.equal(renewed.status, 200, "the same browser again is the same subscription");

  for (
    const endpoint of [
      "http://push.example.org/x", // not https
      "https://evil.example.org/x", // not a push service
      "https://fcm.googleapis.com:8443/x", // a port of its own
      "http://10.0.0.5:8080/push/x", // insecure and not loopback
    ]
  ) {
    const res = await json<{ error: { field?: string } }>(t, "POST", "/push-subscriptions", admin, {
      ...sub.json,
      endpoint,
    });
    assert.equal(res.status, 400, endpoint);
    assert.equal(res.body.error.field, "endpoint");
  }
  const badKey = await json(t, "POST", "/push-subscriptions", admin, {
    ...sub.json,
    keys: { p256dh: "short", auth: sub.json.keys.auth },
  });
  assert.equal(badKey.status, 400);

  const list = await json<{ subscriptions: { id: string; current: boolean; service: string }[] }>(
    t,
    "GET",
    "/push-subscriptions",
    admin,
  );
  assert.equal(list.body.subscriptions.length, 1);
  assert.equal(list.body.subscriptions[0]!.current, true, "this browser");
  assert.equal(list.body.subscriptions[0]!.service, "127.0.0.1");
  assert.equal("endpoint" in list.body.subscriptions[0]!, false, "the endpoint is not shown");

  const other = await createSchool(t, "Другая школа");
  const foreign = await json(
    t,
    "DELETE",
    `/push-subscriptions/${first.body.subscription.id}`,
    other.admin,
  );
  assert.equal(foreign.status, 404, "someone else's subscription is not found");
  const removed = await json(
    t,
    "DELETE",
    `/push-subscriptions/${first.body.subscription.id}`,
    admin,
  );
  assert.equal(removed.status, 204);
  const empty = await json<{ subscriptions: unknown[] }>(t, "GET", "/push-subscriptions", admin);
  assert.deepEqual(empty.body.subscriptions, []);
});

Deno.test("insecure push endpoints are refused unless the server allows them for development", async () => {
  await using t = await testApp();
  await using push = new PushService();
  const { admin } = await createSchool(t);
  const res = await json(t, "POST", "/push-subscriptions", admin, push.subscribe().json);
  assert.equal(res.status, 400);
});

Deno.test("a new message reaches every member's device once, encrypted for it, never the sender's", async () => {
  await using t = await testApp({ env: PUSH_ENV });
  await using push = new PushService();
  const s = await school(t, push);
  const parentPhone = await device(t, push, s.parent.token);

  await send(t, s.teacher.token, s.chatId, "Завтра экскурсия в музей, сбор в 9:00");
  assert.deepEqual(push.refused, []);
  assert.equal(push.to(s.devices.teacher).length, 0, "the sender's own device stays quiet");
  for (const id of [s.devices.student, s.devices.parent, parentPhone]) {
    const got = push.to(id);
    assert.equal(got.length, 1, id);
    assert.deepEqual(got[0]!.payload, {
      v: 1,
      kind: "message",
      title: "5 «А»",
      body: "Мария Ивановна: Завтра экскурсия в музей, сбор в 9:00",
      tag: `chat-${s.chatId}`,
      url: `/chats/${s.chatId}`,
      chatId: s.chatId,
      seq: 2,
      count: 1,
    });
    assert.equal(got[0]!.ttl, 86400);
    assert.equal(got[0]!.urgency, "normal");
    assert.match(got[0]!.topic ?? "", /^[A-Za-z0-9_-]{32}$/, "one topic per message");
  }
  // Run again (as after a crash): nothing more is sent.
  await t.deps.effects.drain();
  assert.equal(push.received.length, 3);
});

Deno.test("a muted chat stays quiet, except for an announcement to confirm; unmuted it notifies again", async () => {
  await using t = await testApp({ env: PUSH_ENV });
  await using push = new PushService();
  const s = await school(t, push);
  const muted = await json<{ notifications: { muted: boolean; mutedUntil: string | null } }>(
    t,
    "PUT",
    `/chats/${s.chatId}/notifications`,
    s.parent.token,
    { mute: "8h" },
  );
  assert.deepEqual(muted.body.notifications, {
    muted: true,
    mutedUntil: new Date(t.clock.ms + 8 * 3600_000).toISOString(),
  });
  const listed = await json<{ chats: { id: string; notifications: { muted: boolean } }[] }>(
    t,
    "GET",
    "/chats",
    s.parent.token,
  );
  assert.equal(listed.body.chats.find((c) => c.id === s.chatId)!.notifications.muted, true);

  await send(t, s.teacher.token, s.chatId, "Обычное сообщение");
  assert.equal(push.to(s.devices.parent).length, 0, "muted");
  assert.equal(push.to(s.devices.student).length, 1);

  await send(t, s.teacher.token, s.chatId, "Собрание в четверг", { needsAck: true });
  const ack = push.to(s.devices.parent);
  assert.equal(ack.length, 1, "an announcement to confirm notifies anyway");
  assert.equal(ack[0]!.payload.body, "Мария Ивановна: Нужно подтвердить: Собрание в четверг");
  assert.equal(ack[0]!.urgency, "high");

  t.clock.advance(8 * 3600_000 + 1000);
  await send(t, s.teacher.token, s.chatId, "Спустя восемь часов");
  assert.equal(push.to(s.devices.parent).length, 2, "the mute ran out");

  await json(t, "PUT", `/chats/${s.chatId}/notifications`, s.parent.token, { mute: "forever" });
  await send(t, s.teacher.token, s.chatId, "Ещё одно");
  assert.equal(push.to(s.devices.parent).length, 2, "muted until turned on");
  await json(t, "PUT", `/chats/${s.chatId}/notifications`, s.parent.token, { mute: "none" });
  await send(t, s.teacher.token, s.chatId, "И ещё");
  assert.equal(push.to(s.devices.parent).length, 3);

  const bad = await json(t, "PUT", `/chats/${s.chatId}/notifications`, s.parent.token, {
    mute: "2h",
  });
  assert.equal(bad.status, 400);
});

Deno.test("a mention notifies even in a muted chat; @все only from teachers and admins", async () => {
  await using t = await testApp({ env: PUSH_ENV });
  await using push = new PushService();
  const s = await school(t, push);
  for (const token of [s.parent.token, s.student.token]) {
    await json(t, "PUT", `/chats/${s.chatId}/notifications`, token, { mute: "forever" });
  }
  await send(t, s.teacher.token, s.chatId, "@Ольга Кузнецова, зайдите, пожалуйста, в четверг", {
    mentions: [s.parent.id],
  });
  const named = push.to(s.devices.parent);
  assert.equal(named.length, 1, "named, so notified though muted");
  assert.equal(named[0]!.urgency, "high");
  assert.equal(push.to(s.devices.student).length, 0, "not named: the mute holds");
  const stored = await json<{ messages: { mentions?: string[] }[] }>(
    t,
    "GET",
    `/chats/${s.chatId}/messages`,
    s.parent.token,
  );
  assert.deepEqual(stored.body.messages[0]!.mentions, [s.parent.id], "kept as a person, not text");

  const byStudent = await json<{ error: { code: string } }>(
    t,
    "POST",
    `/chats/${s.chatId}/messages`,
    s.student.token,
    { clientId: "all-by-student", text: "@все смотрите!", mentionAll: true },
  );
  assert.equal(byStudent.status, 403, "a student may not call on everyone");
  await send(t, s.teacher.token, s.chatId, "@все завтра к первому уроку", { mentionAll: true });
  assert.equal(push.to(s.devices.student).length, 1, "@все reaches the muted too");
  assert.equal(push.to(s.devices.parent).length, 2);

  const { orgId } = s;
  const outsider = await joinAs(t, s.admin, orgId, "parent", "Не в чате");
  const stranger = await json<{ error: { field?: string } }>(
    t,
    "POST",
    `/chats/${s.chatId}/messages`,
    s.teacher.token,
    { clientId: "stranger", text: "@кто-то", mentions: [outsider.id] },
  );
  assert.equal(stranger.status, 400);
  assert.equal(stranger.body.error.field, "mentions");
});

Deno.test("whoever is looking at the chat is not notified of it; looking away, they are", async () => {
  await using t = await testApp({ env: PUSH_ENV });
  await using server = serve(t);
  await using push = new PushService();
  const s = await school(t, push);
  await using socket = await connect(server.wsUrl);
  socket.send({ type: "hello", token: s.parent.token });
  await socket.next((f) => f.type === "ready");
  socket.send({ type: "view", chatId: s.chatId });
  socket.send({ type: "ping" });
  await socket.next((f) => f.type === "pong");

  await send(t, s.teacher.token, s.chatId, "Пока вы смотрите");
  assert.equal(push.to(s.devices.parent).length, 0, "the open chat shows it");
  assert.equal(push.to(s.devices.student).length, 1);

  socket.send({ type: "view", chatId: null });
  socket.send({ type: "ping" });
  await socket.next((f) =>
    f.type === "pong" && socket.frames.filter((x) => x.type === "pong").length === 2
  );
  await send(t, s.teacher.token, s.chatId, "Вкладка в фоне");
  assert.equal(push.to(s.devices.parent).length, 1, "the tab in the background does not count");

  // A socket that went away without a word stops counting once its claim runs out.
  socket.send({ type: "view", chatId: s.chatId });
  socket.send({ type: "ping" });
  await socket.until((fs) => fs.filter((x) => x.type === "pong").length === 3);
  t.clock.advance(120_000);
  await send(t, s.teacher.token, s.chatId, "Давно не заглядывали");
  assert.equal(push.to(s.devices.parent).length, 2);
});

Deno.test("a removed member is not notified; a gone subscription is deleted; a busy push service is retried", async () => {
  await using t = await testApp({ env: PUSH_ENV });
  await using push = new PushService();
  const s = await school(t, push);
  const removed = await json(
    t,
    "DELETE",
    `/chats/${s.chatId}/members/${s.parent.id}`,
    s.teacher.token,
  );
  assert.equal(removed.status, 204);
  push.expire(s.devices.student);
  await send(t, s.teacher.token, s.chatId, "После изменений");
  assert.equal(push.to(s.devices.parent).length, 0, "no longer a member");
  const left = await json<{ subscriptions: unknown[] }>(
    t,
    "GET",
    "/push-subscriptions",
    s.student.token,
  );
  assert.deepEqual(left.body.subscriptions, [], "410: the subscription is gone for good");

  const phone = await device(t, push, s.student.token);
  push.answer(phone, 429, 503);
  await send(t, s.teacher.token, s.chatId, "Со второй попытки");
  assert.equal(push.to(phone).length, 0, "the service was busy");
  for (let i = 0; i < 3 && push.to(phone).length === 0; i++) {
    t.clock.advance(60_000);
    await t.deps.effects.drain();
  }
  const got = push.to(phone);
  assert.equal(got.length, 1, "delivered once the service took it");
  assert.equal(got[0]!.payload.body, "Мария Ивановна: Со второй попытки");
  assert.ok(got[0]!.ttl < 86400, "what is left of its time to live");
  t.clock.advance(3600_000);
  await t.deps.effects.drain();
  assert.equal(push.to(phone).length, 1, "and only once");
});

Deno.test("quiet hours hold a student's notifications (not a parent's) and end in one summary", async () => {
  await using t = await testApp({ env: PUSH_ENV });
  await using push = new PushService();
  const s = await school(t, push);
  t.clock.ms = Date.parse("2026-09-01T19:30:00Z"); // 22:30 in Moscow
  await send(t, s.teacher.token, s.chatId, "Поздно вечером");
  await send(t, s.teacher.token, s.chatId, "И ещё одно");
  assert.equal(push.to(s.devices.student).length, 0, "nothing reaches a student at night");
  assert.equal(push.to(s.devices.parent).length, 2, "parents are not held");
  t.clock.ms = Date.parse("2026-09-02T04:59:00Z"); // 07:59
  await t.deps.effects.drain();
  assert.equal(push.to(s.devices.student).length, 0);
  t.clock.ms = Date.parse("2026-09-02T05:00:30Z"); // 08:00
  await t.deps.effects.drain();
  const got = push.to(s.devices.student);
  assert.equal(got.length, 1, "one summary");
  assert.equal(got[0]!.payload.title, "Пока действовали тихие часы");
  assert.equal(got[0]!.payload.body, "Пришло 2 сообщения в 1 чате.");
  assert.equal(got[0]!.topic, "quiet");
  assert.equal(
    (await t.kv.get(keys.quietHeld(s.student.id as never, s.orgId as never))).value,
    null,
  );
});

Deno.test("students' previews can be hidden by the school; signing out ends the browser's notifications", async () => {
  await using t = await testApp({ env: PUSH_ENV });
  await using push = new PushService();
  const s = await school(t, push);
  const patched = await json(t, "PATCH", `/orgs/${s.orgId}`, s.admin, {
    settings: { studentPushPreviews: false },
  });
  assert.equal(patched.status, 200, JSON.stringify(patched.body));
  await send(t, s.teacher.token, s.chatId, "Контрольная по математике в пятницу");
  assert.equal(push.to(s.devices.student)[0]!.payload.body, "Мария Ивановна: Новое сообщение");
  assert.equal(
    push.to(s.devices.parent)[0]!.payload.body,
    "Мария Ивановна: Контрольная по математике в пятницу",
  );

  const out = await json(t, "POST", "/auth/logout", s.parent.token);
  assert.equal(out.status, 204);
  await send(t, s.teacher.token, s.chatId, "После выхода");
  assert.equal(push.to(s.devices.parent).length, 1, "a signed-out browser hears nothing");
});

Deno.test("two workers, one KV: each device gets each push exactly once", async () => {
  await using stack = new AsyncDisposableStack();
  const kv = stack.use(await Deno.openKv(":memory:"));
  const push = stack.use(new PushService());
  const a = stack.use(await testApp({ kv, env: PUSH_ENV }));
  const b = stack.use(await testApp({ kv, env: PUSH_ENV }));
  const s = await school(a, push);
  // Sent in bursts from both workers at once, as fast as the send allowance lets them.
  for (let burst = 0; burst < 10; burst++) {
    await Promise.all(Array.from({ length: 10 }, async (_, j) => {
      const i = burst * 10 + j;
      const t = i % 2 === 0 ? a : b;
      const res = await json(t, "POST", `/chats/${s.chatId}/messages`, s.teacher.token, {
        clientId: `m-${i}`,
        text: `Сообщение ${i}`,
      });
      assert.equal(res.status, 201);
    }));
    a.clock.advance(30_000);
    b.clock.advance(30_000);
  }
  await Promise.all([a.deps.effects.drain(), b.deps.effects.drain()]);
  for (const id of [s.devices.student, s.devices.parent]) {
    const counts = new Map<number, number>();
    let messages = 0;
    for (const p of push.to(id)) {
      messages += p.payload.count as number;
      const seq = p.payload.seq as number;
      counts.set(seq, (counts.get(seq) ?? 0) + 1);
    }
    assert.equal(messages, 100, "every message is in a push");
    assert.ok([...counts.values()].every((n) => n === 1), "no push twice");
  }
  assert.equal(push.to(s.devices.teacher).length, 0);
});

Deno.test("the service worker that shows notifications is a script browsers can run", async () => {
  await using t = await testApp();
  const res = await t.fetch("/sw.js");
  assert.equal(res.status, 200);
  const script = await res.text();
  // Compiled, not run: a syntax error here would leave the browser with no service worker.
  assert.doesNotThrow(() => new Function(script));
  for (const event of ["push", "notificationclick", "pushsubscriptionchange"]) {
    assert.ok(script.includes(`addEventListener("${event}"`), event);
  }
});
