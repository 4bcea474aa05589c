/**
 * Parta's calls against the real LiveKit server when LiveKit goes away and comes back: clear
 * answers meanwhile (never a crash or a bare 500), the call can still be ended in Parta, and
 * everything works again once LiveKit is back. Also: a webhook about a room Parta does not know.
 */
import assert from "node:assert/strict";
import { createSchool, joinAs, json, kvSnapshot, type TestApp, testApp } from "./helpers.ts";
import { deliverWebhook, startLiveKit, webhookAuth } from "./livekit.ts";

async function lesson(t: TestApp, teacherToken: string, chatId: string) {
  const res = await json<{ call: { id: string; room: string } }>(
    t,
    "POST",
    `/chats/${chatId}/calls`,
    teacherToken,
    { kind: "lesson" },
  );
  assert.equal(res.status, 201);
  return res.body.call;
}

Deno.test("LiveKit stopped mid-call: clear answers, the call still ends, and it all works once LiveKit is back", async () => {
  const first = await startLiveKit();
  const port = Number(new URL(first.url).port);
  let second: Awaited<ReturnType<typeof startLiveKit>> | null = null;
  try {
    await using t = await testApp({ env: first.env });
    const { orgId, admin } = await createSchool(t);
    const teacher = await joinAs(t, admin, orgId, "teacher", "Мария Ивановна");
    const student = await joinAs(t, admin, orgId, "student", "Коля");
    const chat = await json<{ chat: { id: string } }>(t, "POST", `/orgs/${orgId}/chats`, admin, {
      kind: "group",
      title: "Физика, 9А",
      memberIds: [teacher.id, student.id],
    });
    const chatId = chat.body.chat.id;
    const call = await lesson(t, teacher.token, chatId);

    // LiveKit up: the real RoomService answers; nobody has joined, so the hand has no one to mark.
    const hand = () =>
      json<{ error: { code: string } }>(t, "POST", `/calls/${call.id}/hand`, student.token, {
        raised: true,
      });
    const notInRoom = await hand();
    assert.deepEqual([notInRoom.status, notInRoom.body.error.code], [404, "not_found"]);

    // LiveKit goes away: a plain 503 calls_unavailable, tokens still issued (the browser then
    // says it cannot reach the call server), and the host can still end the call.
    await first.stop();
    const down = await hand();
    assert.deepEqual([down.status, down.body.error.code], [503, "calls_unavailable"]);
    const mute = await json<{ error: { code: string } }>(
      t,
      "POST",
      `/calls/${call.id}/participants/${student.id}/mute`,
      teacher.token,
      { source: "microphone" },
    );
    assert.deepEqual([mute.status, mute.body.error.code], [503, "calls_unavailable"]);
    const token = await json(t, "POST", `/calls/${call.id}/token`, student.token);
    assert.equal(token.status, 200);
    const ended = await json(t, "POST", `/calls/${call.id}/end`, teacher.token);
    assert.equal(ended.status, 200, "ending is Parta's; LiveKit's room is told when it can be");
    const events = await json<{ events: { type: string }[] }>(
      t,
      "GET",
      `/chats/${chatId}/events`,
      teacher.token,
    );
    assert.equal(events.body.events.at(-1)?.type, "call.ended");

    // LiveKit comes back where it was: a new lesson talks to it again.
    second = await startLiveKit({ port });
    const next = await lesson(t, teacher.token, chatId);
    const back = await json<{ error: { code: string } }>(
      t,
      "POST",
      `/calls/${next.id}/hand`,
      student.token,
      { raised: true },
    );
    assert.deepEqual([back.status, back.body.error.code], [404, "not_found"]);
    // The real server creates the room Parta names and lists it.
    await second.rooms.createRoom({ name: next.room });
    assert.ok((await second.rooms.listRooms([next.room])).some((r) => r.name === next.room));
    assert.equal((await json(t, "POST", `/calls/${next.id}/end`, teacher.token)).status, 200);
    assert.deepEqual(await second.rooms.listRooms([next.room]), [], "ending deletes the room");

    // A signed webhook about a room Parta does not know: acknowledged, and nothing changes.
    const body = JSON.stringify({
      event: "participant_joined",
      id: "EV_STRANGER",
      room: { name: "a-room-parta-never-made" },
      participant: { identity: student.id },
    });
    const before = await kvSnapshot(t.kv);
    assert.equal(await deliverWebhook(t, body, await webhookAuth(body)), 200);
    assert.deepEqual(await kvSnapshot(t.kv), before);
  } finally {
    await first.stop();
    await second?.stop();
  }
});
