#!/usr/bin/env node
// storm.mjs — reconnect storm and idle capacity client (Node >= 18, only node: built-ins; the WebSocket
// framing of load_io.mjs). The SAME client drives Parta and the bare relay.
//
// --mode storm: connect every socket, then print {"phase":"connected"} on stdout and wait. The runner
//   restarts the server (SIGTERM) on the same port and writes "server PID" on stdin. Every socket
//   reconnects the way the browser client does (shared/realtime_client.ts: first try after 250–500 ms,
//   the ceiling doubling after each failure, up to 30 s) and, on Parta, greets with `since` = the
//   last seq it holds in each chat. Meanwhile one member of each chat posts over HTTP (POST
//   /chats/:id/messages, retried with the same clientId until acknowledged), and the admin posts
//   into the school-wide announcement chat each socket also follows. A socket is resynced once it
//   has every event up to the heads its `ready` named (bare: once it is connected again). At the
//   end each socket must hold every event of its chats up to the final heads: missed = 0.
// --mode idle: connect every socket and hold them for --hold seconds with the real heartbeat: the
//   server pings (Deno's idleTimeout), the client answers; on Parta each socket also sends
//   {"type":"ping"} every 25 s as the browser does (bare: a WebSocket ping frame). Reports KB per
//   connection (server RSS growth / sockets), idle CPU, and sockets that closed while idle.
//
// Parta: --proto parta --url ws://HOST:PORT/api/v1/realtime --manifest FILE --workload storm
// bare:  --proto raw --url ws://HOST:PORT/ws --subs N --rooms R
// Output: one JSON object on stdout (the last line); progress on stderr.
import fs from "node:fs";
import readline from "node:readline";
import { performance } from "node:perf_hooks";
import {
  cliArgs,
  CLK,
  frame,
  log,
  readCpuTicks,
  readRss,
  readSysCpu,
  t0,
  WsConn,
} from "./load_io.mjs";

const A = cliArgs(process.argv.slice(2));
const cfg = {
  mode: A.mode ?? "storm",
  proto: A.proto ?? "raw",
  url: A.url ?? "ws://127.0.0.1:9001/ws",
  manifest: A.manifest ?? "",
  workload: A.workload ?? "storm",
  subs: Number(A.subs ?? 10000),
  rooms: Number(A.rooms ?? 334),
  limit: A.limit ? Number(A.limit) : Infinity, // use only the first N sockets of the manifest
  connConcurrency: Number(A["conn-concurrency"] ?? 128),
  sendRate: Number(A["send-rate"] ?? 50), // messages/s over the chats during the storm (Parta)
  channelEvery: Number(A["channel-every"] ?? 2000), // ms between channel posts (Parta; 0: none)
  tail: Number(A.tail ?? 3), // seconds of sending after every socket resynced
  hold: Number(A.hold ?? 65),
  settle: Number(A.settle ?? 5),
  pingMs: Number(A["ping-ms"] ?? 25000),
  // Only the upgrade has a deadline: like the browser (shared/realtime_client.ts), a socket then waits
  // for `ready` as long as the server keeps it open.
  upgradeTimeout: Number(A["upgrade-timeout"] ?? 15000),
  deadline: Number(A.deadline ?? 300),
  serverPid: A["server-pid"] ? Number(A["server-pid"]) : 0,
  label: A.label ?? "",
};
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const parta = cfg.proto === "parta";
const result = { label: cfg.label, mode: cfg.mode, proto: cfg.proto, url: cfg.url };
let serverPid = cfg.serverPid;

function finish(code, note) {
  if (note) result.note = note;
  const cu = process.cpuUsage();
  result.client_cpu_s = +((cu.user + cu.system) / 1e6).toFixed(2);
  result.wall_s = +((performance.now() - t0) / 1000).toFixed(2);
  process.stdout.write(JSON.stringify(result) + "\n");
  process.exit(code);
}
setTimeout(() => finish(2, `deadline ${cfg.deadline}s hit`), cfg.deadline * 1000).unref();

