import assert from "node:assert/strict";
import { TokenVerifier } from "livekit-server-sdk";
import { createSchool, joinAs, json, kvSnapshot, type TestApp, testApp } from "./helpers.ts";
import { deliverWebhook, webhookAuth } from "./livekit.ts";

const KEY = "APIparta";
const SECRET = "a-livekit-secret-long-enough-for-hs256";

interface Recorded {
  path: string;
  auth: string | null;
  body: Record<string, unknown>;
}

/** A stand-in for LiveKit's Twirp API that records what it is asked. */
function fakeLiveKit() {
  const calls: Recorded[] = [];
  /** Identities LiveKit does not have in the room: it answers Twirp not_found for them. */
  const absent = new Set<string>();
  const server = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen() {} }, async (req) => {
    const path = new URL(req.url).pathname;
    const body = await req.json().catch(() => ({}));
    calls.push({ path, auth: req.headers.get("Authorization"), body });
    if (
      (path.endsWith("/GetParticipant") || path.endsWith("/UpdateParticipant")) &&
      absent.has(body.identity)
    ) {
      return Response.json({ code: "not_found", msg: "participant not found" }, { status: 404 });
    }
    if (path.endsWith("/GetParticipant")) {
      return Response.json({
        sid: "PA_1",
        identity: body.identity,
        tracks: [
          { sid: "TR_MIC", type: "AUDIO", source: "MICROPHONE" },
          { sid: "TR_CAM", type: "VIDEO", source: "CAMERA" },
        ],
      });
    }
    if (path.endsWith("/ListParticipants")) {
      return Response.json({
        participants: [
          { identity: "a", attributes: { hand: "up" } },
          { identity: "b", attributes: {} },
        ],
      });
    }
    return Response.json({});
  });
  const { port } = server.addr as Deno.NetAddr;
  return { calls, absent, url: `ws://127.0.0.1:${port}`, close: () => server.shutdown() };
}

/** LiveKit's signature of a webhook with this file's key (or another `secret`). */
const signed = (body: string, secret = SECRET) => webhookAuth(body, KEY, secret);

/** A test app on the stand-in LiveKit, with a school and its teacher (dispose it to stop both). */
async function liveKitSchool() {
  const lk = fakeLiveKit();
  const t = await testApp({
    env: { LIVEKIT_URL: lk.url, LIVEKIT_API_KEY: KEY, LIVEKIT_API_SECRET: SECRET },
  });
  const { orgId, admin } = await createSchool(t);
  const teacher = await joinAs(t, admin, orgId, "teacher", "Мария Ивановна");
  return {
    lk,
    t,
    teacher,
    /** Someone new in the school. */
    join: (role: string, name: string) => joinAs(t, admin, orgId, role, name),
    /** A group chat of the teacher's with `members`, and a call the teacher starts in it. */
    async call(title: string, members: { id: string }[], input: Record<string, unknown>) {
      const chat = await json<{ chat: { id: string } }>(
        t,
        "POST",
        `/orgs/${orgId}/chats`,
        teacher.token,
        { kind: "group", title, memberIds: members.map((m) => m.id) },
      );
      const started = await json<{ call: { id: string; room: string; lobby?: true } }>(
        t,
        "POST",
        `/chats/${chat.body.chat.id}/calls`,
        teacher.token,
        input,
      );
      assert.equal(started.status, 201);
      return { chatId: chat.body.chat.id, ...started.body.call };
    },
    async [Symbol.asyncDispose]() {
      await t[Symbol.asyncDispose]();
      await lk.close();
    },
  };
}

Deno.test("without LiveKit configured, calls answer 503 calls_unavailable", async () => {
  await using t = await testApp();
  const { orgId, admin } = await createSchool(t);
  const chat = await json<{ chat: { id: string } }>(t, "POST", `/orgs/${orgId}/chats`, admin, {
    kind: "group",
    title: "Учительская",
  });
  const res = await json<{ error: { code: string } }>(
    t,
    "POST",
    `/chats/${chat.body.chat.id}/calls`,
    admin,
    {
      kind: "meeting",
    },
  );
  assert.equal(res.status, 503);
  assert.equal(res.body.error.code, "calls_unavailable");
});

