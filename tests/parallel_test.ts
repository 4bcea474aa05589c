import assert from "node:assert/strict";
import { api, signInReal, startServer } from "./server.ts";
import { connect, type WsClient } from "./ws_client.ts";

const OPERATOR = "operator@parta.test";

Deno.test("with deno serve --parallel, a message sent through one worker reaches sockets on the other", async () => {
  const dir = await Deno.makeTempDir();
  await using server = await startServer({
    KV_PATH: `${dir}/parta.kv`,
    DEV_OUTBOX: "1",
    OPERATOR_EMAILS: OPERATOR,
    DENO_JOBS: "2",
  });
  const sockets: WsClient[] = [];
  try {
    const base = server.url;
    const applied = await api<{ id: string }>(base, "POST", "/org-applications", null, {
      schoolName: "Школа № 5",
      region: "Тверь",
      adminName: "Ирина",
      adminEmail: "irina@school.test",
      adminPhone: "+7 900 000 00 01",
    });
    const operator = await signInReal(base, OPERATOR, "Оператор");
    const approved = await api<{ org: { id: string }; adminInvite: { token: string } }>(
      base,
      "POST",
      `/org-applications/${applied.body.id}/approve`,
      operator,
    );
    assert.equal(approved.status, 201);
    const admin = await signInReal(base, "irina@school.test");
    await api(base, "POST", `/invites/${approved.body.adminInvite.token}/accept`, admin, {
      displayName: "Ирина",
    });
    const chat = await api<{ chat: { id: string } }>(
      base,
      "POST",
      `/orgs/${approved.body.org.id}/chats`,
      admin,
      { kind: "group", title: "Учительская", memberIds: [] },
    );
    assert.equal(chat.status, 201);
    const chatId = chat.body.chat.id;

    // The kernel spreads connections over the workers (SO_REUSEPORT): with 16 sockets both
    // workers serve some of them, except with probability 2^-15.
    for (let i = 0; i < 16; i++) {
      const ws = await connect(server.wsUrl);
      ws.send({ type: "hello", token: admin });
      await ws.next((f) => f.type === "ready");
      sockets.push(ws);
    }
    sockets[0]!.send({ type: "send", chatId, clientId: "across-workers", text: "Привет всем" });
    for (const ws of sockets) {
      const frame = await ws.next((f) => f.type === "event", 10_000);
      assert.equal(frame.type === "event" && frame.event.type, "message.created");
    }
    const events = await api<{ events: { seq: number }[] }>(
      base,
      "GET",
      `/chats/${chatId}/events?after=0`,
      admin,
    );
    assert.deepEqual(events.body.events.map((e) => e.seq), [1, 2]);
  } finally {
    await Promise.all(sockets.map((s) => s.close()));
    await server.stop();
    await Deno.remove(dir, { recursive: true });
  }
});