// ---------------------------------------------------------------- who connects where
// slot: { person, chatIds, room, cursors: Map(chatId -> seq), conn, ... }
const slots = [];
let httpBase = "";
const posters = []; // [{ chatId, token }]: one member of each chat with a socket
const channels = []; // [{ chatId, token }]: the admin in each announcement chat with a socket
{
  const u = new URL(cfg.url);
  httpBase = `http://${u.host}/api/v1`;
  if (parta) {
    const m = JSON.parse(fs.readFileSync(cfg.manifest, "utf8")).workloads[cfg.workload];
    // A chat holds at most 5,000 members, so the school's announcements span several chats.
    const channelOf = new Map();
    for (const ch of m.channels ?? []) {
      for (const p of ch.subscribers) channelOf.set(p.userId, ch);
    }
    const used = new Set();
    for (const room of m.rooms) {
      if (slots.length >= cfg.limit) break;
      for (const person of room.subscribers.slice(0, cfg.limit - slots.length)) {
        const ch = channelOf.get(person.userId);
        if (ch) used.add(ch);
        slots.push({
          person,
          chatIds: ch ? [room.chatId, ch.chatId] : [room.chatId],
          path: u.pathname,
        });
      }
      posters.push({ chatId: room.chatId, token: room.publishers[0].token });
    }
    for (const ch of used) channels.push({ chatId: ch.chatId, token: ch.publishers[0].token });
  } else {
    for (let i = 0; i < cfg.subs; i++) {
      slots.push({ person: null, chatIds: [], path: `${u.pathname}?room=r-${i % cfg.rooms}` });
    }
  }
}
const target = (() => {
  const u = new URL(cfg.url);
  return { host: u.hostname, port: Number(u.port || 80) };
})();
for (const s of slots) {
  s.cursors = new Map(); // chatId -> last seq received in order
  s.goal = null; // chatId -> head named by the last ready
  s.conn = null;
  s.resyncedAt = 0;
  s.attempt = 0;
  s.readyCount = 0;
}

// ---------------------------------------------------------------- counters
const c = {
  refused: 0, // ECONNREFUSED: nothing listening yet
  failed: 0, // any other failed handshake (reset, timeout, non-101, hello refused, closed early)
  failReasons: {},
  outOfOrder: 0,
  dupEvents: 0,
  events: 0,
  pongs: 0,
  closedWhileIdle: 0,
};
const fail = (why) => {
  c.failed++;
  c.failReasons[why] = (c.failReasons[why] || 0) + 1;
};

// ---------------------------------------------------------------- protocol handlers
const handler = {
  onOpen(conn) {
    const s = conn.slot;
    conn.upgradedAt = performance.now();
    if (!parta) return conn.markReady();
    const since = Object.fromEntries(s.cursors);
    conn.send(JSON.stringify({ type: "hello", token: s.person.token, since }));
  },
  onMessage(conn, buf, st, en) {
    const s = conn.slot;
    // every Parta frame starts {"type":"<name>" — dispatch on the name's first letters
    const a = buf[st + 9], b = buf[st + 10];
    if (a === 101 && b === 118) { // event
      const f = JSON.parse(buf.toString("utf8", st, en));
      const cur = s.cursors.get(f.chatId);
      c.events++;
      if (cur === undefined) return;
      const seq = f.event.seq;
      if (seq <= cur) c.dupEvents++;
      else {
        if (seq !== cur + 1) c.outOfOrder++;
        s.cursors.set(f.chatId, seq);
        checkResynced(s);
      }
    } else if (a === 114 && b === 101) { // ready
      const f = JSON.parse(buf.toString("utf8", st, en));
      s.goal = new Map();
      for (const id of s.chatIds) {
        const head = f.chats[id];
        if (head === undefined) continue;
        if (!s.cursors.has(id)) s.cursors.set(id, head);
        s.goal.set(id, head);
      }
      conn.markReady();
      checkResynced(s);
    } else if (a === 112 && b === 111) { // pong
      c.pongs++;
    } else if (a === 101 && b === 114) { // error
      const f = JSON.parse(buf.toString("utf8", st, en));
      if (!conn.ready) {
        conn.err = `hello refused: ${f.error?.code}`;
        conn.sock.destroy();
      }
    } // presence, typing, read, chat.added: not needed here
  },
};

let storming = false; // the server went down; resync times count from `downAt`
let downAt = 0, upAt = 0;
let resynced = 0;
const resyncTimes = [];
const upgradeMs = [], helloMs = [];
let firstUpgradeAt = 0;
function checkResynced(s) {
  if (!storming || s.resyncedAt || !s.conn?.ready) return;
  if (parta) {
    for (const [id, head] of s.goal) if ((s.cursors.get(id) ?? -1) < head) return;
  }
  s.resyncedAt = performance.now();
  resynced++;
  resyncTimes.push(s.resyncedAt - downAt);
}

