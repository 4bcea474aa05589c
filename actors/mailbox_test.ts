import assert from "node:assert/strict";
import { AppError } from "../shared/errors.ts";
import { Mailbox, type Result, unwrap } from "./mailbox.ts";

/** A handler that records its batches and holds each one until `open()` is called. */
function recorder(options: { failOn?: number } = {}) {
  const batches: number[][] = [];
  const gate = Promise.withResolvers<void>();
  let running = 0;
  let overlapped = false;
  const handler = async (batch: number[]): Promise<Result<number>[]> => {
    batches.push(batch);
    running++;
    if (running > 1) overlapped = true;
    try {
      await gate.promise;
      if (batch.includes(options.failOn ?? NaN)) throw new Error(`command ${options.failOn}`);
      return batch.map((n) => ({ ok: true, value: n * 10 }));
    } finally {
      running--;
    }
  };
  return {
    handler,
    batches,
    get overlapped() {
      return overlapped;
    },
    /** Lets every held and future batch through. */
    open() {
      gate.resolve();
    },
  };
}

Deno.test("mailbox runs commands one batch at a time, in arrival order", async () => {
  const r = recorder();
  const mailbox = new Mailbox(r.handler);
  const results = [1, 2, 3, 4, 5].map((n) => mailbox.post(n));
  assert.equal(mailbox.pending, 5, "one running, four waiting");
  r.open();
  assert.deepEqual((await Promise.all(results)).map(unwrap), [10, 20, 30, 40, 50]);
  assert.deepEqual(r.batches, [[1], [2], [3], [4], [5]]);
  assert.equal(r.overlapped, false);
  assert.equal(mailbox.pending, 0);
  await mailbox.close();
});

Deno.test("mailbox hands commands that arrived while it was busy over as batches of at most maxBatch", async () => {
  const r = recorder();
  const mailbox = new Mailbox(r.handler, { maxBatch: 3 });
  const first = mailbox.post(0);
  assert.deepEqual(r.batches, [[0]], "the first command starts at once, alone");
  const rest = [1, 2, 3, 4, 5, 6, 7].map((n) => mailbox.post(n));
  r.open();
  const all = await Promise.all([first, ...rest]);
  assert.deepEqual(r.batches, [[0], [1, 2, 3], [4, 5, 6], [7]]);
  assert.deepEqual(all.map(unwrap), [0, 10, 20, 30, 40, 50, 60, 70]);
  assert.equal(r.overlapped, false);
  await mailbox.close();
});

Deno.test("mailbox counts every command of the running batch as pending", async () => {
  const r = recorder();
  const mailbox = new Mailbox(r.handler, { maxBatch: 3 });
  const first = mailbox.post(0);
  const rest = [1, 2, 3, 4].map((n) => mailbox.post(n));
  assert.equal(mailbox.pending, 5);
  r.open();
  await first;
  assert.equal(mailbox.pending, 4, "a batch of three running and one waiting");
  await Promise.all(rest);
  assert.equal(mailbox.pending, 0);
  await mailbox.close();
});

Deno.test("mailbox turns a throwing handler into failed results and keeps working", async () => {
  const r = recorder({ failOn: 2 });
  const mailbox = new Mailbox(r.handler, { maxBatch: 2 });
  const results = [1, 2, 3, 4, 5].map((n) => mailbox.post(n));
  r.open();
  const [one, two, three, four, five] = await Promise.all(results);
  assert.deepEqual(r.batches, [[1], [2, 3], [4, 5]]);
  assert.deepEqual(one, { ok: true, value: 10 });
  for (const failed of [two!, three!]) {
    assert.equal(failed.ok, false, "every command of the failed batch fails");
    assert.equal(!failed.ok && (failed.error as Error).message, "command 2");
  }
  assert.deepEqual([four, five], [{ ok: true, value: 40 }, { ok: true, value: 50 }]);
  assert.throws(() => unwrap(two!), { message: "command 2" });
  assert.deepEqual(await mailbox.post(6), { ok: true, value: 60 }, "still works afterwards");
  await mailbox.close();
});

Deno.test("mailbox refuses a command with 503 overloaded when maxQueue commands wait", async () => {
  const r = recorder();
  const mailbox = new Mailbox(r.handler, { maxQueue: 2 });
  const running = mailbox.post(1);
  const waiting = [mailbox.post(2), mailbox.post(3)];
  const refused = await mailbox.post(4);
  assert.equal(refused.ok, false);
  const error = !refused.ok && refused.error;
  assert.ok(error instanceof AppError);
  assert.equal(error.status, 503);
  assert.equal(error.code, "overloaded");
  assert.equal(error.retryAfter, 1);
  r.open();
  assert.deepEqual((await Promise.all([running, ...waiting])).map(unwrap), [10, 20, 30]);
  assert.deepEqual(r.batches, [[1], [2], [3]], "the refused command never ran");
  assert.deepEqual(await mailbox.post(5), { ok: true, value: 50 }, "room again once drained");
  await mailbox.close();
});

Deno.test("mailbox close waits for queued commands and refuses new ones", async () => {
  const r = recorder();
  const mailbox = new Mailbox(r.handler);
  const log: string[] = [];
  const queued = [1, 2, 3].map(async (n) => {
    const result = await mailbox.post(n);
    log.push(`done ${n}`);
    return result;
  });
  const closed = mailbox.close().then(() => log.push("closed"));
  const late = await mailbox.post(4);
  assert.equal(late.ok, false);
  const error = !late.ok && late.error;
  assert.ok(error instanceof AppError);
  assert.equal(error.status, 503);
  assert.equal(error.code, "unavailable");
  assert.deepEqual(log, [], "nothing finished while the handler is held");
  r.open();
  await closed;
  assert.deepEqual(log, ["done 1", "done 2", "done 3", "closed"]);
  assert.deepEqual((await Promise.all(queued)).map(unwrap), [10, 20, 30]);
  assert.deepEqual(r.batches, [[1], [2], [3]]);
  assert.equal(mailbox.pending, 0);
});

Deno.test("mailbox idle resolves at once when empty and after the last command otherwise", async () => {
  const r = recorder();
  const mailbox = new Mailbox(r.handler);
  await mailbox.idle();
  const log: string[] = [];
  const result = mailbox.post(1).then((res) => {
    log.push("done");
    return res;
  });
  const idle = mailbox.idle().then(() => log.push("idle"));
  r.open();
  await idle;
  assert.deepEqual(log, ["done", "idle"]);
  assert.deepEqual(await result, { ok: true, value: 10 });
  await mailbox.close();
});
