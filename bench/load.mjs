#!/usr/bin/env node
// load.mjs — Parta's fan-out load client (Node >= 18, only node: built-ins). Derived from the shared
// bench/loadclient.mjs: its own RFC 6455 framing over raw TCP, payload stamped with performance.now()
// of this same process (no clock sync), a latency histogram, and /proc sampling of the server PID.
// The SAME client drives both servers, so ratios measured in one run are fair.
//
// Shape: R rooms; each room has S subscriber sockets and P publisher sockets. Publishers take turns
// (message s goes to room s % R, publisher floor(s / R) % P of that room). Every socket that is not the
// sender counts a delivery, so publishers also count each other's messages; a socket's own echo (Parta
// sends the sender its event too) is never counted.
//
// Adapters (--proto):
//   raw    the bare relay (servers/deno_bare.ts): ws://HOST:PORT/ws?room=NAME, any frame is relayed to
//          the rest of the room. Rooms: --rooms R --subs N (total subscribers) --pubs-per-room P.
//   parta  ws://HOST:PORT/api/v1/realtime; {"type":"hello","token"} -> wait for "ready"; publish with
//          {"type":"send","chatId","clientId","text":<payload>}; deliveries are {"type":"event"} frames of
//          message.created whose (JSON-escaped) text holds the payload. Rooms and people come from
//          --manifest FILE --workload NAME (written by bench/seed.ts). Acks give send->ack latency.
// Modes: --rate R (paced, messages/s over all rooms) or --window W (closed loop: at most W messages not
//        yet delivered to every expected receiver). --msgs M, hard --deadline S, --server-pid PID.
// Output: one JSON object on stdout (and --out FILE); progress on stderr.
import crypto from "node:crypto";
import fs from "node:fs";
import { performance } from "node:perf_hooks";
import {
  cliArgs,
  CLK,
  CPU_FIELDS,
  Hist,
  log,
  readCpuTicks,
  readRss,
  readSysCpu,
  t0,
  WsConn,
} from "./load_io.mjs";

const A = cliArgs(process.argv.slice(2));
const cfg = {
  proto: A.proto ?? "raw",
  url: A.url ?? "ws://127.0.0.1:9001/ws",
  manifest: A.manifest ?? "",
  workload: A.workload ?? "",
  room: A.room ?? "r",
  rooms: Number(A.rooms ?? 1),
  subs: Number(A.subs ?? 1000),
  pubsPerRoom: Number(A["pubs-per-room"] ?? 1),
  msgs: Number(A.msgs ?? 100),
  rate: A.rate ? Number(A.rate) : 0,
  window: Number(A.window ?? 16),
  size: Number(A.size ?? 100),
  connConcurrency: Number(A["conn-concurrency"] ?? 128),
  settle: Number(A.settle ?? 1),
  idle: Number(A.idle ?? 0), // seconds of idle server CPU sampling (all sockets open) before sending
  deadline: Number(A.deadline ?? 150),
  drainTimeout: Number(A["drain-timeout"] ?? 10),
  stall: Number(A.stall ?? 5),
  serverPid: A["server-pid"] ? Number(A["server-pid"]) : 0,
  out: A.out ?? "",
  label: A.label ?? "",
};

let peakRss = 0;
if (cfg.serverPid) {
  setInterval(() => {
    const r = readRss(cfg.serverPid);
    if (r > peakRss) peakRss = r;
  }, 100).unref();
}

const lat = new Hist(), ackLat = new Hist();

// ---------------------------------------------------------------- shape
let rooms; // [{ name, chatId?, subs: [person|null], pubs: [person|null] }]
if (cfg.proto === "parta") {
  if (!cfg.manifest || !cfg.workload) {
    console.error("parta needs --manifest and --workload");
    process.exit(64);
  }
  const m = JSON.parse(fs.readFileSync(cfg.manifest, "utf8")).workloads[cfg.workload];
  rooms = m.rooms.map((r, k) => ({
    name: `chat-${k}`,
    chatId: r.chatId,
    subs: r.subscribers,
    pubs: r.publishers,
  }));
} else {
  const R = Math.max(1, cfg.rooms);
  rooms = Array.from(
    { length: R },
    (_, k) => ({ name: `${cfg.room}-${k}`, subs: [], pubs: Array(cfg.pubsPerRoom).fill(null) }),
  );
  for (let i = 0; i < cfg.subs; i++) rooms[i % R].subs.push(null);
}
const R = rooms.length;
const P = rooms[0].pubs.length;
if (rooms.some((r) => r.pubs.length !== P) || P < 1) {
  console.error("every room needs the same number (>= 1) of publishers");
  process.exit(64);
}
const N = rooms.reduce((a, r) => a + r.subs.length, 0);
const M = cfg.msgs;
const roomOf = (s) => s % R;
const senderOf = (s) => roomOf(s) * P + (Math.floor(s / R) % P); // global publisher index

