/**
 * Crash safety: the real server (`scripts/serve.ts` → `deno serve --parallel` on a KV file, as
 * `deno task start` runs it) is killed with SIGKILL at a seeded point (a number of
 * acknowledgements) while clients send into a few chats over /api/v1/realtime, then started
 * again on the same file. The clients reconnect with `since` and resend every unacknowledged
 * message with its clientId (a 429 after its retryAfter). Once all is acknowledged, every client
 * sends all its acknowledged messages once more, to the restarted server: each must come back
 * with the seq of its first ack.
 *
 * Then each chat's event log (GET /chats/:id/events) and history (GET /chats/:id/messages) are
 * read, and at the end, with the server stopped, the KV file itself. Every figure but `acked`,
 * `found`, `replayed` and the timings must be 0: lost (acknowledged, yet not in the log and the
 * history), missing in KV, duplicates (a clientId twice in a chat), gaps in seq, events a client
 * missed or got out of order, messages never acknowledged, replays answered with another seq.
 *
 *   deno run --allow-run --allow-read --allow-write --allow-env --allow-net=127.0.0.1 \
 *     bench/crash.ts [--rounds 10] [--seed N] [--clients 20] [--chats 4] [--per-client 40]
 *     [--rate 16] [--window 8] [--jobs N] [--dir DIR]
 *
 * tests/crash_test.ts runs a short version; `deno task bench --only crash` the full one.
 */
import { parseArgs } from "node:util";
import type { ChatId } from "../shared/ids.ts";
import type { ChatEvent, Message } from "../shared/chat_model.ts";
import { openKvShared } from "../platform/kv_util.ts";
import { addPeople, createGroupChat, createSchool, fixtures, type Person } from "./school.ts";
import { type PartaProcess, startParta } from "./parta_proc.ts";
import { prng } from "./prng.ts";
import { CrashClient, type Planned, TICK_MS } from "./crash_client.ts";
import { type Ack, check, missingInKv, readHistory, readLog } from "./crash_check.ts";

export interface CrashOptions {
  /** Rounds, each with its own seed (`seed`, `seed + 1`, …) and kill point. */
  rounds: number;
  seed: number;
  clients: number;
  chats: number;
  /** Messages each client sends per round. */
  perClient: number;
  /** Messages per second each client sends (spread over the chats). */
  rate: number;
  /** Most unacknowledged messages per client. */
  window: number;
  /** Workers of `deno serve --parallel` (default: one per core, as `deno task start`). */
  jobs?: number;
  /** Where the KV file goes; default a new temp dir (removed afterwards). */
  dir?: string;
  log?: (line: string) => void;
}

export interface CrashRound {
  seed: number;
  /** Acknowledgements the kill waited for, and the milliseconds after traffic began. */
  kill_at_acks: number;
  kill_after_ms: number;
  acked_before_kill: number;
  unacked_at_kill: number;
  sent: number;
  acked: number;
  /** Acknowledged messages found at their seq in both the event log and the history. */
  found: number;
  lost: number;
  duplicates: number;
  gaps: number;
  /** Events a client received out of order or never received. */
  client_gaps: number;
  never_acked: number;
  /** Acknowledged messages sent again after the restart, and those answered with another seq. */
  replayed: number;
  replay_seq_changed: number;
  /** Messages sent again because their socket closed before the ack. */
  resent: number;
  rate_limited: number;
  /** Error frames other than 429, by code (retried). */
  errors: Record<string, number>;
  restart_to_listen_s: number;
  restart_to_first_ack_s: number;
}

