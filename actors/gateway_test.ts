import assert from "node:assert/strict";
import { Gateway, type Sink } from "./gateway.ts";
import { MemoryBusHub } from "./bus.ts";
import type { ChatId, UserId } from "../lib/ids.ts";
import type { ChatEvent } from "../lib/chat_model.ts";

class FakeSink implements Sink {
  readyState = 1;
  bufferedAmount = 0;
  sent: string[] = [];
  closedWith: number | null = null;
  send(data: string) {
    this.sent.push(data);
    this.bufferedAmount += data.length;
  }
  close(code?: number) {
    this.closedWith = code ?? 1000;
    this.readyState = 3;
  }
}

const CHAT = "01J00000000000000000000000" as ChatId;
const USER = "01J00000000000000000000001" as UserId;

function message(seq: number, text: string): ChatEvent {
  return {
    type: "message.created",
    seq,
    at: new Date(0).toISOString(),
    actorId: USER,
    message: {
      seq,
      id: `m${seq}`,
      chatId: CHAT,
      clientId: `c${seq}`,
      authorId: USER,
      kind: "text",
      text,
      reactions: {},
      createdAt: new Date(0).toISOString(),
    },
  };
}

Deno.test("gateway closes a socket that cannot keep up with 1013 instead of buffering", async () => {
  const kv = await Deno.openKv(":memory:");
  const gateway = new Gateway({
    kv,
    clock: { now: () => 0 },
    bus: new MemoryBusHub().endpoint(),
    maxBuffered: 10_000,
  });
  try {
    const slow = new FakeSink();
    const fast = new FakeSink();
    const slowConn = gateway.attach(USER, slow, [CHAT]);
    const fastConn = gateway.attach(USER, fast, [CHAT]);
    gateway.start(slowConn, new Map([[CHAT, 0]]), new Map());
    gateway.start(fastConn, new Map([[CHAT, 0]]), new Map());
    for (let seq = 1; seq <= 40; seq++) {
      gateway.publishEvents(CHAT, [message(seq, "x".repeat(500))]);
      fast.bufferedAmount = 0; // this client reads everything at once
    }
    assert.equal(slow.closedWith, 1013, "the slow socket is closed with 1013");
    assert.ok(slow.sent.join("").length < 12_000, "and was never buffered past the bound");
    assert.equal(fast.closedWith, null);
    assert.equal(fast.sent.length, 40, "the socket that keeps up gets every event");
    assert.equal(gateway.size, 1, "the closed socket is forgotten");
  } finally {
    gateway.close();
    kv.close();
  }
});
