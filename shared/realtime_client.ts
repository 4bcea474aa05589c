/**
 * The browser's realtime connection: one WebSocket per tab to /api/v1/realtime, authenticated
 * by the session cookie. It reconnects with exponential backoff and jitter, asking for every
 * event after the last one it delivered in each chat (`since`); it repairs a gap in a chat's
 * seq from GET /chats/:id/events; it pings, so a dead connection is noticed. It stops for good
 * when the server says the session has ended (CLOSE.sessionEnded): reconnecting could not help.
 * Browser-safe.
 */
import type { ChatEvent } from "./chat_model.ts";
import { type ClientFrame, CLOSE, type ServerFrame } from "./wire.ts";

/**
 * `unauthenticated`: the server refused the socket's sign-in; `signedOut`: the session ended
 * while connected (signed out, revoked, expired). Neither reconnects.
 */
export type RealtimeStatus = "connecting" | "online" | "offline" | "unauthenticated" | "signedOut";

export type OtherFrame = Exclude<ServerFrame, { type: "event" }>;

export interface RealtimeHandlers {
  /** Events of one chat: each exactly once, in seq order, without gaps. */
  event(chatId: string, event: ChatEvent): void;
  /** Every other frame from the server (ready, ack, error, chat.added, typing, …). */
  frame(frame: OtherFrame): void;
  /** The connection's state changed. */
  status(status: RealtimeStatus): void;
}

export interface RealtimeOptions {
  /** The socket's URL; default `/api/v1/realtime` on this page's origin. */
  url?: string;
  /** Reads events after `after`; default `GET /api/v1/chats/:id/events`. */
  fetchEvents?: (chatId: string, after: number) => Promise<ChatEvent[]>;
  /** How often to ping; default 25 s. */
  pingMs?: number;
  /** How long to wait for any frame after a ping before reconnecting; default 10 s. */
  pongTimeoutMs?: number;
  /** First reconnect delay; default 500 ms, doubling up to `maxBackoffMs` (30 s). */
  backoffMs?: number;
  maxBackoffMs?: number;
  /** Opens a socket; default `new WebSocket(url)` (tests pass a fake). */
  connect?: (url: string) => WebSocket;
  /** Whether the device believes it is online; default `navigator.onLine`. */
  online?: () => boolean;
}

type Timer = ReturnType<typeof setTimeout>;

/** `WebSocket.OPEN`, spelled out so a fake socket in tests needs no WebSocket global. */
const OPEN = 1;

/** Clears a timer that may be unset (typed to suit both browser and Node typings). */
function cancel(timer: Timer | undefined): void {
  if (timer !== undefined) clearTimeout(timer);
}

async function defaultFetchEvents(chatId: string, after: number): Promise<ChatEvent[]> {
  const res = await fetch(
    `/api/v1/chats/${encodeURIComponent(chatId)}/events?after=${after}&limit=200`,
    { credentials: "same-origin" },
  );
  if (!res.ok) throw new Error(`events: ${res.status}`);
  return (await res.json()).events as ChatEvent[];
}

/** The realtime connection of one tab. */
export class RealtimeClient {
  readonly #cursors = new Map<string, number>();
  readonly #buffers = new Map<string, Map<number, ChatEvent>>();
  readonly #repairing = new Set<string>();
  readonly #handlers: RealtimeHandlers;
  readonly #options: Required<Omit<RealtimeOptions, "url">> & { url: string | undefined };
  #socket: WebSocket | null = null;
  #ready = false;
  #attempt = 0;
  #everReady = false;
  #stopped = true;
  #status: RealtimeStatus | null = null;
  #retryTimer: Timer | undefined;
  #pingTimer: Timer | undefined;
  #pongTimer: Timer | undefined;
  /** The chat the page shows (visible, focused), said again on every new connection. */
  #viewing: string | null = null;