Deno.test("a lesson: tokens by role, signed webhooks feed attendance, the room's end closes the call", async () => {
  const lk = fakeLiveKit();
  try {
    await using t = await testApp({
      env: { LIVEKIT_URL: lk.url, LIVEKIT_API_KEY: KEY, LIVEKIT_API_SECRET: SECRET },
    });
    const { orgId, admin } = await createSchool(t);
    const teacher = await joinAs(t, admin, orgId, "teacher", "Мария Ивановна");
    const student = await joinAs(t, admin, orgId, "student", "Коля");
    const outsider = await joinAs(t, admin, orgId, "student", "Не из класса");
    const other = await createSchool(t, "Чужая школа");
    const chat = await json<{ chat: { id: string } }>(
      t,
      "POST",
      `/orgs/${orgId}/chats`,
      teacher.token,
      {
        kind: "group",
        title: "Физика, 9А",
        memberIds: [student.id],
      },
    );
    const chatId = chat.body.chat.id;

    const refused = await json(t, "POST", `/chats/${chatId}/calls`, student.token, {
      kind: "lesson",
    });
    assert.equal(refused.status, 403, "students do not start lessons");
    const started = await json<{ call: { id: string; room: string; kind: string } }>(
      t,
      "POST",
      `/chats/${chatId}/calls`,
      teacher.token,
      { kind: "lesson", title: "Законы Ньютона" },
    );
    assert.equal(started.status, 201);
    const call = started.body.call;
    assert.ok(
      !call.room.includes(chatId) && !call.room.includes(call.id),
      "the room name is opaque",
    );
    const again = await json<{ error: { call: { id: string } } }>(
      t,
      "POST",
      `/chats/${chatId}/calls`,
      teacher.token,
      {
        kind: "call",
      },
    );
    assert.equal(again.status, 409);
    assert.equal(again.body.error.call.id, call.id);

    const verifier = new TokenVerifier(KEY, SECRET);
    const hostToken = await json<{ url: string; token: string }>(
      t,
      "POST",
      `/calls/${call.id}/token`,
      teacher.token,
    );
    assert.equal(hostToken.body.url, lk.url);
    const host = await verifier.verify(hostToken.body.token);
    assert.equal(host.sub, teacher.id);
    assert.equal(host.video?.room, call.room);
    assert.ok(!host.video?.roomAdmin, "host controls go through Parta, never the browser's token");
    assert.ok(!host.video?.canUpdateOwnMetadata);
    // No names in tokens: pages name people from Parta's list, and a guest learns none.
    assert.equal(host.name, undefined);
    assert.ok(host.exp! - Math.floor(Date.now() / 1000) <= 600, "short-lived");
    const pupil = await verifier.verify(
      (await json<{ token: string }>(t, "POST", `/calls/${call.id}/token`, student.token)).body
        .token,
    );
    assert.equal(pupil.sub, student.id);
    assert.ok(!pupil.video?.roomAdmin);
    assert.ok(!pupil.video?.canUpdateOwnMetadata, "nobody sets their own name or attributes");
    assert.deepEqual(pupil.video?.canPublishSources, ["camera", "microphone"]);
    for (const token of [outsider.token, other.admin]) {
      const res = await json(t, "POST", `/calls/${call.id}/token`, token);
      assert.equal(res.status, 404, "no token for anyone outside the chat");
    }

    const joined = JSON.stringify({
      event: "participant_joined",
      id: "EV_1",
      createdAt: Math.floor(t.clock.now() / 1000),
      room: { name: call.room },
      participant: { identity: student.id },
    });
    const before = await kvSnapshot(t.kv);
    assert.equal(await deliverWebhook(t, joined), 401, "unsigned");
    assert.equal(
      await deliverWebhook(t, joined.replace(student.id, teacher.id), await signed(joined)),
      401,
      "tampered",
    );
    assert.equal(
      await deliverWebhook(t, joined, await signed(joined, "some-other-secret-entirely-12345")),
      401,
    );
    assert.deepEqual(await kvSnapshot(t.kv), before, "refused webhooks change nothing");
    assert.equal(await deliverWebhook(t, joined, await signed(joined)), 200);
    assert.equal(
      await deliverWebhook(t, joined, await signed(joined)),
      200,
      "a repeated delivery is harmless",
    );
    const view = await json<{ attendance: { userId: string; leftAt?: string }[] }>(
      t,
      "GET",
      `/calls/${call.id}`,
      teacher.token,
    );
    assert.deepEqual(view.body.attendance.map((a) => a.userId), [student.id]);

    // Host controls reach LiveKit's RoomService as its Twirp API expects.
    const mute = await json(
      t,
      "POST",
      `/calls/${call.id}/participants/${student.id}/mute`,
      teacher.token,
      {
        source: "microphone",
      },
    );
    assert.equal(mute.status, 204);
    const byStudent = await json(
      t,
      "POST",
      `/calls/${call.id}/participants/${teacher.id}/remove`,
      student.token,
    );
    assert.equal(byStudent.status, 403);
    assert.equal(
      (await json(t, "POST", `/calls/${call.id}/hands/lower`, teacher.token)).status,
      204,
    );
    const paths = lk.calls.map((r) => r.path);
    assert.deepEqual(paths, [
      "/twirp/livekit.RoomService/GetParticipant",
      "/twirp/livekit.RoomService/MutePublishedTrack",
      "/twirp/livekit.RoomService/ListParticipants",
      "/twirp/livekit.RoomService/UpdateParticipant",
    ]);
    const muted = lk.calls[1]!;
    assert.deepEqual(muted.body, {
      room: call.room,
      identity: student.id,
      trackSid: "TR_MIC",
      muted: true,
    });
    const lowered = lk.calls[3]!;
    assert.deepEqual(lowered.body, { room: call.room, identity: "a", attributes: { hand: "" } });
    for (const r of lk.calls) {
      const claims = await verifier.verify(r.auth!.replace(/^Bearer /, ""));
      assert.equal(claims.video?.roomAdmin, true, "signed with the API secret, as room admin");
      assert.equal(claims.video?.room, call.room);
    }

    // Host controls name someone in the call: a stranger to the chat is refused before LiveKit
    // is asked, and a member LiveKit does not have in the room is a 404 too, not an outage.
    const asked = lk.calls.length;
    const stranger = await json<{ error: { code: string } }>(
      t,
      "POST",
      `/calls/${call.id}/participants/01JZZZZZZZZZZZZZZZZZZZZZZZ/mute`,
      teacher.token,
      { source: "all" },
    );
    assert.deepEqual([stranger.status, stranger.body.error.code], [404, "not_found"]);
    assert.equal(lk.calls.length, asked, "LiveKit is not asked about a stranger");
    lk.absent.add(student.id);
    const gone = await json<{ error: { code: string } }>(
      t,
      "POST",
      `/calls/${call.id}/participants/${student.id}/mute`,
      teacher.token,
      { source: "microphone" },
    );
    assert.deepEqual([gone.status, gone.body.error.code], [404, "not_found"]);
    lk.absent.delete(student.id);

    t.clock.advance(25 * 60_000); // Коля stays 25 minutes
    const left = JSON.stringify({
      event: "participant_left",
      id: "EV_2",
      room: { name: call.room },
      participant: { identity: student.id },
    });
    assert.equal(await deliverWebhook(t, left, await signed(left)), 200);
    const finished = JSON.stringify({
      event: "room_finished",
      id: "EV_3",
      room: { name: call.room },
    });
    assert.equal(await deliverWebhook(t, finished, await signed(finished)), 200);
    const events = await json<{ events: { type: string }[] }>(
      t,
      "GET",
      `/chats/${chatId}/events`,
      teacher.token,
    );
    assert.deepEqual(events.body.events.map((e) => e.type), [
      "chat.created",
      "message.created",
      "call.started",
      "call.ended",
    ]);
    const late = await json<{ error: { code: string } }>(
      t,
      "POST",
      `/calls/${call.id}/token`,
      student.token,
    );
    assert.equal(late.status, 410);
    const csv = await t.fetch(`/api/v1/calls/${call.id}/attendance.csv`, {
      headers: { Authorization: `Bearer ${teacher.token}` },
    });
    assert.equal(csv.headers.get("Content-Type"), "text/csv; charset=utf-8");
    // Made for a spreadsheet opened in Russian: UTF-8 with its byte-order mark, semicolons,
    // Russian headers and roles, да/нет, times in the school's time zone (Moscow, UTC+3).
    const bytes = new Uint8Array(await csv.arrayBuffer());
    assert.deepEqual([...bytes.slice(0, 3)], [0xef, 0xbb, 0xbf], "starts with the UTF-8 BOM");
    const rows = new TextDecoder().decode(bytes.slice(3)).trim().split("\r\n");
    assert.equal(rows[0], "Участник;Роль;Был(а);Минут;Первый вход;Последний выход");
    assert.ok(
      rows.includes("Коля;ученик;да;25;01.09.2026 09:00;01.09.2026 09:25"),
      rows.join("\n"),
    );
    assert.ok(rows.includes("Мария Ивановна;учитель;нет;0;;"), rows.join("\n"));
    assert.match(
      csv.headers.get("Content-Disposition")!,
      /^attachment; filename="attendance-[0-9A-Z]{26}\.csv"; filename\*=UTF-8''/,
    );
    const named = decodeURIComponent(csv.headers.get("Content-Disposition")!.split("''")[1]!);
    assert.match(named, /^Посещаемость .+ 2026-09-01\.csv$/);
    // The ended call's page draws each person's stay on a timeline, and says it in words.
    const page = await t.fetch(`/calls/${call.id}`, {
      headers: { Authorization: `Bearer ${teacher.token}` },
    });
    assert.equal(page.status, 410);
    const html = await page.text();
    assert.match(html, /<svg class="call-timeline"[^>]*aria-label="09:00–09:25"/);
    assert.match(html, /<svg class="call-timeline"[^>]*aria-label="Не подключался\(ась\)"/);
  } finally {
    await lk.close();
  }
});

