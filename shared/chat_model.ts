/** Chats, their members, messages and the chat event log, as stored in Deno KV. */
import type { ChatId, ClassId, OrgId, UserId } from "./ids.ts";

/** What a message carries about each of its files. */
export interface FileRef {
  id: string;
  name: string;
  type: string;
  size: number;
  kind: "image" | "file";
  width?: number;
  height?: number;
}

export const CHAT_KINDS = ["group", "channel", "direct"] as const;
export type ChatKind = typeof CHAT_KINDS[number];

export const CHAT_ROLES = ["owner", "moderator", "member"] as const;
export type ChatRole = typeof CHAT_ROLES[number];

/** Most members a chat may hold. */
export const MAX_CHAT_MEMBERS = 5000;
/** Longest message text, in code points after trimming. */
export const MAX_MESSAGE_CHARS = 4000;

/** Moderation settings of a chat. */
export interface ChatSettings {
  /** Read-only for everyone but moderators. */
  frozen: boolean;
  /** At most one message per this many seconds per member (0: off); moderators are exempt. */
  slowModeSeconds: number;
}

export const DEFAULT_CHAT_SETTINGS: ChatSettings = { frozen: false, slowModeSeconds: 0 };

export interface Chat {
  id: ChatId;
  orgId: OrgId;
  kind: ChatKind;
  title: string | null;
  createdAt: string;
  createdBy: UserId;
  /** The class this chat belongs to (a class chat or class channel). */
  classId?: ClassId;
  settings?: ChatSettings;
}

export interface ChatMember {
  userId: UserId;
  chatRole: ChatRole;
  joinedAt: string;
  /** Muted members cannot post until then. */
  mutedUntil?: string;
  /**
   * The member turned the chat's notifications off: until then, or (null) until they turn them
   * on. Absent: notifications are on. Mentions and announcements to confirm still notify.
   */
  notifyMutedUntil?: string | null;
}

/** A moderation step, kept in the school's audit log (written in the same commit). */
export interface AuditEntry {
  id: string;
  orgId: OrgId;
  at: string;
  actorId: UserId;
  action:
    | "message.deleted"
    | "member.muted"
    | "member.unmuted"
    | "member.removed"
    | "member.role_changed"
    | "chat.frozen"
    | "chat.unfrozen"
    | "chat.slow_mode";
  chatId: ChatId;
  targetUserId?: UserId;
  messageSeq?: number;
  details?: Record<string, unknown>;
}

/** The chat's head: the last assigned seq. Every append checks and moves it. */
export interface ChatHead {
  seq: number;
  /** Seq of the newest `message.created`, 0 when there is none. */
  lastMessageSeq: number;
  lastActivityAt: string;
  memberCount: number;
}

export type MessageKind = "text" | "file" | "poll" | "call" | "system";

export const CALL_KINDS = ["call", "lesson", "meeting"] as const;
export type CallKind = typeof CALL_KINDS[number];

/** A call as its chat message shows it. */
export interface CallSummary {
  id: string;
  kind: CallKind;
  title: string | null;
  startedBy: UserId;
  startedAt: string;
  endedAt?: string;
  durationSeconds?: number;
}

/** A lesson or meeting planned in a chat, as its message shows it. */
export interface LessonSummary {
  id: string;
  kind: "lesson" | "meeting";
  title: string;
  startsAt: string;
  durationMinutes: number;
}

/** A planned lesson or meeting, as stored. */
export interface Lesson extends LessonSummary {
  chatId: ChatId;
  orgId: OrgId;
  createdBy: UserId;
  messageSeq: number;
}

/** Most options a poll offers. */
export const MAX_POLL_OPTIONS = 10;

/** A poll as stored on its message: vote counts only; who voted sits under poll_votes. */
export interface Poll {
  question: string;
  options: { text: string; votes: number }[];
  multiple: boolean;
  anonymous: boolean;
  closed: boolean;
  closesAt?: string;
  /** How many members have voted. */
  voterCount: number;
}

/**
 * A poll's counts and state as a `poll.updated` event carries them: no question, no option
 * texts. `votes` is null while an anonymous poll's counts are hidden.
 */
export interface PollResults {
  options: { votes: number | null }[];
  multiple: boolean;
  anonymous: boolean;
  closed: boolean;
  closesAt?: string;
  voterCount: number;
}

export interface Message {
  seq: number;
  id: string;
  chatId: ChatId;
  clientId: string;
  authorId: UserId;
  kind: MessageKind;
  text: string;
  replyToSeq?: number;
  poll?: Poll;
  files?: FileRef[];
  call?: CallSummary;
  lesson?: LessonSummary;
  /** An announcement members confirm they have read ("Ознакомлен(а)"). */
  needsAck?: true;
  /** Members mentioned by name (`@Имя`): they are notified even in a muted chat. */
  mentions?: UserId[];
  /** `@все`: everyone in the chat is (teachers and admins only). */
  mentionsAll?: true;
  /** How many members have confirmed. */
  ackCount?: number;
  reactions: Record<string, number>;
  editedAt?: string;
  deleted?: true;
  createdAt: string;
}

interface EventBase {
  seq: number;
  at: string;
  actorId: UserId;
}

export type ChatEvent =
  & EventBase
  & (
    | { type: "chat.created"; chat: Chat; memberIds: UserId[] }
    | { type: "message.created"; message: Message }
    | {
      type: "message.edited";
      messageSeq: number;
      editedAt: string;
      /** Only on the message's latest edit; a later edit or the deletion takes it away. */
      text?: string;
      /** A later edit or the deletion took this edit's text away. */
      redacted?: true;
    }
    | { type: "message.deleted"; messageSeq: number }
    | {
      type: "reaction.changed";
      messageSeq: number;
      emoji: string;
      userId: UserId;
      added: boolean;
      count: number;
    }
    | { type: "member.joined"; userIds: UserId[]; chatRole: ChatRole }
    | { type: "member.left"; userId: UserId }
    | { type: "chat.updated"; title: string | null; settings?: ChatSettings }
    | { type: "member.updated"; userId: UserId; chatRole: ChatRole; mutedUntil?: string }
    | { type: "message.acked"; messageSeq: number; userId: UserId; count: number }
    | { type: "call.started"; call: CallSummary; messageSeq: number }
    | { type: "call.ended"; callId: string; messageSeq: number; durationSeconds: number }
    | {
      type: "poll.updated";
      messageSeq: number;
      poll: PollResults;
      /** For named polls: whose vote changed, and to what (empty when withdrawn). */
      vote?: { userId: UserId; options: number[] };
    }
  );

export type ChatEventType = ChatEvent["type"];

/** An event before the append gives it `seq` and `at`. */
export type EventDraft = ChatEvent extends infer E
  ? E extends ChatEvent ? Omit<E, "seq" | "at"> : never
  : never;

/** A link that lets members of the chat's school join the chat. Shares the invite token space. */
export interface ChatInvite {
  kind: "chat";
  id: string;
  token: string;
  chatId: ChatId;
  orgId: OrgId;
  maxUses: number;
  uses: number;
  expiresAt: string;
  createdBy: UserId;
  createdAt: string;
  revokedAt: string | null;
}
