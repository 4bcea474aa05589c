import assert from "node:assert/strict";
import { AppError } from "../shared/errors.ts";
import { type Activation, ActorHost } from "./host.ts";

/** An activation whose work and last activity the test sets by hand. */
class FakeActivation implements Activation {
  pending = 0;
  lastActive: number;
  stopped = false;
  #release: Promise<void> | null = null;

  constructor(readonly address: string, now: number) {
    this.lastActive = now;
  }

  /** Makes the next `stop()` wait for `release` to resolve. */
  holdStopUntil(release: Promise<void>): void {
    this.#release = release;
  }

  async stop(): Promise<void> {
    await this.#release;
    this.stopped = true;
  }
}

function fakeHost(idleMs = 1000) {
  let ms = 0;
  const clock = { now: () => ms };
  const created: FakeActivation[] = [];
  const host = new ActorHost((address) => {
    const a = new FakeActivation(address, clock.now());
    created.push(a);
    return a;
  }, { clock, idleMs, sweepMs: 0 });
  return {
    host,
    created,
    setNow(next: number) {
      ms = next;
    },
  };
}

Deno.test("actor host keeps one activation per address, created on first use", async () => {
  const { host, created } = fakeHost();
  assert.equal(host.peek("a"), undefined);
  assert.equal(host.size, 0, "peek does not create");
  const a = host.get("a");
  assert.equal(host.get("a"), a);
  assert.equal(host.peek("a"), a);
  const b = host.get("b");
  assert.notEqual(b, a);
  assert.deepEqual(created.map((x) => x.address), ["a", "b"]);
  assert.equal(host.size, 2);
  await host.stop();
});

Deno.test("actor host sweep passivates only activations idle for idleMs", async () => {
  const { host, setNow } = fakeHost(1000);
  const old = host.get("old");
  const recent = host.get("recent");
  const exact = host.get("exact");
  old.lastActive = 0;
  recent.lastActive = 1500;
  exact.lastActive = 1000;
  setNow(2000);
  assert.equal(await host.sweep(), 2);
  assert.equal(old.stopped, true);
  assert.equal(exact.stopped, true, "idle for exactly idleMs counts as idle");
  assert.equal(recent.stopped, false);
  assert.equal(host.peek("old"), undefined);
  assert.equal(host.peek("recent"), recent);
  assert.equal(host.size, 1);
  const fresh = host.get("old");
  assert.notEqual(fresh, old, "a passivated address gets a new activation on next use");
  assert.equal(fresh.stopped, false);
  await host.stop();
});

Deno.test("actor host never passivates an activation with pending work, however old", async () => {
  const { host, setNow } = fakeHost(1000);
  const busy = host.get("busy");
  busy.lastActive = 0;
  busy.pending = 1;
  setNow(10 * 60_000);
  assert.equal(await host.sweep(), 0);
  assert.equal(busy.stopped, false);
  assert.equal(host.peek("busy"), busy);
  busy.pending = 0;
  assert.equal(await host.sweep(), 1, "passivated once its work is done");
  assert.equal(busy.stopped, true);
  await host.stop();
});

Deno.test("actor host stop stops every activation, waits for them, and refuses new ones", async () => {
  const { host } = fakeHost();
  const a = host.get("a");
  const b = host.get("b");
  const release = Promise.withResolvers<void>();
  b.holdStopUntil(release.promise);
  // What was stopped at the moment host.stop() resolved.
  const stopping = host.stop().then(() => [a.stopped, b.stopped]);
  assert.equal(host.size, 0);
  release.resolve();
  assert.deepEqual(await stopping, [true, true], "stop waits for every activation");
  // Refused as the API's 503 (retry elsewhere), never as an unexpected 500.
  assert.throws(() => host.get("c"), (e) => e instanceof AppError && e.status === 503);
});

Deno.test("actor host sweeps by itself every sweepMs until stopped", async () => {
  const clock = { now: () => 5000 };
  const host = new ActorHost((address) => new FakeActivation(address, 0), {
    clock,
    idleMs: 1000,
    sweepMs: 5,
  });
  try {
    const a = host.get("a");
    const deadline = Date.now() + 5000;
    while (host.size > 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 5));
    }
    assert.equal(host.size, 0, "the timer passivated the idle activation");
    assert.equal(a.stopped, true);
  } finally {
    await host.stop();
  }
});
