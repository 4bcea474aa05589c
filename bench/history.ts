/**
 * History: a chat holding `--messages` messages (default 100,000), written through the chat
 * actor by many members at once (group commit) on a clock that runs a week behind and fast
 * (so the send allowance never binds); every 100th message gets a reaction from the reader and
 * every 5,000th is a poll. Then GET /api/v1/chats/:id/messages?limit=50 through the real app
 * in-process, at three depths (the newest page, pages half-way back, pages near the first
 * message) and concurrency 1, 16 and 64, against a raw `kv.list` of the same keys in the same
 * process on the same KV file.
 *
 *   deno run --allow-read --allow-write=DIR --allow-env bench/history.ts --dir DIR
 *     [--messages 100000] [--requests 1000] [--concurrency 1,16,64]
 *
 * Figures: latency percentiles and pages/s of both, per depth and concurrency. Wrong pages
 * (not 200, not 50 messages in order below `before`) must be 0. tests/history_test.ts checks
 * that a page costs the same KV calls at any depth.
 */
import { parseArgs } from "node:util";
import { type ChatId, type Clock, ulidSource } from "../shared/ids.ts";
import { keys } from "../platform/kv_keys.ts";
import type { Message } from "../shared/chat_model.ts";
import { readConfig } from "../platform/config.ts";
import { ChatActor } from "../actors/chat_actor.ts";
import { createApp } from "../routes/app.ts";
import { createDeps, stopDeps } from "../wiring.ts";
import { addPeople, createGroupChat, createSchool, fixtures, type Person } from "./school.ts";
import { prng } from "./prng.ts";

export interface HistoryOptions {
  kvPath: string;
  messages: number;
  /** Measured requests per (depth, concurrency, side). */
  requests: number;
  concurrencies: number[];
  log?: (line: string) => void;
}

function percentiles(samples: number[]) {
  const s = samples.toSorted((a, b) => a - b);
  const at = (p: number) =>
    +(s[Math.min(s.length - 1, Math.ceil(s.length * p) - 1)] ?? 0).toFixed(2);
  return { p50: at(0.5), p90: at(0.9), p99: at(0.99), max: at(1), n: s.length };
}

/** A clock a week behind that moves 20 ms at every reading: a long history, written fast. */
function pastClock(): Clock {
  let t = Date.now() - 7 * 24 * 3600_000;
  return { now: () => (t += 20) };
}

