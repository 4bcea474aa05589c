/**
 * Process plumbing for the benchmark runner: pinned servers under a hard `timeout`, found by
 * PID in /proc, and always stopped (graceful signal, then the whole process group killed).
 */

export interface Started {
  label: string;
  /** PID of `timeout`, which leads the process group of everything it started. */
  groupPid: number;
  child: Deno.ChildProcess;
  log: string;
}

const live = new Set<Started>();

/** Quotes a word for `sh -c`. */
export function sh(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`;
}

/**
 * Starts `argv` (optionally pinned to `cpu`) under `timeout` (TERM at `lifeS`, KILL 5 s later),
 * with a high file limit. Stderr goes to `log`; stdout too unless `pipeStdout`. The process is
 * tracked until {@link stop} so that {@link stopAll} can end it.
 */
export function startPinned(
  label: string,
  argv: string[],
  options: {
    cpu?: number;
    lifeS: number;
    log: string;
    env?: Record<string, string>;
    cwd?: string;
    pipeStdout?: boolean;
    /** Give the process a stdin pipe (`child.stdin`) instead of /dev/null. */
    pipeStdin?: boolean;
  },
): Started {
  const pin = options.cpu === undefined ? "" : `taskset -c ${options.cpu} `;
  const out = options.pipeStdout ? "" : ` >>${sh(options.log)}`;
  const script = `ulimit -n 20000 && exec timeout -k 5 ${options.lifeS} ${pin}` +
    `${argv.map(sh).join(" ")}${out} 2>>${sh(options.log)}`;
  const child = new Deno.Command("sh", {
    args: ["-c", script],
    env: options.env,
    cwd: options.cwd,
    stdin: options.pipeStdin ? "piped" : "null",
    stdout: options.pipeStdout ? "piped" : "null",
    stderr: "null",
  }).spawn();
  const started = { label, groupPid: child.pid, child, log: options.log };
  live.add(started);
  return started;
}

/** Forgets a process started with {@link startPinned} that has ended by itself. */
export function untrack(started: Started): void {
  live.delete(started);
}

/** Runs `argv` to its end (see {@link startPinned}); returns its exit code and stdout. */
export async function runTracked(
  label: string,
  argv: string[],
  options: { cpu?: number; lifeS: number; log: string; cwd?: string },
): Promise<{ code: number; stdout: string }> {
  const started = startPinned(label, argv, { ...options, pipeStdout: true });
  try {
    const { code, stdout } = await started.child.output();
    return { code, stdout: new TextDecoder().decode(stdout) };
  } finally {
    live.delete(started);
  }
}

async function output(cmd: string, args: string[]): Promise<string> {
  const out = await new Deno.Command(cmd, { args, stdout: "piped", stderr: "null" }).output();
  return new TextDecoder().decode(out.stdout);
}

/** The descendant of `root` whose command line matches `pattern` (waits up to `ms`). */
export async function findDescendant(root: number, pattern: RegExp, ms = 20_000): Promise<number> {
  // Deno asks for --allow-all to read /proc, so the runner asks `ps` instead.
  const deadline = Date.now() + ms;
  for (;;) {
    const procs = (await output("ps", ["-eo", "pid=,ppid=,args="])).split("\n")
      .map((l) => l.trim().match(/^(\d+)\s+(\d+)\s+(.*)$/))
      .flatMap((m) => m ? [{ pid: Number(m[1]), ppid: Number(m[2]), args: m[3]! }] : []);
    const tree = new Set([root]);
    let grew = true;
    while (grew) {
      grew = false;
      for (const p of procs) {
        if (!tree.has(p.pid) && tree.has(p.ppid)) {
          tree.add(p.pid);
          grew = true;
        }
      }
    }
    const hit = procs.find((p) => p.pid !== root && tree.has(p.pid) && pattern.test(p.args));
    if (hit) return hit.pid;
    if (Date.now() > deadline) throw new Error(`no process matching ${pattern} under ${root}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Waits until `port` on 127.0.0.1 accepts connections. */
export async function waitPort(port: number, ms = 60_000): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      const conn = await Deno.connect({ hostname: "127.0.0.1", port });
      conn.close();
      return;
    } catch {
      if (Date.now() > deadline) throw new Error(`port ${port} did not open`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

/** Sends `signal` to `pid`, then waits for `started` to end; kills its group after `graceMs`. */
export async function stop(
  started: Started,
  pid: number | null,
  signal: Deno.Signal = "SIGTERM",
  graceMs = 7000,
): Promise<void> {
  if (!live.has(started)) return;
  try {
    Deno.kill(pid ?? started.groupPid, signal);
  } catch { /* already gone */ }
  const timer = new Promise<"late">((r) => setTimeout(() => r("late"), graceMs));
  const outcome = await Promise.race([started.child.status, timer]);
  if (outcome === "late") {
    try {
      Deno.kill(-started.groupPid, "SIGKILL");
    } catch { /* already gone */ }
    await started.child.status;
  }
  live.delete(started);
}

/** Kills every process group still running (on failure or interrupt). */
export async function stopAll(): Promise<void> {
  await Promise.all([...live].map((s) => stop(s, null, "SIGTERM", 3000)));
}

/** A free TCP port on 127.0.0.1. */
export function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  listener.close();
  return port;
}

/** Busy and total CPU time of the machine so far, in ticks of 1/100 s (all cores). */
export async function machineTicks(): Promise<[busy: number, total: number]> {
  const f = (await output("head", ["-1", "/proc/stat"])).trim().split(/\s+/).slice(1).map(Number);
  const idle = f[3]! + (f[4] ?? 0);
  const total = f.reduce((a, b) => a + b, 0);
  return [total - idle, total];
}

/** Waits (up to `maxS`) until the machine is below `busyPct` for a second; returns the wait. */
export async function quietWait(maxS = 20, busyPct = 10): Promise<number> {
  const read = machineTicks;
  const start = Date.now();
  for (;;) {
    const [b1, t1] = await read();
    await new Promise((r) => setTimeout(r, 1000));
    const [b2, t2] = await read();
    const busy = (100 * (b2! - b1!)) / Math.max(1, t2! - t1!);
    if (busy < busyPct || Date.now() - start > maxS * 1000) return (Date.now() - start) / 1000;
  }
}