Deno.test("ending a call closes it for everyone through LiveKit and in the chat", async () => {
  const lk = fakeLiveKit();
  try {
    await using t = await testApp({
      env: { LIVEKIT_URL: lk.url, LIVEKIT_API_KEY: KEY, LIVEKIT_API_SECRET: SECRET },
    });
    const { orgId, admin } = await createSchool(t);
    const chat = await json<{ chat: { id: string } }>(t, "POST", `/orgs/${orgId}/chats`, admin, {
      kind: "group",
      title: "Педсовет",
    });
    const started = await json<{ call: { id: string; room: string } }>(
      t,
      "POST",
      `/chats/${chat.body.chat.id}/calls`,
      admin,
      {
        kind: "meeting",
      },
    );
    t.clock.advance(95_000);
    const ended = await json<{ call: { durationSeconds: number } }>(
      t,
      "POST",
      `/calls/${started.body.call.id}/end`,
      admin,
    );
    assert.equal(ended.status, 200);
    assert.equal(ended.body.call.durationSeconds, 95);
    // The call's message in history says so too (a reload shows the call over, not going on).
    const history = await json<{ messages: { call?: { endedAt?: string } }[] }>(
      t,
      "GET",
      `/chats/${chat.body.chat.id}/messages`,
      admin,
    );
    assert.ok(history.body.messages.find((m) => m.call)?.call?.endedAt, "ended in history");
    assert.deepEqual(lk.calls.map((r) => [r.path, r.body]), [[
      "/twirp/livekit.RoomService/DeleteRoom",
      { room: started.body.call.room },
    ]]);
    const next = await json(t, "POST", `/chats/${chat.body.chat.id}/calls`, admin, {
      kind: "call",
    });
    assert.equal(next.status, 201, "a new call can start once the last one ended");
  } finally {
    await lk.close();
  }
});

