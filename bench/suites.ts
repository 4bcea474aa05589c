/**
 * The measurements of `deno task bench`, each against a server started fresh and stopped
 * whatever happens: fan-out (load.mjs), reconnect storm and idle capacity (storm.mjs), the same
 * Node client driving Parta and the bare relay; and the in-process Deno tools (actor.ts, crash.ts,
 * history.ts, fuzz.ts). `run.ts` calls these.
 */
import { freePort, quietWait, runTracked, startPinned, stop, untrack } from "./procs.ts";
import { DENO, ROOT, type Running, type ServerKind, startServer } from "./servers.ts";

// deno-lint-ignore no-explicit-any
export type Load = Record<string, any>;

export interface SuiteContext {
  dir: string;
  kvPath: string;
  say: (line: string) => void;
  /** Seconds left before the run's deadline, and the whole deadline. */
  remainingS: () => number;
  deadlineS: number;
}

/** Busy CPU % (of 200) beyond server and client above which a run counts as disturbed. */
export const FOREIGN_LOAD_PCT = 20;

/**
 * One fan-out measurement (load.mjs), taken again once when something else on the machine was
 * busy during it and there is time left; the less disturbed attempt counts, the other is
 * returned as `worse`.
 */
export async function measureFanOut(
  ctx: SuiteContext,
  server: ServerKind,
  label: string,
  clientArgs: string[],
): Promise<{ result: Load; worse?: Load }> {
  const first = await fanOutOnce(ctx, server, label, clientArgs);
  const busy = (r: Load) => Number(r.other_busy_pct) || 0;
  if (busy(first) <= FOREIGN_LOAD_PCT || ctx.remainingS() < 0.4 * ctx.deadlineS) {
    return { result: { ...first, disturbed: busy(first) > FOREIGN_LOAD_PCT } };
  }
  ctx.say(`${label}: ${first.other_busy_pct}% CPU busy outside server and client; measuring again`);
  const second = await fanOutOnce(ctx, server, `${label}-again`, clientArgs);
  const [better, worse] = busy(second) < busy(first) ? [second, first] : [first, second];
  return { result: { ...better, disturbed: busy(better) > FOREIGN_LOAD_PCT }, worse };
}

async function fanOutOnce(
  ctx: SuiteContext,
  server: ServerKind,
  label: string,
  clientArgs: string[],
): Promise<Load> {
  const waited = await quietWait(ctx.remainingS() > 0.35 * ctx.deadlineS ? 10 : 2);
  if (waited > 1.5) ctx.say(`waited ${waited.toFixed(0)} s for a quiet machine`);
  const port = freePort();
  const running = await startServer(server, {
    label,
    port,
    log: `${ctx.dir}/${label}.server.log`,
    kvPath: ctx.kvPath,
  });
  try {
    ctx.say(`${label}: server pid ${running.pid} on port ${port}`);
    const result = await runTool(label, [
      "node",
      `${ROOT}/bench/load.mjs`,
      ...["--proto", server === "bare" ? "raw" : "parta", "--url", running.wsUrl],
      ...["--server-pid", String(running.pid), "--label", label],
      ...clientArgs,
    ], { lifeS: 200, cpu: 1, log: `${ctx.dir}/${label}.client.log` });
    ctx.say(
      `${label}: ${result.end}, ${result.delivered}/${result.expected} deliveries, ` +
        `${result.deliveries_per_s}/s, p50 ${result.lat_ms?.p50} ms, p99 ${result.lat_ms?.p99} ms, ` +
        `${result.server_cpu_us_per_delivery} µs CPU/delivery, peak RSS ${result.server_rss_peak_mb} MB`,
    );
    return result;
  } finally {
    await stop(running.started, running.pid);
  }
}

/** Reads `stream` line by line, calling `onLine` for each; resolves at its end. */
async function readLines(
  stream: ReadableStream<Uint8Array>,
  onLine: (line: string) => void,
): Promise<void> {
  const decoder = new TextDecoder();
  let rest = "";
  for await (const chunk of stream) {
    rest += decoder.decode(chunk, { stream: true });
    let nl;
    while ((nl = rest.indexOf("\n")) >= 0) {
      onLine(rest.slice(0, nl));
      rest = rest.slice(nl + 1);
    }
  }
  if (rest) onLine(rest);
}

const lastJson = (lines: string[]): Load => {
  const last = lines.filter((l) => l.startsWith("{")).at(-1);
  return last ? JSON.parse(last) : {};
};

/**
 * One reconnect storm: connect every socket, restart the server on the same port (and KV file)
 * while the client waits, let every socket reconnect and resync.
 */
