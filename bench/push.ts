/**
 * Notifications of one announcement to a school channel, in-process: a channel of `--members`
 * (default 1,000), each member with one subscribed browser on a local push endpoint (it accepts
 * each push with 201, as a push service does, without decrypting). One announcement is sent
 * through the chat actor; measured are the time until the push service has accepted the last of
 * its pushes, pushes/s and CPU per push, and how long other messages of the same chat wait for
 * their acknowledgement while the pushes go out (against the same sends with nothing going out).
 *
 * The baseline is a raw loop over the same subscriptions: web-push's request for each, sent with
 * `fetch`, at the same concurrency (16) — what the pushes cost with no Parta around them.
 *
 *   deno run --allow-read --allow-write=DIR --allow-env --allow-net=127.0.0.1 bench/push.ts --dir DIR
 *     [--members 1000] [--out FILE]
 */
import { parseArgs } from "node:util";
import process from "node:process";
import { createECDH, randomBytes } from "node:crypto";
import webpush from "web-push";
import type { ChatId } from "../shared/ids.ts";
import { readConfig } from "../platform/config.ts";
import { createDeps, stopDeps } from "../wiring.ts";
import { saveSubscription, vapidKeys } from "../domain/push.ts";
import { unwrap } from "../actors/mailbox.ts";
import { addPeople, createGroupChat, createSchool, fixtures, pool } from "./school.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    dir: { type: "string" },
    members: { type: "string", default: "1000" },
    out: { type: "string" },
  },
});
if (!values.dir) {
  console.error("usage: push.ts --dir DIR");
  Deno.exit(64);
}
const MEMBERS = Number(values.members);
const CONCURRENCY = 16;
const t0 = performance.now();
const log = (s: string) =>
  console.error(`[push ${((performance.now() - t0) / 1000).toFixed(1)}s] ${s}`);

function percentiles(samples: number[]) {
  const s = samples.toSorted((a, b) => a - b);
  const at = (p: number) =>
    +(s[Math.min(s.length - 1, Math.ceil(s.length * p) - 1)] ?? 0).toFixed(2);
  return { p50: at(0.5), p99: at(0.99), max: at(1), n: s.length };
}

function cpuMeter() {
  const start = process.cpuUsage();
  return (units: number) => {
    const used = process.cpuUsage(start);
    return +((used.user + used.system) / Math.max(1, units)).toFixed(1);
  };
}

/**
 * The push endpoint: accepts every push (201) and notes when each arrived. The announcement's
 * pushes are told from the chat's other ones by their TTL (an announcement to confirm: 3 days).
 */
const ANNOUNCEMENT_TTL = "259200";
let accepted = 0;
let lastAt = 0;
const receiver = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, async (req) => {
  await req.arrayBuffer();
  if (req.headers.get("ttl") === ANNOUNCEMENT_TTL) {
    accepted++;
    lastAt = performance.now();
  }
  return new Response(null, { status: 201 });
});
const endpoint = (i: number) => `http://127.0.0.1:${receiver.addr.port}/push/${i}`;

function browserKeys() {
  const ecdh = createECDH("prime256v1");
  ecdh.generateKeys();
  return {
    p256dh: ecdh.getPublicKey().toString("base64url"),
    auth: randomBytes(16).toString("base64url"),
  };
}

async function waitFor(count: number, timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (accepted < count) {
    if (performance.now() > deadline) throw new Error(`only ${accepted} of ${count} pushes came`);
    await new Promise((r) => setTimeout(r, 2));
  }
}

