/** The messenger's state and the one reducer that changes it. */
import type { ChatEvent, ChatSettings } from "../../shared/chat_model.ts";
import {
  applyToChat,
  applyToSummary,
  type ChatState,
  type ChatSummary,
  countUnread,
  type FileView,
  isVerifiedTeacher,
  type MemberView,
  type MessageView,
  type Person,
  sortChats,
  type UpcomingLesson,
} from "../../shared/chat_view.ts";
import type { RealtimeStatus } from "../../shared/realtime_client.ts";

export interface OrgInfo {
  id: string;
  name: string;
  roles: string[];
  journalUrl: string | null;
  timeZone: string;
}

/** A message on its way: shown at once, sent with its clientId until the server has it. */
export interface Pending {
  clientId: string;
  chatId: string;
  text: string;
  replyToSeq?: number;
  /** Files uploaded for it (sent by their ids). */
  files?: FileView[];
  /** An announcement members are asked to confirm. */
  needsAck?: boolean;
  /** Members named with `@`; `mentionAll`: `@все`. */
  mentions?: string[];
  mentionAll?: boolean;
  createdAt: string;
  /** sending: in flight; queued: waits for the connection; failed: refused; sent: acked. */
  status: "sending" | "queued" | "failed" | "sent";
  error?: string;
  /** When a rate-limited send may be tried again (ms since the epoch). */
  retryAt?: number;
}

export interface State {
  me: string;
  chats: ChatSummary[];
  people: Record<string, Person>;
  online: Record<string, boolean>;
  /** Chats whose members and recent messages are held (the open one and a few recent). */
  loaded: Record<string, ChatState>;
  openId: string | null;
  /** The school the chat list shows (null: all). */
  orgId: string | null;
  outbox: Pending[];
  /** chatId → userId → until when (ms) they count as typing. */
  typing: Record<string, Record<string, number>>;
  /** chatId → the furthest read marker of any other member, when known. */
  othersRead: Record<string, number>;
  status: RealtimeStatus;
  /** Lessons and meetings ahead in the person's chats, soonest first. */
  lessons: UpcomingLesson[];
  /** classId → the class's schedule link, for class chats. */
  schedules: Record<string, string>;
}

export type Action =
  | { type: "event"; chatId: string; event: ChatEvent }
  | { type: "ready"; chats: Record<string, number> }
  | { type: "chatAdded"; chat: ChatSummary; members?: MemberView[] }
  | { type: "chatRemoved"; chatId: string }
  | {
    type: "loaded";
    chatId: string;
    members: MemberView[];
    messages: MessageView[];
    lastSeq: number;
    hasMore: boolean;
    othersReadSeq?: number;
    quietUntil?: string | null;
  }
  | { type: "older"; chatId: string; messages: MessageView[]; hasMore: boolean }
  | {
    type: "members";
    chatId: string;
    members: MemberView[];
    quietUntil?: string | null;
    settings?: ChatSettings;
  }
  | { type: "settings"; chatId: string; settings: ChatSettings }
  | {
    type: "notifications";
    chatId: string;
    notifications: { muted: boolean; mutedUntil: string | null };
  }
  | { type: "lessons"; lessons: UpcomingLesson[] }
  | { type: "schedules"; schedules: Record<string, string> }
  | { type: "open"; chatId: string | null }
  | { type: "org"; orgId: string | null }
  | { type: "read"; chatId: string; userId: string; seq: number }
  | { type: "queue"; pending: Pending }
  | { type: "outbox"; clientId: string; change: Partial<Pending> }
  | { type: "unqueue"; clientId: string }
  | { type: "delivered"; chatId: string; message: MessageView; clientId: string }
  | { type: "patch"; chatId: string; seq: number; change: Partial<MessageView> }
  | { type: "presence"; userId: string; online: boolean }
  | { type: "typing"; chatId: string; userId: string; until: number }
  | { type: "typingExpire"; now: number }
  | { type: "status"; status: RealtimeStatus };

/** How many chats keep their messages in memory. */
const MAX_LOADED = 8;

function mapChat(
  state: State,
  chatId: string,
  change: (c: ChatSummary) => ChatSummary,
): ChatSummary[] {
  const at = state.chats.findIndex((c) => c.id === chatId);
  if (at < 0) return state.chats;
  const next = change(state.chats[at]!);
  if (next === state.chats[at]) return state.chats;
  const copy = state.chats.slice();
  copy[at] = next;
  return copy;
}

