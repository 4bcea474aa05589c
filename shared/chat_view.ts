/**
 * The messenger's view of chats, as pure functions: the chat list and a chat's message list,
 * events applied to them, unread counts, links found in text, dates. Browser-safe; shared by
 * the messenger island and the chat pages that render it on the server.
 */
import type {
  CallSummary,
  ChatEvent,
  ChatKind,
  ChatSettings,
  LessonSummary,
} from "./chat_model.ts";
import type { Locale } from "./model.ts";
import type { z } from "zod";
import type * as wire from "./api_schema.ts";

/** A file a message carries: images have a preview, everything else downloads. */
export type FileView = z.output<typeof wire.fileSchema>;

/** A poll as the viewer sees it: results, who voted (named polls) and their own vote. */
export interface PollView {
  question: string;
  /** `votes` is null while an anonymous poll's counts are hidden (until it closes). */
  options: { text: string; votes: number | null }[];
  multiple: boolean;
  anonymous: boolean;
  closed: boolean;
  closesAt?: string;
  voterCount: number;
  /** Per option, who chose it; only for polls that are not anonymous. */
  voters?: string[][];
  /** The viewer's own choice (empty: not voted). */
  myVote: number[];
}

/** A message as the messenger shows it: the API's message plus the viewer's own reactions. */
export interface MessageView {
  seq: number;
  id: string;
  clientId: string;
  authorId: string;
  kind: string;
  text: string;
  replyToSeq?: number;
  files?: FileView[];
  poll?: PollView;
  call?: CallSummary;
  lesson?: LessonSummary;
  /** An announcement members confirm they have read. */
  needsAck?: boolean;
  /** How many members have confirmed it. */
  ackCount?: number;
  /** Whether the viewer has confirmed it. */
  myAck?: boolean;
  /** Members mentioned with `@`; `mentionsAll`: the whole chat. */
  mentions?: string[];
  mentionsAll?: boolean;
  reactions: Record<string, number>;
  myReactions: string[];
  editedAt?: string;
  deleted?: boolean;
  createdAt: string;
}

/** A row of the chat list. `peerId` is the other person of a direct chat. */
export interface ChatSummary {
  id: string;
  orgId: string;
  kind: ChatKind;
  title: string | null;
  lastSeq: number;
  lastReadSeq: number;
  unread: number;
  lastActivityAt: string;
  lastMessage?: MessageView | null;
  peerId?: string | null;
  /** Moderation: a frozen chat takes posts from moderators only; slow mode spaces posts. */
  settings?: ChatSettings;
  /** The class of a class chat or class channel. */
  classId?: string;
  /** Whether the reader turned the chat's notifications off, and until when (null: until on). */
  notifications?: { muted: boolean; mutedUntil: string | null };
}

/** A member of a chat, as GET /chats/:id lists them. */
export interface MemberView {
  userId: string;
  displayName: string | null;
  roles: string[];
  verified: boolean;
  chatRole: string;
  online?: boolean;
  /** Muted members cannot post until then. */
  mutedUntil?: string;
}

/** What the messenger knows about a person: name and the verified-teacher badge. */
export interface Person {
  name: string | null;
  verified: boolean;
}

/** The loaded part of one chat: its members and a window of messages, oldest first. */
export interface ChatState {
  id: string;
  members: MemberView[];
  messages: MessageView[];
  /** The chat seq the messages reflect: events at or below it are already applied. */
  stateSeq: number;
  /** Older messages exist before the first one held. */
  hasMore: boolean;
  /** Seq of the first unread message when the chat was opened (the "new messages" divider). */
  dividerSeq: number | null;
  /** While the school's quiet hours hold back new messages from students: when they end. */
  quietUntil?: string | null;
}

/** Whether the person gets the verified-teacher badge. */
export function isVerifiedTeacher(member: Pick<MemberView, "roles" | "verified">): boolean {
  return member.verified && member.roles.includes("teacher");
}