/** Opens one socket for slot `s`; resolves when ready, rejects when the attempt failed. */
function open(s) {
  const conn = new WsConn(target, s.path, handler, { slot: s, startedAt: performance.now() });
  s.conn = conn;
  const timer = setTimeout(() => {
    if (!conn.upgradedAt) {
      conn.err = "upgrade timeout";
      conn.sock.destroy();
    }
  }, cfg.upgradeTimeout);
  conn.readyP.then(() => clearTimeout(timer), () => clearTimeout(timer));
  conn.sock.on("close", () => {
    clearTimeout(timer);
    if (s.conn !== conn) return;
    if (conn.ready) onLost(s);
  });
  return conn.readyP;
}

/** A ready socket closed: reconnect as the browser does. */
function onLost(s) {
  s.conn = null;
  if (cfg.mode === "idle") {
    c.closedWhileIdle++;
    return;
  }
  if (!storming) {
    storming = true;
    downAt = performance.now();
    log("server went away: sockets reconnect");
  }
  s.attempt = 0;
  retry(s);
}

function retry(s) {
  const ceiling = Math.min(30000, 500 * 2 ** s.attempt);
  s.attempt = Math.min(s.attempt + 1, 16);
  setTimeout(() => reconnect(s), ceiling / 2 + Math.random() * ceiling / 2);
}

function reconnect(s) {
  open(s).then(() => {
    s.readyCount++;
    const conn = s.conn;
    if (conn) {
      upgradeMs.push(conn.upgradedAt - conn.startedAt);
      helloMs.push(performance.now() - conn.upgradedAt);
      if (!firstUpgradeAt || conn.upgradedAt < firstUpgradeAt) firstUpgradeAt = conn.upgradedAt;
    }
    checkResynced(s);
    if (!upAt) {
      upAt = performance.now();
      log(
        `first socket ready again ${((upAt - downAt) / 1000).toFixed(2)} s after the server went`,
      );
    }
  }, () => {
    const why = s.conn?.err ?? "closed";
    s.conn = null;
    if (why === "ECONNREFUSED") c.refused++;
    else fail(why.startsWith("HTTP/") ? why.slice(0, 40) : why);
    retry(s);
  });
}

async function connectAll() {
  let next = 0, failed = 0;
  const worker = async () => {
    while (next < slots.length) {
      const s = slots[next++];
      try {
        await open(s);
      } catch {
        failed++;
        s.conn = null;
      }
    }
  };
  const t = performance.now();
  await Promise.all(Array.from({ length: Math.min(cfg.connConcurrency, slots.length) }, worker));
  return { failed, s: (performance.now() - t) / 1000 };
}

// ---------------------------------------------------------------- HTTP sender (Parta)
let sending = false;
const sendStats = { acked: 0, retries: 0, codes: {} };
const heads = new Map(); // chatId -> highest acked seq
async function post(chatId, token, clientId, text) {
  for (;;) {
    try {
      const res = await fetch(`${httpBase}/chats/${chatId}/messages`, {
        method: "POST",
        headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" },
        body: JSON.stringify({ clientId, text }),
      });
      const body = await res.json().catch(() => null);
      if (res.status === 200 || res.status === 201) {
        sendStats.acked++;
        const seq = body.message.seq;
        if ((heads.get(chatId) ?? 0) < seq) heads.set(chatId, seq);
        return;
      }
      sendStats.codes[res.status] = (sendStats.codes[res.status] || 0) + 1;
      const retryAfter = Number(res.headers.get("retry-after") ?? 0);
      await sleep(Math.max(200, retryAfter * 1000));
    } catch {
      await sleep(200); // server down: try again with the same clientId
    }
    sendStats.retries++;
  }
}
const inFlightPosts = new Set();
function startSender() {
  if (!parta || cfg.sendRate <= 0) return;
  sending = true;
  let k = 0;
  const interval = 1000 / cfg.sendRate;
  const started = performance.now();
  let sent = 0;
  const tick = () => {
    if (!sending) return;
    const due = Math.floor((performance.now() - started) / interval) + 1;
    while (sent < due) {
      const p = posters[k++ % posters.length];
      const id = `storm-${sent}`;
      const pr = post(p.chatId, p.token, id, `storm message ${sent}`);
      inFlightPosts.add(pr);
      pr.finally(() => inFlightPosts.delete(pr));
      sent++;
    }
    setTimeout(tick, interval);
  };
  tick();
  if (cfg.channelEvery > 0) {
    let n = 0;
    const chan = () => {
      if (!sending) return;
      for (const [k, ch] of channels.entries()) {
        const pr = post(ch.chatId, ch.token, `channel-${k}-${n}`, `всем: объявление ${n}`);
        inFlightPosts.add(pr);
        pr.finally(() => inFlightPosts.delete(pr));
      }
      n++;
      setTimeout(chan, cfg.channelEvery);
    };
    chan();
  }
}