function peopleFrom(state: State, members: MemberView[]) {
  const people = { ...state.people };
  const online = { ...state.online };
  for (const m of members) {
    people[m.userId] = { name: m.displayName, verified: isVerifiedTeacher(m) };
    if (m.online !== undefined) online[m.userId] = m.online;
  }
  return { people, online };
}

function withoutKey<T>(record: Record<string, T>, key: string): Record<string, T> {
  if (!(key in record)) return record;
  const copy = { ...record };
  delete copy[key];
  return copy;
}

function onEvent(state: State, chatId: string, event: ChatEvent): State {
  const { me } = state;
  let chats = mapChat(state, chatId, (c) => applyToSummary(c, event, me));
  if (event.type === "message.created" && chats !== state.chats) chats = sortChats(chats);
  let loaded = state.loaded;
  const held = loaded[chatId];
  if (held) {
    const next = applyToChat(held, event, me);
    if (next !== held) loaded = { ...loaded, [chatId]: next };
  }
  let { outbox, typing } = state;
  if (event.type === "message.created") {
    const { authorId, clientId } = event.message;
    if (authorId === me) {
      outbox = outbox.filter((p) => !(p.chatId === chatId && p.clientId === clientId));
    }
    if (typing[chatId]?.[authorId]) {
      typing = { ...typing, [chatId]: withoutKey(typing[chatId]!, authorId) };
    }
  }
  return { ...state, chats, loaded, outbox, typing };
}

function onRead(state: State, chatId: string, userId: string, seq: number): State {
  if (userId !== state.me) {
    if ((state.othersRead[chatId] ?? 0) >= seq) return state;
    return { ...state, othersRead: { ...state.othersRead, [chatId]: seq } };
  }
  const held = state.loaded[chatId];
  const chats = mapChat(state, chatId, (c) => {
    if (seq <= c.lastReadSeq) return c;
    let unread = 0;
    if (seq < c.lastSeq) {
      // Unread messages between the old and the new marker that this window holds.
      const newlyRead = held
        ? countUnread(held.messages.filter((m) => m.seq <= seq), c.lastReadSeq, state.me)
        : 0;
      unread = Math.max(0, c.unread - newlyRead);
      if (held && (!held.hasMore || (held.messages[0]?.seq ?? Infinity) <= seq + 1)) {
        unread = countUnread(held.messages, seq, state.me);
      }
    }
    return { ...c, lastReadSeq: seq, unread };
  });
  return chats === state.chats ? state : { ...state, chats };
}

function loadedWith(state: State, chatId: string, chat: ChatState): Record<string, ChatState> {
  const loaded = { ...state.loaded, [chatId]: chat };
  const ids = Object.keys(loaded);
  for (const id of ids.slice(0, Math.max(0, ids.length - MAX_LOADED))) {
    if (id !== chatId && id !== state.openId) delete loaded[id];
  }
  return loaded;
}

