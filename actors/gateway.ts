/**
 * The per-isolate socket gateway. It knows which local sockets follow which chats and writes
 * each committed event to each of them at most once, in `seq` order. A socket that misses
 * events (it joined mid-stream, a broadcast was lost, it reconnected with `since`) has them
 * read from KV. Buffers are bounded: a socket that cannot keep up is closed with 1013.
 *
 * Each socket knows the session it was opened with. When that session ends (sign-out here or on
 * another isolate, expiry) the socket is closed with CLOSE.sessionEnded; when its user leaves a
 * school, it stops following that school's chats at once. Both travel on the bus, and a periodic
 * re-check against KV catches whatever a lost bus message did not bring.
 */
import type { ChatId, Clock, OrgId, UserId } from "../shared/ids.ts";
import { commit } from "../platform/kv_util.ts";
import type { Chat, ChatEvent, ChatHead } from "../shared/chat_model.ts";
import { keys } from "../platform/kv_keys.ts";
import { chatView, listEvents } from "../domain/chats.ts";
import { CLOSE, type ServerFrame } from "../shared/wire.ts";
import type { Bus, BusMessage } from "./bus.ts";
import { pairKey, readStanding, SessionBook, type SocketSession } from "./gateway_sessions.ts";

export type { SocketSession } from "./gateway_sessions.ts";

/** What the gateway needs of a WebSocket. */
export interface Sink {
  readonly readyState: number;
  readonly bufferedAmount: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
}

export interface GatewayOptions {
  kv: Deno.Kv;
  clock: Clock;
  bus: Bus;
  /** Told of events committed on other isolates (so local chat actors drop stale heads). */
  onRemoteEvents?: (chatId: ChatId, events: ChatEvent[]) => void;
  /** Bytes a socket may have unsent before it is closed with 1013; default 1 MiB. */
  maxBuffered?: number;
  /**
   * Sockets one user may have open on this isolate; attaching one more closes the oldest with
   * CLOSE.tooManySockets. Default 20.
   */
  maxSocketsPerUser?: number;
  /** How often open sockets' sessions and memberships are re-read from KV; default 60 s. */
  recheckMs?: number;
}

interface Cursor {
  /** Last seq written to the socket. */
  last: number;
  /** Highest seq known to exist. */
  target: number;
  /** A KV read (or set-up) is in progress; live events only raise `target`. */
  busy: boolean;
  /** Followed because the user joined while the socket was greeting (announce after ready). */
  joinedEarly?: boolean;
}

export interface AttachOptions {
  /** Chats whose members hear when this user comes and goes; default all. */
  presenceChatIds?: readonly ChatId[];
  /** The school of each chat. */
  chatOrgs?: ReadonlyMap<ChatId, OrgId>;
  /** The session behind the socket; without one (tests), the socket is never ended for it. */
  session?: SocketSession;
}

const OPEN = 1;
/** How long a socket counts as showing a chat without saying so again (ms). */
const VIEW_TTL_MS = 90_000;
/** How often showing sockets say so again in KV. */
const VIEW_REFRESH_MS = 30_000;
const PAGE = 200;
const TYPING_INTERVAL_MS = 2000;
/** How often expired sessions are looked for (a comparison per socket, only once one is due). */
const SWEEP_MS = 1000;

/** One client socket of one user. */
export class Connection {
  readonly chats = new Map<ChatId, Cursor>();
  readonly typingAt = new Map<ChatId, number>();
  /** `ready` has been sent; before that nothing else is written. */
  started = false;
  /** Characters written since the socket's backlog was last looked at. */
  unchecked = 0;
  /** Chats the user left while the socket was greeting. */
  readonly leftEarly = new Set<ChatId>();
  /** The school of each followed chat. */
  readonly chatOrgs = new Map<ChatId, OrgId>();
  /** The chat this socket shows its user (visible, focused), so it is not notified of it. */
  viewing: ChatId | null = null;
  /** This socket's name in KV's list of who is looking at a chat. */
  readonly socketId = crypto.randomUUID();
  /** The session the socket was opened with, if known. */
  session: SocketSession | null = null;
  closed = false;

  constructor(
    readonly userId: UserId,
    readonly sink: Sink,
    /** The chats whose members hear when this user comes and goes. */
    readonly presenceChatIds: readonly ChatId[],
  ) {}
}