/** `messages` with `message` in its place by seq: added, or replacing the one held. */
export function upsert(messages: MessageView[], message: MessageView): MessageView[] {
  const at = messages.findIndex((m) => m.seq === message.seq);
  if (at >= 0) {
    // What only the viewer's own reads carry stays: their reactions, vote and confirmation.
    const held = messages[at]!;
    const copy = messages.slice();
    copy[at] = {
      ...message,
      myReactions: held.myReactions,
      ...(held.myAck !== undefined ? { myAck: held.myAck } : {}),
      ...(message.poll && held.poll
        ? { poll: { ...message.poll, myVote: held.poll.myVote, voters: held.poll.voters } }
        : {}),
    };
    return copy;
  }
  const copy = [...messages, message];
  if (messages.length && messages[messages.length - 1]!.seq > message.seq) {
    copy.sort((a, b) => a.seq - b.seq);
  }
  return copy;
}

function patch(
  messages: MessageView[],
  seq: number,
  change: (m: MessageView) => MessageView,
): MessageView[] {
  const at = messages.findIndex((m) => m.seq === seq);
  if (at < 0) return messages;
  const copy = messages.slice();
  copy[at] = change(messages[at]!);
  return copy;
}

/** A poll from the API or an event; what the viewer's own read adds may be missing. */
export type PollInput = z.output<typeof wire.pollSchema>;

/** A message from the API or an event (which has no `myReactions`, and polls without votes). */
export type MessageInput = z.output<typeof wire.messageSchema>;

/** A poll from the API or an event, as the viewer's view (no vote of theirs unless given). */
export function pollOf(poll: PollInput): PollView {
  return {
    ...poll,
    voterCount: poll.voterCount ?? 0,
    myVote: poll.myVote ?? [],
    ...(poll.anonymous ? {} : { voters: poll.voters ?? poll.options.map(() => []) }),
  };
}

/** Normalizes a message from the API or an event. */
export function toView(message: MessageInput): MessageView {
  const view = { ...message, myReactions: message.myReactions ?? [] } as MessageView;
  if (message.poll) view.poll = pollOf(message.poll);
  return view;
}

/** Whether a poll takes votes at `now` (ms): not closed, and its closing time not reached. */
export function pollOpen(poll: PollView, now: number): boolean {
  return !poll.closed && (poll.closesAt === undefined || Date.parse(poll.closesAt) > now);
}

/** The poll after a `poll.updated` event, which carries counts and state but no texts. */
function applyVote(poll: PollView, event: ChatEvent & { type: "poll.updated" }, me: string) {
  const vote = event.vote;
  let { voters, myVote } = poll;
  if (vote) {
    voters = (voters ?? poll.options.map(() => [])).map((ids, i) => {
      const rest = ids.filter((id) => id !== vote.userId);
      return vote.options.includes(i) ? [...rest, vote.userId] : rest;
    });
    if (vote.userId === me) myVote = vote.options;
  }
  const { options: counts, ...state } = event.poll;
  return pollOf({
    ...poll,
    ...state,
    options: poll.options.map((o, i) => ({ text: o.text, votes: counts[i]?.votes ?? null })),
    myVote,
    ...(voters ? { voters } : {}),
  });
}

