/**
 * What `Deno.upgradeWebSocket` does with large client messages before any app code sees them:
 * for each case a fresh bare server (no Parta) takes one socket, and its peak RSS (VmHWM) and
 * close code are reported. Linux only (reads /proc).
 *
 *   deno run -A bench/ws_frames.ts
 *
 * Cases: one text frame of 1, 60 and 100 MiB; one binary frame just under and over 64 MiB; six
 * sockets sending 60 MiB at once; a text message of 3 × 40 MiB and of 300 × 1 MiB continuation
 * frames (sent over raw TCP: the WHATWG WebSocket cannot fragment); and a 1 MiB-per-50 ms stream
 * of fragments that the server closes after 1 s (idleTimeout 3 s), to see whether closing stops
 * the buffering.
 */

const MiB = 1024 * 1024;

function status(name: string): number {
  const text = Deno.readTextFileSync("/proc/self/status");
  return Number(text.match(new RegExp(`${name}:\\s+(\\d+)`))![1]) / 1024;
}

/** Server mode: prints one JSON line per event. */
function server(port: number, closeAfterMs: number, idleTimeout: number) {
  const say = (event: Record<string, unknown>) =>
    console.log(JSON.stringify({ ...event, rss: status("VmRSS"), peak: status("VmHWM") }));
  Deno.serve(
    { port, hostname: "127.0.0.1", onListen: () => say({ event: "listening" }) },
    (req) => {
      const { socket, response } = Deno.upgradeWebSocket(req, { idleTimeout });
      socket.onopen = () => {
        if (closeAfterMs > 0) setTimeout(() => socket.close(1008, "bye"), closeAfterMs);
      };
      socket.onmessage = (e) => {
        const data = e.data as string | ArrayBuffer | Blob;
        const size = typeof data === "string"
          ? data.length
          : data instanceof Blob
          ? data.size
          : data.byteLength;
        say({ event: "message", mib: +(size / MiB).toFixed(1) });
        socket.send("ok");
      };
      socket.onerror = (e) => say({ event: "error", message: (e as ErrorEvent).message });
      socket.onclose = (e) => say({ event: "close", code: e.code });
      return response;
    },
  );
}

/** A masked-with-zeros client frame header for `len` payload bytes. */
function header(fin: boolean, opcode: number, len: number): Uint8Array {
  const h = new Uint8Array(14);
  h[0] = (fin ? 0x80 : 0) | opcode;
  h[1] = 0x80 | 127;
  new DataView(h.buffer).setBigUint64(2, BigInt(len));
  return h;
}

/** Sends `parts` frames of `size` bytes as one text message over raw TCP, `gapMs` apart. */
async function fragmented(port: number, size: number, parts: number, gapMs = 0) {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  const key = btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(16))));
  await conn.write(new TextEncoder().encode(
    `GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
      `Sec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
  ));
  await conn.read(new Uint8Array(4096));
  const payload = new Uint8Array(size).fill(0x78);
  try {
    for (let i = 0; i < parts; i++) {
      await conn.write(header(i === parts - 1, i === 0 ? 1 : 0, size));
      for (let off = 0; off < size;) off += await conn.write(payload.subarray(off));
      if (gapMs) await new Promise((r) => setTimeout(r, gapMs));
    }
  } catch { /* the server hung up */ }
  conn.close();
}

/** Sends one frame on each of `count` sockets at once; resolves when each is answered or closed. */
async function frames(port: number, size: number, binary: boolean, count: number) {
  await Promise.all(Array.from({ length: count }, async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/`);
    await new Promise((r) => ws.onopen = r);
    const done = new Promise((r) => {
      ws.onmessage = r;
      ws.onclose = r;
    });
    ws.send(binary ? new Uint8Array(size) : "x".repeat(size));
    await done;
    ws.close();
  }));
}

interface Case {
  label: string;
  run: (port: number) => Promise<void>;
  closeAfterMs?: number;
  idleTimeout?: number;
}

const CASES: Case[] = [
  { label: "text 1 MiB", run: (p) => frames(p, MiB, false, 1) },
  { label: "text 60 MiB", run: (p) => frames(p, 60 * MiB, false, 1) },
  { label: "text 100 MiB", run: (p) => frames(p, 100 * MiB, false, 1) },
  { label: "binary 63.9 MiB", run: (p) => frames(p, Math.round(63.9 * MiB), true, 1) },
  { label: "binary 65 MiB", run: (p) => frames(p, 65 * MiB, true, 1) },
  { label: "6 sockets × text 60 MiB", run: (p) => frames(p, 60 * MiB, false, 6) },
  { label: "text 3 × 40 MiB fragments", run: (p) => fragmented(p, 40 * MiB, 3) },
  { label: "text 300 × 1 MiB fragments", run: (p) => fragmented(p, MiB, 300) },
  {
    label: "200 × 1 MiB fragments, 50 ms apart; server closes at 1 s",
    run: (p) => fragmented(p, MiB, 200, 50),
    closeAfterMs: 1000,
    idleTimeout: 3,
  },
];

async function measure(c: Case): Promise<string> {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      new URL(import.meta.url).pathname,
      "--server",
      String(port),
      String(c.closeAfterMs ?? 0),
      String(c.idleTimeout ?? 30),
    ],
    stdout: "piped",
  }).spawn();
  const lines: Record<string, unknown>[] = [];
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  const reading = (async () => {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffer += value;
      for (let i; (i = buffer.indexOf("\n")) >= 0; buffer = buffer.slice(i + 1)) {
        lines.push(JSON.parse(buffer.slice(0, i)));
      }
    }
  })();
  while (!lines.some((l) => l.event === "listening")) await new Promise((r) => setTimeout(r, 20));
  const base = lines[0]!.rss as number;
  await c.run(port);
  // Let the server log the close (or the end of the stream) before it is stopped.
  const deadline = Date.now() + 5000;
  while (!lines.some((l) => l.event === "close") && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 20));
  }
  child.kill();
  await child.status;
  await reading.catch(() => {});
  const peak = Math.max(...lines.map((l) => l.peak as number));
  const got = lines.filter((l) => l.event === "message").map((l) => `${l.mib} MiB`);
  const errors = lines.filter((l) => l.event === "error").map((l) => l.message);
  const closes = lines.filter((l) => l.event === "close").map((l) => l.code);
  return `| ${c.label} | +${(peak - base).toFixed(0)} MB | ${
    got.length ? got.join(", ") : "nothing"
  } | ${[...new Set(closes)].join(", ") || "—"}${errors.length ? ` (${errors[0]})` : ""} |`;
}

if (Deno.args[0] === "--server") {
  server(Number(Deno.args[1]), Number(Deno.args[2]), Number(Deno.args[3]));
} else {
  console.log(`Deno ${Deno.version.deno}`);
  console.log("| case | server peak RSS over idle | delivered to the app | close code |");
  console.log("| --- | --- | --- | --- |");
  for (const c of CASES) console.log(await measure(c));
}
