import assert from "node:assert/strict";
import type { ChatEvent } from "./chat_model.ts";
import type { ServerFrame } from "./wire.ts";
import {
  type OtherFrame,
  RealtimeClient,
  type RealtimeOptions,
  type RealtimeStatus,
} from "./realtime_client.ts";
import { CLOSE } from "./wire.ts";

/** A socket the test plays the server for. */
class FakeSocket {
  readyState = 0;
  sent: unknown[] = [];
  closed = false;
  onopen: (() => void) | null = null;
  onmessage: ((e: { data: string }) => void) | null = null;
  onclose: ((e: { code: number }) => void) | null = null;
  onerror: (() => void) | null = null;
  constructor(readonly url: string) {}
  send(data: string) {
    this.sent.push(JSON.parse(data));
  }
  close() {
    this.closed = true;
    this.readyState = 3;
  }
  /** The server accepts the connection. */
  open() {
    this.readyState = 1;
    this.onopen?.();
  }
  /** The server sends a frame. */
  frame(frame: ServerFrame) {
    this.onmessage?.({ data: JSON.stringify(frame) });
  }
  /** The connection drops. */
  drop(code = 1006) {
    this.readyState = 3;
    this.onclose?.({ code });
  }
}

const AT = "2025-03-12T10:00:00.000Z";

function event(seq: number, text = `m${seq}`): ChatEvent {
  return {
    seq,
    at: AT,
    actorId: "U1",
    type: "message.created",
    message: {
      seq,
      id: `M${seq}`,
      chatId: "C1",
      clientId: `c${seq}`,
      authorId: "U1",
      kind: "text",
      text,
      reactions: {},
      createdAt: AT,
    },
  } as unknown as ChatEvent;
}

/** Polls `check` until it holds, or fails after `ms`. */
async function until(what: string, check: () => boolean, ms = 1000) {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 2));
  }
}

function harness(
  cursors: Record<string, number>,
  fetchEvents: (chatId: string, after: number) => Promise<ChatEvent[]> = () => Promise.resolve([]),
  options: RealtimeOptions = {},
) {
  const sockets: FakeSocket[] = [];
  const events: [string, number][] = [];
  const frames: OtherFrame[] = [];
  const statuses: RealtimeStatus[] = [];
  const fetches: [string, number][] = [];
  const client = new RealtimeClient(cursors, {
    event: (chatId, e) => events.push([chatId, e.seq]),
    frame: (f) => frames.push(f),
    status: (s) => statuses.push(s),
  }, {
    url: "ws://test/api/v1/realtime",
    connect: (url) => {
      const socket = new FakeSocket(url);
      sockets.push(socket);
      return socket as unknown as WebSocket;
    },
    online: () => true,
    fetchEvents: (chatId, after) => {
      fetches.push([chatId, after]);
      return fetchEvents(chatId, after);
    },
    backoffMs: 2,
    maxBackoffMs: 4,
    pingMs: 60_000,
    ...options,
  });
  return { client, sockets, events, frames, statuses, fetches };
}

Deno.test("realtime client says hello with the page's cursors and delivers each event once, in order", () => {
  const h = harness({ C1: 3, C2: 0 });
  h.client.start();
  try {
    const ws = h.sockets[0]!;
    ws.open();
    assert.deepEqual(ws.sent[0], { type: "hello", since: { C1: 3, C2: 0 } });
    ws.frame({ type: "ready", chats: { C1: 5, C2: 0 } });
    assert.deepEqual(h.statuses, ["connecting", "online"]);
    assert.equal(h.frames[0]?.type, "ready");
    for (const seq of [2, 3, 4, 4, 5, 3]) {
      ws.frame({ type: "event", chatId: "C1", event: event(seq) });
    }
    assert.deepEqual(h.events, [["C1", 4], ["C1", 5]]);
    assert.equal(h.client.cursor("C1"), 5);
    assert.deepEqual(h.fetches, [], "no gap, nothing fetched");
    assert.equal(h.client.send({ type: "typing", chatId: "C1" }), true);
  } finally {
    h.client.stop();
  }
});

Deno.test("realtime client repairs a gap from the event log and delivers what it held once", async () => {
  const h = harness(
    { C1: 3 },
    (_chatId, after) => Promise.resolve([4, 5, 6].filter((s) => s > after).map((s) => event(s))),
  );
  h.client.start();
  try {
    const ws = h.sockets[0]!;
    ws.open();
    ws.frame({ type: "ready", chats: { C1: 3 } });
    ws.frame({ type: "event", chatId: "C1", event: event(6) });
    ws.frame({ type: "event", chatId: "C1", event: event(7) });
    await until("the gap is repaired", () => h.events.length === 4);
    assert.deepEqual(h.events.map(([, s]) => s), [4, 5, 6, 7]);
    assert.deepEqual(h.fetches, [["C1", 3]]);
    // A late duplicate of a repaired event changes nothing.
    ws.frame({ type: "event", chatId: "C1", event: event(5) });
    assert.equal(h.events.length, 4);
  } finally {
    h.client.stop();
  }
});

