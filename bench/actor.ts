/**
 * One chat, persisted, in-process: the acknowledged send rate of one ChatActor under many
 * concurrent senders (group commit), against a raw loop of one awaited `kv.atomic()` commit at
 * a time writing the same keys per message. Both run in this process on one KV file.
 *
 *   deno run --allow-read=DIR --allow-write=DIR bench/actor.ts --dir DIR
 *     [--members 500] [--per-member 20] [--out FILE]
 *
 * Each member sends `--per-member` messages one after another (awaiting each ack), all members
 * at once; with the warm-up send that stays inside the burst of 30 a member has per chat.
 */
import { parseArgs } from "node:util";
import process from "node:process";
import type { ChatId, UserId } from "../shared/ids.ts";
import { keys } from "../platform/kv_keys.ts";
import type { ChatEvent, ChatHead, Message } from "../shared/chat_model.ts";
import { ChatActor } from "../actors/chat_actor.ts";
import { addPeople, createGroupChat, createSchool, fixtures, type Person } from "./school.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    dir: { type: "string" },
    members: { type: "string", default: "500" },
    "per-member": { type: "string", default: "20" },
    out: { type: "string" },
  },
});
if (!values.dir) {
  console.error("usage: actor.ts --dir DIR");
  Deno.exit(64);
}
const MEMBERS = Number(values.members);
const PER_MEMBER = Number(values["per-member"]);
const TOTAL = MEMBERS * PER_MEMBER;
const t0 = performance.now();
const log = (s: string) =>
  console.error(`[actor ${((performance.now() - t0) / 1000).toFixed(1)}s] ${s}`);

function percentiles(samples: number[]) {
  const s = samples.toSorted((a, b) => a - b);
  const at = (p: number) =>
    +(s[Math.min(s.length - 1, Math.ceil(s.length * p) - 1)] ?? 0).toFixed(2);
  return { p50: at(0.5), p90: at(0.9), p99: at(0.99), max: at(1), n: s.length };
}

/** CPU time of this process (all threads: JS and the KV engine's) per unit, in µs. */
function cpuMeter() {
  const start = process.cpuUsage();
  return (units: number) => {
    const used = process.cpuUsage(start);
    return +((used.user + used.system) / Math.max(1, units)).toFixed(1);
  };
}

const payload = (i: number) =>
  `{"t":${performance.now().toFixed(3)},"s":${i},"p":"${"x".repeat(60)}"}`;

/** The raw loop: per message, one awaited commit of the keys a send writes. */
async function rawLoop(kv: Deno.Kv, chatId: ChatId, author: UserId, n: number, label: string) {
  let head = await kv.get<ChatHead>(keys.chatHead(chatId));
  let seq = head.value?.seq ?? 0;
  const latencies: number[] = [];
  const cpu = cpuMeter();
  const start = performance.now();
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    const at = new Date().toISOString();
    const clientId = `${label}-${i}`;
    const message: Message = {
      seq: ++seq,
      id: crypto.randomUUID(),
      chatId,
      clientId,
      authorId: author,
      kind: "text",
      text: payload(i),
      reactions: {},
      createdAt: at,
    };
    const event = { type: "message.created", actorId: author, message, seq, at } as ChatEvent;
    const next: ChatHead = { seq, lastMessageSeq: seq, lastActivityAt: at, memberCount: 2 };
    const res = await kv.atomic()
      .check(head)
      .set(keys.event(chatId, seq), event)
      .set(keys.message(chatId, seq), message)
      .set(keys.clientMessage(chatId, author, clientId), seq)
      .set(keys.sendAllowance(chatId, author), { tokens: 30, at: Date.now() })
      .set(keys.chatHead(chatId), next)
      .commit();
    if (!res.ok) throw new Error("raw loop: head check failed");
    head = { key: head.key, value: next, versionstamp: res.versionstamp };
    latencies.push(performance.now() - t);
  }
  const seconds = (performance.now() - start) / 1000;
  return {
    msgs: n,
    seconds: +seconds.toFixed(3),
    msgs_per_s: Math.round(n / seconds),
    cpu_us_per_msg: cpu(n),
    ack_ms: percentiles(latencies),
  };
}

/** One send at a time, the members taking turns: the cost of a commit of one message. */
async function actorSerial(actor: ChatActor, members: Person[], n: number, label: string) {
  const latencies: number[] = [];
  let acked = 0;
  const cpu = cpuMeter();
  const start = performance.now();
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    const result = await actor.send(members[i % members.length]!.userId, {
      clientId: `${label}-${i}`,
      text: payload(i),
    });
    if (result.ok) acked++;
    latencies.push(performance.now() - t);
  }
  const seconds = (performance.now() - start) / 1000;
  return {
    sent: n,
    acked,
    seconds: +seconds.toFixed(3),
    msgs_per_s: Math.round(acked / seconds),
    cpu_us_per_msg: cpu(acked),
    ack_ms: percentiles(latencies),
  };
}

