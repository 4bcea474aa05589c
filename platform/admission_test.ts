import assert from "node:assert/strict";
import { Admission } from "./admission.ts";

/** A piece of work that finishes when told to. */
function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => open = resolve);
  return { open, opened };
}

Deno.test("admission runs at most its limit at once and the rest in arrival order", async () => {
  const admission = new Admission(2);
  const started: number[] = [];
  const gates = [gate(), gate(), gate(), gate()];
  const runs = gates.map((g, i) =>
    admission.run(async () => {
      started.push(i);
      await g.opened;
      return i;
    })
  );
  await Promise.resolve();
  assert.deepEqual(started, [0, 1]);
  assert.equal(admission.waiting, 2);
  gates[1]!.open();
  await runs[1];
  assert.deepEqual(started, [0, 1, 2]);
  gates[0]!.open();
  gates[2]!.open();
  gates[3]!.open();
  assert.deepEqual(await Promise.all(runs), [0, 1, 2, 3]);
  assert.deepEqual(started, [0, 1, 2, 3]);
  assert.equal(admission.waiting, 0);
});

Deno.test("admission skips work no longer wanted when its turn comes, and frees the place", async () => {
  const admission = new Admission(1);
  const first = gate();
  let wanted = true;
  let ran = 0;
  const a = admission.run(() => first.opened.then(() => ++ran));
  const b = admission.run(() => Promise.resolve(++ran), () => wanted);
  wanted = false;
  first.open();
  assert.equal(await a, 1);
  assert.equal(await b, null, "the closed socket's hello is not worked on");
  assert.equal(await admission.run(() => Promise.resolve("next")), "next");
  assert.equal(ran, 1);
});

Deno.test("admission frees the place when the work fails", async () => {
  const admission = new Admission(1);
  await assert.rejects(admission.run(() => Promise.reject(new Error("boom"))), /boom/);
  assert.equal(await admission.run(() => Promise.resolve(7)), 7);
});