/** The message list after `event`; `me` is the viewer (their reactions are highlighted). */
export function applyToMessages(
  messages: MessageView[],
  event: ChatEvent,
  me: string,
): MessageView[] {
  switch (event.type) {
    case "message.created":
      return upsert(messages, toView(event.message));
    case "message.edited": {
      // An edit whose text a later edit or the deletion took away changes nothing by itself.
      const text = event.text;
      if (text === undefined) return messages;
      return patch(messages, event.messageSeq, (m) => ({ ...m, text, editedAt: event.editedAt }));
    }
    case "message.deleted":
      return patch(messages, event.messageSeq, (m) => {
        // A tombstone keeps no content.
        const {
          files: _f,
          poll: _p,
          needsAck: _n,
          ackCount: _a,
          myAck: _m,
          replyToSeq: _r,
          editedAt: _e,
          mentions: _mn,
          mentionsAll: _ma,
          ...rest
        } = m;
        return { ...rest, text: "", reactions: {}, myReactions: [], deleted: true };
      });
    case "poll.updated":
      return patch(
        messages,
        event.messageSeq,
        (m) => m.poll && !m.deleted ? { ...m, poll: applyVote(m.poll, event, me) } : m,
      );
    case "message.acked":
      return patch(messages, event.messageSeq, (m) => ({
        ...m,
        ackCount: event.count,
        ...(event.userId === me ? { myAck: true } : {}),
      }));
    case "call.ended":
      return patch(messages, event.messageSeq, (m) =>
        m.call
          ? {
            ...m,
            call: {
              ...m.call,
              endedAt: m.call.endedAt ?? event.at,
              durationSeconds: event.durationSeconds,
            },
          }
          : m);
    case "reaction.changed":
      return patch(messages, event.messageSeq, (m) => {
        const reactions = { ...m.reactions };
        if (event.count > 0) reactions[event.emoji] = event.count;
        else delete reactions[event.emoji];
        let myReactions = m.myReactions;
        if (event.userId === me) {
          myReactions = myReactions.filter((e) => e !== event.emoji);
          if (event.added) myReactions = [...myReactions, event.emoji];
        }
        return { ...m, reactions, myReactions };
      });
    default:
      return messages;
  }
}

/** The chat state after `event`, or the same object when the event is already reflected. */
export function applyToChat(chat: ChatState, event: ChatEvent, me: string): ChatState {
  if (event.seq <= chat.stateSeq) return chat;
  let members = chat.members;
  if (event.type === "member.left") members = members.filter((m) => m.userId !== event.userId);
  if (event.type === "member.updated") {
    members = members.map((m) => {
      if (m.userId !== event.userId) return m;
      const { mutedUntil: _, ...rest } = m;
      return {
        ...rest,
        chatRole: event.chatRole,
        ...(event.mutedUntil ? { mutedUntil: event.mutedUntil } : {}),
      };
    });
  }
  return {
    ...chat,
    members,
    messages: applyToMessages(chat.messages, event, me),
    stateSeq: event.seq,
  };
}

/** Messages by others after `lastReadSeq`, not deleted. */
export function countUnread(messages: MessageView[], lastReadSeq: number, me: string): number {
  return messages.filter((m) => m.seq > lastReadSeq && m.authorId !== me && !m.deleted).length;
}

/** The chat list row after `event`. */
export function applyToSummary(
  chat: ChatSummary,
  event: ChatEvent,
  me: string,
): ChatSummary {
  if (event.seq <= chat.lastSeq) return chat;
  const next: ChatSummary = { ...chat, lastSeq: event.seq };
  switch (event.type) {
    case "message.created": {
      next.lastMessage = toView(event.message);
      next.lastActivityAt = event.at;
      if (event.message.authorId !== me && event.seq > chat.lastReadSeq) next.unread++;
      break;
    }
    case "message.edited":
      if (chat.lastMessage?.seq === event.messageSeq && event.text !== undefined) {
        next.lastMessage = { ...chat.lastMessage, text: event.text, editedAt: event.editedAt };
      }
      break;
    case "message.deleted":
      if (chat.lastMessage?.seq === event.messageSeq) {
        next.lastMessage = { ...chat.lastMessage, text: "", deleted: true };
        if (chat.lastMessage.authorId !== me && event.messageSeq > chat.lastReadSeq) {
          next.unread = Math.max(0, next.unread - 1);
        }
      }
      break;
    case "chat.updated":
      next.title = event.title;
      if (event.settings) next.settings = event.settings;
      break;
  }
  return next;
}