interface Member {
  userId: string;
  displayName: string | null;
  roles: string[];
  verified: boolean;
  host: boolean;
  canControl: boolean;
}

/** A school with a teacher's group chat of two students, LiveKit stood in for. */
async function quickCallSchool(t: TestApp) {
  const { orgId, admin } = await createSchool(t);
  const teacher = await joinAs(t, admin, orgId, "teacher", "Мария Ивановна");
  const student = await joinAs(t, admin, orgId, "student", "Коля");
  const classmate = await joinAs(t, admin, orgId, "student", "Петя");
  const outsider = await joinAs(t, admin, orgId, "student", "Не из чата");
  const chat = await json<{ chat: { id: string } }>(
    t,
    "POST",
    `/orgs/${orgId}/chats`,
    teacher.token,
    {
      kind: "group",
      title: "9А",
      memberIds: [student.id, classmate.id],
    },
  );
  return { teacher, student, classmate, outsider, chatId: chat.body.chat.id };
}

Deno.test("a student who starts a quick call has no power over the teacher who joins it", async () => {
  const lk = fakeLiveKit();
  try {
    await using t = await testApp({
      env: { LIVEKIT_URL: lk.url, LIVEKIT_API_KEY: KEY, LIVEKIT_API_SECRET: SECRET },
    });
    const { teacher, student, classmate, chatId } = await quickCallSchool(t);
    const started = await json<{ call: { id: string; room: string } }>(
      t,
      "POST",
      `/chats/${chatId}/calls`,
      student.token,
      { kind: "call" },
    );
    assert.equal(started.status, 201);
    const call = started.body.call;

    // The starter's token admins nothing: LiveKit's own API is closed to it.
    const verifier = new TokenVerifier(KEY, SECRET);
    const token = async (who: string) =>
      await verifier.verify(
        (await json<{ token: string }>(t, "POST", `/calls/${call.id}/token`, who)).body.token,
      );
    const starter = await token(student.token);
    assert.ok(!starter.video?.roomAdmin, "a student starter does not admin the room");
    assert.ok(!starter.video?.canUpdateOwnMetadata);
    assert.equal(starter.video?.canPublishSources, undefined, "the starter may share a screen");
    assert.ok(!(await token(teacher.token)).video?.roomAdmin);

    // Outranked: 403 with a sentence that says why, and LiveKit is never asked.
    for (const action of ["mute", "remove"]) {
      const res = await json<{ error: { code: string; message: string } }>(
        t,
        "POST",
        `/calls/${call.id}/participants/${teacher.id}/${action}`,
        student.token,
        action === "mute" ? { source: "all" } : undefined,
      );
      assert.equal(res.status, 403, `the starter's ${action} of the teacher`);
      assert.equal(res.body.error.code, "forbidden");
      assert.equal(
        res.body.error.message,
        `Cannot ${action} this participant: only teachers and admins ${action} a teacher or admin`,
      );
    }
    assert.equal(lk.calls.length, 0, "LiveKit is not asked on the student's behalf");
    const byClassmate = await json(
      t,
      "POST",
      `/calls/${call.id}/participants/${student.id}/mute`,
      classmate.token,
      { source: "microphone" },
    );
    assert.equal(byClassmate.status, 403, "a plain participant hosts nothing");

    // The starter still hosts their call for those below them; the teacher outranks the starter.
    const ok = await json(
      t,
      "POST",
      `/calls/${call.id}/participants/${classmate.id}/mute`,
      student.token,
      { source: "microphone" },
    );
    assert.equal(ok.status, 204);
    const byTeacher = await json(
      t,
      "POST",
      `/calls/${call.id}/participants/${student.id}/mute`,
      teacher.token,
      { source: "microphone" },
    );
    assert.equal(byTeacher.status, 204);
    const removed = await json(
      t,
      "POST",
      `/calls/${call.id}/participants/${student.id}/remove`,
      teacher.token,
    );
    assert.equal(removed.status, 204);
    assert.deepEqual(lk.calls.map((r) => [r.path.split("/").pop(), r.body.identity]), [
      ["GetParticipant", classmate.id],
      ["MutePublishedTrack", classmate.id],
      ["GetParticipant", student.id],
      ["MutePublishedTrack", student.id],
      ["RemoveParticipant", student.id],
    ]);

    // The call page is told, person by person, what this viewer may do: no buttons on the teacher.
    const view = async (who: string) =>
      await json<{ members: Member[]; you: { userId: string; host: boolean } }>(
        t,
        "GET",
        `/calls/${call.id}`,
        who,
      );
    const seen = await view(student.token);
    assert.deepEqual(seen.body.you, { userId: student.id, host: true });
    const control = (members: Member[]) =>
      Object.fromEntries(members.map((m) => [m.displayName, m.canControl]));
    assert.deepEqual(control(seen.body.members), {
      "Мария Ивановна": false,
      "Коля": false,
      "Петя": true,
    });
    assert.deepEqual(control((await view(teacher.token)).body.members), {
      "Мария Ивановна": true,
      "Коля": true,
      "Петя": true,
    });
    const plain = await view(classmate.token);
    assert.deepEqual(plain.body.you, { userId: classmate.id, host: false });
    assert.ok(plain.body.members.every((m) => !m.canControl));
  } finally {
    await lk.close();
  }
});