export class Gateway {
  readonly #kv: Deno.Kv;
  readonly #clock: Clock;
  readonly #bus: Bus;
  readonly #maxBuffered: number;
  readonly #onRemoteEvents?: (chatId: ChatId, events: ChatEvent[]) => void;
  readonly #byChat = new Map<ChatId, Set<Connection>>();
  readonly #byUser = new Map<UserId, Set<Connection>>();
  readonly #sessions = new SessionBook<Connection>();
  readonly #maxPerUser: number;
  /** Users online on other isolates: user → isolates that said so. */
  readonly #remoteOnline = new Map<UserId, Set<string>>();
  readonly #isolate = crypto.randomUUID();
  readonly #unsubscribe: () => void;
  readonly #timers: ReturnType<typeof setInterval>[] = [];
  #rechecking = false;

  constructor(options: GatewayOptions) {
    this.#kv = options.kv;
    this.#clock = options.clock;
    this.#bus = options.bus;
    this.#maxBuffered = options.maxBuffered ?? 1024 * 1024;
    this.#maxPerUser = options.maxSocketsPerUser ?? 20;
    this.#onRemoteEvents = options.onRemoteEvents;
    this.#unsubscribe = this.#bus.subscribe((message) => this.#fromBus(message));
    this.#every(VIEW_REFRESH_MS, () => this.#refreshViews(), "refreshing viewers");
    this.#every(SWEEP_MS, () => Promise.resolve(this.sweep()), "sweeping sessions");
    this.#every(options.recheckMs ?? 60_000, () => this.recheck(), "re-checking sockets");
  }

