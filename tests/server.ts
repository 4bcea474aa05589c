/** Starts the real server the way `deno task start` does, for tests that need real workers. */

export interface RealServer extends AsyncDisposable {
  url: string;
  wsUrl: string;
  /** Sends `signal` to the server and waits for it to exit; returns the exit code. */
  stop(signal?: Deno.Signal): Promise<number>;
  output(): string;
}

/** A TCP port free right now on loopback. */
export function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  listener.close();
  return port;
}

/** A started process whose output is collected as it comes (for a failing test's message). */
export function spawnLogged(command: Deno.Command) {
  const child = command.spawn();
  let log = "";
  const decoder = new TextDecoder();
  const drain = async (stream: ReadableStream<Uint8Array>) => {
    for await (const chunk of stream) log += decoder.decode(chunk);
  };
  const drained = Promise.all([drain(child.stdout), drain(child.stderr)]);
  return { child, drained, log: () => log };
}

/**
 * Runs `deno task start` (the launcher, then `deno serve --parallel`) on a free port, or on
 * `env.PORT` when the caller chose one (to name it to another server before this one is up).
 */
export async function startServer(env: Record<string, string>): Promise<RealServer> {
  const port = env.PORT ? Number(env.PORT) : freePort();
  const root = new URL("..", import.meta.url).pathname;
  const { child, drained, log } = spawnLogged(
    new Deno.Command(Deno.execPath(), {
      args: ["task", "start"],
      cwd: root,
      env: {
        PORT: String(port),
        HOST: "127.0.0.1",
        APP_ORIGIN: `http://127.0.0.1:${port}`,
        ...env,
      },
      stdout: "piped",
      stderr: "piped",
    }),
  );
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      const res = await fetch(`${url}/healthz`);
      await res.body?.cancel();
      if (res.ok) break;
    } catch { /* not up yet */ }
    const exited = await Promise.race([child.status.then(() => true), Promise.resolve(false)]);
    if (exited || Date.now() > deadline) {
      try {
        child.kill("SIGKILL");
      } catch { /* already gone */ }
      await child.status;
      await drained;
      throw new Error(`server did not start:\n${log()}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  let exited: Promise<number> | null = null;
  const stop = (signal: Deno.Signal = "SIGTERM") => {
    if (!exited) {
      try {
        child.kill(signal);
      } catch { /* already gone */ }
      exited = child.status.then(async (s) => {
        await drained;
        return s.code;
      });
    }
    return exited;
  };
  return {
    url,
    wsUrl: `ws://127.0.0.1:${port}/api/v1/realtime`,
    stop,
    output: log,
    async [Symbol.asyncDispose]() {
      await stop();
    },
  };
}

/** Calls the real server's API with a bearer token. */
export async function api<T = Record<string, unknown>>(
  base: string,
  method: string,
  path: string,
  token?: string | null,
  body?: unknown,
): Promise<{ status: number; body: T }> {
  const headers: Record<string, string> = {};
  if (token) headers.Authorization = `Bearer ${token}`;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const res = await fetch(`${base}/api/v1${path}`, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

/** Signs `email` in on a real server through the dev outbox; returns the bearer token. */
export async function signInReal(base: string, email: string, displayName?: string) {
  const sent = await api(base, "POST", "/auth/code", null, { email });
  if (sent.status !== 202) throw new Error(`code: ${sent.status}`);
  const outbox = await api<{ messages: { text: string }[] }>(
    base,
    "GET",
    `/dev/outbox?to=${encodeURIComponent(email)}`,
  );
  const code = outbox.body.messages.at(-1)?.text.match(/\d{6}/)?.[0];
  const verified = await api<{ token: string }>(base, "POST", "/auth/verify", null, {
    email,
    code,
  });
  if (verified.status !== 200) throw new Error(`verify: ${verified.status}`);
  if (displayName) await api(base, "PATCH", "/me", verified.body.token, { displayName });
  return verified.body.token;
}

/** A TCP relay on loopback that a test can cut, as a network drop would. */
export interface Cable extends AsyncDisposable {
  /** Where to connect instead of the target. */
  port: number;
  /**
   * Drops every connection through the cable and refuses new ones for `ms`, as a network that
   * goes away and comes back.
   */
  cut(ms: number): void;
}

/** Relays loopback connections on a free port to `targetPort`, byte for byte. */
export function cable(targetPort: number): Cable {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const open = new Set<Deno.Conn>();
  let downUntil = 0;
  const relay = async (from: Deno.Conn, to: Deno.Conn) => {
    try {
      await from.readable.pipeTo(to.writable);
    } catch {
      // The other side went away, or the cable was cut.
    } finally {
      for (const c of [from, to]) {
        try {
          c.close();
        } catch { /* already closed */ }
        open.delete(c);
      }
    }
  };
  const accepting = (async () => {
    for await (const conn of listener) {
      if (Date.now() < downUntil) {
        conn.close();
        continue;
      }
      try {
        const target = await Deno.connect({ hostname: "127.0.0.1", port: targetPort });
        open.add(conn).add(target);
        relay(conn, target);
        relay(target, conn);
      } catch {
        conn.close();
      }
    }
  })();
  return {
    port: (listener.addr as Deno.NetAddr).port,
    cut(ms) {
      downUntil = Date.now() + ms;
      for (const c of [...open]) {
        try {
          c.close();
        } catch { /* already closed */ }
      }
      open.clear();
    },
    async [Symbol.asyncDispose]() {
      listener.close();
      await accepting.catch(() => {});
      this.cut(0);
    },
  };
}
