/**
 * Messages on their way: each is shown at once, sent over the socket (or by HTTP when the socket
 * is away or its ack is late) and sent again with the same clientId until the server has it, so
 * it is delivered exactly once. Rate limits are waited out; refusals are shown on the message.
 */
import type { Locale } from "../../shared/model.ts";
import { t } from "../../shared/i18n.ts";
import { api, ApiError, errorText } from "../../shared/api_client.ts";
import {
  type FileView,
  type MessageInput,
  type MessageView,
  toView,
} from "../../shared/chat_view.ts";
import type { ClientFrame, WireError } from "../../shared/wire.ts";
import type { Action, Pending, State } from "./store.ts";
import { formatWait } from "./format.ts";

/** How long a socket send waits for its ack before trying HTTP instead. */
const ACK_TIMEOUT_MS = 8_000;
/** How long an acked message may take to arrive as an event before it is read over HTTP. */
const EVENT_WAIT_MS = 2_000;

type Timer = ReturnType<typeof setTimeout>;

/** Clears a timer that may be unset (typed to suit both browser and Node typings). */
function cancel(timer: Timer | undefined): void {
  if (timer !== undefined) clearTimeout(timer);
}

export interface OutboxOptions {
  locale: Locale;
  dispatch: (action: Action) => void;
  state: () => State;
  /** Sends a frame over the realtime socket; false when it is not connected. */
  send: (frame: ClientFrame) => boolean;
  /** The server refused a message for the chat's state (frozen, muted): read it again. */
  refused?: (chatId: string) => void;
}

/** What a message carries besides its text. */
export interface SendExtra {
  files?: FileView[];
  needsAck?: boolean;
  /** Members named with `@`; `mentionAll`: `@все`. */
  mentions?: string[];
  mentionAll?: boolean;
}

/** The body of a send, for the socket frame and the POST alike. */
function sendBody(p: Pending) {
  return {
    clientId: p.clientId,
    text: p.text,
    ...(p.replyToSeq ? { replyToSeq: p.replyToSeq } : {}),
    ...(p.files?.length ? { fileIds: p.files.map((f) => f.id) } : {}),
    ...(p.needsAck ? { needsAck: true } : {}),
    ...(p.mentions?.length ? { mentions: p.mentions } : {}),
    ...(p.mentionAll ? { mentionAll: true } : {}),
  };
}

export class Outbox {
  readonly #o: OutboxOptions;
  readonly #ackTimers = new Map<string, Timer>();
  readonly #retryTimers = new Map<string, Timer>();

  constructor(options: OutboxOptions) {
    this.#o = options;
  }

