/**
 * `deno task bench`: Parta's benchmarks, each beside its baseline measured in the same run on the
 * same machine, then a table of both and their ratios (also written as JSON; the path is printed
 * at the end). See bench/README.md and docs/reliability.md.
 *
 *   class     100 chats × 30 members + 1 publishing teacher each, paced sends (vs bare relay)
 *   announce  1 chat × 1,000 members (50 of them publish), closed loop (vs bare relay)
 *   actor     one chat actor in-process under 500 concurrent senders (vs a raw commit loop)
 *   push      one announcement's Web Push to 1,000 subscribed browsers (vs web-push's own loop)
 *   crash     the real server killed with SIGKILL mid-load, 10 seeded rounds (crash.ts)
 *   storm     10,000 sockets, the server restarted, all reconnect and resync (vs bare relay)
 *   idle      10,000 idle authenticated sockets with the real heartbeat (vs bare relay)
 *   history   a chat of 100,000 messages, pages at three depths (vs raw kv.list; history.ts)
 *   fuzz      opt-in (`--only fuzz`): ≥ 50,000 hostile API and socket inputs (fuzz.ts)
 *
 * Options: --only LIST (default: all but fuzz)  --repeat N (class, announce, actor; default 3)
 *          --out FILE  --deadline S (default 2400)  --keep (keep the KV files)
 *          --fast (storm and idle at 5,000 sockets, 3 crash rounds, 20,000 messages of history)
 *          --class-msgs N --class-rate R --announce-msgs N --announce-window W
 *          --crash-rounds N --crash-seed N --crash-clients N --storm-sockets N
 *          --idle-sockets N --idle-hold S --history-messages N --fuzz-runs N
 */
import { parseArgs } from "node:util";
import { machineTicks, quietWait, stopAll } from "./procs.ts";
import { buildTable, printTable, summarize } from "./report.ts";
import { BARE } from "./servers.ts";
import {
  denoTool,
  FOREIGN_LOAD_PCT,
  idleOnce,
  type Load,
  measureFanOut,
  stormOnce,
  type SuiteContext,
} from "./suites.ts";

const ALL = ["class", "announce", "actor", "push", "crash", "storm", "idle", "history"];
const { values } = parseArgs({
  args: Deno.args,
  options: {
    only: { type: "string", default: ALL.join(",") },
    out: { type: "string" },
    keep: { type: "boolean", default: false },
    repeat: { type: "string", default: "3" },
    deadline: { type: "string", default: "2400" },
    fast: { type: "boolean", default: false },
    "class-msgs": { type: "string", default: "600" },
    "class-rate": { type: "string", default: "50" },
    "announce-msgs": { type: "string", default: "1000" },
    "announce-window": { type: "string", default: "16" },
    "crash-rounds": { type: "string" },
    "crash-seed": { type: "string" },
    "crash-clients": { type: "string", default: "40" },
    "storm-sockets": { type: "string" },
    "idle-sockets": { type: "string" },
    "idle-hold": { type: "string", default: "65" },
    "history-messages": { type: "string" },
    "fuzz-runs": { type: "string", default: "1200" },
  },
});
const only = new Set(values.only!.split(","));
const fast = values.fast!;
const crashRounds = Number(values["crash-rounds"] ?? (fast ? 3 : 10));
const stormSockets = Number(values["storm-sockets"] ?? (fast ? 5000 : 10000));
const idleSockets = Number(values["idle-sockets"] ?? (fast ? 5000 : 10000));
const historyMessages = Number(values["history-messages"] ?? (fast ? 20000 : 100000));
if (
  ["class", "announce", "storm", "idle"].some((w) => only.has(w)) &&
  !(await Deno.stat(BARE).then(() => true, () => false))
) {
  console.error(`The bare-Deno baseline ${BARE} is missing; set BARE_SERVER to its path.`);
  Deno.exit(1);
}
const dir = await Deno.makeTempDir({ prefix: "parta-bench-" });
const outFile = values.out ?? `${dir}/results.json`;
const t0 = Date.now();
const say = (s: string) => console.error(`[bench ${((Date.now() - t0) / 1000).toFixed(0)}s] ${s}`);

// A hard deadline for the whole run: whatever is still running is stopped, and the table shows
// what was measured by then.
const deadlineS = Number(values.deadline);
let outOfTime = false;
const deadline = setTimeout(async () => {
  outOfTime = true;
  say(`deadline of ${deadlineS} s reached: stopping what runs, reporting what was measured`);
  await stopAll();
  setTimeout(() => Deno.exit(124), 30_000);
}, deadlineS * 1000);
Deno.unrefTimer(deadline);
const remainingS = () => deadlineS - (Date.now() - t0) / 1000;

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  Deno.addSignalListener(signal, async () => {
    say(`${signal}: stopping servers`);
    await stopAll();
    Deno.exit(130);
  });
}