async function finalHeads(chatIds, token) {
  const out = new Map();
  for (const chatId of chatIds) {
    for (let tries = 0;; tries++) {
      try {
        const res = await fetch(`${httpBase}/chats/${chatId}/events?after=0&limit=1`, {
          headers: { Authorization: `Bearer ${token(chatId)}` },
        });
        const body = await res.json();
        out.set(chatId, body.lastSeq);
        break;
      } catch (e) {
        if (tries > 20) throw e;
        await sleep(200);
      }
    }
  }
  return out;
}

// ---------------------------------------------------------------- RSS / CPU sampling
let peakRss = 0;
setInterval(() => {
  if (!serverPid) return;
  const r = readRss(serverPid);
  if (r > peakRss) peakRss = r;
}, 100).unref();
const pct = (xs, p) => {
  if (!xs.length) return null;
  const s = xs.toSorted((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil(s.length * p) - 1)];
};

// ---------------------------------------------------------------- modes
async function storm() {
  log(`connecting ${slots.length} sockets (${cfg.proto}) to ${cfg.url}`);
  const first = await connectAll();
  result.sockets = slots.length;
  result.connect_failed = first.failed;
  result.connect_s = +first.s.toFixed(2);
  log(`connected ${slots.length - first.failed}/${slots.length} in ${first.s.toFixed(2)} s`);
  startSender();
  await sleep(2000);
  result.events_before_restart = c.events;
  // The runner restarts the server now and tells us its new PID.
  const lines = readline.createInterface({ input: process.stdin });
  const restarted = new Promise((resolve) => {
    lines.on("line", (line) => {
      const m = line.match(/^server (\d+)/);
      if (m) {
        serverPid = Number(m[1]);
        peakRss = 0;
        resolve(performance.now());
      }
    });
  });
  process.stdout.write(JSON.stringify({ phase: "connected" }) + "\n");
  const restartedAt = await restarted;
  const cpu0 = readCpuTicks(serverPid);
  log(
    `server restarted (pid ${serverPid}), ${
      ((restartedAt - downAt) / 1000).toFixed(2)
    } s after it went`,
  );
  // until every live socket resynced (or 120 s)
  const goal = slots.length;
  const until = performance.now() + 120_000;
  let lastLog = 0;
  while (resynced < goal && performance.now() < until) {
    await sleep(100);
    if (performance.now() - lastLog > 2000) {
      lastLog = performance.now();
      log(`resynced ${resynced}/${goal}; refused ${c.refused}, failed ${c.failed}`);
    }
  }
  const cpuStorm = readCpuTicks(serverPid) - cpu0;
  result.server_cpu_s_storm = +(cpuStorm / CLK).toFixed(2);
  result.server_rss_peak_mb = +(peakRss / 1048576).toFixed(1);
  await sleep(cfg.tail * 1000);
  sending = false;
  await Promise.all([...inFlightPosts]);
  await sleep(1500);
  result.resynced = resynced;
  result.not_resynced = goal - resynced;
  result.down_to_restarted_s = +((restartedAt - downAt) / 1000).toFixed(2);
  result.down_to_first_ready_s = upAt ? +((upAt - downAt) / 1000).toFixed(2) : null;
  result.resync_p50_s = +((pct(resyncTimes, 0.5) ?? NaN) / 1000).toFixed(2);
  result.resync_p99_s = +((pct(resyncTimes, 0.99) ?? NaN) / 1000).toFixed(2);
  result.resync_all_s = +((Math.max(...resyncTimes)) / 1000).toFixed(2);
  result.restart_to_99_s = +((pct(resyncTimes, 0.99) - (restartedAt - downAt)) / 1000).toFixed(2);
  result.restart_to_all_s = +((Math.max(...resyncTimes) - (restartedAt - downAt)) / 1000)
    .toFixed(2);
  result.down_to_first_upgrade_s = firstUpgradeAt
    ? +((firstUpgradeAt - downAt) / 1000).toFixed(2)
    : null;
  result.upgrade_ms = { p50: pct(upgradeMs, 0.5), p99: pct(upgradeMs, 0.99) };
  result.hello_to_ready_ms = { p50: pct(helloMs, 0.5), p99: pct(helloMs, 0.99) };
  result.refused_while_down = c.refused;
  result.failed_handshakes = c.failed;
  if (c.failed) result.failed_reasons = c.failReasons;
  result.reconnects_per_socket = +(slots.reduce((a, s) => a + s.readyCount, 0) / goal).toFixed(2);
  if (parta) {
    // every socket must now hold every event of its chats, up to the heads the API names
    const chatIds = [...new Set(slots.flatMap((s) => s.chatIds))];
    const tokenOf = new Map();
    for (const s of slots) {
      for (const id of s.chatIds) if (!tokenOf.has(id)) tokenOf.set(id, s.person.token);
    }
    const finals = await finalHeads(chatIds, (id) => tokenOf.get(id));
    let missed = 0, behind = 0;
    for (const s of slots) {
      for (const id of s.chatIds) {
        const gap = finals.get(id) - (s.cursors.get(id) ?? 0);
        if (gap > 0) {
          missed += gap;
          behind++;
        }
      }
    }
    result.missed_events = missed + c.outOfOrder;
    result.sockets_behind = behind;
    result.out_of_order = c.outOfOrder;
    result.duplicate_events = c.dupEvents;
    result.events_received = c.events;
    result.sent_during_storm = sendStats.acked;
    result.send_retries = sendStats.retries;
    result.send_codes = sendStats.codes;
    result.final_seq_total = [...finals.values()].reduce((a, b) => a + b, 0);
  }
  log(
    `99% resynced ${result.resync_p99_s} s after the server went (${result.restart_to_99_s} s after ` +
      `restart); failed handshakes ${c.failed}, refused ${c.refused}; peak RSS ` +
      `${result.server_rss_peak_mb} MB` + (parta ? `; missed ${result.missed_events}` : ""),
  );
  for (const s of slots) s.conn?.sock.destroy();
  finish(0);
}

