/**
 * The messenger's side effects: the realtime connection, loading chats and history, read
 * markers, typing, new chats; sending is in outbox.ts, edits and reactions in changes.ts. It
 * changes state only by dispatching to the reducer in store.ts.
 */
import type { ChatEvent, ChatSettings } from "../../shared/chat_model.ts";
import type { Locale } from "../../shared/model.ts";
import { t } from "../../shared/i18n.ts";
import { api, errorText } from "../../shared/api_client.ts";
import {
  type ChatSummary,
  type MemberView,
  type MessageInput,
  type MessageView,
  toView,
} from "../../shared/chat_view.ts";
import { type OtherFrame, RealtimeClient } from "../../shared/realtime_client.ts";
import { closeNotifications, renewPush } from "../../shared/push_client.ts";
import type { Action, State } from "./store.ts";
import { Outbox } from "./outbox.ts";
import { Changes } from "./changes.ts";
import { ClassLife } from "./class_life.ts";
import type { ModalSpec } from "./modal.ts";
import { messageGist } from "./names.ts";

/** How often "typing" is sent while typing, and how long it shows. */
const TYPING_EVERY_MS = 3_000;
const TYPING_SHOWS_MS = 6_000;
const PAGE = 50;

type Timer = ReturnType<typeof setTimeout>;

/** Clears a timer that may be unset (typed to suit both browser and Node typings). */
function cancel(timer: Timer | undefined): void {
  if (timer !== undefined) clearTimeout(timer);
}

export interface ControllerOptions {
  locale: Locale;
  dispatch: (action: Action) => void;
  state: () => State;
  /** Says something to screen readers (the polite live region). */
  announce: (text: string) => void;
  /** Shows a short error to everyone. */
  notice: (text: string) => void;
  /** Shows a short note (not an error), with a way to open the chat it is about. */
  info: (text: string, chatId?: string) => void;
  /** Opens a dialog (null closes it). */
  modal: (spec: ModalSpec | null) => void;
}

interface ChatResponse {
  chat: Pick<ChatSummary, "id" | "orgId" | "kind" | "title" | "lastSeq" | "classId"> & {
    createdAt: string;
    members: MemberView[];
    quietUntil?: string;
    settings?: ChatSettings;
  };
}

interface MessagesResponse {
  messages: MessageInput[];
  lastSeq: number;
}

export class Controller {
  readonly #o: ControllerOptions;
  #rt: RealtimeClient | null = null;
  /** Messages on their way. */
  readonly outbox: Outbox;
  /** Edits, deletes and reactions. */
  readonly changes: Changes;
  /** Polls, confirmations, calls, lessons. */
  readonly life: ClassLife;
  /** Events of chats being loaded, replayed once the load lands. */
  readonly #loading = new Map<string, ChatEvent[]>();
  readonly #olderLoading = new Set<string>();
  readonly #membersLoading = new Set<string>();
  readonly #seen = new Map<string, number>();
  readonly #readPosted = new Map<string, number>();
  #readTimer: Timer | undefined;
  #typingSent = new Map<string, number>();
  readonly #quotes = new Set<string>();
  #refreshing: Promise<void> | null = null;

  constructor(options: ControllerOptions) {
    this.#o = options;
    this.outbox = new Outbox({
      locale: options.locale,
      dispatch: options.dispatch,
      state: options.state,
      send: (frame) => this.#rt?.send(frame) ?? false,
      refused: (chatId) => void this.loadMembers(chatId),
    });
    this.changes = new Changes(options);
    this.life = new ClassLife(options);
  }

  /** Turns the reader's notifications of a chat off for a while, for good, or on again. */
  async setNotifications(chatId: string, mute: "none" | "1h" | "8h" | "forever"): Promise<void> {
    const saved = await api<{ notifications: { muted: boolean; mutedUntil: string | null } }>(
      "PUT",
      `/chats/${chatId}/notifications`,
      { mute },
    );
    this.#o.dispatch({ type: "notifications", chatId, notifications: saved.notifications });
  }

  /** Opens a dialog. */
  show(spec: ModalSpec): void {
    this.#o.modal(spec);
  }

  /** Shows a short error to everyone. */
  notify(text: string): void {
    this.#o.notice(text);
  }

