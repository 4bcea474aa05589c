/**
 * The two servers every benchmark compares, started pinned to CPU 0 under a hard `timeout`:
 * Parta the way `deno task start` starts it (`scripts/serve.ts` → `deno serve --parallel`, its
 * least permissions, DENO_JOBS=1, a KV file), and the bare relay as the shared run_one.sh does.
 */
import { findDescendant, type Started, startPinned, waitPort } from "./procs.ts";

export const ROOT = new URL("..", import.meta.url).pathname.replace(/\/$/, "");
export const BARE = Deno.env.get("BARE_SERVER") ?? "/work/shared/bench/servers/deno_bare.ts";
export const DENO = Deno.execPath();

export type ServerKind = "bare" | "parta";

export interface Running {
  started: Started;
  /** The server process itself (deno_bare.ts, or `deno serve --parallel`). */
  pid: number;
  port: number;
  /** ws:// URL of its WebSocket endpoint. */
  wsUrl: string;
}

/** Starts a server on `port` and waits until it listens. */
export async function startServer(
  server: ServerKind,
  options: { label: string; port: number; log: string; kvPath: string; lifeS?: number },
): Promise<Running> {
  const lifeS = options.lifeS ?? 280;
  const started = server === "bare"
    ? startPinned(options.label, [DENO, "run", "--no-config", "--allow-net", "--allow-env", BARE], {
      cpu: 0,
      lifeS,
      log: options.log,
      env: { PORT: String(options.port), MAX_LIFE_S: String(lifeS) },
    })
    : startPinned(options.label, [
      DENO,
      "run",
      "--allow-env",
      "--allow-read",
      "--allow-run",
      `${ROOT}/scripts/serve.ts`,
    ], {
      cpu: 0,
      lifeS,
      log: options.log,
      cwd: ROOT,
      env: {
        PORT: String(options.port),
        HOST: "127.0.0.1",
        KV_PATH: options.kvPath,
        DENO_JOBS: "1",
      },
    });
  await waitPort(options.port);
  const pid = await findDescendant(
    started.groupPid,
    server === "bare" ? /deno_bare\.ts/ : /\bserve --parallel\b/,
  );
  const wsUrl = server === "bare"
    ? `ws://127.0.0.1:${options.port}/ws`
    : `ws://127.0.0.1:${options.port}/api/v1/realtime`;
  return { started, pid, port: options.port, wsUrl };
}
