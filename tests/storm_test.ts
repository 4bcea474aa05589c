/**
 * Reconnect storm and idle capacity, short (`deno task bench --only storm,idle` runs them at
 * 10,000 sockets beside the bare relay): the real server, as `deno task start` runs it, holds
 * a school's sockets, is restarted, and every socket reconnects with its cursors while messages
 * keep coming; then sockets sit idle with the browser's heartbeat. The figures that must be
 * zero are asserted; the timings are only printed.
 */
import assert from "node:assert/strict";
import { denoTool, idleOnce, stormOnce, type SuiteContext } from "../bench/suites.ts";

const SOCKETS = 600;

Deno.test("after a restart every socket resyncs with nothing missed or doubled, and idle sockets stay open", async () => {
  const dir = await Deno.makeTempDir({ prefix: "parta-storm-test-" });
  const ctx: SuiteContext = {
    dir,
    kvPath: `${dir}/parta.kv`,
    say: (line) => console.log(line),
    // A short run: no long waits for a quiet machine.
    remainingS: () => 0,
    deadlineS: 1,
  };
  try {
    await denoTool(
      ctx,
      "seed",
      "seed.ts",
      [
        ...["--kv", ctx.kvPath, "--out", `${dir}/manifest.json`, "--workloads", "storm"],
        ...["--storm", String(SOCKETS)],
      ],
      300,
      [`--allow-read=${dir}`, `--allow-write=${dir}`, "--allow-env"],
    );
    const args = ["--manifest", `${dir}/manifest.json`, "--workload", "storm"];
    const limit = ["--limit", String(SOCKETS)];

    const storm = await stormOnce(ctx, "parta", "storm", [...args, ...limit]);
    assert.equal(storm.sockets, SOCKETS, "every socket connected before the restart");
    assert.equal(storm.not_resynced, 0, "sockets that never resynced");
    assert.equal(storm.missed_events, 0, "events missed or out of order after the resync");
    assert.equal(storm.duplicate_events, 0, "events received twice");
    assert.ok(storm.sent_during_storm > 0, "messages kept coming during the storm");

    const idle = await idleOnce(ctx, "parta", "idle", [...args, ...limit], 30);
    assert.equal(idle.closed_while_idle, 0, "sockets closed while idle with the heartbeat");
    assert.equal(idle.still_open, SOCKETS, "sockets open after the idle hold");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