async function idle() {
  const rssBefore = readRss(serverPid);
  log(
    `connecting ${slots.length} sockets (${cfg.proto}) to ${cfg.url}, server RSS ${
      (rssBefore / 1048576).toFixed(1)
    } MB`,
  );
  const first = await connectAll();
  result.sockets = slots.length;
  result.connect_failed = first.failed;
  result.connect_s = +first.s.toFixed(2);
  const open = slots.length - first.failed;
  log(`connected ${open}/${slots.length} in ${first.s.toFixed(2)} s`);
  // heartbeat: the browser pings every 25 s; spread the sockets over that interval
  const PING_TEXT = JSON.stringify({ type: "ping" });
  for (const s of slots) {
    const startIn = Math.random() * cfg.pingMs;
    setTimeout(() => {
      const beat = () => {
        const conn = s.conn;
        if (!conn || conn.closed) return;
        if (parta) conn.send(PING_TEXT);
        else conn.sock.write(frame(9, Buffer.alloc(0)));
      };
      beat();
      s.pinger = setInterval(beat, cfg.pingMs);
    }, startIn).unref();
  }
  await sleep(cfg.settle * 1000);
  const rssSettled = readRss(serverPid);
  const cpuA = readCpuTicks(serverPid), sysA = readSysCpu(), wA = performance.now();
  const pongsA = c.pongs;
  await sleep(cfg.hold * 1000);
  const cpuB = readCpuTicks(serverPid), sysB = readSysCpu(), wB = performance.now();
  const rssEnd = readRss(serverPid);
  const heldS = (wB - wA) / 1000;
  result.hold_s = +heldS.toFixed(1);
  result.server_rss_before_mb = +(rssBefore / 1048576).toFixed(1);
  result.server_rss_settled_mb = +(rssSettled / 1048576).toFixed(1);
  result.server_rss_end_mb = +(rssEnd / 1048576).toFixed(1);
  result.server_rss_peak_mb = +(peakRss / 1048576).toFixed(1);
  result.kb_per_conn = +((rssEnd - rssBefore) / 1024 / Math.max(1, open)).toFixed(2);
  result.kb_per_conn_settled = +((rssSettled - rssBefore) / 1024 / Math.max(1, open)).toFixed(2);
  result.idle_cpu_pct = +(100 * ((cpuB - cpuA) / CLK) / heldS).toFixed(2);
  result.machine_busy_pct = +(100 * ((sysB[0] - sysA[0]) / CLK) / heldS).toFixed(1);
  result.pongs_during_hold = c.pongs - pongsA;
  result.closed_while_idle = c.closedWhileIdle;
  result.still_open = slots.filter((s) => s.conn && !s.conn.closed).length;
  log(
    `${result.still_open}/${open} still open after ${heldS.toFixed(0)} s idle; ` +
      `${result.kb_per_conn} KB per connection; idle CPU ${result.idle_cpu_pct}%`,
  );
  for (const s of slots) {
    clearInterval(s.pinger);
    s.conn?.sock.destroy();
  }
  finish(0);
}

(cfg.mode === "idle" ? idle() : storm()).catch((e) => {
  log("fatal", e?.stack || e);
  finish(1, String(e));
});