/** Writes `n` messages into `chatId` through the chat actor, `writers` at a time. */
async function fill(
  kv: Deno.Kv,
  chatId: ChatId,
  writers: Person[],
  reader: Person,
  n: number,
  log: (s: string) => void,
): Promise<void> {
  const clock = pastClock();
  const actor = new ChatActor(chatId, { kv, clock, ids: ulidSource(clock), publish: () => {} });
  let next = 0, failed = 0;
  const t0 = performance.now();
  try {
    await Promise.all(writers.map(async (w, j) => {
      while (next < n) {
        const i = next++;
        const result = i % 5000 === 4999
          ? await actor.run({
            type: "createPoll",
            actorId: w.userId,
            clientId: `h-${i}`,
            question: `Опрос ${i}`,
            options: ["да", "нет"],
            multiple: false,
            anonymous: false,
          })
          : await actor.send(w.userId, {
            clientId: `h-${i}`,
            text: `Сообщение ${i} от ${j}: ${"домашнее задание ".repeat(1 + (i % 5))}`,
          });
        if (!result.ok) failed++;
        if (i % 100 === 50 && result.ok) {
          const seq = (result.value as { message: Message }).message.seq;
          await actor.run({ type: "react", actorId: reader.userId, seq, emoji: "👍", add: true });
        }
        if (i > 0 && i % 20000 === 0) {
          log(`${i} messages in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
        }
      }
    }));
  } finally {
    await actor.stop();
  }
  if (failed > 0) throw new Error(`${failed} sends failed while filling the history`);
}

/** `total` calls of `one`, `concurrency` at a time: each call's milliseconds, and the wall time. */
async function closedLoop(
  total: number,
  concurrency: number,
  one: (i: number) => Promise<void>,
): Promise<{ ms: number[]; wallMs: number }> {
  const ms: number[] = [];
  let next = 0;
  const t0 = performance.now();
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < total) {
      const i = next++;
      const t = performance.now();
      await one(i);
      ms.push(performance.now() - t);
    }
  }));
  return { ms, wallMs: performance.now() - t0 };
}

/** Writes the chat, then measures; returns the figures. */
export async function runHistory(options: HistoryOptions) {
  const log = options.log ?? ((s: string) => console.error(`[history] ${s}`));
  const kv = await Deno.openKv(options.kvPath);
  const f = fixtures(kv);
  const school = await createSchool(f, "Школа (history)");
  const writers = await addPeople(f, school, "student", 200, "Писатель");
  const reader = writers[0]!;
  const chatId = await createGroupChat(f, school, school.admin, writers, "Длинная история");
  const t0 = performance.now();
  await fill(kv, chatId, writers, reader, options.messages, log);
  const head = (await kv.get<{ seq: number }>(keys.chatHead(chatId))).value!.seq;
  const seedS = (performance.now() - t0) / 1000;
  log(`${options.messages} messages (head seq ${head}) in ${seedS.toFixed(1)} s`);

  const config = readConfig({ KV_PATH: options.kvPath, PORT: "8000" });
  const deps = createDeps(config, kv);
  const app = createApp(deps);
  const auth = { Authorization: `Bearer ${reader.token}` };
  const lowest = keys.messages(chatId);
  let wrong = 0;
  const check = (messages: { seq: number }[], before: number) => {
    if (messages.length !== 50) return false;
    return messages.every((m, k) => m.seq < before && (k === 0 || m.seq < messages[k - 1]!.seq));
  };
  const rand = prng(42);
  const jitter = Array.from(
    { length: 4 * options.requests + 300 },
    () => Math.floor(rand() * 1000),
  );
  /** Where pages end: the newest page, half-way back, and near the chat's first message. */
  const depths: Record<string, (i: number) => number | null> = {
    newest: () => null,
    half: (i) => Math.floor(head / 2) + jitter[i]!,
    oldest: (i) => 200 + jitter[i]!,
  };
  const route = async (before: number | null) => {
    const q = before === null ? "" : `&before=${before}`;
    const res = await app.request(`/api/v1/chats/${chatId}/messages?limit=50${q}`, {
      headers: auth,
    });
    const body = await res.json();
    if (res.status !== 200 || !check(body.messages, before ?? head + 1)) wrong++;
  };
  const raw = async (before: number | null) => {
    const out: Message[] = [];
    const iter = kv.list<Message>(
      { prefix: lowest, end: keys.message(chatId, before ?? head + 1) },
      { reverse: true, limit: 50, batchSize: 50 },
    );
    for await (const e of iter) out.push(e.value);
    if (!check(out, before ?? head + 1)) wrong++;
  };

  const results: Record<string, Record<string, unknown>> = {};
  try {
    // Warm both paths (JIT, SQLite page cache).
    await closedLoop(300, 4, (i) => route(depths.half!(i)));
    await closedLoop(300, 4, (i) => raw(depths.half!(i)));
    for (const [depth, before] of Object.entries(depths)) {
      for (const c of options.concurrencies) {
        // Two halves each, alternating, so drift on the machine hits both sides alike.
        const half = Math.ceil(options.requests / 2);
        const r1 = await closedLoop(half, c, (i) => route(before(i)));
        const w1 = await closedLoop(half, c, (i) => raw(before(half + i)));
        const w2 = await closedLoop(half, c, (i) => raw(before(2 * half + i)));
        const r2 = await closedLoop(half, c, (i) => route(before(3 * half + i)));
        const routeMs = percentiles([...r1.ms, ...r2.ms]);
        const rawMs = percentiles([...w1.ms, ...w2.ms]);
        const perS = (a: { wallMs: number }, b: { wallMs: number }) =>
          Math.round((2 * half * 1000) / (a.wallMs + b.wallMs));
        results[`${depth}_c${c}`] = {
          route_ms: routeMs,
          raw_ms: rawMs,
          route_pages_per_s: perS(r1, r2),
          raw_pages_per_s: perS(w1, w2),
        };
        log(
          `${depth} page, concurrency ${c}: route p50 ${routeMs.p50} p99 ${routeMs.p99} ms; ` +
            `raw kv.list p50 ${rawMs.p50} p99 ${rawMs.p99} ms`,
        );
      }
    }
  } finally {
    await stopDeps(deps);
    kv.close();
  }
  return {
    messages: options.messages,
    head_seq: head,
    seed_s: +seedS.toFixed(1),
    requests: options.requests,
    wrong_pages: wrong,
    pages: results,
  };
}

if (import.meta.main) {
  const { values: v } = parseArgs({
    args: Deno.args,
    options: {
      dir: { type: "string" },
      messages: { type: "string", default: "100000" },
      requests: { type: "string", default: "1000" },
      concurrency: { type: "string", default: "1,16,64" },
    },
  });
  if (!v.dir) {
    console.error("usage: history.ts --dir DIR");
    Deno.exit(64);
  }
  const result = await runHistory({
    kvPath: `${v.dir}/history.kv`,
    messages: Number(v.messages),
    requests: Number(v.requests),
    concurrencies: v.concurrency!.split(",").map(Number),
  });
  console.log(JSON.stringify(result));
  Deno.exit(0);
}