Deno.test("the call page names and badges people from Parta's own list, keyed by identity", async () => {
  const lk = fakeLiveKit();
  try {
    await using t = await testApp({
      env: { LIVEKIT_URL: lk.url, LIVEKIT_API_KEY: KEY, LIVEKIT_API_SECRET: SECRET },
    });
    const { teacher, student, classmate, outsider, chatId } = await quickCallSchool(t);
    const started = await json<{ call: { id: string } }>(
      t,
      "POST",
      `/chats/${chatId}/calls`,
      student.token,
      { kind: "call" },
    );
    const callId = started.body.call.id;

    const api = await json<{ members: Member[] }>(t, "GET", `/calls/${callId}`, classmate.token);
    assert.equal(api.status, 200);
    const byId = new Map(api.body.members.map((m) => [m.userId, m]));
    assert.deepEqual(byId.get(teacher.id), {
      userId: teacher.id,
      displayName: "Мария Ивановна",
      roles: ["teacher"],
      verified: true,
      host: true,
      canControl: false,
    });
    assert.deepEqual(byId.get(student.id), {
      userId: student.id,
      displayName: "Коля",
      roles: ["student"],
      verified: false,
      host: true,
      canControl: false,
    });
    assert.equal(byId.get(classmate.id)!.host, false);
    assert.equal(byId.has(outsider.id), false, "only the chat's members");
    assert.equal(
      (await json(t, "GET", `/calls/${callId}`, outsider.token)).status,
      404,
      "nor to anyone outside the chat",
    );

    // The page hands the same list to the island, which reads nothing else about people.
    const page = await t.fetch(`/calls/${callId}`, {
      headers: { Authorization: `Bearer ${classmate.token}` },
    });
    const html = await page.text();
    const props = html.match(
      /<script type="application\/json" id="props-CallPage-\d+">(.*?)<\/script>/s,
    );
    assert.ok(props, "the call page renders its island");
    const members = JSON.parse(props[1]!).members as Member[];
    assert.deepEqual(members, api.body.members);
  } finally {
    await lk.close();
  }
});

Deno.test("anyone in the call raises their hand through Parta, rate-limited, set by LiveKit's RoomService", async () => {
  const lk = fakeLiveKit();
  try {
    await using t = await testApp({
      env: { LIVEKIT_URL: lk.url, LIVEKIT_API_KEY: KEY, LIVEKIT_API_SECRET: SECRET },
    });
    const { teacher, classmate, outsider, chatId } = await quickCallSchool(t);
    const started = await json<{ call: { id: string; room: string } }>(
      t,
      "POST",
      `/chats/${chatId}/calls`,
      teacher.token,
      { kind: "lesson" },
    );
    const call = started.body.call;
    const hand = (who: string | null, body: unknown) =>
      json<{ error: { code: string } }>(t, "POST", `/calls/${call.id}/hand`, who, body);

    assert.equal((await hand(null, { raised: true })).status, 401);
    assert.equal((await hand(outsider.token, { raised: true })).status, 404);
    assert.equal((await hand(classmate.token, {})).status, 400);
    assert.equal((await hand(classmate.token, { raised: "yes" })).status, 400);
    assert.equal(lk.calls.length, 0, "refused requests never reach LiveKit");

    assert.equal((await hand(classmate.token, { raised: true })).status, 204);
    assert.equal((await hand(classmate.token, { raised: false })).status, 204);
    const verifier = new TokenVerifier(KEY, SECRET);
    assert.deepEqual(lk.calls.map((r) => [r.path, r.body]), [
      ["/twirp/livekit.RoomService/UpdateParticipant", {
        room: call.room,
        identity: classmate.id,
        attributes: { hand: new Date(t.clock.now()).toISOString() },
      }],
      ["/twirp/livekit.RoomService/UpdateParticipant", {
        room: call.room,
        identity: classmate.id,
        attributes: { hand: "" },
      }],
    ]);
    for (const r of lk.calls) {
      const claims = await verifier.verify(r.auth!.replace(/^Bearer /, ""));
      assert.equal(claims.video?.roomAdmin, true, "Parta's own server token admins the room");
    }

    // Twenty changes a minute per person and call; the next waits, and LiveKit is not asked.
    for (let i = 2; i < 20; i++) {
      assert.equal((await hand(classmate.token, { raised: i % 2 === 0 })).status, 204);
    }
    const asked = lk.calls.length;
    const limited = await hand(classmate.token, { raised: true });
    assert.deepEqual([limited.status, limited.body.error.code], [429, "rate_limited"]);
    assert.equal(lk.calls.length, asked);
    assert.equal((await hand(teacher.token, { raised: true })).status, 204, "per person");
    t.clock.advance(60_000);
    assert.equal((await hand(classmate.token, { raised: true })).status, 204);

    // Someone LiveKit does not have in the room, and a call that ended.
    lk.absent.add(teacher.id);
    assert.equal((await hand(teacher.token, { raised: false })).status, 404);
    lk.absent.delete(teacher.id);
    assert.equal((await json(t, "POST", `/calls/${call.id}/end`, teacher.token)).status, 200);
    assert.equal((await hand(classmate.token, { raised: false })).status, 410);
  } finally {
    await lk.close();
  }
});