const ctx: SuiteContext = { dir, kvPath: `${dir}/parta.kv`, say, remainingS, deadlineS };
const repeat = Math.max(1, Number(values.repeat));
const runs: Record<string, Record<string, Load[]>> = {};
const failures: string[] = [];
const disturbed: Load[] = [];
const record = (workload: string, side: string, result: Load) => {
  ((runs[workload] ??= {})[side] ??= []).push(result);
};

/** Runs one workload `times` times; a failure skips the rest of it. */
async function workload(name: string, times: number, body: (rep: number) => Promise<void>) {
  if (!only.has(name)) return;
  try {
    for (let rep = 1; rep <= times && !outOfTime; rep++) await body(rep);
  } catch (err) {
    failures.push(`${name}: ${err instanceof Error ? err.message : err}`);
    say(`${name} FAILED: ${err instanceof Error ? err.stack : err}`);
    await stopAll();
  }
}

/** A fan-out measurement, alternating servers, with its disturbed attempts kept aside. */
async function fanOut(name: string, rep: number, bare: string[], parta: string[]) {
  for (const [side, args] of [["bare", bare], ["parta", parta]] as const) {
    const { result, worse } = await measureFanOut(ctx, side, `${name}-${side}-${rep}`, args);
    if (worse) disturbed.push(worse);
    record(name, side, result);
  }
}

/** Deletes the KV files under `path` (they are large); logs and results stay. */
async function removeKvFiles(path: string): Promise<void> {
  for await (const e of Deno.readDir(path)) {
    if (e.isDirectory) await removeKvFiles(`${path}/${e.name}`);
    else if (/\.kv(-shm|-wal)?$/.test(e.name)) await Deno.remove(`${path}/${e.name}`);
  }
}