/** Every member sends `perMember` messages in sequence, all members concurrently. */
async function actorRun(actor: ChatActor, members: Person[], perMember: number, label: string) {
  const latencies: number[] = [];
  const failures: Record<string, number> = {};
  let acked = 0;
  const cpu = cpuMeter();
  const start = performance.now();
  await Promise.all(members.map(async (m, j) => {
    for (let i = 0; i < perMember; i++) {
      const t = performance.now();
      const result = await actor.send(m.userId, {
        clientId: `${label}-${j}-${i}`,
        text: payload(j * perMember + i),
      });
      if (result.ok && result.value.created) {
        acked++;
        latencies.push(performance.now() - t);
      } else {
        const code = result.ok
          ? "duplicate"
          : (result.error as { code?: string }).code ?? String(result.error);
        failures[code] = (failures[code] ?? 0) + 1;
      }
    }
  }));
  const seconds = (performance.now() - start) / 1000;
  return {
    senders: members.length,
    sent: members.length * perMember,
    acked,
    failures,
    seconds: +seconds.toFixed(3),
    msgs_per_s: Math.round(acked / seconds),
    cpu_us_per_msg: cpu(acked),
    ack_ms: percentiles(latencies),
  };
}

/** Whether the chat's event log holds exactly seq 1..n. */
async function gapFree(kv: Deno.Kv, chatId: ChatId, n: number): Promise<boolean> {
  let expect = 1;
  for await (const e of kv.list({ prefix: keys.events(chatId) }, { batchSize: 1000 })) {
    if (e.key[2] !== expect) return false;
    expect++;
  }
  return expect === n + 1;
}

const path = `${values.dir}/actor.kv`;
const kv = await Deno.openKv(path);
try {
  const f = fixtures(kv);
  const school = await createSchool(f, "Школа № 1 (actor bench)");
  const members = await addPeople(f, school, "student", MEMBERS, "Отправитель");
  const chatId = await createGroupChat(f, school, school.admin, members, "Один чат");
  const rawChatId = await createGroupChat(f, school, school.admin, members.slice(0, 1), "Сырой");
  log(`seeded a chat of ${MEMBERS} members`);

  // Raw loop first (with its own warm-up), then the actor.
  await rawLoop(kv, rawChatId, members[0]!.userId, 300, "rawwarm");
  const raw = await rawLoop(kv, rawChatId, members[0]!.userId, TOTAL, "raw");
  log(`raw loop: ${raw.msgs_per_s} commits/s (p50 ${raw.ack_ms.p50} ms)`);

  let commits = 0, events = 0;
  const actor = new ChatActor(chatId, {
    ...f,
    publish: (_id, evs) => {
      commits++;
      events += evs.length;
    },
  });
  const warm = await actorRun(actor, members, 1, "warm");
  log(`actor warm-up: ${warm.acked} sends in ${warm.seconds}s`);
  // 2 sends per member, one at a time: with warm-up and run, 23 of a member's burst of 30
  const serial = await actorSerial(actor, members, 2 * MEMBERS, "serial");
  log(`actor, one send at a time: ${serial.msgs_per_s}/s, ${serial.cpu_us_per_msg} µs CPU each`);
  commits = 0;
  events = 0;
  const run = await actorRun(actor, members, PER_MEMBER, "run");
  log(`actor: ${run.msgs_per_s} acked sends/s over ${commits} commits (p50 ${run.ack_ms.p50} ms)`);
  await actor.stop();
  const head = (await kv.get<ChatHead>(keys.chatHead(chatId))).value!;
  const joins = Math.ceil(Math.max(0, MEMBERS - 300) / 300);
  const appended = 1 + joins + warm.acked + serial.acked + run.acked;
  const result = {
    kv: "sqlite file",
    members: MEMBERS,
    per_member: PER_MEMBER,
    raw,
    actor: { ...run, commits, events, mean_batch: +(events / Math.max(1, commits)).toFixed(1) },
    serial,
    head_seq: head.seq,
    // chat.created, member.joined, then every acknowledged send: seq 1..n with no gap
    log_gap_free: head.seq === appended && await gapFree(kv, chatId, appended),
    ratio: +(run.msgs_per_s / raw.msgs_per_s).toFixed(2),
    // all CPU this process used, start-up included (the runner compares it with the machine's)
    process_cpu_s: +((process.cpuUsage().user + process.cpuUsage().system) / 1e6).toFixed(2),
  };
  const line = JSON.stringify(result);
  if (values.out) await Deno.writeTextFile(values.out, line + "\n");
  console.log(line);
} finally {
  kv.close();
}