export function reducer(state: State, action: Action): State {
  switch (action.type) {
    case "event":
      return onEvent(state, action.chatId, action.event);
    case "ready": {
      const chats = state.chats.filter((c) => c.id in action.chats);
      return chats.length === state.chats.length ? state : { ...state, chats };
    }
    case "chatAdded": {
      const base = action.members ? { ...state, ...peopleFrom(state, action.members) } : state;
      if (state.chats.some((c) => c.id === action.chat.id)) {
        return {
          ...base,
          chats: mapChat(state, action.chat.id, (c) => ({ ...action.chat, ...c })),
        };
      }
      return { ...base, chats: sortChats([...state.chats, action.chat]) };
    }
    case "chatRemoved":
      return {
        ...state,
        chats: state.chats.filter((c) => c.id !== action.chatId),
        loaded: withoutKey(state.loaded, action.chatId),
        outbox: state.outbox.filter((p) => p.chatId !== action.chatId),
        openId: state.openId === action.chatId ? null : state.openId,
      };
    case "loaded": {
      const summary = state.chats.find((c) => c.id === action.chatId);
      const lastRead = summary?.lastReadSeq ?? 0;
      const divider = action.messages.find((m) =>
        m.seq > lastRead && m.authorId !== state.me && !m.deleted
      );
      const chat: ChatState = {
        id: action.chatId,
        members: action.members,
        messages: action.messages,
        stateSeq: action.lastSeq,
        hasMore: action.hasMore,
        dividerSeq: divider?.seq ?? null,
        quietUntil: action.quietUntil ?? null,
      };
      const othersRead = action.othersReadSeq !== undefined
        ? {
          ...state.othersRead,
          [action.chatId]: Math.max(state.othersRead[action.chatId] ?? 0, action.othersReadSeq),
        }
        : state.othersRead;
      return {
        ...state,
        ...peopleFrom(state, action.members),
        loaded: loadedWith(state, action.chatId, chat),
        othersRead,
      };
    }
    case "older": {
      const held = state.loaded[action.chatId];
      if (!held) return state;
      const first = held.messages[0]?.seq ?? Infinity;
      const older = action.messages.filter((m) => m.seq < first);
      return {
        ...state,
        loaded: {
          ...state.loaded,
          [action.chatId]: {
            ...held,
            messages: [...older, ...held.messages],
            hasMore: action.hasMore,
          },
        },
      };
    }
    case "members": {
      const held = state.loaded[action.chatId];
      const { settings } = action;
      return {
        ...state,
        chats: settings ? mapChat(state, action.chatId, (c) => ({ ...c, settings })) : state.chats,
        ...peopleFrom(state, action.members),
        loaded: held
          ? {
            ...state.loaded,
            [action.chatId]: { ...held, members: action.members, quietUntil: action.quietUntil },
          }
          : state.loaded,
      };
    }
    case "open": {
      const chat = state.chats.find((c) => c.id === action.chatId);
      return {
        ...state,
        openId: action.chatId,
        orgId: chat && state.orgId !== null ? chat.orgId : state.orgId,
      };
    }
    case "org":
      return { ...state, orgId: action.orgId };
    case "read":
      return onRead(state, action.chatId, action.userId, action.seq);
    case "queue":
      return { ...state, outbox: [...state.outbox, action.pending] };
    case "outbox": {
      // A message the server already delivered has left the outbox and does not come back.
      if (!state.outbox.some((p) => p.clientId === action.clientId)) return state;
      const outbox = state.outbox.map((p) =>
        p.clientId === action.clientId ? { ...p, ...action.change } : p
      );
      return { ...state, outbox };
    }
    case "unqueue":
      return { ...state, outbox: state.outbox.filter((p) => p.clientId !== action.clientId) };
    case "delivered": {
      const { chatId, message } = action;
      const outbox = state.outbox.filter((p) => p.clientId !== action.clientId);
      const held = state.loaded[chatId];
      let loaded = state.loaded;
      if (held && !held.messages.some((m) => m.seq === message.seq)) {
        const messages = [...held.messages, message].sort((a, b) => a.seq - b.seq);
        loaded = { ...loaded, [chatId]: { ...held, messages } };
      }
      const chats = sortChats(
        mapChat(
          state,
          chatId,
          (c) =>
            (c.lastMessage?.seq ?? 0) >= message.seq
              ? c
              : { ...c, lastMessage: message, lastActivityAt: message.createdAt },
        ),
      );
      return { ...state, outbox, loaded, chats };
    }
    case "patch": {
      const held = state.loaded[action.chatId];
      if (!held) return state;
      const messages = held.messages.map((m) =>
        m.seq === action.seq ? { ...m, ...action.change } : m
      );
      return { ...state, loaded: { ...state.loaded, [action.chatId]: { ...held, messages } } };
    }
    case "presence":
      if (state.online[action.userId] === action.online) return state;
      return { ...state, online: { ...state.online, [action.userId]: action.online } };
    case "typing":
      return {
        ...state,
        typing: {
          ...state.typing,
          [action.chatId]: { ...state.typing[action.chatId], [action.userId]: action.until },
        },
      };
    case "typingExpire": {
      let changed = false;
      const typing: State["typing"] = {};
      for (const [chatId, users] of Object.entries(state.typing)) {
        const live = Object.entries(users).filter(([, until]) => until > action.now);
        if (live.length !== Object.keys(users).length) changed = true;
        if (live.length) typing[chatId] = Object.fromEntries(live);
      }
      return changed ? { ...state, typing } : state;
    }
    case "status":
      return state.status === action.status ? state : { ...state, status: action.status };
    case "settings": {
      const { settings } = action;
      return { ...state, chats: mapChat(state, action.chatId, (c) => ({ ...c, settings })) };
    }
    case "notifications": {
      const { notifications } = action;
      return { ...state, chats: mapChat(state, action.chatId, (c) => ({ ...c, notifications })) };
    }
    case "lessons":
      return { ...state, lessons: action.lessons };
    case "schedules":
      return { ...state, schedules: { ...state.schedules, ...action.schedules } };
  }
}
