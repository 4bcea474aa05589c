import assert from "node:assert/strict";
import { Gateway, type Sink, type SocketSession } from "./gateway.ts";
import { MemoryBusHub } from "./bus.ts";
import type { ChatId, OrgId, UserId } from "../shared/ids.ts";
import { keys } from "../platform/kv_keys.ts";
import { CLOSE } from "../shared/wire.ts";
import type { ChatEvent } from "../shared/chat_model.ts";

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

const ORG = "01J000000000000000000000OR" as OrgId;
const HOUR = 3600_000;

/** A session record in KV, as sign-in writes it; returns what a socket knows of it. */
async function storeSession(kv: Deno.Kv, now: number, userId = USER): Promise<SocketSession> {
  const tokenHash = crypto.randomUUID().replaceAll("-", "").repeat(2);
  const expiresAt = now + HOUR;
  await kv.set(keys.session(tokenHash), {
    userId,
    createdAt: new Date(now).toISOString(),
    expiresAt: new Date(expiresAt).toISOString(),
  });
  return { tokenHash, expiresAt, verifiedAt: now };
}

async function gatewayWith(
  run: (gateway: Gateway, kv: Deno.Kv, clock: { ms: number }) => Promise<void>,
) {
  const kv = await Deno.openKv(":memory:");
  const clock = { ms: Date.parse("2026-09-01T06:00:00Z"), now: () => clock.ms };
  const gateway = new Gateway({ kv, clock, bus: new MemoryBusHub().endpoint() });
  try {
    await run(gateway, kv, clock);
  } finally {
    gateway.close();
    kv.close();
  }
}

Deno.test("gateway re-check leaves sockets with a live session and membership alone, and ends the rest", async () => {
  await gatewayWith(async (gateway, kv, clock) => {
    const other = "01J00000000000000000000002" as UserId;
    const live = await storeSession(kv, clock.ms);
    const gone = await storeSession(kv, clock.ms, other);
    await kv.set(keys.orgMember(ORG, USER), { userId: USER, roles: ["student"] });
    const keep = new FakeSink();
    const lose = new FakeSink();
    const keepConn = gateway.attach(USER, keep, [CHAT], {
      chatOrgs: new Map([[CHAT, ORG]]),
      session: live,
    });
    gateway.start(keepConn, new Map([[CHAT, 0]]), new Map());
    gateway.attach(other, lose, [], { session: gone });
    await kv.delete(keys.session(gone.tokenHash));

    await gateway.recheck();
    assert.equal(keep.closedWith, null, "a live session is left open");
    assert.ok(gateway.follows(keepConn, CHAT), "and a live membership followed");
    assert.equal(lose.closedWith, CLOSE.sessionEnded);
    assert.equal(gateway.size, 1);

    await kv.delete(keys.orgMember(ORG, USER));
    await gateway.recheck();
    assert.equal(keep.closedWith, null, "leaving a school does not close the socket");
    assert.equal(gateway.follows(keepConn, CHAT), false);
    assert.ok(keep.sent.some((f) => JSON.parse(f).type === "chat.removed"));
  });
});

Deno.test("gateway ends a socket whose session ended while it was greeting, as it attaches", async () => {
  await gatewayWith(async (gateway, kv, clock) => {
    const session = await storeSession(kv, clock.ms);
    gateway.endSession(session.tokenHash);
    const late = new FakeSink();
    gateway.attach(USER, late, [CHAT], { session });
    assert.equal(late.closedWith, CLOSE.sessionEnded);
    assert.equal(gateway.size, 0);

    // Every session of the user ended after this socket's session was read: ended too.
    const before = await storeSession(kv, clock.ms);
    clock.ms += 1;
    gateway.endSessions(USER);
    const alsoLate = new FakeSink();
    gateway.attach(USER, alsoLate, [], { session: before });
    assert.equal(alsoLate.closedWith, CLOSE.sessionEnded);
    // A session read after that (a new sign-in) is not.
    clock.ms += 1;
    const fresh = new FakeSink();
    gateway.attach(USER, fresh, [], { session: { ...before, verifiedAt: clock.ms } });
    assert.equal(fresh.closedWith, null);
  });
});

Deno.test("gateway sweep closes a socket once its session expires, not before", async () => {
  await gatewayWith(async (gateway, kv, clock) => {
    const session = await storeSession(kv, clock.ms);
    const sink = new FakeSink();
    gateway.attach(USER, sink, [], { session });
    clock.ms = session.expiresAt - 1;
    gateway.sweep();
    assert.equal(sink.closedWith, null);
    clock.ms = session.expiresAt;
    gateway.sweep();
    assert.equal(sink.closedWith, CLOSE.sessionEnded);
  });
});

Deno.test("gateway: leaving a school while greeting keeps its chats out of delivery and says chat.removed after ready", async () => {
  await gatewayWith((gateway) => {
    const sink = new FakeSink();
    const conn = gateway.attach(USER, sink, [CHAT], { chatOrgs: new Map([[CHAT, ORG]]) });
    gateway.leaveSchool(ORG, USER, [CHAT]);
    // `ready` was read before the removal and still lists the chat.
    gateway.start(conn, new Map([[CHAT, 0]]), new Map());
    assert.equal(gateway.follows(conn, CHAT), false);
    assert.deepEqual(sink.sent.map((f) => JSON.parse(f)), [{ type: "chat.removed", chatId: CHAT }]);
    gateway.publishEvents(CHAT, [message(1, "после")]);
    assert.equal(sink.sent.length, 1, "no event of the school's chat");
    return Promise.resolve();
  });
});