export interface CrashResult {
  rounds: CrashRound[];
  /** Exit code of the server on the final SIGTERM (0: drained in time). */
  final_stop_code: number;
  totals: {
    rounds: number;
    acked: number;
    found: number;
    lost: number;
    /** Acknowledged messages not at their key in the KV file once the server has stopped. */
    missing_in_kv: number;
    duplicates: number;
    gaps: number;
    client_gaps: number;
    never_acked: number;
    replayed: number;
    replay_seq_changed: number;
    restart_to_first_ack_s: { median: number; max: number };
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitFor(what: string, cond: () => boolean, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

/** The school, its people and chats, built with Parta's own code before the server starts. */
async function seed(kvPath: string, options: CrashOptions) {
  const kv = await openKvShared(kvPath);
  try {
    const f = fixtures(kv);
    const school = await createSchool(f, "Школа (crash)");
    const people = await addPeople(f, school, "student", options.clients, "Ученик");
    const chatIds: ChatId[] = [];
    for (let k = 0; k < options.chats; k++) {
      chatIds.push(await createGroupChat(f, school, school.admin, people, `Чат ${k + 1}`));
    }
    return { admin: school.admin, people, chatIds };
  } finally {
    kv.close();
  }
}

/** Each client's messages: two thirds to "its" chat, the rest anywhere. */
function plans(seed: number, people: Person[], chatIds: ChatId[], perClient: number) {
  const rand = prng(seed);
  return people.map((_, i) =>
    Array.from({ length: perClient }, (_, n): Planned => {
      const k = rand() < 0.67 ? i % chatIds.length : Math.floor(rand() * chatIds.length);
      return {
        clientId: `r${seed}-c${i}-m${n}`,
        chatId: chatIds[k]!,
        text: `round ${seed}, client ${i}, message ${n}`,
      };
    })
  );
}

const sum = <T>(xs: T[], f: (x: T) => number) => xs.reduce((a, x) => a + f(x), 0);

/** Runs the crash rounds; the server is always stopped at the end. */
export async function runCrash(options: CrashOptions): Promise<CrashResult> {
  const log = options.log ?? ((s: string) => console.error(s));
  const ownDir = options.dir === undefined;
  const dir = options.dir ?? await Deno.makeTempDir({ prefix: "parta-crash-" });
  const kvPath = `${dir}/crash.kv`;
  const { admin, people, chatIds } = await seed(kvPath, options);

  let server: PartaProcess = await startParta({ kvPath, jobs: options.jobs });
  const rounds: CrashRound[] = [];
  const allAcks: Ack[] = [];
  let finalStopCode = -1;
  try {
    for (let r = 0; r < options.rounds; r++) {
      const seed = options.seed + r;
      const total = people.length * options.perClient;
      // The kill point is a number of acknowledgements (15–85 % of the round), not a time.
      const killAt = Math.round(total * (0.15 + 0.7 * prng(seed ^ 0x5eed)()));
      let restartedAt = Infinity, firstAckAfterRestart = 0;
      const world = {
        url: () => server.wsUrl,
        window: options.window,
        perTick: (options.rate * TICK_MS) / 1000,
        onAck: (at: number) => {
          if (at > restartedAt && firstAckAfterRestart === 0) firstAckAfterRestart = at;
        },
      };
      const planned = plans(seed, people, chatIds, options.perClient);
      const clients = people.map((p, i) => new CrashClient(p, planned[i]!, world));
      try {
        for (const c of clients) c.connect();
        await waitFor("every client ready", () => clients.every((c) => c.ready), 30_000);
        const began = performance.now();
        await waitFor("the kill point", () => sum(clients, (c) => c.acks.size) >= killAt, 60_000);
        server.stop("SIGKILL");
        const killAfter = Math.round(performance.now() - began);
        const ackedBeforeKill = sum(clients, (c) => c.acks.size);
        const unackedAtKill = sum(clients, (c) => c.inFlight.size);
        await server.stop();
        restartedAt = performance.now();
        server = await startParta({ kvPath, port: server.port, jobs: options.jobs });
        await waitFor("every message acknowledged", () => clients.every((c) => c.done), 120_000);
        for (const c of clients) c.replay();
        await waitFor("every replay answered", () => clients.every((c) => c.replayDone), 60_000);

        const logs = new Map<ChatId, ChatEvent[]>(), histories = new Map<ChatId, Message[]>();
        for (const id of chatIds) {
          logs.set(id, await readLog(server.url, admin.token, id));
          histories.set(id, await readHistory(server.url, admin.token, id));
        }
        const head = (id: ChatId) => logs.get(id)!.at(-1)!.seq;
        const caughtUp = () =>
          clients.every((c) => chatIds.every((id) => (c.cursors.get(id) ?? 0) >= head(id)));
        // A client that never catches up is counted below, not thrown.
        await waitFor("clients caught up", caughtUp, 30_000).catch(() => {});

        const acks = clients.flatMap((c) =>
          [...c.acks].map(([clientId, a]) => ({ ...a, clientId, authorId: c.person.userId }))
        );
        allAcks.push(...acks);
        const { found, gaps, duplicates } = check(acks, logs, histories);
        const errors: Record<string, number> = {};
        for (const c of clients) {
          for (const [code, n] of Object.entries(c.errors)) errors[code] = (errors[code] ?? 0) + n;
        }
        const round: CrashRound = {
          seed,
          kill_at_acks: killAt,
          kill_after_ms: killAfter,
          acked_before_kill: ackedBeforeKill,
          unacked_at_kill: unackedAtKill,
          sent: sum(clients, (c) => c.plan.length),
          acked: acks.length,
          found,
          lost: acks.length - found,
          duplicates,
          gaps,
          client_gaps: sum(clients, (c) =>
            c.outOfOrder +
            sum(chatIds, (id) => Math.max(0, head(id) - (c.cursors.get(id) ?? 0)))),
          never_acked: sum(clients, (c) => c.plan.length - c.acks.size),
          replayed: sum(clients, (c) => c.replayed),
          replay_seq_changed: sum(clients, (c) => c.replaySeqChanged),
          resent: sum(clients, (c) => c.resent),
          rate_limited: sum(clients, (c) => c.rateLimited),
          errors,
          restart_to_listen_s: +((server.upAt - restartedAt) / 1000).toFixed(2),
          restart_to_first_ack_s: +((firstAckAfterRestart - restartedAt) / 1000).toFixed(2),
        };
        rounds.push(round);
        log(
          `crash round ${
            r + 1
          }/${options.rounds} seed ${seed}: killed at ${killAt} acks, ${killAfter} ms in ` +
            `(${ackedBeforeKill} acked, ${unackedAtKill} unacked); acked ${round.acked}/` +
            `${round.sent}, found ${found}, lost ${round.lost}, duplicates ${duplicates}, ` +
            `gaps ${gaps}, client gaps ${round.client_gaps}, replays ${round.replayed} ` +
            `(${round.replay_seq_changed} with another seq); restart→listen ` +
            `${round.restart_to_listen_s} s, →first ack ${round.restart_to_first_ack_s} s; ` +
            `resent ${round.resent}, 429s ${round.rate_limited}` +
            (Object.keys(errors).length ? `, errors ${JSON.stringify(errors)}` : ""),
        );
      } finally {
        await Promise.all(clients.map((c) => c.close()));
      }
    }
  } finally {
    finalStopCode = await server.stop("SIGTERM");
  }
  try {
    const firstAcks = rounds.map((r) => r.restart_to_first_ack_s).sort((a, b) => a - b);
    return {
      rounds,
      final_stop_code: finalStopCode,
      totals: {
        rounds: rounds.length,
        acked: sum(rounds, (r) => r.acked),
        found: sum(rounds, (r) => r.found),
        lost: sum(rounds, (r) => r.lost),
        missing_in_kv: await missingInKv(kvPath, allAcks),
        duplicates: sum(rounds, (r) => r.duplicates),
        gaps: sum(rounds, (r) => r.gaps),
        client_gaps: sum(rounds, (r) => r.client_gaps),
        never_acked: sum(rounds, (r) => r.never_acked),
        replayed: sum(rounds, (r) => r.replayed),
        replay_seq_changed: sum(rounds, (r) => r.replay_seq_changed),
        restart_to_first_ack_s: {
          median: firstAcks[Math.floor(firstAcks.length / 2)] ?? 0,
          max: firstAcks.at(-1) ?? 0,
        },
      },
    };
  } finally {
    if (ownDir) await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
}

if (import.meta.main) {
  const { values: v } = parseArgs({
    args: Deno.args,
    options: {
      rounds: { type: "string", default: "10" },
      seed: { type: "string" },
      clients: { type: "string", default: "20" },
      chats: { type: "string", default: "4" },
      "per-client": { type: "string", default: "40" },
      rate: { type: "string", default: "16" },
      window: { type: "string", default: "8" },
      jobs: { type: "string" },
      dir: { type: "string" },
    },
  });
  const seed = Number(v.seed ?? Math.floor(Math.random() * 1e9));
  console.error(`crash: seeds ${seed}..${seed + Number(v.rounds) - 1}`);
  const result = await runCrash({
    rounds: Number(v.rounds),
    seed,
    clients: Number(v.clients),
    chats: Number(v.chats),
    perClient: Number(v["per-client"]),
    rate: Number(v.rate),
    window: Number(v.window),
    jobs: v.jobs ? Number(v.jobs) : undefined,
    dir: v.dir,
  });
  console.log(JSON.stringify({ seed, ...result }));
}
