/**
 * The bus carries committed chat events (and ephemeral typing, presence and read signals)
 * between isolates. It is a hint: a lost message costs latency, never data, because sockets
 * repair gaps from KV. Endings (a session, a school membership) travel on it too; a lost one is
 * caught by each gateway's periodic re-check of its sockets against KV.
 */
import type { ChatId, OrgId, UserId } from "../shared/ids.ts";
import type { ChatEvent } from "../shared/chat_model.ts";
import type { ServerFrame } from "../shared/wire.ts";

export type BusMessage =
  | { type: "events"; chatId: ChatId; events: ChatEvent[] }
  | { type: "typing"; chatId: ChatId; userId: UserId }
  | { type: "read"; chatId: ChatId; userId: UserId; seq: number }
  | { type: "presence"; userId: UserId; online: boolean; chatIds: ChatId[]; isolate: string }
  | { type: "notice"; userIds: UserId[]; frame: ServerFrame }
  /** A session ended (sign-out): every isolate closes its sockets with CLOSE.sessionEnded. */
  | { type: "session.ended"; tokenHash: string }
  /** Every session of a user ended (signed out everywhere, account deleted). */
  | { type: "sessions.ended"; userId: UserId }
  /** A member left a school: every isolate stops their sockets following its chats at once. */
  | { type: "school.left"; orgId: OrgId; userId: UserId; chatIds: ChatId[] };

export interface Bus {
  /** Sends `message` to every other isolate (not back to this one). */
  publish(message: BusMessage): void;
  /** Calls `handler` for every message from other isolates; returns an unsubscribe. */
  subscribe(handler: (message: BusMessage) => void): () => void;
  close(): void;
}

/** The default bus: a BroadcastChannel joining the workers of `deno serve --parallel`. */
export class BroadcastBus implements Bus {
  readonly #channel: BroadcastChannel;
  readonly #handlers = new Set<(message: BusMessage) => void>();

  constructor(name = "parta-bus") {
    this.#channel = new BroadcastChannel(name);
    this.#channel.onmessage = (e: MessageEvent<BusMessage>) => {
      for (const handler of this.#handlers) handler(e.data);
    };
  }

  publish(message: BusMessage): void {
    this.#channel.postMessage(message);
  }

  subscribe(handler: (message: BusMessage) => void): () => void {
    this.#handlers.add(handler);
    return () => this.#handlers.delete(handler);
  }

  close(): void {
    this.#handlers.clear();
    this.#channel.close();
  }
}

/** An in-memory bus hub for tests: each `endpoint()` is one simulated isolate. */
export class MemoryBusHub {
  readonly #endpoints = new Set<MemoryBus>();

  endpoint(): Bus {
    const bus = new MemoryBus(this.#endpoints);
    this.#endpoints.add(bus);
    return bus;
  }
}

class MemoryBus implements Bus {
  readonly #peers: Set<MemoryBus>;
  readonly #handlers = new Set<(message: BusMessage) => void>();

  constructor(peers: Set<MemoryBus>) {
    this.#peers = peers;
  }

  publish(message: BusMessage): void {
    // Structured clone, like a real channel: receivers never share objects with the sender.
    const copy = structuredClone(message);
    for (const peer of this.#peers) {
      if (peer !== this) queueMicrotask(() => peer.#deliver(copy));
    }
  }

  #deliver(message: BusMessage): void {
    for (const handler of this.#handlers) handler(message);
  }

  subscribe(handler: (message: BusMessage) => void): () => void {
    this.#handlers.add(handler);
    return () => this.#handlers.delete(handler);
  }

  close(): void {
    this.#handlers.clear();
    this.#peers.delete(this);
  }
}
