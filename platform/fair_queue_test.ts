import assert from "node:assert/strict";
import { FairQueue, QueueFullError } from "./fair_queue.ts";

/** A task that runs until released, recording when it started. */
function gated(log: string[], name: string) {
  let release!: () => void;
  const done = new Promise<void>((r) => release = r);
  return {
    release: () => release(),
    task: async () => {
      log.push(name);
      await done;
      return name;
    },
  };
}

async function until(check: () => boolean): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 1));
  }
}

Deno.test("fair queue runs another owner's job before the first owner's second", async () => {
  const queue = new FairQueue({ concurrency: 1, perOwner: 3 });
  const log: string[] = [];
  const a1 = gated(log, "a1"), a2 = gated(log, "a2"), a3 = gated(log, "a3"), b1 = gated(log, "b1");
  const runs = [
    queue.run("a", a1.task),
    queue.run("a", a2.task),
    queue.run("a", a3.task),
    queue.run("b", b1.task),
  ];
  await until(() => log.length === 1);
  assert.deepEqual(log, ["a1"], "one job at a time");
  a1.release();
  await until(() => log.length === 2);
  assert.deepEqual(log, ["a1", "b1"], "B's only job goes before A's second");
  b1.release();
  await until(() => log.length === 3);
  a2.release();
  await until(() => log.length === 4);
  a3.release();
  assert.deepEqual(await Promise.all(runs), ["a1", "a2", "a3", "b1"]);
  assert.deepEqual(log, ["a1", "b1", "a2", "a3"]);
  assert.equal(queue.count("a"), 0);
});

Deno.test("fair queue refuses an owner's job beyond its share, at once, and takes it again later", async () => {
  const queue = new FairQueue({ concurrency: 1, perOwner: 2 });
  const log: string[] = [];
  const a1 = gated(log, "a1"), a2 = gated(log, "a2");
  const runs = [queue.run("a", a1.task), queue.run("a", a2.task)];
  await assert.rejects(queue.run("a", () => Promise.resolve("a3")), (err) => {
    assert.ok(err instanceof QueueFullError);
    assert.equal(err.status, 429);
    assert.equal(err.code, "rate_limited");
    assert.ok((err.retryAfter ?? 0) >= 1);
    return true;
  });
  const b = queue.run("b", () => Promise.resolve("b1"));
  a1.release();
  assert.equal(await b, "b1", "another owner is not held back by A's full share");
  a2.release();
  await Promise.all(runs);
  assert.equal(await queue.run("a", () => Promise.resolve("again")), "again");
});

Deno.test("fair queue keeps going after a job fails", async () => {
  const queue = new FairQueue({ concurrency: 1 });
  const failing = queue.run("a", () => Promise.reject(new Error("boom")));
  const next = queue.run("b", () => Promise.resolve("ok"));
  await assert.rejects(failing, /boom/);
  assert.equal(await next, "ok");
  assert.equal(queue.count("a"), 0);
});
