/**
 * Crash safety, short (bench/crash.ts runs the full suite): the real server, as `deno task start`
 * runs it, is killed with SIGKILL in the middle of a send load and restarted on the same KV file.
 * Every acknowledged message is in the event log, the history and KV; nothing is doubled; no seq
 * is skipped; resending an acknowledged message after the restart returns its seq. The kill points
 * come from a fixed seed; CRASH_SEED=N tries others.
 */
import assert from "node:assert/strict";
import { runCrash } from "../bench/crash.ts";

Deno.test("kill -9 mid-send: acknowledged messages kept, no duplicates, no gaps, same seq on resend", async () => {
  const seed = Number(Deno.env.get("CRASH_SEED") ?? 7);
  const result = await runCrash({
    rounds: 3,
    seed,
    clients: 20,
    chats: 4,
    perClient: 30,
    rate: 16,
    window: 8,
    log: (line) => console.log(line),
  });
  const t = result.totals;
  const at = `(seeds ${seed}..${seed + 2})`;
  assert.equal(t.acked, 3 * 20 * 30, `every message acknowledged in the end ${at}`);
  assert.equal(t.found, t.acked, `acknowledged messages in the log and the history ${at}`);
  assert.equal(t.missing_in_kv, 0, `acknowledged messages missing from KV ${at}`);
  assert.equal(t.duplicates, 0, `duplicates ${at}`);
  assert.equal(t.gaps, 0, `gaps in seq ${at}`);
  assert.equal(t.client_gaps, 0, `events a client missed or got out of order ${at}`);
  assert.equal(t.replayed, t.acked, `every acknowledged message resent once ${at}`);
  assert.equal(t.replay_seq_changed, 0, `resends answered with another seq ${at}`);
  assert.ok(
    result.rounds.every((r) => r.acked_before_kill < r.sent),
    `each kill fell before the load ended ${at}: ${JSON.stringify(result.rounds)}`,
  );
  assert.equal(result.final_stop_code, 0, "the server drains and exits 0 on SIGTERM");
});
