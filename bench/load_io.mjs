// load_io.mjs — the load clients' plumbing (Node, only node: built-ins): their command line and
// progress log, /proc readings of the server and the machine, a latency histogram, and a minimal
// RFC 6455 client over raw TCP (from the shared bench/loadclient.mjs).
import net from "node:net";
import crypto from "node:crypto";
import fs from "node:fs";
import { performance } from "node:perf_hooks";

// ---------------------------------------------------------------- command line and log

/** `--name value` pairs (a bare `--flag` is "true"), as strings. */
export function cliArgs(argv) {
  const o = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith("--")) continue;
    const v = argv[i + 1] !== undefined && !argv[i + 1].startsWith("--") ? argv[++i] : "true";
    o[a.slice(2)] = v;
  }
  return o;
}

/** When the client started (performance.now() of this process). */
export const t0 = performance.now();
/** Progress on stderr, stamped with seconds since the client started. */
export const log = (...x) =>
  process.stderr.write(`[${((performance.now() - t0) / 1000).toFixed(2)}s] ${x.join(" ")}\n`);

// ---------------------------------------------------------------- server sampling (/proc)
export function readRss(pid) {
  try {
    const m = fs.readFileSync(`/proc/${pid}/status`, "utf8").match(/VmRSS:\s+(\d+) kB/);
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}
export function readCpuTicks(pid) { // utime + stime of the whole process (all threads), fields 14 and 15
  try {
    const s = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    const rest = s.slice(s.lastIndexOf(")") + 2).split(" ");
    return Number(rest[11]) + Number(rest[12]);
  } catch {
    return 0;
  }
}
export const CLK = 100; // USER_HZ
export function readSysCpu() {
  try {
    const f = fs.readFileSync("/proc/stat", "utf8").split("\n")[0].trim().split(/\s+/).slice(1).map(
      Number,
    );
    const idle = f[3] + (f[4] || 0), total = f.reduce((a, b) => a + b, 0);
    return [total - idle, total, f];
  } catch {
    return [0, 0, []];
  }
}
export const CPU_FIELDS = ["user", "nice", "system", "idle", "iowait", "irq", "softirq", "steal"];
// ---------------------------------------------------------------- latency histograms
// 10 us buckets up to 100 ms, then 1 ms buckets up to 120 s
export class Hist {
  constructor() {
    this.h = new Uint32Array(10000 + 120000 + 1);
    this.n = 0;
    this.max = 0;
    this.sum = 0;
  }
  add(ms) {
    if (ms < 0) ms = 0;
    this.h[ms < 100 ? Math.floor(ms * 100) : Math.min(10000 + Math.floor(ms), 130000)]++;
    this.n++;
    this.sum += ms;
    if (ms > this.max) this.max = ms;
  }
  pct(p) {
    if (!this.n) return null;
    const target = Math.ceil(this.n * p);
    let acc = 0;
    for (let i = 0; i < this.h.length; i++) {
      acc += this.h[i];
      if (acc >= target) return i < 10000 ? (i + 1) / 100 : i - 10000 + 1;
    }
    return this.max;
  }
  summary() {
    return {
      p50: this.pct(0.5),
      p90: this.pct(0.9),
      p99: this.pct(0.99),
      max: +this.max.toFixed(2),
      mean: +(this.sum / Math.max(1, this.n)).toFixed(2),
      n: this.n,
    };
  }
}
// ---------------------------------------------------------------- minimal WebSocket client over TCP
export function frame(opcode, payload) { // client frames are masked
  const p = typeof payload === "string" ? Buffer.from(payload) : payload;
  const len = p.length;
  const hl = len < 126 ? 2 : len < 65536 ? 4 : 10;
  const f = Buffer.allocUnsafe(hl + 4 + len);
  f[0] = 0x80 | opcode;
  if (hl === 2) f[1] = 0x80 | len;
  else if (hl === 4) {
    f[1] = 0x80 | 126;
    f.writeUInt16BE(len, 2);
  } else {
    f[1] = 0x80 | 127;
    f.writeBigUInt64BE(BigInt(len), 2);
  }
  const mask = crypto.randomBytes(4);
  mask.copy(f, hl);
  for (let i = 0; i < len; i++) f[hl + 4 + i] = p[i] ^ mask[i & 3];
  return f;
}
const SHARED_RBUF = Buffer.allocUnsafe(256 * 1024);
/**
 * One client WebSocket over a raw TCP socket. `handler.onOpen(conn)` runs after the upgrade,
 * `handler.onMessage(conn, buf, start, end)` for each text or binary message (the bytes are only
 * valid during the call); pings are answered. `fields` are copied onto the connection first.
 */
export class WsConn {
  constructor(target, path, handler, fields = {}) {
    Object.assign(this, fields);
    this.handler = handler;
    this.pending = null;
    this.upgraded = false;
    this.closed = false;
    this.frag = null;
    this.warm = false;
    this.ready = false;
    this.readyP = new Promise((res, rej) => {
      this.resolveReady = res;
      this.rejectReady = rej;
    });
    this.readyP.catch(() => {});
    this.sock = net.connect({
      host: target.host,
      port: target.port,
      onread: {
        buffer: SHARED_RBUF,
        callback: (n, b) => {
          this.onData(b.subarray(0, n));
          return true;
        },
      },
    });
    this.sock.setNoDelay(true);
    const key = crypto.randomBytes(16).toString("base64");
    this.sock.on("connect", () => {
      this.sock.write(
        `GET ${path} HTTP/1.1\r\nHost: ${target.host}:${target.port}\r\nUpgrade: websocket\r\n` +
          `Connection: Upgrade\r\nSec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
      );
    });
    const gone = (why) => {
      this.closed = true;
      if (!this.err) this.err = why;
      this.rejectReady?.(new Error(why));
    };
    this.sock.on("error", (e) => gone(e.code || String(e)));
    this.sock.on("close", () => gone("closed"));
  }
  markReady() {
    if (!this.ready) {
      this.ready = true;
      this.resolveReady();
      this.rejectReady = null;
    }
  }
  send(str, opcode = 1) {
    if (!this.closed) this.sock.write(frame(opcode, str));
  }
  onData(chunk) {
    const buf = this.pending ? Buffer.concat([this.pending, chunk]) : chunk;
    this.pending = null;
    let off = 0;
    if (!this.upgraded) {
      const e = buf.indexOf("\r\n\r\n");
      if (e < 0) {
        this.pending = Buffer.from(buf);
        return;
      }
      const head = buf.toString("latin1", 0, e);
      if (!/^HTTP\/1\.1 101/.test(head)) {
        this.err = head.split("\r\n")[0];
        this.sock.destroy();
        return;
      }
      this.upgraded = true;
      off = e + 4;
      this.handler.onOpen(this);
    }
    const len = buf.length;
    while (len - off >= 2) {
      const b0 = buf[off], b1 = buf[off + 1];
      let plen = b1 & 0x7f, hdr = 2;
      if (plen === 126) {
        if (len - off < 4) break;
        plen = buf.readUInt16BE(off + 2);
        hdr = 4;
      } else if (plen === 127) {
        if (len - off < 10) break;
        plen = Number(buf.readBigUInt64BE(off + 2));
        hdr = 10;
      }
      if (b1 & 0x80) hdr += 4;
      if (len - off < hdr + plen) break;
      const start = off + hdr, end = start + plen, op = b0 & 0x0f, fin = b0 & 0x80;
      if (op === 9) this.send(buf.subarray(start, end), 0xA);
      else if (op === 8) {
        this.closed = true;
        this.closeCode = plen >= 2 ? buf.readUInt16BE(start) : 0;
      } else if (op === 1 || op === 2 || op === 0) {
        if (fin && op !== 0 && !this.frag) this.handler.onMessage(this, buf, start, end);
        else {
          this.frag = this.frag
            ? Buffer.concat([this.frag, buf.subarray(start, end)])
            : Buffer.from(buf.subarray(start, end));
          if (fin) {
            const m = this.frag;
            this.frag = null;
            this.handler.onMessage(this, m, 0, m.length);
          }
        }
      }
      off = end;
    }
    if (off < len) this.pending = Buffer.from(buf.subarray(off)); // the read buffer is shared
  }
}