Deno.test("a removed participant gets no new token, and a rejoin with an old one is removed again", async () => {
  const lk = fakeLiveKit();
  try {
    await using t = await testApp({
      env: { LIVEKIT_URL: lk.url, LIVEKIT_API_KEY: KEY, LIVEKIT_API_SECRET: SECRET },
    });
    const { teacher, student, chatId } = await quickCallSchool(t);
    const started = await json<{ call: { id: string; room: string } }>(
      t,
      "POST",
      `/chats/${chatId}/calls`,
      teacher.token,
      { kind: "lesson" },
    );
    const { id: callId, room } = started.body.call;
    const before = await json(t, "POST", `/calls/${callId}/token`, student.token);
    assert.equal(before.status, 200, "a token from before the removal");

    const removed = await json(
      t,
      "POST",
      `/calls/${callId}/participants/${student.id}/remove`,
      teacher.token,
    );
    assert.equal(removed.status, 204);
    const refused = await json<{ error: { code: string } }>(
      t,
      "POST",
      `/calls/${callId}/token`,
      student.token,
    );
    assert.deepEqual([refused.status, refused.body.error.code], [403, "removed_from_call"]);

    // LiveKit reports them joining again with the old token: out they go, and it is no visit.
    const joined = JSON.stringify({
      event: "participant_joined",
      id: "EV_REJOIN",
      room: { name: room },
      participant: { identity: student.id },
    });
    const removals = () =>
      lk.calls.filter((r) =>
        r.path.endsWith("/RemoveParticipant") && r.body.identity === student.id
      ).length;
    assert.equal(removals(), 1);
    assert.equal(await deliverWebhook(t, joined, await signed(joined)), 200);
    await t.deps.effects.drain();
    assert.equal(removals(), 2, "removed again through RoomService");
    assert.equal(await deliverWebhook(t, joined, await signed(joined)), 200, "a repeated delivery");
    await t.deps.effects.drain();
    assert.equal(removals(), 2, "and only once");
    const view = await json<{ attendance: { userId: string }[] }>(
      t,
      "GET",
      `/calls/${callId}`,
      teacher.token,
    );
    assert.deepEqual(view.body.attendance.map((a) => a.userId), []);
  } finally {
    await lk.close();
  }
});

Deno.test("a meeting is for adults: parents and staff in the chat join, students do not", async () => {
  await using w = await liveKitSchool();
  const { t, teacher } = w;
  const student = await w.join("student", "Коля");
  const parent = await w.join("parent", "Мама Коли");
  const { chatId, id: callId } = await w.call("5А", [student, parent], {
    kind: "meeting",
    title: "Родительское собрание",
  });
  const token = (who: { token: string }) =>
    json<{ error?: { code: string } }>(t, "POST", `/calls/${callId}/token`, who.token);
  assert.equal((await token(parent)).status, 202, "a parent waits in the meeting's lobby");
  assert.equal((await token(teacher)).status, 200, "the teacher joins");
  const refused = await token(student);
  assert.deepEqual([refused.status, refused.body.error?.code], [403, "adults_only"]);
  // The student's call page says why, instead of offering to join.
  const page = await t.fetch(`/calls/${callId}`, {
    headers: { Authorization: `Bearer ${student.token}` },
  });
  assert.equal(page.status, 403);
  const html = await page.text();
  assert.ok(html.includes("Собрание для взрослых"), "the page explains");
  assert.ok(!html.includes('data-island="CallPage"'), "no way to join");
  // A lesson in the same chat is the student's to join.
  await json(t, "POST", `/calls/${callId}/end`, teacher.token);
  const lesson = await json<{ call: { id: string } }>(
    t,
    "POST",
    `/chats/${chatId}/calls`,
    teacher.token,
    { kind: "lesson" },
  );
  const asStudent = await json(t, "POST", `/calls/${lesson.body.call.id}/token`, student.token);
  assert.equal(asStudent.status, 200);
});