  get #state(): State {
    return this.#o.state();
  }

  #t(key: Parameters<typeof t>[1], params?: Record<string, string | number>) {
    return t(this.#o.locale, key, params);
  }

  /** Connects; `cursors` are the seqs the server-rendered page reflects. */
  start(cursors: Record<string, number>): void {
    this.#rt = new RealtimeClient(cursors, {
      event: (chatId, event) => this.#onEvent(chatId, event),
      frame: (frame) => this.#onFrame(frame),
      status: (status) => {
        // The session ended on the server: signing in again is the only way on.
        if (status === "signedOut") {
          this.#o.dispatch({ type: "status", status: "unauthenticated" });
          return location.assign(`/signin?next=${encodeURIComponent(location.pathname)}`);
        }
        this.#o.dispatch({ type: "status", status });
      },
    });
    this.#rt.start();
    document.addEventListener("visibilitychange", this.#onVisible);
    addEventListener("focus", this.#onVisible);
    addEventListener("blur", this.#onVisible);
    this.updateView();
    // A browser subscribed before (a sign-out ended that session's) is notified again.
    void renewPush();
  }

  stop(): void {
    this.#rt?.stop();
    document.removeEventListener("visibilitychange", this.#onVisible);
    removeEventListener("focus", this.#onVisible);
    removeEventListener("blur", this.#onVisible);
  }

  /**
   * Tells the server which chat this tab shows its reader now — open, the tab visible and
   * focused — so its messages are not notified as well; none otherwise.
   */
  updateView(): void {
    const looking = document.visibilityState === "visible" && document.hasFocus();
    const chatId = looking ? this.#state.openId : null;
    this.#rt?.view(chatId);
    // What the reader now sees needs no notification any more.
    if (chatId) closeNotifications(`chat-${chatId}`);
  }

  // ── Incoming ───────────────────────────────────────────────────────────────────────────

  #onEvent(chatId: string, event: ChatEvent): void {
    this.#loading.get(chatId)?.push(event);
    const state = this.#state;
    if (!state.chats.some((c) => c.id === chatId)) void this.refreshChats();
    this.#o.dispatch({ type: "event", chatId, event });
    const roster = event.type === "member.joined" || event.type === "member.updated";
    if (roster && state.loaded[chatId]) void this.loadMembers(chatId);
    if (event.type === "message.created" && !state.people[event.message.authorId]) {
      void this.loadMembers(chatId);
    }
    if (event.type === "message.created" && event.message.lesson) void this.life.refreshLessons();
    if (event.type === "chat.updated" && event.settings?.slowModeSeconds === 0) {
      this.outbox.released(chatId);
    }
    if (
      event.type === "message.created" && event.message.authorId !== state.me &&
      state.openId === chatId
    ) {
      const name = state.people[event.message.authorId]?.name ?? this.#t("chats.unknownPerson");
      const text = messageGist(this.#o.locale, toView(event.message)).slice(0, 200);
      this.#o.announce(this.#t("chat.newFrom", { name, text }));
    }
  }

  #onFrame(frame: OtherFrame): void {
    const { dispatch } = this.#o;
    switch (frame.type) {
      case "ready": {
        dispatch({ type: "ready", chats: frame.chats });
        const known = new Set(this.#state.chats.map((c) => c.id));
        if (Object.keys(frame.chats).some((id) => !known.has(id))) void this.refreshChats();
        this.outbox.resendAll();
        return;
      }
      case "ack":
        return this.outbox.acked(frame.clientId, frame.seq);
      case "error":
        if (frame.clientId !== undefined) {
          this.outbox.refused(frame.clientId, frame.error, frame.retryAfter);
        }
        return;
      case "chat.added":
        void this.#addChat(frame.chat.id);
        return;
      case "chat.removed":
        dispatch({ type: "chatRemoved", chatId: frame.chatId });
        if (location.pathname === `/chats/${frame.chatId}`) {
          history.replaceState(null, "", "/chats");
        }
        return;
      case "typing":
        dispatch({
          type: "typing",
          chatId: frame.chatId,
          userId: frame.userId,
          until: Date.now() + TYPING_SHOWS_MS,
        });
        return;
      case "presence":
        dispatch({ type: "presence", userId: frame.userId, online: frame.online });
        return;
      case "read":
        dispatch({ type: "read", chatId: frame.chatId, userId: frame.userId, seq: frame.seq });
        return;
      case "report.created": {
        const chat = this.#state.chats.find((c) => c.id === frame.chatId);
        const title = chat?.title ?? this.#t("chats.unknownPerson");
        const text = this.#t("reportMsg.arrived", { chat: title });
        this.#o.info(text, frame.chatId);
        this.#o.announce(text);
        return;
      }
    }
  }

  /** Fetches the chat list and adds the chats this page does not know yet. */
  refreshChats(): Promise<void> {
    this.#refreshing ??= this.#refresh().finally(() => this.#refreshing = null);
    return this.#refreshing;
  }

  async #refresh(): Promise<void> {
    try {
      const { chats } = await api<{ chats: ChatSummary[] }>("GET", "/chats");
      const known = new Set(this.#state.chats.map((c) => c.id));
      for (const chat of chats) {
        if (!known.has(chat.id)) await this.#addChat(chat.id, chat);
      }
    } catch { /* the next ready tries again */ }
  }

  async #addChat(chatId: string, summary?: ChatSummary): Promise<void> {
    try {
      const { chat } = await api<ChatResponse>("GET", `/chats/${chatId}`);
      const { members, createdAt, ...rest } = chat;
      const me = this.#state.me;
      const row: ChatSummary = {
        ...rest,
        lastReadSeq: 0,
        unread: 0,
        lastActivityAt: createdAt,
        ...summary,
        peerId: chat.kind === "direct"
          ? members.find((m) => m.userId !== me)?.userId ?? null
          : null,
      };
      this.#rt?.follow(chatId, row.lastSeq);
      this.#o.dispatch({ type: "chatAdded", chat: row, members });
    } catch { /* gone again, or offline: the next ready catches up */ }
  }

  // ── Opening and reading ────────────────────────────────────────────────────────────────

  /** Shows a chat (null: the list), loading it if needed; `push` adds a history entry. */
  open(chatId: string | null, push = true): void {
    this.#o.dispatch({ type: "open", chatId });
    if (push) {
      const path = chatId ? `/chats/${chatId}` : "/chats";
      if (location.pathname !== path) history.pushState(null, "", path);
    }
    if (chatId && !this.#state.loaded[chatId]) void this.load(chatId);
  }

  /** Loads a chat's members and its newest messages. */
  async load(chatId: string): Promise<void> {
    if (this.#loading.has(chatId)) return;
    this.#loading.set(chatId, []);
    try {
      const [{ chat }, page] = await Promise.all([
        api<ChatResponse>("GET", `/chats/${chatId}`),
        api<MessagesResponse>("GET", `/chats/${chatId}/messages?limit=${PAGE}`),
      ]);
      this.#o.dispatch({
        type: "loaded",
        chatId,
        members: chat.members,
        messages: page.messages.map(toView).reverse(),
        lastSeq: page.lastSeq,
        hasMore: page.messages.length === PAGE,
        quietUntil: chat.quietUntil ?? null,
      });
      for (const event of this.#loading.get(chatId) ?? []) {
        this.#o.dispatch({ type: "event", chatId, event });
      }
    } catch (err) {
      this.#o.notice(this.#t("chat.loadFailed", { reason: errorText(this.#o.locale, err) }));
    } finally {
      this.#loading.delete(chatId);
    }
  }

  /** Reads a chat's members (and its settings) again. */
  async loadMembers(chatId: string): Promise<void> {
    if (this.#membersLoading.has(chatId)) return;
    this.#membersLoading.add(chatId);
    try {
      const { chat } = await api<ChatResponse>("GET", `/chats/${chatId}`);
      this.#o.dispatch({
        type: "members",
        chatId,
        members: chat.members,
        quietUntil: chat.quietUntil ?? null,
        ...(chat.settings ? { settings: chat.settings } : {}),
      });
    } catch {
      /* names of newcomers show later */
    } finally {
      this.#membersLoading.delete(chatId);
    }
  }

  /** Loads the page of history before the oldest message held. */
  async loadOlder(chatId: string): Promise<void> {
    const held = this.#state.loaded[chatId];
    if (!held?.hasMore || this.#olderLoading.has(chatId)) return;
    const before = held.messages[0]?.seq ?? held.stateSeq + 1;
    this.#olderLoading.add(chatId);
    try {
      const page = await api<MessagesResponse>(
        "GET",
        `/chats/${chatId}/messages?before=${before}&limit=${PAGE}`,
      );
      this.#o.dispatch({
        type: "older",
        chatId,
        messages: page.messages.map(toView).reverse(),
        hasMore: page.messages.length === PAGE,
      });
    } catch (err) {
      this.#o.notice(errorText(this.#o.locale, err));
    } finally {
      this.#olderLoading.delete(chatId);
    }
  }

  /** Fetches one message that a reply quotes when it is not in the window held. */
  async quote(chatId: string, seq: number): Promise<MessageView | null> {
    const key = `${chatId}:${seq}`;
    if (this.#quotes.has(key)) return null;
    this.#quotes.add(key);
    try {
      const page = await api<MessagesResponse>(
        "GET",
        `/chats/${chatId}/messages?before=${seq + 1}&limit=1`,
      );
      const found = page.messages[0];
      return found?.seq === seq ? toView(found) : null;
    } catch {
      this.#quotes.delete(key);
      return null;
    }
  }

  /** The person has seen messages up to `seq` in a chat: move the read marker (debounced). */
  seen(chatId: string, seq: number): void {
    this.#seen.set(chatId, Math.max(this.#seen.get(chatId) ?? 0, seq));
    if (document.visibilityState !== "visible") return;
    const chat = this.#state.chats.find((c) => c.id === chatId);
    if (!chat || seq <= chat.lastReadSeq) return;
    this.#o.dispatch({ type: "read", chatId, userId: this.#state.me, seq });
    cancel(this.#readTimer);
    this.#readTimer = setTimeout(() => this.#postReads(), 250);
  }

  #onVisible = () => {
    this.updateView();
    if (document.visibilityState !== "visible") return;
    const open = this.#state.openId;
    const seq = open ? this.#seen.get(open) : undefined;
    if (open && seq) this.seen(open, seq);
  };

  async #postReads(): Promise<void> {
    for (const chat of this.#state.chats) {
      const posted = this.#readPosted.get(chat.id) ?? 0;
      const seen = this.#seen.get(chat.id) ?? 0;
      if (seen <= posted) continue;
      this.#readPosted.set(chat.id, seen);
      try {
        await api("POST", `/chats/${chat.id}/read`, { seq: seen });
      } catch {
        this.#readPosted.set(chat.id, posted);
      }
    }
  }

  /** Tells the chat's other members that this person is typing (at most every 3 s). */
  typing(chatId: string): void {
    const now = Date.now();
    if (now - (this.#typingSent.get(chatId) ?? 0) < TYPING_EVERY_MS) return;
    if (this.#rt?.send({ type: "typing", chatId })) this.#typingSent.set(chatId, now);
  }

  /** Changes a chat's rules (moderators); they apply here at once. Throws an ApiError. */
  async saveSettings(chatId: string, patch: Partial<ChatSettings>): Promise<void> {
    const { settings } = await api<{ settings: ChatSettings }>(
      "PATCH",
      `/chats/${chatId}/settings`,
      patch,
    );
    this.#o.dispatch({ type: "settings", chatId, settings });
    if (settings.slowModeSeconds === 0) this.outbox.released(chatId);
  }

  // ── New chats ──────────────────────────────────────────────────────────────────────────

  /** Creates a chat (or finds the direct chat) and opens it; throws an ApiError on refusal. */
  async createChat(
    orgId: string,
    kind: ChatSummary["kind"],
    title: string | null,
    memberIds: string[],
  ): Promise<void> {
    const { chat } = await api<ChatResponse>("POST", `/orgs/${orgId}/chats`, {
      kind,
      ...(kind === "direct" ? {} : { title }),
      memberIds,
    });
    const { members, createdAt: _, ...rest } = chat;
    const me = this.#state.me;
    const known = this.#state.chats.find((c) => c.id === chat.id);
    const row: ChatSummary = known ?? {
      ...rest,
      lastReadSeq: rest.lastSeq,
      unread: 0,
      lastActivityAt: new Date().toISOString(),
      peerId: kind === "direct" ? members.find((m) => m.userId !== me)?.userId ?? null : null,
    };
    this.#rt?.follow(chat.id, row.lastSeq);
    this.#o.dispatch({ type: "chatAdded", chat: row, members });
    this.open(chat.id);
  }
}