try {
  const seeded = ["class", "announce", "storm"].filter((w) =>
    only.has(w) || (w === "storm" && only.has("idle"))
  );
  if (seeded.length > 0) {
    say(`seeding ${ctx.kvPath} (${seeded.join(", ")})`);
    await denoTool(
      ctx,
      "seed",
      "seed.ts",
      [
        ...["--kv", ctx.kvPath, "--out", `${dir}/manifest.json`, "--workloads", seeded.join(",")],
        "--storm",
        String(Math.max(only.has("storm") ? stormSockets : 0, only.has("idle") ? idleSockets : 0)),
      ],
      900,
      [
        `--allow-read=${dir}`,
        `--allow-write=${dir}`,
        // The app's npm dependencies read environment variables as they load.
        "--allow-env",
      ],
    ).catch((err) => {
      failures.push(`seed: ${err.message}`);
      say(`seeding FAILED: ${err.message}; skipping ${seeded.join(", ")} and idle`);
      for (const w of [...seeded, "idle"]) only.delete(w);
    });
  }
  const manifest = ["--manifest", `${dir}/manifest.json`, "--workload"];

  const classShape = [
    "--msgs",
    values["class-msgs"]!,
    "--rate",
    values["class-rate"]!,
    "--idle",
    "3",
  ];
  await workload("class", repeat, (rep) =>
    fanOut(
      "class",
      rep,
      ["--rooms", "100", "--subs", "3000", "--pubs-per-room", "1", ...classShape],
      [...manifest, "class", ...classShape],
    ));
  const announceShape = [
    "--msgs",
    values["announce-msgs"]!,
    "--window",
    values["announce-window"]!,
  ];
  await workload("announce", repeat, (rep) =>
    fanOut(
      "announce",
      rep,
      ["--rooms", "1", "--subs", "950", "--pubs-per-room", "50", ...announceShape],
      [...manifest, "announce", ...announceShape],
    ));

  await workload("actor", repeat, async (rep) => {
    await quietWait(remainingS() > 0.2 * deadlineS ? 10 : 2);
    say(`actor-${rep}: one chat actor, 500 concurrent senders, vs one awaited commit at a time`);
    const actorDir = `${dir}/actor-${rep}`;
    await Deno.mkdir(actorDir);
    const [busy0] = await machineTicks();
    const wall0 = performance.now();
    const result = await denoTool(ctx, `actor-${rep}`, "actor.ts", ["--dir", actorDir], 180, [
      `--allow-read=${actorDir}`,
      `--allow-write=${actorDir}`,
      "--allow-env",
    ], 0);
    const [busy1] = await machineTicks();
    const wallS = (performance.now() - wall0) / 1000;
    result.other_busy_pct = +((busy1 - busy0) / wallS - (100 * result.process_cpu_s) / wallS)
      .toFixed(1);
    result.disturbed = result.other_busy_pct > FOREIGN_LOAD_PCT;
    if (result.disturbed) say(`actor-${rep}: ${result.other_busy_pct}% CPU busy elsewhere`);
    say(
      `actor-${rep}: ${result.actor?.msgs_per_s} acked sends/s in ${result.actor?.commits} ` +
        `commits; raw loop ${result.raw?.msgs_per_s} commits/s`,
    );
    record("actor", "actor", result);
  });

  await workload("push", 1, async () => {
    await quietWait(10);
    say("push: one announcement to 1,000 subscribed browsers, vs web-push's own loop");
    const pushDir = `${dir}/push`;
    await Deno.mkdir(pushDir);
    const result = await denoTool(ctx, "push", "push.ts", ["--dir", pushDir], 300, [
      "--allow-read",
      `--allow-write=${pushDir}`,
      "--allow-env",
      "--allow-net=127.0.0.1",
    ]);
    say(
      `push: ${result.parta?.pushes_per_s} pushes/s, the last after ${result.parta?.seconds_to_last} s` +
        `; web-push loop ${result.raw?.pushes_per_s}/s`,
    );
    record("push", "parta", result);
  });

  await workload("crash", 1, async () => {
    await quietWait(10);
    const seed = Number(values["crash-seed"] ?? Math.floor(Math.random() * 1e9));
    say(`crash: ${crashRounds} rounds, seeds ${seed}..${seed + crashRounds - 1}`);
    await Deno.mkdir(`${dir}/crash`);
    const result = await denoTool(
      ctx,
      "crash",
      "crash.ts",
      [
        ...["--rounds", String(crashRounds), "--seed", String(seed)],
        ...["--clients", values["crash-clients"]!, "--dir", `${dir}/crash`],
      ],
      120 + 60 * crashRounds,
      [
        "--allow-run",
        "--allow-read",
        "--allow-write",
        "--allow-env",
        "--allow-net=127.0.0.1",
      ],
    );
    say(`crash: ${JSON.stringify(result.totals)}`);
    record("crash", "parta", result);
  });

  const stormArgs = (sockets: number) => ({
    bare: ["--subs", String(sockets), "--rooms", String(Math.ceil(sockets / 30))],
    parta: [...manifest, "storm", "--limit", String(sockets)],
  });
  await workload("storm", 1, async () => {
    const args = stormArgs(stormSockets);
    record("storm", "bare", await stormOnce(ctx, "bare", "storm-bare", args.bare));
    record("storm", "parta", await stormOnce(ctx, "parta", "storm-parta", args.parta));
  });
  await workload("idle", 1, async () => {
    const args = stormArgs(idleSockets), hold = Number(values["idle-hold"]);
    record("idle", "bare", await idleOnce(ctx, "bare", "idle-bare", args.bare, hold));
    record("idle", "parta", await idleOnce(ctx, "parta", "idle-parta", args.parta, hold));
  });

  await workload("history", 1, async () => {
    await quietWait(10);
    say(`history: a chat of ${historyMessages} messages, then pages at three depths`);
    await Deno.mkdir(`${dir}/history`);
    const result = await denoTool(
      ctx,
      "history",
      "history.ts",
      [
        ...["--dir", `${dir}/history`, "--messages", String(historyMessages)],
      ],
      900,
      ["--allow-read", `--allow-write=${dir}/history`, "--allow-env"],
    );
    say(`history: ${result.wrong_pages} wrong pages`);
    record("history", "parta", result);
  });

  await workload("fuzz", 1, async () => {
    say(`fuzz: ${values["fuzz-runs"]} runs per property`);
    const result = await denoTool(ctx, "fuzz", "fuzz.ts", ["--runs", values["fuzz-runs"]!], 1800, [
      "-A",
    ]);
    say(`fuzz: ${JSON.stringify(result)}`);
    record("fuzz", "parta", result);
  });
} finally {
  await stopAll();
  if (!values.keep) await removeKvFiles(dir);
}

const table = buildTable(runs);
const nodeVersion = await new Deno.Command("node", { args: ["--version"] }).output();
const meta = {
  at: new Date().toISOString(),
  complete: !outOfTime && failures.length === 0,
  deno: Deno.version.deno,
  node: new TextDecoder().decode(nodeVersion.stdout).trim(),
  cpus: navigator.hardwareConcurrency,
  seconds: Math.round((Date.now() - t0) / 1000),
};
await Deno.writeTextFile(
  outFile,
  JSON.stringify({ meta, failures, table, medians: summarize(runs), runs, disturbed }, null, 2) +
    "\n",
);
printTable(table, ["class", "announce", "actor"].some((w) => only.has(w)) ? repeat : 1);
for (const failure of failures) console.log(`FAILED ${failure}`);
if (outOfTime) console.log(`INCOMPLETE: the deadline of ${deadlineS} s cut the run short`);
console.log(`\nresults: ${outFile} (logs in ${dir})`);
Deno.exit(outOfTime ? 124 : failures.length > 0 ? 1 : 0);