Deno.test("a meeting's lobby: people wait until a host lets them in or turns them away", async () => {
  await using w = await liveKitSchool();
  const { t, teacher } = w;
  const mama = await w.join("parent", "Анна Петрова");
  const papa = await w.join("parent", "Игорь Смирнов");
  const started = await w.call("Родители 5 «А»", [mama, papa], {
    kind: "meeting",
    title: "Родительское собрание",
  });
  assert.equal(started.lobby, true, "a meeting has a lobby unless asked otherwise");
  const { chatId, id: callId } = started;
  const token = (who: { token: string }) =>
    json<{ waiting?: true; token?: string; error?: { code: string } }>(
      t,
      "POST",
      `/calls/${callId}/token`,
      who.token,
    );
  const lobby = () =>
    json<{ waiting: { userId: string; displayName: string }[] }>(
      t,
      "GET",
      `/calls/${callId}/lobby`,
      teacher.token,
    );

  // The host goes straight in; the parents wait.
  assert.equal((await token(teacher)).status, 200);
  assert.deepEqual(await lobby().then((l) => l.body.waiting), []);
  const first = await token(mama);
  assert.deepEqual([first.status, first.body], [202, { waiting: true }]);
  t.clock.advance(2000);
  assert.equal((await token(papa)).status, 202);
  assert.deepEqual((await lobby()).body.waiting.map((w) => w.displayName), [
    "Анна Петрова",
    "Игорь Смирнов",
  ]);
  // Only hosts see and answer the lobby.
  assert.equal((await json(t, "GET", `/calls/${callId}/lobby`, mama.token)).status, 403);
  const byParent = await json(t, "POST", `/calls/${callId}/lobby/${papa.id}/admit`, mama.token);
  assert.equal(byParent.status, 403);

  // Let in: a token, from then on.
  const admit = await json(t, "POST", `/calls/${callId}/lobby/${mama.id}/admit`, teacher.token);
  assert.equal(admit.status, 204);
  const letIn = await token(mama);
  assert.equal(letIn.status, 200);
  assert.ok(letIn.body.token);
  assert.equal((await token(mama)).status, 200, "still in after asking again");

  // Turned away: told once, then they may ask again and wait.
  const decline = await json(t, "POST", `/calls/${callId}/lobby/${papa.id}/decline`, teacher.token);
  assert.equal(decline.status, 204);
  assert.deepEqual((await lobby()).body.waiting, []);
  const refused = await token(papa);
  assert.deepEqual([refused.status, refused.body.error?.code], [403, "lobby_declined"]);
  assert.equal((await token(papa)).status, 202, "asking again puts them back in the lobby");

  // A page that stopped asking is no longer waiting, and cannot be let in.
  t.clock.advance(60_000);
  assert.deepEqual((await lobby()).body.waiting, []);
  const stale = await json<{ error: { code: string } }>(
    t,
    "POST",
    `/calls/${callId}/lobby/${papa.id}/admit`,
    teacher.token,
  );
  assert.deepEqual([stale.status, stale.body.error.code], [404, "not_found"]);

  // Without a lobby, a meeting lets its members straight in.
  await json(t, "POST", `/calls/${callId}/end`, teacher.token);
  const open = await json<{ call: { id: string; lobby?: true } }>(
    t,
    "POST",
    `/chats/${chatId}/calls`,
    teacher.token,
    { kind: "meeting", lobby: false },
  );
  assert.equal(open.body.call.lobby, undefined);
  const direct = await json(t, "POST", `/calls/${open.body.call.id}/token`, papa.token);
  assert.equal(direct.status, 200);
});

