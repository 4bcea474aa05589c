/**
 * The crash suite's realtime client: sends its plan over /api/v1/realtime at a steady rate,
 * resends with the same clientId whatever was unacknowledged when its socket closed, follows
 * its chats from `since` on reconnect, and can send every acknowledged message once more to
 * check that the server answers with the same seq.
 */
import type { ChatId } from "../shared/ids.ts";
import type { ServerFrame } from "../shared/wire.ts";
import type { Person } from "./school.ts";

export interface Planned {
  clientId: string;
  chatId: ChatId;
  text: string;
}

export interface ClientWorld {
  url: () => string;
  /** Most unacknowledged messages at once. */
  window: number;
  /** New messages each tick allows (fractions accumulate). */
  perTick: number;
  onAck: (at: number) => void;
}

export const TICK_MS = 50;

export class CrashClient {
  socket: WebSocket | null = null;
  ready = false;
  stopped = false;
  /** Index of the next new message of the plan. */
  next = 0;
  readonly inFlight = new Map<string, Planned>();
  readonly acks = new Map<string, { chatId: ChatId; seq: number }>();
  /** Last seq received per chat, in order. */
  readonly cursors = new Map<ChatId, number>();
  outOfOrder = 0;
  resent = 0;
  rateLimited = 0;
  /** Acknowledged messages sent again, and how many of those came back with another seq. */
  replayed = 0;
  replaySeqChanged = 0;
  readonly errors: Record<string, number> = {};
  /** Unacknowledged messages to send again (in flight when a socket closed, or refused). */
  readonly #resend: Planned[] = [];
  /** Acknowledged messages to send again (see {@link replay}). */
  readonly #again: Planned[] = [];
  #credit = 0;
  #attempt = 0;
  #timer: ReturnType<typeof setInterval> | undefined;
  readonly #retryTimers = new Set<ReturnType<typeof setTimeout>>();

  constructor(
    readonly person: Person,
    readonly plan: readonly Planned[],
    readonly world: ClientWorld,
  ) {}

  /** Every message of the plan acknowledged. */
  get done(): boolean {
    return this.acks.size === this.plan.length;
  }

  /** Every replayed message answered. */
  get replayDone(): boolean {
    return this.#again.length === 0 && this.inFlight.size === 0 && this.#retryTimers.size === 0;
  }

  connect(): void {
    if (this.stopped) return;
    const ws = new WebSocket(this.world.url());
    this.socket = ws;
    ws.onopen = () => {
      const since = Object.fromEntries(this.cursors);
      ws.send(JSON.stringify({ type: "hello", token: this.person.token, since }));
    };
    ws.onmessage = (e) => this.#onFrame(JSON.parse(e.data) as ServerFrame);
    ws.onclose = () => {
      if (this.socket !== ws) return;
      this.socket = null;
      this.ready = false;
      clearInterval(this.#timer);
      // Whether they were committed is unknown: all are sent again with their clientIds.
      for (const m of this.inFlight.values()) this.#requeue(m);
      this.resent += this.inFlight.size;
      this.inFlight.clear();
      if (this.stopped) return;
      const ceiling = Math.min(1000, 100 * 2 ** this.#attempt++);
      setTimeout(() => this.connect(), ceiling / 2 + Math.random() * ceiling / 2);
    };
    ws.onerror = () => {};
  }

  /** Sends every acknowledged message once more with its clientId. */
  replay(): void {
    this.#again.push(...this.plan.filter((m) => this.acks.has(m.clientId)));
    this.#pump();
  }

  async close(): Promise<void> {
    this.stopped = true;
    clearInterval(this.#timer);
    for (const t of this.#retryTimers) clearTimeout(t);
    const ws = this.socket;
    if (ws && ws.readyState !== WebSocket.CLOSED) {
      const closed = new Promise((r) => ws.addEventListener("close", r));
      ws.close();
      await closed;
    }
  }

  #requeue(m: Planned): void {
    (this.acks.has(m.clientId) ? this.#again : this.#resend).unshift(m);
  }

  #onFrame(frame: ServerFrame): void {
    switch (frame.type) {
      case "ready":
        this.ready = true;
        this.#attempt = 0;
        for (const [chatId, seq] of Object.entries(frame.chats)) {
          if (!this.cursors.has(chatId as ChatId)) this.cursors.set(chatId as ChatId, seq);
        }
        this.#pump(true);
        this.#timer = setInterval(() => this.#pump(true), TICK_MS);
        break;
      case "event": {
        const chatId = frame.chatId as ChatId;
        const cursor = this.cursors.get(chatId);
        if (cursor === undefined) break;
        if (frame.event.seq !== cursor + 1) this.outOfOrder++;
        if (frame.event.seq > cursor) this.cursors.set(chatId, frame.event.seq);
        break;
      }
      case "ack": {
        const m = this.inFlight.get(frame.clientId);
        if (!m) break;
        this.inFlight.delete(frame.clientId);
        const first = this.acks.get(frame.clientId);
        if (first) {
          this.replayed++;
          if (first.seq !== frame.seq) this.replaySeqChanged++;
        } else {
          this.acks.set(frame.clientId, { chatId: m.chatId, seq: frame.seq });
          this.world.onAck(performance.now());
        }
        this.#pump();
        break;
      }
      case "error": {
        const m = frame.clientId ? this.inFlight.get(frame.clientId) : undefined;
        const code = frame.error.code;
        if (code === "rate_limited") this.rateLimited++;
        else this.errors[code] = (this.errors[code] ?? 0) + 1;
        if (!m) break;
        this.inFlight.delete(m.clientId);
        const wait = code === "rate_limited" ? (frame.retryAfter ?? 1) * 1000 + 20 : 250;
        const t = setTimeout(() => {
          this.#retryTimers.delete(t);
          this.#requeue(m);
          this.#pump();
        }, wait);
        this.#retryTimers.add(t);
        break;
      }
    }
  }

  /**
   * Sends what the window allows: replays and resends first, then new messages as the client's
   * rate allows (each tick adds credit; several messages may leave at once).
   */
  #pump(tick = false): void {
    const ws = this.socket;
    if (!ws || !this.ready || ws.readyState !== WebSocket.OPEN) return;
    if (tick) this.#credit = Math.min(this.world.window, this.#credit + this.world.perTick);
    while (this.inFlight.size < this.world.window) {
      const again = this.#again.shift();
      let m = again ?? this.#resend.shift();
      if (!m && this.#credit >= 1 && this.next < this.plan.length) {
        m = this.plan[this.next++]!;
        this.#credit--;
      }
      if (!m) return;
      if (this.inFlight.has(m.clientId) || (!again && this.acks.has(m.clientId))) continue;
      this.inFlight.set(m.clientId, m);
      ws.send(
        JSON.stringify({ type: "send", chatId: m.chatId, clientId: m.clientId, text: m.text }),
      );
    }
  }
}