export async function stormOnce(
  ctx: SuiteContext,
  server: ServerKind,
  label: string,
  clientArgs: string[],
): Promise<Load> {
  await quietWait(ctx.remainingS() > 300 ? 10 : 2);
  const port = freePort();
  const log = `${ctx.dir}/${label}.server.log`;
  let running: Running | null = await startServer(server, {
    label,
    port,
    log,
    kvPath: ctx.kvPath,
    lifeS: 400,
  });
  ctx.say(`${label}: server pid ${running.pid} on port ${port}`);
  const client = startPinned(`${label}-client`, [
    "node",
    `${ROOT}/bench/storm.mjs`,
    ...["--mode", "storm", "--proto", server === "bare" ? "raw" : "parta"],
    ...["--url", running.wsUrl, "--server-pid", String(running.pid), "--label", label],
    ...clientArgs,
  ], {
    cpu: 1,
    lifeS: 400,
    log: `${ctx.dir}/${label}.client.log`,
    pipeStdout: true,
    pipeStdin: true,
    cwd: ROOT,
  });
  const lines: string[] = [];
  let connected: () => void;
  const connectedP = new Promise<void>((r) => (connected = r));
  const reading = readLines(client.child.stdout, (line) => {
    lines.push(line);
    if (line.includes(`"phase":"connected"`)) connected();
  });
  const stdin = client.child.stdin.getWriter();
  try {
    const ended = client.child.status.then(() => "ended" as const);
    if ((await Promise.race([connectedP.then(() => "connected" as const), ended])) === "ended") {
      await reading;
      throw new Error(`${label}: the client ended before connecting: ${lines.join("\n")}`);
    }
    ctx.say(`${label}: all sockets connected; restarting the server`);
    const t = performance.now();
    await stop(running.started, running.pid, "SIGTERM", 15_000);
    const downS = (performance.now() - t) / 1000;
    running = null;
    running = await startServer(server, {
      label: `${label}-restarted`,
      port,
      log,
      kvPath: ctx.kvPath,
      lifeS: 400,
    });
    const upS = (performance.now() - t) / 1000;
    await stdin.write(new TextEncoder().encode(`server ${running.pid}\n`));
    ctx.say(
      `${label}: old server gone in ${downS.toFixed(2)} s, new one (pid ${running.pid}) ` +
        `listening ${upS.toFixed(2)} s after the restart began`,
    );
    await client.child.status;
    await reading;
    const result = lastJson(lines);
    result.old_server_exit_s = +downS.toFixed(2);
    result.restart_listen_s = +upS.toFixed(2);
    ctx.say(
      `${label}: 99% resynced in ${result.resync_p99_s} s (${result.restart_to_99_s} s after ` +
        `restart), failed handshakes ${result.failed_handshakes}, peak RSS ` +
        `${result.server_rss_peak_mb} MB` +
        (server === "parta" ? `, missed events ${result.missed_events}` : ""),
    );
    return result;
  } finally {
    await stdin.close().catch(() => {});
    await stop(client, null, "SIGTERM", 3000);
    untrack(client);
    if (running) await stop(running.started, running.pid);
  }
}

/** Idle capacity: every socket connected and held with the real heartbeat. */
export async function idleOnce(
  ctx: SuiteContext,
  server: ServerKind,
  label: string,
  clientArgs: string[],
  holdS: number,
): Promise<Load> {
  await quietWait(ctx.remainingS() > 300 ? 10 : 2);
  const port = freePort();
  const running = await startServer(server, {
    label,
    port,
    log: `${ctx.dir}/${label}.server.log`,
    kvPath: ctx.kvPath,
  });
  try {
    // Let the server finish starting (module loading, JIT) before RSS is taken as the floor.
    await new Promise((r) => setTimeout(r, 2000));
    ctx.say(`${label}: server pid ${running.pid} on port ${port}; holding ${holdS} s`);
    const result = await runTool(`${label}-client`, [
      "node",
      `${ROOT}/bench/storm.mjs`,
      ...["--mode", "idle", "--proto", server === "bare" ? "raw" : "parta"],
      ...["--url", running.wsUrl, "--server-pid", String(running.pid), "--label", label],
      ...["--hold", String(holdS)],
      ...clientArgs,
    ], { cpu: 1, lifeS: holdS + 200, log: `${ctx.dir}/${label}.client.log` });
    if (!("kb_per_conn" in result)) throw new Error(`${label}: the client reported nothing`);
    ctx.say(
      `${label}: ${result.still_open}/${result.sockets} open after ${result.hold_s} s, ` +
        `${result.kb_per_conn} KB/connection, idle CPU ${result.idle_cpu_pct}%`,
    );
    return result;
  } finally {
    await stop(running.started, running.pid);
  }
}

/**
 * Runs a tool to its end and returns the JSON object it printed last ({} if none, which is a
 * failure only when it also exited with an error: a tool may report figures and fail).
 */
async function runTool(
  label: string,
  argv: string[],
  options: { lifeS: number; log: string; cpu?: number },
): Promise<Load> {
  const { stdout, code } = await runTracked(label, argv, { ...options, cwd: ROOT });
  const result = lastJson(stdout.split("\n"));
  if (code !== 0 && Object.keys(result).length === 0) {
    throw new Error(`${label} failed (${code}); see ${options.log}`);
  }
  return result;
}

/** Runs a Deno tool of bench/ (seed.ts, actor.ts, crash.ts, history.ts, fuzz.ts). */
export function denoTool(
  ctx: SuiteContext,
  label: string,
  script: string,
  args: string[],
  timeoutS: number,
  permissions: string[],
  cpu?: number,
): Promise<Load> {
  return runTool(label, [DENO, "run", ...permissions, `${ROOT}/bench/${script}`, ...args], {
    lifeS: timeoutS,
    log: `${ctx.dir}/${label}.log`,
    cpu,
  });
}