  /** Runs `work` every `ms` on an unref'd timer (it never keeps the process alive). */
  #every(ms: number, work: () => Promise<void>, what: string): void {
    const timer = setInterval(() => {
      work().catch((err) => console.error(`${what} failed:`, err));
    }, ms);
    Deno.unrefTimer(timer);
    this.#timers.push(timer);
  }

  /** Sockets open on this isolate. */
  get size(): number {
    let n = 0;
    for (const set of this.#byUser.values()) n += set.size;
    return n;
  }

  /** Whether the user has a socket open here or on another isolate. */
  isOnline(userId: UserId): boolean {
    return (this.#byUser.get(userId)?.size ?? 0) > 0 ||
      (this.#remoteOnline.get(userId)?.size ?? 0) > 0;
  }

  // ── Connections ────────────────────────────────────────────────────────────────────────

  /**
   * Registers a socket following `chatIds`. Until {@link start}, live events for those chats
   * are only noted, so nothing is written before `ready`.
   */
  attach(
    userId: UserId,
    sink: Sink,
    chatIds: readonly ChatId[],
    options: AttachOptions = {},
  ): Connection {
    const presenceChatIds = options.presenceChatIds ?? chatIds;
    const conn = new Connection(userId, sink, presenceChatIds);
    for (const [chatId, orgId] of options.chatOrgs ?? []) conn.chatOrgs.set(chatId, orgId);
    for (const chatId of chatIds) this.#follow(conn, chatId, { last: 0, target: 0, busy: true });
    // Over the cap, the oldest sockets give way: the newest is the tab the person looks at.
    const open = [...this.#byUser.get(userId) ?? []];
    for (const oldest of open.slice(0, Math.max(0, open.length - this.#maxPerUser + 1))) {
      this.#end(oldest, CLOSE.tooManySockets, "Too many sockets for this account", {
        code: "too_many_sockets",
        message: `At most ${this.#maxPerUser} connections per account; a newer one took this place`,
      });
    }
    const wasOnline = this.isOnline(userId);
    let mine = this.#byUser.get(userId);
    if (!mine) this.#byUser.set(userId, mine = new Set());
    mine.add(conn);
    if (mine.size === 1) {
      this.#seen(userId, true);
      if (!wasOnline) this.#presenceHere(userId, true, presenceChatIds);
      this.#bus.publish({
        type: "presence",
        userId,
        online: true,
        chatIds: [...presenceChatIds],
        isolate: this.#isolate,
      });
    }
    // Ended while this socket was greeting (after its session was read): end it now.
    if (options.session && this.#sessions.add(conn, options.session, this.#clock.now())) {
      this.#endSession(conn);
    }
    return conn;
  }

  /**
   * Starts delivery: chats in `since` get every event after the given seq (read from KV), the
   * others only events after `heads`. `orgs` names the school of each chat in `heads`.
   */
  start(
    conn: Connection,
    heads: ReadonlyMap<ChatId, number>,
    since: ReadonlyMap<ChatId, number>,
    orgs: ReadonlyMap<ChatId, OrgId> = new Map(),
  ) {
    conn.started = true;
    for (const [chatId, orgId] of orgs) conn.chatOrgs.set(chatId, orgId);
    // Chats joined just before the socket attached are in `heads` but not yet followed.
    for (const chatId of heads.keys()) {
      if (!conn.chats.has(chatId) && !conn.leftEarly.has(chatId)) {
        this.#follow(conn, chatId, { last: 0, target: 0, busy: true });
      }
    }
    for (const [chatId, cursor] of [...conn.chats]) {
      const head = heads.get(chatId);
      if (head === undefined) {
        // Joined while greeting: announce it now. Otherwise the user left it meanwhile.
        if (cursor.joinedEarly) void this.#announceChat(conn, chatId, cursor);
        else this.#unfollow(conn, chatId);
        continue;
      }
      const from = since.get(chatId);
      cursor.last = from === undefined ? head : Math.max(0, Math.min(from, head));
      cursor.target = Math.max(cursor.target, head);
      cursor.busy = false;
      if (cursor.target > cursor.last) void this.#pump(conn, chatId, cursor);
    }
    // Left while greeting, after `ready` listed it.
    for (const chatId of conn.leftEarly) {
      if (heads.has(chatId)) this.write(conn, { type: "chat.removed", chatId });
    }
    conn.leftEarly.clear();
  }

  /** Forgets a closed socket. */
  detach(conn: Connection): void {
    if (conn.closed) return;
    conn.closed = true;
    for (const chatId of [...conn.chats.keys()]) this.#unfollow(conn, chatId);
    this.#sessions.remove(conn);
    const mine = this.#byUser.get(conn.userId);
    mine?.delete(conn);
    if (mine && mine.size === 0) {
      this.#byUser.delete(conn.userId);
      this.#seen(conn.userId, false);
      const chatIds = [...conn.presenceChatIds];
      if (!this.isOnline(conn.userId)) this.#presenceHere(conn.userId, false, chatIds);
      this.#bus.publish({
        type: "presence",
        userId: conn.userId,
        online: false,
        chatIds,
        isolate: this.#isolate,
      });
    }
  }

  /**
   * Notes in KV that the person came (their first socket here) or went (their last one): whoever
   * e-mails them about unread messages looks there (on any isolate or machine).
   */
  #seen(userId: UserId, open: boolean): void {
    this.#kv.set(keys.lastSeen(userId), { at: this.#clock.now(), open })
      .catch((err) => console.error("noting a visit failed:", err));
  }

  /** Whether `conn` follows `chatId` (is a member, as far as this socket knows). */
  follows(conn: Connection, chatId: ChatId): boolean {
    return conn.chats.has(chatId);
  }

  // ── Endings: sessions and school memberships ───────────────────────────────────────────

  /**
   * Whether `conn` may still act: it is open and its session has not expired. A socket found
   * expired here is ended at once (the sweep would within a second).
   */
  live(conn: Connection): boolean {
    if (conn.closed) return false;
    if (conn.session && conn.session.expiresAt <= this.#clock.now()) {
      this.#endSession(conn);
      return false;
    }
    return true;
  }

  /**
   * A session ended (its KV record is already gone): closes its sockets here with
   * CLOSE.sessionEnded at once, and on every other isolate through the bus.
   */
  endSession(tokenHash: string): void {
    this.#sessionEndedHere(tokenHash);
    this.#bus.publish({ type: "session.ended", tokenHash });
  }

  /** Every session of `userId` ended: closes all their sockets, here and on every isolate. */
  endSessions(userId: UserId): void {
    this.#sessionsEndedHere(userId);
    this.#bus.publish({ type: "sessions.ended", userId });
  }

  /**
   * `userId` left the school `orgId` (the removal is committed): their sockets here and on every
   * isolate stop following its chats at once, each told `chat.removed`. `chatIds` are the
   * school's chats the user was in; chats a socket knows to be the school's count too.
   */
  leaveSchool(orgId: OrgId, userId: UserId, chatIds: readonly ChatId[]): void {
    this.#leaveSchoolHere(orgId, userId, chatIds);
    this.#bus.publish({ type: "school.left", orgId, userId, chatIds: [...chatIds] });
  }

  /** Closes the sockets whose session has expired. Runs every second; cheap until one is due. */
  sweep(): void {
    for (const conn of this.#sessions.expired(this.#clock.now())) this.#endSession(conn);
  }

  /**
   * The safety net under the bus: reads every open socket's session and the memberships of the
   * schools of the chats it follows from KV (one key per distinct session and per distinct
   * user and school, in batched `getMany`s), then ends what has ended. Runs every `recheckMs`.
   */
  async recheck(): Promise<void> {
    if (this.#rechecking) return;
    this.#rechecking = true;
    try {
      const memberships = new Map<string, readonly [UserId, OrgId]>();
      for (const conns of this.#byUser.values()) {
        for (const conn of conns) {
          for (const chatId of conn.chats.keys()) {
            const orgId = conn.chatOrgs.get(chatId);
            if (orgId) memberships.set(pairKey(conn.userId, orgId), [conn.userId, orgId]);
          }
        }
      }
      const sessions = this.#sessions.sessions();
      const standing = await readStanding(this.#kv, this.#clock, sessions, memberships);
      for (const tokenHash of standing.endedSessions) this.#sessionEndedHere(tokenHash);
      for (const pair of standing.leftSchools) {
        const [userId, orgId] = memberships.get(pair)!;
        this.#leaveSchoolHere(orgId, userId, []);
      }
    } finally {
      this.#rechecking = false;
    }
  }

  #sessionEndedHere(tokenHash: string): void {
    const now = this.#clock.now();
    for (const conn of this.#sessions.sessionEnded(tokenHash, now)) this.#endSession(conn);
  }

  #sessionsEndedHere(userId: UserId): void {
    this.#sessions.userEnded(userId, this.#clock.now());
    for (const conn of [...this.#byUser.get(userId) ?? []]) this.#endSession(conn);
  }

  #endSession(conn: Connection): void {
    this.#end(conn, CLOSE.sessionEnded, "Session ended; sign in again", {
      code: "unauthenticated",
      message: "Your session has ended; sign in again",
    });
  }

  /** Tells the socket why (if `error`), closes it with `code`, and forgets it. */
  #end(
    conn: Connection,
    code: number,
    reason: string,
    error?: { code: string; message: string },
  ): void {
    if (conn.closed) return;
    if (error) this.write(conn, { type: "error", error });
    try {
      conn.sink.close(code, reason);
    } catch { /* already closed */ }
    this.detach(conn);
  }

  #leaveSchoolHere(orgId: OrgId, userId: UserId, chatIds: readonly ChatId[]): void {
    const named = new Set(chatIds);
    for (const conn of this.#byUser.get(userId) ?? []) {
      const gone = [...conn.chats.keys()].filter((chatId) =>
        named.has(chatId) || conn.chatOrgs.get(chatId) === orgId
      );
      for (const chatId of gone) {
        this.#unfollow(conn, chatId);
        if (conn.started) this.write(conn, { type: "chat.removed", chatId });
      }
      // Still greeting: `start` must not follow them, and says chat.removed if `ready` named them.
      if (!conn.started) {
        for (const chatId of new Set([...gone, ...named])) conn.leftEarly.add(chatId);
      }
    }
  }

  /** Writes a frame to one socket, closing it with 1013 if it has fallen too far behind. */
  write(conn: Connection, frame: ServerFrame | string): void {
    if (conn.closed || conn.sink.readyState !== OPEN) return;
    const text = typeof frame === "string" ? frame : JSON.stringify(frame);
    // Asking the socket for its backlog costs a call into the runtime: ask once per
    // eighth of the bound written, so the backlog never passes the bound by more than that.
    conn.unchecked += text.length;
    if (conn.unchecked > this.#maxBuffered / 8) {
      conn.unchecked = 0;
      if (conn.sink.bufferedAmount > this.#maxBuffered) {
        conn.sink.close(CLOSE.tryAgainLater, "Too far behind; reconnect with since");
        this.detach(conn);
        return;
      }
    }
    conn.sink.send(text);
  }

  // ── Events ─────────────────────────────────────────────────────────────────────────────

  /** Delivers a commit's events here and to every other isolate. */
  publishEvents(chatId: ChatId, events: ChatEvent[]): void {
    this.#deliver(chatId, events);
    this.#bus.publish({ type: "events", chatId, events });
  }

  #deliver(chatId: ChatId, events: readonly ChatEvent[]): void {
    for (const event of events) {
      this.#applyMembership(chatId, event);
      const followers = this.#byChat.get(chatId);
      if (!followers) continue;
      const frame = JSON.stringify({ type: "event", chatId, event } satisfies ServerFrame);
      for (const conn of followers) this.#offer(conn, chatId, event.seq, frame);
    }
  }

  /** Membership changes in the log change who follows the chat, before the event is offered. */
  #applyMembership(chatId: ChatId, event: ChatEvent): void {
    if (event.type === "chat.created") {
      const chat = chatView(event.chat, {
        seq: event.seq,
        lastMessageSeq: 0,
        lastActivityAt: event.at,
        memberCount: event.memberIds.length,
      });
      for (const userId of event.memberIds) {
        for (const conn of this.#byUser.get(userId) ?? []) {
          if (conn.chats.has(chatId)) continue;
          if (event.type === "chat.created") conn.chatOrgs.set(chatId, event.chat.orgId);
          if (!conn.started) {
            this.#follow(conn, chatId, this.#earlyCursor(conn, chatId, event.seq));
            continue;
          }
          this.#follow(conn, chatId, { last: event.seq, target: event.seq, busy: false });
          this.write(conn, { type: "chat.added", chat });
        }
      }
    } else if (event.type === "member.joined") {
      for (const userId of event.userIds) {
        for (const conn of this.#byUser.get(userId) ?? []) {
          if (conn.chats.has(chatId)) continue;
          if (!conn.started) {
            this.#follow(conn, chatId, this.#earlyCursor(conn, chatId, event.seq));
            continue;
          }
          const cursor = { last: event.seq, target: event.seq, busy: true };
          this.#follow(conn, chatId, cursor);
          void this.#announceChat(conn, chatId, cursor);
        }
      }
    } else if (event.type === "member.left") {
      for (const conn of this.#byUser.get(event.userId) ?? []) {
        if (!conn.started) conn.leftEarly.add(chatId);
        if (!conn.chats.has(chatId)) continue;
        this.#unfollow(conn, chatId);
        if (conn.started) this.write(conn, { type: "chat.removed", chatId });
      }
    }
  }

  #earlyCursor(conn: Connection, chatId: ChatId, seq: number): Cursor {
    conn.leftEarly.delete(chatId);
    return { last: seq, target: seq, busy: true, joinedEarly: true };
  }

  /** Sends `chat.added` for a chat the user just joined, then whatever followed the join. */
  async #announceChat(conn: Connection, chatId: ChatId, cursor: Cursor): Promise<void> {
    try {
      const [chat, head] = await this.#kv.getMany<[Chat, ChatHead]>([
        keys.chat(chatId),
        keys.chatHead(chatId),
      ]);
      if (!chat.value || !head.value || conn.chats.get(chatId) !== cursor) return;
      conn.chatOrgs.set(chatId, chat.value.orgId);
      this.write(conn, { type: "chat.added", chat: chatView(chat.value, head.value) });
      cursor.busy = false;
      cursor.target = Math.max(cursor.target, head.value.seq);
      if (cursor.target > cursor.last) await this.#pump(conn, chatId, cursor);
    } catch (err) {
      console.error("announcing a chat failed:", err);
      cursor.busy = false;
    }
  }

  /** Live delivery of one event: written at once when it is the next one, else repaired. */
  #offer(conn: Connection, chatId: ChatId, seq: number, frame: string): void {
    const cursor = conn.chats.get(chatId);
    if (!cursor || seq <= cursor.last) return;
    if (!cursor.busy && seq === cursor.last + 1) {
      cursor.last = seq;
      cursor.target = Math.max(cursor.target, seq);
      this.write(conn, frame);
      return;
    }
    cursor.target = Math.max(cursor.target, seq);
    if (!cursor.busy) void this.#pump(conn, chatId, cursor);
  }

  /** Reads and writes the events between `cursor.last` and `cursor.target` from KV. */
  async #pump(conn: Connection, chatId: ChatId, cursor: Cursor): Promise<void> {
    cursor.busy = true;
    // The user's own leaving, read here because its live broadcast was lost: nothing after it
    // is written unless they joined again.
    let away = false;
    try {
      while (cursor.last < cursor.target && !conn.closed && conn.chats.get(chatId) === cursor) {
        const events = await listEvents(this.#kv, chatId, cursor.last, PAGE);
        if (events.length === 0) break;
        for (const event of events) {
          if (conn.closed || conn.chats.get(chatId) !== cursor) return;
          if (event.seq <= cursor.last) continue;
          cursor.last = event.seq;
          if (event.type === "member.left" && event.userId === conn.userId) away = true;
          else if (event.type === "member.joined" && event.userIds.includes(conn.userId)) {
            away = false;
          }
          if (!away) this.write(conn, { type: "event", chatId, event });
        }
        cursor.target = Math.max(cursor.target, cursor.last);
      }
      if (away && conn.chats.get(chatId) === cursor) {
        this.#unfollow(conn, chatId);
        if (conn.started) this.write(conn, { type: "chat.removed", chatId });
        return;
      }
    } catch (err) {
      console.error("reading missed events failed:", err);
    } finally {
      cursor.busy = false;
    }
    // Events may have been noted while the last page was being written.
    if (cursor.target > cursor.last && !conn.closed && conn.chats.get(chatId) === cursor) {
      void this.#pump(conn, chatId, cursor);
    }
  }

  #follow(conn: Connection, chatId: ChatId, cursor: Cursor): void {
    conn.chats.set(chatId, cursor);
    let set = this.#byChat.get(chatId);
    if (!set) this.#byChat.set(chatId, set = new Set());
    set.add(conn);
  }

  #unfollow(conn: Connection, chatId: ChatId): void {
    if (conn.viewing === chatId) {
      conn.viewing = null;
      this.#kv.delete(keys.viewer(chatId, conn.userId, conn.socketId))
        .catch((err) => console.error("forgetting a viewer failed:", err));
    }
    conn.chats.delete(chatId);
    conn.typingAt.delete(chatId);
    const set = this.#byChat.get(chatId);
    set?.delete(conn);
    if (set?.size === 0) this.#byChat.delete(chatId);
  }

  // ── Who is looking ─────────────────────────────────────────────────────────────────────

  /**
   * The socket shows `chatId` to its user now (its page visible and focused), or nothing (null).
   * Kept in KV, where whoever sends notifications looks (on any isolate or machine), until
   * {@link VIEW_TTL_MS} after it last said so: a socket that dies silently stops counting.
   */
  async view(conn: Connection, chatId: ChatId | null): Promise<void> {
    if (chatId !== null && !conn.chats.has(chatId)) chatId = null;
    const before = conn.viewing;
    if (before === chatId) return;
    conn.viewing = chatId;
    const op = this.#kv.atomic();
    if (before) op.delete(keys.viewer(before, conn.userId, conn.socketId));
    if (chatId) this.#viewerEntry(op, conn, chatId);
    await commit(op);
  }

  #viewerEntry(op: Deno.AtomicOperation, conn: Connection, chatId: ChatId): void {
    op.set(keys.viewer(chatId, conn.userId, conn.socketId), {
      until: this.#clock.now() + VIEW_TTL_MS,
    }, { expireIn: VIEW_TTL_MS * 2 });
  }

  /** Says again, for every socket here showing a chat, that it still does. */
  async #refreshViews(): Promise<void> {
    const showing = [...this.#byUser.values()].flatMap((set) => [...set])
      .filter((conn) => conn.viewing !== null && !conn.closed);
    for (let i = 0; i < showing.length; i += 500) {
      const op = this.#kv.atomic();
      for (const conn of showing.slice(i, i + 500)) this.#viewerEntry(op, conn, conn.viewing!);
      await commit(op);
    }
  }

  // ── Ephemeral signals ──────────────────────────────────────────────────────────────────

  /** "Typing…" from `conn` in a chat it follows; at most one per 2 s, never to the typist. */
  typing(conn: Connection, chatId: ChatId): void {
    if (!conn.chats.has(chatId)) return;
    const now = this.#clock.now();
    if (now - (conn.typingAt.get(chatId) ?? -Infinity) < TYPING_INTERVAL_MS) return;
    conn.typingAt.set(chatId, now);
    this.#typingHere(chatId, conn.userId);
    this.#bus.publish({ type: "typing", chatId, userId: conn.userId });
  }

  #typingHere(chatId: ChatId, userId: UserId): void {
    const frame = JSON.stringify({ type: "typing", chatId, userId } satisfies ServerFrame);
    for (const conn of this.#byChat.get(chatId) ?? []) {
      if (conn.userId !== userId) this.write(conn, frame);
    }
  }

  /** Writes `frame` to every socket of the given users, on every isolate. */
  notify(userIds: readonly UserId[], frame: ServerFrame): void {
    this.#noticeHere(userIds, frame);
    this.#bus.publish({ type: "notice", userIds: [...userIds], frame });
  }

  #noticeHere(userIds: readonly UserId[], frame: ServerFrame): void {
    const text = JSON.stringify(frame);
    for (const userId of userIds) {
      for (const conn of this.#byUser.get(userId) ?? []) {
        if (conn.started) this.write(conn, text);
      }
    }
  }

  /** A member's read marker moved: tell the chat's sockets everywhere. */
  read(chatId: ChatId, userId: UserId, seq: number): void {
    this.#readHere(chatId, userId, seq);
    this.#bus.publish({ type: "read", chatId, userId, seq });
  }

  #readHere(chatId: ChatId, userId: UserId, seq: number): void {
    const frame = JSON.stringify({ type: "read", chatId, userId, seq } satisfies ServerFrame);
    for (const conn of this.#byChat.get(chatId) ?? []) this.write(conn, frame);
  }

  #presenceHere(userId: UserId, online: boolean, chatIds: readonly ChatId[]): void {
    const frame = JSON.stringify({ type: "presence", userId, online } satisfies ServerFrame);
    const told = new Set<Connection>();
    for (const chatId of chatIds) {
      for (const conn of this.#byChat.get(chatId) ?? []) {
        if (conn.userId === userId || told.has(conn)) continue;
        told.add(conn);
        this.write(conn, frame);
      }
    }
  }

  #fromBus(message: BusMessage): void {
    switch (message.type) {
      case "events":
        this.#onRemoteEvents?.(message.chatId, message.events);
        this.#deliver(message.chatId, message.events);
        break;
      case "typing":
        this.#typingHere(message.chatId, message.userId);
        break;
      case "notice":
        this.#noticeHere(message.userIds, message.frame);
        break;
      case "session.ended":
        this.#sessionEndedHere(message.tokenHash);
        break;
      case "sessions.ended":
        this.#sessionsEndedHere(message.userId);
        break;
      case "school.left":
        this.#leaveSchoolHere(message.orgId, message.userId, message.chatIds);
        break;
      case "read":
        this.#readHere(message.chatId, message.userId, message.seq);
        break;
      case "presence": {
        const before = this.isOnline(message.userId);
        let isolates = this.#remoteOnline.get(message.userId);
        if (message.online) {
          if (!isolates) this.#remoteOnline.set(message.userId, isolates = new Set());
          isolates.add(message.isolate);
        } else {
          isolates?.delete(message.isolate);
          if (isolates?.size === 0) this.#remoteOnline.delete(message.userId);
        }
        const after = this.isOnline(message.userId);
        if (before !== after) this.#presenceHere(message.userId, after, message.chatIds);
        break;
      }
    }
  }

  /** Closes every socket (server going away) and leaves the bus. */
  close(): void {
    for (const set of [...this.#byUser.values()]) {
      for (const conn of [...set]) {
        try {
          conn.sink.close(CLOSE.goingAway, "Server restarting");
        } catch { /* already closed */ }
        this.detach(conn);
      }
    }
    this.#unsubscribe();
    for (const timer of this.#timers) clearInterval(timer);
  }
}