// ---------------------------------------------------------------- measurement state
const counts = new Uint32Array(Math.max(M, 1));
const expected = new Uint32Array(Math.max(M, 1));
const sendTime = new Float64Array(Math.max(M, 1));
const warmByRoom = new Uint32Array(R);
const pubWarm = new Uint8Array(R * P);
const MC_PAT = Buffer.from('"type":"message.created"');
let presenceFrames = 0;
let warmSeen = 0, delivered = 0, completed = 0, echoes = 0, dupOrBad = 0, lastRecv = 0, acks = 0;
const errors = {};
let onProgress = () => {};

const PAD = "x".repeat(Math.max(0, cfg.size - 40));
const makePayload = (s) => `{"t":${performance.now().toFixed(3)},"s":${s},"p":"${PAD}"}`;

// Deliveries: the payload's "t" and "s" parsed from bytes, plain or JSON-escaped.
function onPayload(conn, t, s) {
  if (s < 0) { // warm-up from global publisher -s-1
    if (conn.gpub === -s - 1 || conn.warm) return;
    conn.warm = true;
    warmSeen++;
    warmByRoom[conn.roomIdx]++;
    if (conn.gpub >= 0) pubWarm[conn.gpub] = 1;
    onProgress();
    return;
  }
  if (s >= M || roomOf(s) !== conn.roomIdx) {
    dupOrBad++;
    return;
  }
  if (senderOf(s) === conn.gpub) {
    echoes++;
    return;
  }
  if (counts[s] >= expected[s]) {
    dupOrBad++;
    return;
  }
  const now = performance.now();
  lat.add(now - t);
  lastRecv = now;
  delivered++;
  if (++counts[s] === expected[s]) {
    completed++;
    onProgress();
  }
}
const T_PLAIN = Buffer.from('{"t":'), T_ESC = Buffer.from('{\\"t\\":');
function scanPayloads(buf, start, end, conn, pat) {
  let i = start;
  while (i < end) {
    const k = buf.indexOf(pat, i);
    if (k < 0 || k >= end) return;
    let j = k + pat.length, v = 0, frac = 0, scale = 1, c;
    while ((c = buf[j]) >= 48 && c <= 57) {
      v = v * 10 + (c - 48);
      j++;
    }
    if (c === 46) {
      j++;
      while ((c = buf[j]) >= 48 && c <= 57) {
        frac = frac * 10 + (c - 48);
        scale *= 10;
        j++;
      }
    }
    let skip = 0; // ,"s": or ,\"s\":
    while (skip < 8 && j < end && (c = buf[j]) !== 45 && (c < 48 || c > 57)) {
      j++;
      skip++;
    }
    let neg = false, s = 0;
    if (buf[j] === 45) {
      neg = true;
      j++;
    }
    while ((c = buf[j]) >= 48 && c <= 57) {
      s = s * 10 + (c - 48);
      j++;
    }
    onPayload(conn, v + frac / scale, neg ? -s : s);
    i = j;
  }
}