Deno.test("a guest link: one call, no school data, «Гость», revocable by a host", async () => {
  await using w = await liveKitSchool();
  const { t, lk, teacher } = w;
  const verifier = new TokenVerifier(KEY, SECRET);
  const student = await w.join("student", "Коля");
  const outsider = await w.join("student", "Петя");
  const { id: callId, room } = await w.call("9 «А»", [student], {
    kind: "lesson",
    title: "Профориентация",
  });
  const invite = (token: string, body: unknown = {}) =>
    json<{ guest: { id: string; name: string; url: string }; error?: { code: string } }>(
      t,
      "POST",
      `/calls/${callId}/guests`,
      token,
      body,
    );

  // Hosts make guest links; a student in the chat may not, a stranger to it learns nothing.
  assert.equal((await invite(student.token)).status, 403);
  assert.equal((await invite(outsider.token)).status, 404);
  assert.equal((await invite(teacher.token, { ttlMinutes: 5 })).status, 400, "at least 15 minutes");
  const made = await invite(teacher.token);
  assert.equal(made.status, 201);
  assert.equal(made.body.guest.name, "Гость");
  const link = made.body.guest.url;
  assert.match(link, /^http:\/\/parta\.test\/guest\/[A-Za-z0-9_-]{43}$/);
  const token = link.split("/").pop()!;
  const named = await invite(teacher.token, { name: "Ирина Олеговна, психолог", ttlMinutes: 60 });
  assert.equal(named.body.guest.name, "Ирина Олеговна, психолог");

  // The link opens the call and nothing else, without a session.
  const preview = await json<Record<string, unknown>>(t, "GET", `/guest/${token}`);
  assert.equal(preview.status, 200);
  assert.deepEqual(preview.body, {
    call: { kind: "lesson", title: "Профориентация", startedAt: "2026-09-01T06:00:00.000Z" },
    guest: { name: "Гость", expiresAt: "2026-09-01T08:00:00.000Z" },
  });
  const joined = await json<{ url: string; token: string; identity: string }>(
    t,
    "POST",
    `/guest/${token}/join`,
  );
  assert.equal(joined.status, 200);
  const claims = await verifier.verify(joined.body.token);
  assert.equal(claims.sub, `guest-${made.body.guest.id}`);
  assert.equal(claims.name, "Гость");
  assert.equal(claims.video?.room, room);
  assert.deepEqual(claims.video?.canPublishSources, ["camera", "microphone"]);
  assert.equal(claims.video?.canPublishData, false);
  assert.equal(claims.video?.roomAdmin, false);
  // Members' tokens carry no names, so a guest's browser learns none of the school's people.
  const member = await json<{ token: string }>(t, "POST", `/calls/${callId}/token`, student.token);
  assert.equal((await verifier.verify(member.body.token)).name, undefined);
  // A made-up link is 404, the same as a revoked one.
  const guessed = await json(t, "POST", `/guest/${"A".repeat(43)}/join`);
  assert.equal(guessed.status, 404);

  // Hosts see the links (never their tokens), and revoke one: it opens nothing any more and its
  // guest is taken out of the room.
  const list = await json<{ guests: Record<string, unknown>[] }>(
    t,
    "GET",
    `/calls/${callId}/guests`,
    teacher.token,
  );
  assert.equal(list.body.guests.length, 2);
  assert.ok(!JSON.stringify(list.body).includes(token), "the token is not shown again");
  const revoked = await json(
    t,
    "DELETE",
    `/calls/${callId}/guests/${made.body.guest.id}`,
    teacher.token,
  );
  assert.equal(revoked.status, 204);
  const removals = () =>
    lk.calls.filter((r) =>
      r.path.endsWith("/RemoveParticipant") && r.body.identity === `guest-${made.body.guest.id}`
    ).length;
  assert.equal(removals(), 1);
  assert.equal((await json(t, "GET", `/guest/${token}`)).status, 404);
  assert.equal((await json(t, "POST", `/guest/${token}/join`)).status, 404);
  // Back with the LiveKit token from before: LiveKit's webhook has them taken out again.
  const rejoin = JSON.stringify({
    event: "participant_joined",
    id: "EV_GUEST_BACK",
    room: { name: room },
    participant: { identity: `guest-${made.body.guest.id}` },
  });
  assert.equal(await deliverWebhook(t, rejoin, await signed(rejoin)), 200);
  await t.deps.effects.drain();
  assert.equal(removals(), 2);
  const view = await json<{ attendance: unknown[] }>(t, "GET", `/calls/${callId}`, teacher.token);
  assert.deepEqual(view.body.attendance, [], "a guest is no member: not in attendance");

  // A host mutes and removes a guest like any participant; removing revokes the link.
  const other = named.body.guest.url.split("/").pop()!;
  const guestIdentity = `guest-${named.body.guest.id}`;
  const muted = await json(
    t,
    "POST",
    `/calls/${callId}/participants/${guestIdentity}/mute`,
    teacher.token,
    { source: "microphone" },
  );
  assert.equal(muted.status, 204);
  assert.ok(
    lk.calls.some((r) => r.path.endsWith("/GetParticipant") && r.body.identity === guestIdentity),
  );
  const byStudent = await json(
    t,
    "POST",
    `/calls/${callId}/participants/${guestIdentity}/remove`,
    student.token,
  );
  assert.equal(byStudent.status, 403, "only hosts");
  const unknownGuest = await json(
    t,
    "POST",
    `/calls/${callId}/participants/guest-01JZZZZZZZZZZZZZZZZZZZZZZZ/mute`,
    teacher.token,
    { source: "all" },
  );
  assert.equal(unknownGuest.status, 404);

  // The other link ends by itself, and every link ends with the call.
  assert.equal((await json(t, "GET", `/guest/${other}`)).status, 200);
  await json(t, "POST", `/calls/${callId}/end`, teacher.token);
  assert.equal((await json(t, "GET", `/guest/${other}`)).status, 410);
  t.clock.advance(61 * 60_000);
  assert.equal((await json(t, "GET", `/guest/${other}`)).status, 404);
});

Deno.test("LiveKit's webhooks out of order and twice: each visit is counted once, closed", async () => {
  await using w = await liveKitSchool();
  const { t, teacher } = w;
  const student = await w.join("student", "Коля");
  const { id: callId, room } = await w.call("9 «А»", [student], { kind: "lesson" });
  const at = (minutes: number) => Math.floor(t.clock.now() / 1000) + minutes * 60;
  const hook = (id: string, event: string, createdAt: number, sid: string) =>
    JSON.stringify({
      event,
      id,
      createdAt,
      room: { name: room },
      participant: { identity: student.id, sid },
    });
  // Коля's second visit (minutes 20–30) is reported leave first, join after; his first
  // (minutes 0–10) in order. Every delivery comes twice.
  const deliveries = [
    hook("EV_L2", "participant_left", at(30), "PA_2"),
    hook("EV_J1", "participant_joined", at(0), "PA_1"),
    hook("EV_J2", "participant_joined", at(20), "PA_2"),
    hook("EV_L1", "participant_left", at(10), "PA_1"),
  ];
  for (const body of [...deliveries, ...deliveries]) {
    assert.equal(await deliverWebhook(t, body, await signed(body)), 200);
  }
  const view = await json<{ attendance: { joinedAt: string; leftAt?: string }[] }>(
    t,
    "GET",
    `/calls/${callId}`,
    teacher.token,
  );
  const visits = view.body.attendance
    .map((a) => [a.joinedAt.slice(11, 16), a.leftAt?.slice(11, 16)])
    .sort();
  assert.deepEqual(visits, [["06:00", "06:10"], ["06:20", "06:30"]]);
});