Deno.test("realtime client reconnects after a drop and asks for everything after what it delivered", async () => {
  const h = harness({ C1: 1 });
  h.client.start();
  try {
    const first = h.sockets[0]!;
    first.open();
    first.frame({ type: "ready", chats: { C1: 1 } });
    first.frame({ type: "event", chatId: "C1", event: event(2) });
    assert.equal(h.client.send({ type: "ping" }), true);
    first.drop();
    assert.equal(h.statuses.at(-1), "offline");
    assert.equal(h.client.send({ type: "ping" }), false, "nothing is sent while away");
    await until("a new socket", () => h.sockets.length === 2);
    const second = h.sockets[1]!;
    second.open();
    assert.deepEqual(second.sent[0], { type: "hello", since: { C1: 2 } });
    second.frame({ type: "ready", chats: { C1: 3 } });
    second.frame({ type: "event", chatId: "C1", event: event(2) });
    second.frame({ type: "event", chatId: "C1", event: event(3) });
    assert.deepEqual(h.events.map(([, s]) => s), [2, 3]);
    assert.equal(h.statuses.at(-1), "online");
  } finally {
    h.client.stop();
  }
});

Deno.test("realtime client stops on a refused hello and forgets chats the server no longer lists", async () => {
  const h = harness({ C1: 1, GONE: 4 });
  h.client.start();
  const ws = h.sockets[0]!;
  ws.open();
  ws.frame({ type: "ready", chats: { C1: 1, NEW: 7 } });
  assert.equal(h.client.cursor("GONE"), undefined);
  assert.equal(h.client.cursor("NEW"), 7);
  ws.frame({
    type: "chat.added",
    chat: { id: "ADDED", orgId: "O", kind: "group", title: "x", lastSeq: 2, createdAt: AT },
  });
  assert.equal(h.client.cursor("ADDED"), 2);
  ws.frame({ type: "chat.removed", chatId: "ADDED" });
  assert.equal(h.client.cursor("ADDED"), undefined);
  // Report notices pass through to the messenger.
  ws.frame({ type: "report.created", orgId: "O", chatId: "C1", reportId: "R" });
  assert.deepEqual(h.frames.slice(-1).map((f) => f.type), ["report.created"]);
  ws.drop(1008);
  assert.equal(h.statuses.at(-1), "unauthenticated");
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(h.sockets.length, 1, "no reconnect after the server refused the session");
  h.client.stop();
});

Deno.test("realtime client reconnects when the event log cannot be read three times", async () => {
  const h = harness({ C1: 1 }, () => Promise.reject(new Error("offline")));
  h.client.start();
  try {
    const ws = h.sockets[0]!;
    ws.open();
    ws.frame({ type: "ready", chats: { C1: 1 } });
    ws.frame({ type: "event", chatId: "C1", event: event(3) });
    // Retries wait 0.5 s, then 1 s, before the client gives up on the log.
    await until("a fresh connection", () => h.sockets.length === 2, 5000);
    assert.equal(h.fetches.length, 3);
    assert.equal(ws.closed, true);
    const next = h.sockets[1]!;
    next.open();
    assert.deepEqual(next.sent[0], { type: "hello", since: { C1: 1 } });
  } finally {
    h.client.stop();
  }
});

Deno.test("realtime client stops for good when the server ends the session, and says signedOut", () => {
  const h = harness({ C1: 1 });
  h.client.start();
  try {
    const ws = h.sockets[0]!;
    ws.open();
    ws.frame({ type: "ready", chats: { C1: 1 } });
    ws.drop(CLOSE.sessionEnded);
    assert.equal(h.statuses.at(-1), "signedOut");
    assert.equal(h.client.send({ type: "ping" }), false);
    // Coming back online would reconnect a client that is only waiting; this one has stopped.
    dispatchEvent(new Event("online"));
    assert.equal(h.sockets.length, 1, "no reconnect after the session ended");
  } finally {
    h.client.stop();
  }
});

Deno.test("realtime client displaced by a newer socket of its account waits the longest backoff", async () => {
  const h = harness({ C1: 1 }, undefined, { backoffMs: 1, maxBackoffMs: 200 });
  h.client.start();
  try {
    const first = h.sockets[0]!;
    first.open();
    first.frame({ type: "ready", chats: { C1: 1 } });
    const closedAt = performance.now();
    first.drop(CLOSE.tooManySockets);
    assert.equal(h.statuses.at(-1), "offline");
    await until("a reconnect", () => h.sockets.length === 2, 2000);
    // Half the ceiling at least (the jitter is on the upper half), not the 1 ms of a first retry.
    assert.ok(performance.now() - closedAt >= 100, "reconnected too soon");
  } finally {
    h.client.stop();
  }
});
