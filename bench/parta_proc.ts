/**
 * Parta as a real server process for the crash and storm suites: started the way `deno task
 * start` starts it (`scripts/serve.ts` → `deno serve --parallel`, the launcher's least
 * permissions) on a given KV file, then stopped gracefully or killed with SIGKILL.
 */
import { findDescendant, freePort } from "./procs.ts";

const ROOT = new URL("..", import.meta.url).pathname.replace(/\/$/, "");

export interface PartaOptions {
  kvPath: string;
  /** Default: a free port. */
  port?: number;
  /** Workers of `deno serve --parallel`; default: Deno's (one per core). */
  jobs?: number;
  /** Extra environment for the server. */
  env?: Record<string, string>;
  /** How long to wait for /healthz; default 60 s. */
  upWithinMs?: number;
}

export interface PartaProcess {
  port: number;
  url: string;
  wsUrl: string;
  /** PID of the `deno serve --parallel` process (the server itself, not the launcher). */
  pid: number;
  /** performance.now() when the launcher was spawned, and when /healthz first answered. */
  spawnedAt: number;
  upAt: number;
  /** Sends `signal` to the server and waits for the launcher to end; returns its exit code. */
  stop(signal?: Deno.Signal): Promise<number>;
  /** Everything the server and its launcher printed. */
  output(): string;
}

/** Starts Parta on `options.kvPath` and waits until it answers /healthz. */
export async function startParta(options: PartaOptions): Promise<PartaProcess> {
  const port = options.port ?? freePort();
  const env: Record<string, string> = {
    PORT: String(port),
    HOST: "127.0.0.1",
    APP_ORIGIN: `http://127.0.0.1:${port}`,
    KV_PATH: options.kvPath,
    ...(options.jobs ? { DENO_JOBS: String(options.jobs) } : {}),
    ...options.env,
  };
  const spawnedAt = performance.now();
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-env", "--allow-read", "--allow-run", `${ROOT}/scripts/serve.ts`],
    cwd: ROOT,
    env,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let log = "";
  const decoder = new TextDecoder();
  const drain = async (stream: ReadableStream<Uint8Array>) => {
    for await (const chunk of stream) log += decoder.decode(chunk, { stream: true });
  };
  const drained = Promise.all([drain(child.stdout), drain(child.stderr)]);
  let exitedCode: number | null = null;
  const status = child.status.then(async (s) => {
    await drained;
    exitedCode = s.code;
    return s.code;
  });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + (options.upWithinMs ?? 60_000);
  for (;;) {
    try {
      const res = await fetch(`${url}/healthz`);
      await res.body?.cancel();
      if (res.ok) break;
    } catch { /* not up yet */ }
    if (exitedCode !== null || Date.now() > deadline) {
      try {
        child.kill("SIGKILL");
      } catch { /* already gone */ }
      await status;
      throw new Error(`Parta did not start on port ${port}:\n${log}`);
    }
    await new Promise((r) => setTimeout(r, 25));
  }
  const upAt = performance.now();
  const pid = await findDescendant(child.pid, /\bserve --parallel\b/);
  let stopping: Promise<number> | null = null;
  return {
    port,
    url,
    wsUrl: `ws://127.0.0.1:${port}/api/v1/realtime`,
    pid,
    spawnedAt,
    upAt,
    stop(signal: Deno.Signal = "SIGTERM") {
      if (!stopping) {
        try {
          Deno.kill(pid, signal);
        } catch { /* already gone */ }
        stopping = (async () => {
          const late = setTimeout(() => {
            try {
              child.kill("SIGKILL");
              Deno.kill(pid, "SIGKILL");
            } catch { /* already gone */ }
          }, 15_000);
          try {
            return await status;
          } finally {
            clearTimeout(late);
          }
        })();
      }
      return stopping;
    },
    output: () => log,
  };
}