// ---------------------------------------------------------------- adapters
const nonce = crypto.randomBytes(4).toString("hex");
const countError = (code) => {
  errors[code] = (errors[code] || 0) + 1;
};
const adapters = {
  raw: {
    path: (base, room) => {
      const x = new URL("http://h" + base);
      x.searchParams.set("room", room.name);
      return x.pathname + x.search;
    },
    onOpen(c) {
      c.markReady();
    },
    onMessage(c, buf, s, e) {
      scanPayloads(buf, s, e, c, T_PLAIN);
    },
    publish(c, payload) {
      c.send(payload);
    },
  },
  parta: {
    path: (base) => base,
    onOpen(c) {
      c.send(JSON.stringify({ type: "hello", token: c.person.token }));
    },
    onMessage(c, buf, s, e) {
      // every server frame starts {"type":"<name>" ; dispatch on the name's first letters
      const a = buf[s + 9], b = buf[s + 10];
      if (a === 101 && b === 118) { // "event"
        const k = buf.indexOf(MC_PAT, s);
        if (k >= 0 && k < e) scanPayloads(buf, k, e, c, T_ESC);
      } else if (a === 114 && b === 101) { // "ready"
        c.markReady();
      } else if (a === 97 && b === 99) { // "ack"
        acks++;
        const f = JSON.parse(buf.toString("utf8", s, e));
        const dash = f.clientId.lastIndexOf("-");
        const seq = Number(f.clientId.slice(dash + 1));
        if (f.clientId[0] === "m" && seq < M && sendTime[seq] > 0) {
          ackLat.add(performance.now() - sendTime[seq]);
        }
      } else if (a === 101 && b === 114) { // "error"
        const f = JSON.parse(buf.toString("utf8", s, e));
        countError(f.error?.code ?? "unknown");
        if (!c.ready) {
          c.err = `hello refused: ${f.error?.code}`;
          c.sock.destroy();
        }
      } else if (a === 112 && b === 114) { // "presence"
        presenceFrames++;
      } // typing, chat.added, pong: not counted
    },
    publish(c, payload, clientId) {
      c.send(
        `{"type":"send","chatId":"${c.room.chatId}","clientId":"${clientId}","text":${
          JSON.stringify(payload)
        }}`,
      );
    },
  },
};
const ad = adapters[cfg.proto];
if (!ad) {
  console.error(`unknown --proto ${cfg.proto}`);
  process.exit(64);
}

// ---------------------------------------------------------------- run
const result = {
  label: cfg.label,
  proto: cfg.proto,
  url: cfg.url,
  workload: cfg.workload || undefined,
  rooms: R,
  subs: N,
  pubs_per_room: P,
  sockets: N + R * P,
  msgs: M,
  size: cfg.size,
  mode: cfg.rate ? `rate ${cfg.rate}/s` : `window ${cfg.window}`,
};
function finish(code, note) {
  if (note) result.note = note;
  const cu = process.cpuUsage();
  result.client_cpu_s = +((cu.user + cu.system) / 1e6).toFixed(2);
  if (cfg.serverPid) {
    result.server_rss_peak_mb = +(Math.max(peakRss, readRss(cfg.serverPid)) / 1048576).toFixed(1);
  }
  result.wall_s = +((performance.now() - t0) / 1000).toFixed(2);
  const line = JSON.stringify(result);
  if (cfg.out) fs.writeFileSync(cfg.out, line + "\n");
  process.stdout.write(line + "\n");
  process.exit(code);
}
setTimeout(() => finish(2, `deadline ${cfg.deadline}s hit`), cfg.deadline * 1000).unref();
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function connectAll(target) {
  const plan = []; // subscribers interleaved over rooms, then publishers
  const maxSubs = Math.max(...rooms.map((r) => r.subs.length));
  for (let i = 0; i < maxSubs; i++) {
    for (let k = 0; k < R; k++) {
      if (i < rooms[k].subs.length) plan.push([k, -1, rooms[k].subs[i]]);
    }
  }
  for (let j = 0; j < P; j++) for (let k = 0; k < R; k++) plan.push([k, j, rooms[k].pubs[j]]);
  const conns = [];
  let next = 0, failed = 0;
  const worker = async () => {
    while (next < plan.length) {
      const [k, j, person] = plan[next++];
      const c = new WsConn(target, ad.path(target.path, rooms[k]), ad, {
        roomIdx: k,
        room: rooms[k],
        person,
        gpub: j >= 0 ? k * P + j : -1, // global publisher index, -1 for subscribers
      });
      conns.push(c);
      try {
        await c.readyP;
      } catch {
        failed++;
      }
    }
  };
  const t = performance.now();
  await Promise.all(Array.from({ length: Math.min(cfg.connConcurrency, plan.length) }, worker));
  return { conns, failed, ms: performance.now() - t };
}