  /** `cursors` holds, per chat, the last seq the page already reflects. */
  constructor(
    cursors: Record<string, number>,
    handlers: RealtimeHandlers,
    options: RealtimeOptions = {},
  ) {
    for (const [chatId, seq] of Object.entries(cursors)) this.#cursors.set(chatId, seq);
    this.#handlers = handlers;
    this.#options = {
      url: options.url,
      fetchEvents: options.fetchEvents ?? defaultFetchEvents,
      pingMs: options.pingMs ?? 25_000,
      pongTimeoutMs: options.pongTimeoutMs ?? 10_000,
      backoffMs: options.backoffMs ?? 500,
      maxBackoffMs: options.maxBackoffMs ?? 30_000,
      connect: options.connect ?? ((url) => new WebSocket(url)),
      online: options.online ?? (() => navigator.onLine),
    };
  }

  /** Connects, and keeps connecting until {@link stop}. */
  start(): void {
    if (!this.#stopped) return;
    this.#stopped = false;
    addEventListener("online", this.#onOnline);
    addEventListener("offline", this.#onOffline);
    this.#connect();
  }

  /** Closes the connection for good. */
  stop(): void {
    this.#stopped = true;
    removeEventListener("online", this.#onOnline);
    removeEventListener("offline", this.#onOffline);
    cancel(this.#retryTimer);
    this.#drop();
  }

  /** Whether the server has greeted this connection (frames can be sent). */
  get ready(): boolean {
    return this.#ready && this.#socket?.readyState === OPEN;
  }

  /**
   * The chat the page shows its reader now, visible and focused (null: none), so its messages
   * are not also notified; kept and said again after a reconnect.
   */
  view(chatId: string | null): void {
    if (chatId === this.#viewing) return;
    this.#viewing = chatId;
    this.send({ type: "view", chatId });
  }

  /** Sends a frame if connected; false when it could not be sent. */
  send(frame: ClientFrame): boolean {
    if (!this.ready) return false;
    try {
      this.#socket!.send(JSON.stringify(frame));
      return true;
    } catch {
      return false;
    }
  }

  /** Starts following a chat whose state the page reflects up to `seq`. */
  follow(chatId: string, seq: number): void {
    const known = this.#cursors.get(chatId);
    if (known === undefined || known < seq) this.#cursors.set(chatId, seq);
  }

  /** Stops following a chat. */
  forget(chatId: string): void {
    this.#cursors.delete(chatId);
    this.#buffers.delete(chatId);
  }

  /** The last seq delivered in a chat, if followed. */
  cursor(chatId: string): number | undefined {
    return this.#cursors.get(chatId);
  }

  #setStatus(status: RealtimeStatus) {
    if (status === this.#status) return;
    this.#status = status;
    this.#handlers.status(status);
  }

  #onOnline = () => {
    if (this.#stopped) return;
    this.#attempt = 0;
    cancel(this.#retryTimer);
    if (!this.#socket) this.#connect();
  };

  #onOffline = () => {
    // Browsers may keep a socket open while offline; treat it as gone and wait for "online".
    this.#drop();
    this.#setStatus("offline");
  };

  #connect(): void {
    if (this.#stopped || this.#socket) return;
    if (!this.#options.online()) return this.#setStatus("offline");
    this.#setStatus(this.#everReady ? "offline" : "connecting");
    const url = this.#options.url ??
      `${location.protocol === "https:" ? "wss:" : "ws:"}//${location.host}/api/v1/realtime`;
    let ws: WebSocket;
    try {
      ws = this.#options.connect(url);
    } catch {
      return this.#retry();
    }
    this.#socket = ws;
    ws.onopen = () => {
      const since = Object.fromEntries(this.#cursors);
      ws.send(JSON.stringify({ type: "hello", since } satisfies ClientFrame));
    };
    ws.onmessage = (e) => {
      if (ws === this.#socket) this.#onMessage(e.data);
    };
    ws.onclose = (e) => {
      if (ws !== this.#socket) return;
      this.#drop();
      if (this.#stopped) return;
      if (e.code === CLOSE.policy) return this.#setStatus("unauthenticated");
      if (e.code === CLOSE.sessionEnded) {
        this.stop();
        return this.#setStatus("signedOut");
      }
      // A newer socket of this account took this one's place: come back only after a while.
      if (e.code === CLOSE.tooManySockets) this.#attempt = 16;
      this.#setStatus("offline");
      this.#retry();
    };
    ws.onerror = () => {};
  }

  /** Forgets the current socket (closing it) and everything tied to it. */
  #drop(): void {
    const ws = this.#socket;
    this.#socket = null;
    this.#ready = false;
    cancel(this.#pingTimer);
    cancel(this.#pongTimer);
    // A reconnect asks for everything after each cursor, so buffered events are not needed.
    this.#buffers.clear();
    if (ws) {
      ws.onopen =
        ws.onmessage =
        ws.onclose =
        ws.onerror =
          null;
      try {
        ws.close();
      } catch { /* already closed */ }
    }
  }

  #retry(): void {
    if (this.#stopped) return;
    cancel(this.#retryTimer);
    const { backoffMs, maxBackoffMs } = this.#options;
    const ceiling = Math.min(maxBackoffMs, backoffMs * 2 ** this.#attempt);
    this.#attempt = Math.min(this.#attempt + 1, 16);
    // Full jitter on the upper half, so a whole school does not reconnect in step.
    const delay = ceiling / 2 + Math.random() * ceiling / 2;
    this.#retryTimer = setTimeout(() => this.#connect(), delay);
  }

  #schedulePing(): void {
    this.#pingTimer = setTimeout(() => {
      this.#ping();
      if (this.ready) this.#schedulePing();
    }, this.#options.pingMs);
  }

  #ping(): void {
    if (!this.send({ type: "ping" })) return;
    cancel(this.#pongTimer);
    this.#pongTimer = setTimeout(() => {
      this.#drop();
      this.#setStatus("offline");
      this.#retry();
    }, this.#options.pongTimeoutMs);
  }

  #onMessage(data: unknown): void {
    cancel(this.#pongTimer);
    if (typeof data !== "string") return;
    let frame: ServerFrame;
    try {
      frame = JSON.parse(data);
    } catch {
      return;
    }
    if (frame.type === "event") return this.#accept(frame.chatId, frame.event);
    if (frame.type === "ready") {
      this.#ready = true;
      this.#everReady = true;
      this.#attempt = 0;
      for (const chatId of [...this.#cursors.keys()]) {
        if (!(chatId in frame.chats)) this.forget(chatId);
      }
      for (const [chatId, seq] of Object.entries(frame.chats)) {
        if (!this.#cursors.has(chatId)) this.#cursors.set(chatId, seq);
      }
      cancel(this.#pingTimer);
      this.#schedulePing();
      if (this.#viewing) this.send({ type: "view", chatId: this.#viewing });
      this.#setStatus("online");
    } else if (frame.type === "chat.added") {
      this.follow(frame.chat.id, frame.chat.lastSeq);
    } else if (frame.type === "chat.removed") {
      this.forget(frame.chatId);
    }
    this.#handlers.frame(frame);
  }

  /** Delivers `event` if it is the next in its chat; holds it and repairs the gap if not. */
  #accept(chatId: string, event: ChatEvent): void {
    let cursor = this.#cursors.get(chatId);
    if (cursor === undefined) {
      // An event of a chat announced in no other way: follow it from here.
      cursor = event.seq - 1;
      this.#cursors.set(chatId, cursor);
    }
    if (event.seq <= cursor) return;
    if (event.seq === cursor + 1) {
      this.#deliver(chatId, event);
      return;
    }
    let buffer = this.#buffers.get(chatId);
    if (!buffer) this.#buffers.set(chatId, buffer = new Map());
    buffer.set(event.seq, event);
    void this.#repair(chatId);
  }

  #deliver(chatId: string, event: ChatEvent): void {
    this.#cursors.set(chatId, event.seq);
    this.#handlers.event(chatId, event);
    const buffer = this.#buffers.get(chatId);
    let next: ChatEvent | undefined;
    while (buffer && (next = buffer.get(this.#cursors.get(chatId)! + 1))) {
      buffer.delete(next.seq);
      this.#cursors.set(chatId, next.seq);
      this.#handlers.event(chatId, next);
    }
    for (const seq of buffer?.keys() ?? []) {
      if (seq <= this.#cursors.get(chatId)!) buffer!.delete(seq);
    }
    if (buffer && buffer.size === 0) this.#buffers.delete(chatId);
  }

  /** Fetches the missing events of a chat until the held ones can be delivered. */
  async #repair(chatId: string): Promise<void> {
    if (this.#repairing.has(chatId)) return;
    this.#repairing.add(chatId);
    let failures = 0;
    try {
      while (this.#buffers.get(chatId)?.size && !this.#stopped) {
        const cursor = this.#cursors.get(chatId);
        if (cursor === undefined) break;
        try {
          const events = await this.#options.fetchEvents(chatId, cursor);
          failures = 0;
          if (events.length === 0) break;
          for (const event of events) {
            const now = this.#cursors.get(chatId);
            if (now !== undefined && event.seq === now + 1) this.#deliver(chatId, event);
          }
        } catch {
          if (++failures >= 3) {
            // Let a fresh connection replay from the cursor instead.
            this.#drop();
            this.#setStatus("offline");
            this.#retry();
            break;
          }
          await new Promise((r) => setTimeout(r, 500 * failures));
        }
      }
    } finally {
      this.#repairing.delete(chatId);
    }
  }
}