/** The chat list, most recent activity first. */
export function sortChats(chats: ChatSummary[]): ChatSummary[] {
  return chats.slice().sort((a, b) => b.lastActivityAt.localeCompare(a.lastActivityAt));
}

/** A piece of message text: plain, or a web link to render as an anchor. */
export type TextPart = { text: string; href?: undefined } | { text: string; href: string };

const URL_RE = /\bhttps?:\/\/[^\s<>"'«»]+/giu;
const TRAILING = /[.,;:!?)\]}]+$/u;

/** Splits text into plain parts and http(s) links (trailing punctuation stays text). */
export function splitLinks(text: string): TextPart[] {
  const parts: TextPart[] = [];
  let last = 0;
  for (const match of text.matchAll(URL_RE)) {
    let url = match[0];
    const trail = TRAILING.exec(url)?.[0] ?? "";
    // Keep a closing parenthesis that belongs to the link, as in Wikipedia addresses.
    const keepParen = trail.startsWith(")") && url.includes("(");
    if (trail && !keepParen) url = url.slice(0, -trail.length);
    let href: string;
    try {
      const parsed = new URL(url);
      if (parsed.protocol !== "http:" && parsed.protocol !== "https:") continue;
      href = parsed.href;
    } catch {
      continue;
    }
    const start = match.index!;
    if (start > last) parts.push({ text: text.slice(last, start) });
    parts.push({ text: url, href });
    last = start + url.length;
  }
  if (last < text.length) parts.push({ text: text.slice(last) });
  return parts;
}

const intlLocale = (locale: Locale) => locale === "ru" ? "ru-RU" : "en-GB";
const formats = new Map<string, Intl.DateTimeFormat>();

function format(locale: Locale, timeZone: string, options: Intl.DateTimeFormatOptions) {
  const key = `${locale}|${timeZone}|${JSON.stringify(options)}`;
  let f = formats.get(key);
  if (!f) {
    f = new Intl.DateTimeFormat(intlLocale(locale), { ...options, timeZone });
    formats.set(key, f);
  }
  return f;
}

/** "1,2 МБ": a file size in the locale's words. */
export function formatSize(locale: Locale, bytes: number): string {
  const [value, unit] = bytes >= 1024 * 1024
    ? [bytes / 1024 / 1024, "megabyte"]
    : [Math.max(1, Math.round(bytes / 1024)), "kilobyte"];
  return new Intl.NumberFormat(intlLocale(locale), {
    style: "unit",
    unit,
    maximumFractionDigits: 1,
  }).format(value);
}

/** "14:05" in the school's time zone. */
export function formatTime(locale: Locale, iso: string, timeZone: string): string {
  return format(locale, timeZone, { hour: "2-digit", minute: "2-digit" }).format(new Date(iso));
}

/** "12 марта 2025 г." — the day a message was sent, in the school's time zone. */
export function formatDay(locale: Locale, iso: string, timeZone: string): string {
  return format(locale, timeZone, { dateStyle: "long" }).format(new Date(iso));
}

/** "12 мар." or "14:05": the short stamp of a chat list row, relative to `now`. */
export function formatShort(locale: Locale, iso: string, timeZone: string, now: string): string {
  if (dayKey(iso, timeZone) === dayKey(now, timeZone)) return formatTime(locale, iso, timeZone);
  return format(locale, timeZone, { day: "numeric", month: "short" }).format(new Date(iso));
}

/** A key that is equal for two instants on the same day in `timeZone`. */
export function dayKey(iso: string, timeZone: string): string {
  return format("en", timeZone, { year: "numeric", month: "2-digit", day: "2-digit" })
    .format(new Date(iso));
}

/** A lesson or meeting ahead, as the sidebar lists it (GET /me/lessons). */
export type UpcomingLesson = z.output<typeof wire.upcomingReply>["lessons"][number];