async function main() {
  const u = new URL(cfg.url);
  const target = { host: u.hostname, port: Number(u.port || 80), path: u.pathname + u.search };
  if (cfg.serverPid) result.server_rss_before_mb = +(readRss(cfg.serverPid) / 1048576).toFixed(1);
  log(
    `connecting ${N} subscribers + ${R * P} publishers in ${R} rooms (${cfg.proto}) to ${cfg.url}`,
  );
  const { conns, failed, ms } = await connectAll(target);
  const total = conns.length;
  result.connect_failed = failed;
  result.connect_s = +(ms / 1000).toFixed(2);
  result.connect_per_s = Math.round((total - failed) / (ms / 1000));
  const errs = {};
  for (const c of conns) if (c.err) errs[c.err] = (errs[c.err] || 0) + 1;
  if (Object.keys(errs).length) result.connect_errors = errs;
  log(`connected ${total - failed}/${total} in ${result.connect_s}s (${result.connect_per_s}/s)`);
  if (failed === total) return finish(1, "no connection succeeded");
  if (cfg.serverPid) {
    await sleep(500);
    const rss = readRss(cfg.serverPid);
    result.server_rss_connected_mb = +(rss / 1048576).toFixed(1);
    result.server_kb_per_conn =
      +(((rss - result.server_rss_before_mb * 1048576) / 1024) / Math.max(1, total - failed))
        .toFixed(1);
  }
  const pubs = []; // global publisher index -> conn
  for (const c of conns) if (c.gpub >= 0) pubs[c.gpub] = c;

  // warm-up barrier: every live socket must have received a message from another socket of its room
  const liveTarget = (c) => c.ready && !c.closed && !(P === 1 && c.gpub >= 0);
  const warmTarget = conns.filter(liveTarget).length;
  const wt = performance.now();
  let round = 0;
  while (warmSeen < warmTarget && performance.now() - wt < 20000) {
    for (let g = 0; g < R * P; g++) {
      const p = pubs[g];
      if (p?.ready) ad.publish(p, `{"t":0,"s":${-g - 1},"p":"warm"}`, `w${nonce}${round}-${g}`);
    }
    round++;
    await sleep(250);
  }
  result.warm_rounds = round;
  result.receivers_confirmed = warmSeen;
  log(
    `warm-up: ${warmSeen}/${warmTarget} receivers confirmed in ${
      ((performance.now() - wt) / 1000).toFixed(2)
    }s (${round} rounds)`,
  );
  await sleep(cfg.settle * 1000);
  if (cfg.proto === "parta") result.presence_frames_while_connecting = presenceFrames;
  if (cfg.idle > 0 && cfg.serverPid) {
    const i0 = readCpuTicks(cfg.serverPid), w0 = performance.now();
    await sleep(cfg.idle * 1000);
    result.server_idle_cpu_pct =
      +(100 * ((readCpuTicks(cfg.serverPid) - i0) / CLK) / ((performance.now() - w0) / 1000))
        .toFixed(2);
  }
  for (const k in errors) delete errors[k]; // errors before this point were warm-up's
  for (let s = 0; s < M; s++) expected[s] = warmByRoom[roomOf(s)] - pubWarm[senderOf(s)];

  // measurement
  const cpuA = cfg.serverPid ? readCpuTicks(cfg.serverPid) : 0;
  const ccpuA = process.cpuUsage();
  const sysA = readSysCpu();
  let sent = 0;
  const firstSend = performance.now();
  const publish = (s) => {
    sendTime[s] = performance.now();
    ad.publish(pubs[senderOf(s)], makePayload(s), `m${nonce}-${s}`);
  };
  let resolveDone;
  const done = new Promise((r) => (resolveDone = r));
  let targetDeliveries = 0;
  for (let s = 0; s < M; s++) targetDeliveries += expected[s];
  const check = () => {
    if (delivered >= targetDeliveries || completed >= M) resolveDone("complete");
  };
  if (cfg.rate > 0) {
    onProgress = check;
    const interval = 1000 / cfg.rate;
    const tick = () => {
      const due = Math.min(M, Math.floor((performance.now() - firstSend) / interval) + 1);
      while (sent < due) publish(sent++);
      if (sent < M) setTimeout(tick, Math.max(0, firstSend + sent * interval - performance.now()));
    };
    tick();
  } else {
    let doneCount = 0;
    const pump = () => {
      while (doneCount < sent && counts[doneCount] >= expected[doneCount]) doneCount++;
      let inFlight = 0;
      for (let s = doneCount; s < sent; s++) if (counts[s] < expected[s]) inFlight++;
      while (sent < M && inFlight < cfg.window) {
        publish(sent++);
        inFlight++;
      }
      check();
    };
    onProgress = pump;
    setInterval(pump, 5).unref();
    pump();
  }
  let lastDelivered = -1, lastChange = performance.now();
  const wd = setInterval(() => {
    if (delivered !== lastDelivered) {
      lastDelivered = delivered;
      lastChange = performance.now();
    }
    const idle = (performance.now() - lastChange) / 1000;
    if (sent >= M && idle > cfg.drainTimeout) resolveDone("drain-timeout");
    else if (sent < M && idle > cfg.stall) resolveDone("stalled");
  }, 100);
  const how = await done;
  clearInterval(wd);
  const cpuB = cfg.serverPid ? readCpuTicks(cfg.serverPid) : 0;
  const ccpu = process.cpuUsage(ccpuA);
  const sysB = readSysCpu();
  const measuredS = (performance.now() - firstSend) / 1000;
  const span = (lastRecv - firstSend) / 1000;
  result.end = how;
  result.sent = sent;
  result.delivered = delivered;
  let exp = 0;
  for (let s = 0; s < sent; s++) exp += expected[s];
  result.expected = exp;
  result.lost = exp - delivered;
  result.echoes_ignored = echoes;
  result.dup_or_bad = dupOrBad;
  if (cfg.proto === "parta") {
    result.acks = acks;
    result.ack_ms = ackLat.summary();
  }
  if (Object.keys(errors).length) result.errors = errors;
  result.duration_s = +span.toFixed(3);
  result.deliveries_per_s = Math.round(delivered / span);
  result.msgs_per_s = +(sent / span).toFixed(1);
  result.lat_ms = lat.summary();
  result.client_cpu_pct = +(100 * ((ccpu.user + ccpu.system) / 1e6) / measuredS).toFixed(1);
  if (cfg.serverPid) {
    result.server_cpu_ticks = cpuB - cpuA;
    result.server_cpu_s = +((cpuB - cpuA) / CLK).toFixed(2);
    result.server_cpu_pct = +(100 * ((cpuB - cpuA) / CLK) / measuredS).toFixed(1);
    result.server_cpu_us_per_delivery = +(1e6 * ((cpuB - cpuA) / CLK) / Math.max(1, delivered))
      .toFixed(2);
    if (result.server_idle_cpu_pct !== undefined) { // what the deliveries cost above the idle floor
      const busyS = (cpuB - cpuA) / CLK - (result.server_idle_cpu_pct / 100) * measuredS;
      result.server_cpu_us_per_delivery_above_idle = +(1e6 * busyS / Math.max(1, delivered))
        .toFixed(2);
    }
  }
  const sysBusyPct = 100 * ((sysB[0] - sysA[0]) / CLK) / measuredS;
  result.machine_busy_pct = +sysBusyPct.toFixed(1);
  // busy time of neither server nor client: kernel network work, and any foreign load
  result.other_busy_pct = +(sysBusyPct - (result.server_cpu_pct ?? 0) - result.client_cpu_pct)
    .toFixed(1);
  // both cores, 200 = all; "steal" is time the hypervisor gave to someone else
  result.machine_cpu_pct = Object.fromEntries(
    CPU_FIELDS.map((
      name,
      i,
    ) => [name, +(100 * (((sysB[2][i] ?? 0) - (sysA[2][i] ?? 0)) / CLK) / measuredS).toFixed(1)]),
  );
  result.still_open = conns.filter((c) => !c.closed).length;
  const codes = {};
  for (const c of conns) if (c.closeCode) codes[c.closeCode] = (codes[c.closeCode] || 0) + 1;
  if (Object.keys(codes).length) result.close_codes = codes;
  log(
    `${how}: ${delivered}/${exp} deliveries in ${
      span.toFixed(2)
    }s = ${result.deliveries_per_s}/s; ` +
      `lat p50 ${result.lat_ms.p50}ms p99 ${result.lat_ms.p99}ms; server cpu ${result.server_cpu_pct}% ` +
      `(${result.server_cpu_us_per_delivery} us/delivery) client cpu ${result.client_cpu_pct}%` +
      (Object.keys(errors).length ? ` errors ${JSON.stringify(errors)}` : ""),
  );
  for (const c of conns) c.sock.destroy();
  finish(0);
}
main().catch((e) => {
  log("fatal", e?.stack || e);
  finish(1, String(e));
});