  get #state(): State {
    return this.#o.state();
  }

  #t(key: Parameters<typeof t>[1], params?: Record<string, string | number>) {
    return t(this.#o.locale, key, params);
  }

  /** The server acknowledged a socket send. */
  acked(clientId: string, seq: number): void {
    cancel(this.#ackTimers.get(clientId));
    this.#ackTimers.delete(clientId);
    this.#o.dispatch({ type: "outbox", clientId, change: { status: "sent" } });
    this.#awaitEvent(clientId, seq);
  }

  /** The server refused a socket send. */
  refused(clientId: string, error: WireError, retryAfter?: number): void {
    cancel(this.#ackTimers.get(clientId));
    this.#ackTimers.delete(clientId);
    const pending = this.#state.outbox.find((p) => p.clientId === clientId);
    if (!pending) return;
    this.#failed(
      pending,
      new ApiError(codeStatus(error.code), error.code, error.message, error.field, retryAfter),
    );
  }

  /** Sends a message: shown at once, delivered by socket or HTTP, retried by its clientId. */
  send(chatId: string, text: string, replyToSeq?: number, extra: SendExtra = {}): void {
    const pending: Pending = {
      clientId: crypto.randomUUID(),
      chatId,
      text,
      ...(replyToSeq ? { replyToSeq } : {}),
      ...(extra.files?.length ? { files: extra.files } : {}),
      ...(extra.needsAck ? { needsAck: true } : {}),
      ...(extra.mentions?.length ? { mentions: extra.mentions } : {}),
      ...(extra.mentionAll ? { mentionAll: true } : {}),
      createdAt: new Date().toISOString(),
      status: "sending",
    };
    this.#o.dispatch({ type: "queue", pending });
    this.#deliver(pending);
  }

  /** A message posted another way (a poll) has arrived: it shows at once, before its event. */
  arrived(chatId: string, message: MessageView): void {
    this.#o.dispatch({ type: "delivered", chatId, message, clientId: message.clientId });
  }

  /** Tries a pending message again with the same clientId. */
  retry(clientId: string): void {
    const pending = this.#state.outbox.find((p) => p.clientId === clientId);
    if (!pending || (pending.retryAt ?? 0) > Date.now()) return;
    this.#deliver(pending);
  }

  /** Gives up on a message that could not be sent. */
  discard(clientId: string): void {
    cancel(this.#retryTimers.get(clientId));
    this.#o.dispatch({ type: "unqueue", clientId });
  }

  /** Sends at once what waits out a chat's slow mode, now that the chat has lifted it. */
  released(chatId: string): void {
    for (const p of this.#state.outbox) {
      if (p.chatId === chatId && p.status === "queued" && p.retryAt) this.#deliver(p);
    }
  }

  /** Sends again, by their clientIds, the messages that wait for a connection. */
  resendAll(): void {
    for (const p of this.#state.outbox) {
      if (p.status === "sending" || p.status === "queued") {
        if ((p.retryAt ?? 0) <= Date.now()) this.#deliver(p);
      }
    }
  }

  #deliver(p: Pending): void {
    const { dispatch } = this.#o;
    cancel(this.#retryTimers.get(p.clientId));
    dispatch({
      type: "outbox",
      clientId: p.clientId,
      change: { status: "sending", error: undefined, retryAt: undefined },
    });
    // The socket's send takes the same fields as the POST.
    const sent = this.#o.send({ type: "send", chatId: p.chatId, ...sendBody(p) });
    if (!sent) return void this.#post(p);
    cancel(this.#ackTimers.get(p.clientId));
    this.#ackTimers.set(
      p.clientId,
      setTimeout(() => {
        this.#ackTimers.delete(p.clientId);
        const still = this.#state.outbox.find((q) => q.clientId === p.clientId);
        if (still?.status === "sending") void this.#post(still);
      }, ACK_TIMEOUT_MS),
    );
  }

  async #post(p: Pending): Promise<void> {
    try {
      const { message } = await api<{ message: MessageInput }>(
        "POST",
        `/chats/${p.chatId}/messages`,
        sendBody(p),
      );
      this.#o.dispatch({
        type: "delivered",
        chatId: p.chatId,
        message: toView(message),
        clientId: p.clientId,
      });
    } catch (err) {
      this.#failed(p, err);
    }
  }

  /**
   * An acked message normally arrives as an event at once; when the socket holds the chat's
   * events back (a student's quiet hours), the message is read over HTTP instead.
   */
  #awaitEvent(clientId: string, seq: number): void {
    setTimeout(async () => {
      const p = this.#state.outbox.find((q) => q.clientId === clientId);
      if (!p) return;
      try {
        const page = await api<{ messages: MessageInput[] }>(
          "GET",
          `/chats/${p.chatId}/messages?before=${seq + 1}&limit=1`,
        );
        const message = page.messages[0];
        if (message?.seq === seq) {
          this.#o.dispatch({
            type: "delivered",
            chatId: p.chatId,
            message: toView(message),
            clientId,
          });
        }
      } catch { /* the event still comes with the next connection */ }
    }, EVENT_WAIT_MS);
  }

  #failed(p: Pending, err: unknown): void {
    const { dispatch, locale } = this.#o;
    const e = err instanceof ApiError ? err : new ApiError(0, "network", "");
    if (e.status === 0 || e.status >= 500) {
      // Offline or the server is away: wait for the connection, then send again.
      dispatch({ type: "outbox", clientId: p.clientId, change: { status: "queued" } });
      return;
    }
    if (e.code === "rate_limited") {
      const seconds = Math.max(1, Math.ceil(e.retryAfter ?? 1));
      const retryAt = Date.now() + seconds * 1000;
      const slow = (this.#state.chats.find((c) => c.id === p.chatId)?.settings?.slowModeSeconds ??
        0) > 0;
      const error = slow
        ? this.#t("chat.slowWait", { wait: formatWait(this.#o.locale, seconds) })
        : this.#t("chat.rateLimited", { seconds });
      dispatch({
        type: "outbox",
        clientId: p.clientId,
        change: { status: "queued", retryAt, error },
      });
      this.#retryTimers.set(
        p.clientId,
        setTimeout(() => {
          const still = this.#state.outbox.find((q) => q.clientId === p.clientId);
          if (still) this.#deliver(still);
        }, seconds * 1000),
      );
      return;
    }
    if (e.status === 403) this.#o.refused?.(p.chatId);
    dispatch({
      type: "outbox",
      clientId: p.clientId,
      change: {
        status: "failed",
        error: e.status === 403 ? this.#refusal(p.chatId) : errorText(locale, e),
      },
    });
  }

  /** Why the chat refused a message, as far as this page knows: frozen, muted, quiet hours. */
  #refusal(chatId: string): string {
    const state = this.#state;
    if (state.chats.find((c) => c.id === chatId)?.settings?.frozen) {
      return this.#t("chat.refusedFrozen");
    }
    const loaded = state.loaded[chatId];
    const me = loaded?.members.find((m) => m.userId === state.me);
    if (me?.mutedUntil && Date.parse(me.mutedUntil) > Date.now()) {
      return this.#t("chat.refusedMuted");
    }
    // Neither frozen nor muted during the school's quiet hours: the class chat is read-only
    // for students until then (the school's setting, which the page is not told).
    if (loaded?.quietUntil && Date.parse(loaded.quietUntil) > Date.now()) {
      return this.#t("chat.refusedQuiet");
    }
    return this.#t("chat.refused");
  }
}

function codeStatus(code: string): number {
  switch (code) {
    case "rate_limited":
      return 429;
    case "invalid_input":
      return 400;
    case "forbidden":
      return 403;
    case "not_found":
      return 404;
    case "too_large":
      return 413;
    case "conflict":
      return 409;
    case "internal":
      return 500;
    default:
      return 400;
  }
}
