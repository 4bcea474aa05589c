/**
 * A realtime client for tests: connects, greets, and collects frames for assertions. Every frame
 * is held to the wire schema (shared/api_schema.ts); a frame that does not fit fails the test at
 * the next wait or at the close.
 */
import { isDeepStrictEqual } from "node:util";
import type { ServerFrame } from "../shared/wire.ts";
import type { ChatEvent } from "../shared/chat_model.ts";
import { serverFrameSchema } from "../shared/api_schema.ts";

/** Why `frame` does not fit the wire schema, or null when it does. */
export function frameProblem(frame: unknown): string | null {
  const parsed = serverFrameSchema.safeParse(frame);
  if (!parsed.success) return parsed.error.message;
  // The schema strips fields it does not name: anything stripped is undocumented.
  return isDeepStrictEqual(parsed.data, frame) ? null : "fields the wire schema does not name";
}

export interface WsClient extends AsyncDisposable {
  socket: WebSocket;
  frames: ServerFrame[];
  send(frame: unknown): void;
  /** Waits (up to `ms`) for a frame matching `pred`, scanning frames already received. */
  next<T extends ServerFrame>(pred: (f: ServerFrame) => boolean, ms?: number): Promise<T>;
  /** Waits until `pred` holds for the collected frames. */
  until(pred: (frames: ServerFrame[]) => boolean, ms?: number): Promise<void>;
  closed: Promise<CloseEvent>;
  close(): Promise<void>;
}

/** Opens a socket to `url` (ws://…/api/v1/realtime) with optional headers (Origin, Cookie). */
export async function connect(
  url: string,
  headers: Record<string, string> = {},
): Promise<WsClient> {
  // Deno's WebSocket accepts headers as a non-standard option.
  const socket = new WebSocket(url, { headers } as unknown as string[]);
  const frames: ServerFrame[] = [];
  const waiters = new Set<() => void>();
  const misfits: string[] = [];
  const fits = () => {
    if (misfits.length) throw new Error(`frames outside the wire schema: ${misfits.join("; ")}`);
  };
  socket.onmessage = (e) => {
    const frame = JSON.parse(e.data);
    const problem = frameProblem(frame);
    if (problem) misfits.push(`${e.data.slice(0, 500)}: ${problem}`);
    frames.push(frame);
    for (const w of [...waiters]) w();
  };
  const closed = new Promise<CloseEvent>((resolve) => {
    socket.addEventListener("close", (e) => {
      resolve(e);
      for (const w of [...waiters]) w();
    });
  });
  await new Promise<void>((resolve, reject) => {
    socket.onopen = () => resolve();
    socket.onerror = (e) => reject(new Error(`socket error: ${(e as ErrorEvent).message}`));
  });
  let seen = 0;
  const client: WsClient = {
    socket,
    frames,
    closed,
    send(frame) {
      socket.send(typeof frame === "string" ? frame : JSON.stringify(frame));
    },
    async next<T extends ServerFrame>(pred: (f: ServerFrame) => boolean, ms = 5000) {
      const deadline = Date.now() + ms;
      for (;;) {
        fits();
        for (; seen < frames.length; seen++) {
          if (pred(frames[seen]!)) return frames[seen++] as T;
        }
        if (Date.now() > deadline || socket.readyState === WebSocket.CLOSED) {
          throw new Error(
            `no matching frame in ${ms} ms; got ${JSON.stringify(frames).slice(0, 2000)}`,
          );
        }
        await wait(waiters, deadline);
      }
    },
    async until(pred, ms = 10_000) {
      const deadline = Date.now() + ms;
      while (!pred(frames)) {
        fits();
        if (Date.now() > deadline) {
          throw new Error(`condition not met in ${ms} ms; ${frames.length} frames`);
        }
        await wait(waiters, deadline);
      }
    },
    async close() {
      if (socket.readyState !== WebSocket.CLOSED) {
        socket.close();
        await closed;
      }
      fits();
    },
    async [Symbol.asyncDispose]() {
      await client.close();
    },
  };
  return client;
}

function wait(waiters: Set<() => void>, deadline: number): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      waiters.delete(done);
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(done, Math.max(1, Math.min(250, deadline - Date.now())));
    waiters.add(done);
  });
}

/** The chat events `ws` has received for `chatId`, in the order they came. */
export function eventsOf(ws: WsClient, chatId: string): ChatEvent[] {
  return ws.frames.flatMap((f) => f.type === "event" && f.chatId === chatId ? [f.event] : []);
}

/** Pings and waits for the pong: everything written to the socket before it has arrived. */
export async function barrier(ws: WsClient): Promise<void> {
  const pongs = () => ws.frames.filter((f) => f.type === "pong").length;
  const before = pongs();
  ws.send({ type: "ping" });
  await ws.until(() => pongs() > before, 5000);
}

/** Resolves with the close event, or fails if the socket is still open after `ms`. */
export async function closedWithin(ws: WsClient, ms = 5000): Promise<CloseEvent> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`the socket is still open after ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([ws.closed, late]);
  } finally {
    clearTimeout(timer);
  }
}

export interface GreetOptions {
  /** The client's cursors per chat, for a resync. */
  since?: Record<string, number>;
  /** Upgrade headers (Origin, Cookie). */
  headers?: Record<string, string>;
}

/**
 * Opens a socket and greets it, with `token` (or, with null, by the upgrade's cookie); resolves
 * once `ready` has arrived, and closes the socket if it does not.
 */
export async function greeted(
  url: string,
  token: string | null,
  options: GreetOptions = {},
): Promise<WsClient> {
  const ws = await connect(url, options.headers);
  try {
    ws.send({
      type: "hello",
      ...(token ? { token } : {}),
      ...(options.since ? { since: options.since } : {}),
    });
    await ws.next((f) => f.type === "ready");
    return ws;
  } catch (err) {
    await ws.close();
    throw err;
  }
}
