/**
 * What one client may hold open or send on the realtime socket: frames over 64 KiB end the
 * socket with 1009, before or after hello; sockets not yet signed in are capped per client
 * address, and greeted sockets per account (routes/realtime_limits.ts).
 */
import assert from "node:assert/strict";
import { createSchool, ORIGIN, serve, signIn, testApp } from "./helpers.ts";
import { barrier, closedWithin, connect, greeted, type WsClient } from "./ws_client.ts";
import { CLOSE, type ServerFrame } from "../shared/wire.ts";
import { MAX_FRAME, WAITING_PER_ADDRESS } from "../routes/realtime_limits.ts";

type ErrorFrame = Extract<ServerFrame, { type: "error" }>;

/** Asks for a WebSocket upgrade over a raw connection; answers the HTTP status. */
async function upgradeStatus(wsUrl: string, headers: Record<string, string> = {}) {
  const url = new URL(wsUrl);
  const conn = await Deno.connect({ hostname: url.hostname, port: Number(url.port) });
  try {
    const key = btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(16))));
    const extra = Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join("");
    await conn.write(new TextEncoder().encode(
      `GET ${url.pathname} HTTP/1.1\r\nHost: ${url.host}\r\nUpgrade: websocket\r\n` +
        `Connection: Upgrade\r\nSec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n` +
        `${extra}\r\n`,
    ));
    const buf = new Uint8Array(4096);
    let text = "";
    while (!text.includes("\r\n")) {
      const n = await conn.read(buf);
      if (n === null) break;
      text += new TextDecoder().decode(buf.subarray(0, n));
    }
    return Number(text.split(" ")[1]);
  } finally {
    conn.close();
  }
}

Deno.test("a frame over 64 KiB closes the socket with 1009 at once, text or binary, before or after hello; one at the limit does not", async () => {
  await using t = await testApp();
  await using server = serve(t);
  const token = await signIn(t, "big@school.test", "Большой");
  const tooBig = "x".repeat(MAX_FRAME + 1);

  for (
    const [label, first] of [
      ["text before hello", tooBig],
      ["binary before hello", new Uint8Array(MAX_FRAME + 1)],
    ] as const
  ) {
    await using ws = await connect(server.wsUrl);
    ws.socket.send(first);
    const closed = await closedWithin(ws);
    assert.equal(closed.code, CLOSE.tooBig, `${label}: closed with ${closed.code}`);
    assert.equal(
      ws.frames.find((f): f is ErrorFrame => f.type === "error")?.error.code,
      "too_large",
    );
    assert.ok(!ws.frames.some((f) => f.type === "ready"));
  }

  for (
    const [label, frame] of [
      ["text after hello", JSON.stringify({ type: "ping", pad: tooBig })],
      ["binary after hello", new Uint8Array(MAX_FRAME + 1)],
    ] as const
  ) {
    {
      await using ws = await greeted(server.wsUrl, token);
      ws.socket.send(frame);
      const closed = await closedWithin(ws);
      assert.equal(closed.code, CLOSE.tooBig, `${label}: closed with ${closed.code}`);
      assert.equal(ws.frames.at(-1)?.type, "error");
    }
    {
      // A frame right behind it is never answered: the socket is gone. (Deno's client then often
      // reports an abnormal close instead of the server's 1009: it wrote after the close frame.)
      await using ws = await greeted(server.wsUrl, token);
      ws.socket.send(frame);
      ws.send({ type: "ping" });
      await closedWithin(ws);
      assert.ok(
        !ws.frames.some((f) => f.type === "pong"),
        `${label}: a frame after it was answered`,
      );
      const error = ws.frames.find((f): f is ErrorFrame => f.type === "error");
      assert.equal(error?.error.code, "too_large");
    }
  }

  // Exactly at the limit: an answer (the text is too long for a message), and the socket stays.
  await using ws = await greeted(server.wsUrl, token);
  const padded = JSON.stringify({ type: "ping", pad: "" });
  ws.send(JSON.stringify({ type: "ping", pad: "x".repeat(MAX_FRAME - padded.length) }));
  ws.socket.send(new Uint8Array(MAX_FRAME));
  ws.send({ type: "ping" });
  await ws.until((fs) => fs.filter((f) => f.type === "pong").length === 2);
  assert.equal(ws.socket.readyState, WebSocket.OPEN);
  const answers = ws.frames.filter((f) => f.type === "pong" || f.type === "error");
  assert.deepEqual(answers.map((f) => f.type), ["pong", "error", "pong"]);
});

Deno.test("sockets not yet signed in are capped per client address: over the cap the upgrade gets 429; signed-in and cookie sockets do not count", async () => {
  await using t = await testApp();
  await using server = serve(t);
  const { admin } = await createSchool(t);
  const waiting: WsClient[] = [];
  try {
    for (let i = 0; i < WAITING_PER_ADDRESS; i++) waiting.push(await connect(server.wsUrl));
    assert.equal(await upgradeStatus(server.wsUrl), 429, "one more from the same address");

    // A cookie from the app's pages names the person at once: not counted against the address.
    await using byCookie = await connect(server.wsUrl, {
      Origin: ORIGIN,
      Cookie: `parta_session=${admin}`,
    });
    byCookie.send({ type: "hello" });
    await byCookie.next((f) => f.type === "ready");

    // Signing in with hello gives the place back.
    waiting[0]!.send({ type: "hello", token: admin });
    await waiting[0]!.next((f) => f.type === "ready");
    await using next = await connect(server.wsUrl);
    assert.equal(await upgradeStatus(server.wsUrl), 429, "the freed place is taken again");

    // So does closing one.
    await waiting[1]!.close();
    const deadline = Date.now() + 5000;
    let status = 0;
    while ((status = await upgradeStatus(server.wsUrl)) !== 101 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 20));
    }
    assert.equal(status, 101, "a place is free again once a waiting socket has closed");
    assert.equal(next.socket.readyState, WebSocket.OPEN);
  } finally {
    await Promise.all(waiting.map((ws) => ws.close()));
  }
});

Deno.test("an account holds at most 20 greeted sockets per server: the 21st closes the oldest with 4429", async () => {
  await using t = await testApp();
  await using server = serve(t);
  const token = await signIn(t, "tabs@school.test", "Много вкладок");
  const sockets: WsClient[] = [];
  try {
    for (let i = 0; i < 20; i++) sockets.push(await greeted(server.wsUrl, token));
    for (const ws of sockets) await barrier(ws);
    assert.equal(t.deps.gateway.size, 20);

    sockets.push(await greeted(server.wsUrl, token));
    const closed = await closedWithin(sockets[0]!);
    assert.equal(closed.code, CLOSE.tooManySockets);
    const error = sockets[0]!.frames.find((f): f is ErrorFrame => f.type === "error");
    assert.equal(error?.error.code, "too_many_sockets");
    for (const ws of sockets.slice(1)) {
      await barrier(ws);
      assert.equal(ws.socket.readyState, WebSocket.OPEN);
    }
    assert.equal(t.deps.gateway.size, 20);
    // Another account is not affected.
    const other = await signIn(t, "other@school.test", "Другой");
    sockets.push(await greeted(server.wsUrl, other));
    assert.equal(t.deps.gateway.size, 21);
  } finally {
    await Promise.all(sockets.map((ws) => ws.close()));
  }
});