const kv = await Deno.openKv(`${values.dir}/push.kv`);
try {
  const f = fixtures(kv);
  const school = await createSchool(f, "Школа для уведомлений");
  const people = await addPeople(f, school, "parent", MEMBERS - 1, "Родитель");
  const chatId = await createGroupChat(f, school, school.admin, people, "Объявления школы");
  const config = readConfig({
    KV_PATH: `${values.dir}/push.kv`,
    DEV_OUTBOX: "1",
    PUSH_ALLOW_INSECURE_LOCALHOST: "1",
  });
  const subs = await pool(people.length, 32, async (i) => {
    const keys = browserKeys();
    await saveSubscription(f, config.push, { endpoint: endpoint(i), keys }, {
      userId: people[i]!.userId,
      sessionHash: `bench-${i}`,
      sessionExpiresAt: new Date(Date.now() + 86400_000).toISOString(),
      label: "Chrome, Android",
    });
    return { endpoint: endpoint(i), keys };
  });
  log(`${MEMBERS} members, ${subs.length} subscribed browsers`);
  const vapid = { ...await vapidKeys(kv, config.push), subject: config.push.subject };

  // Baseline: the same pushes, straight from a loop.
  const rawCpu = cpuMeter();
  const rawStart = performance.now();
  await pool(subs.length, CONCURRENCY, async (i) => {
    const request = webpush.generateRequestDetails(subs[i]!, JSON.stringify({ v: 1, i }), {
      vapidDetails: vapid,
      TTL: Number(ANNOUNCEMENT_TTL),
      contentEncoding: "aes128gcm",
    });
    const res = await fetch(request.endpoint, {
      method: "POST",
      headers: request.headers as Record<string, string>,
      body: new Uint8Array(request.body as Uint8Array),
    });
    await res.body?.cancel();
  });
  await waitFor(subs.length, 60_000);
  const rawSeconds = (lastAt - rawStart) / 1000;
  const raw = {
    pushes: subs.length,
    seconds_to_last: +rawSeconds.toFixed(3),
    pushes_per_s: Math.round(subs.length / rawSeconds),
    cpu_us_per_push: rawCpu(subs.length),
  };
  log(`raw loop: ${raw.pushes_per_s} pushes/s`);

  const deps = createDeps(config, kv);
  try {
    const actor = deps.chats.get(chatId as ChatId);
    const sender = people[0]!;
    /** Sends `n` messages from one member one after another; their ack times in ms. */
    const chatter = async (n: number, label: string) => {
      const times: number[] = [];
      for (let i = 0; i < n; i++) {
        const t = performance.now();
        unwrap(
          await actor.send(sender.userId, { clientId: `${label}-${i}`, text: `${label} ${i}` }),
        );
        times.push(performance.now() - t);
        await new Promise((r) => setTimeout(r, 20));
      }
      return times;
    };
    // Quiet chat first (each of these also notifies: wait for those pushes to settle).
    const idle = await chatter(10, "idle");
    await deps.effects.drain(120_000);
    const before = accepted;

    const cpu = cpuMeter();
    const start = performance.now();
    unwrap(
      await actor.send(school.admin.userId, {
        clientId: "announcement",
        text: "Завтра сокращённый день: уроки до 12:30, после — родительское собрание.",
        needsAck: true,
      }),
    );
    const during = chatter(10, "during");
    await waitFor(before + subs.length, 120_000);
    const seconds = (lastAt - start) / 1000;
    const busy = await during;
    const parta = {
      pushes: subs.length,
      seconds_to_last: +seconds.toFixed(3),
      pushes_per_s: Math.round(subs.length / seconds),
      cpu_us_per_push: cpu(subs.length),
    };
    log(`parta: ${parta.pushes_per_s} pushes/s, last after ${parta.seconds_to_last} s`);
    const result = {
      members: MEMBERS,
      concurrency: CONCURRENCY,
      parta,
      raw,
      ratio: +(parta.pushes_per_s / raw.pushes_per_s).toFixed(2),
      chat_ack_ms_idle: percentiles(idle),
      chat_ack_ms_during: percentiles(busy),
      process_cpu_s: +((process.cpuUsage().user + process.cpuUsage().system) / 1e6).toFixed(2),
    };
    const line = JSON.stringify(result);
    if (values.out) await Deno.writeTextFile(values.out, line + "\n");
    console.log(line);
  } finally {
    await deps.effects.drain(120_000).catch(() => {});
    await stopDeps(deps);
  }
} finally {
  await receiver.shutdown();
  kv.close();
}
