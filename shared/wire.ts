/**
 * The realtime protocol's frames, shared by the server and the browser islands. Browser-safe:
 * types only.
 */
import type { ChatEvent, ChatKind, ChatSettings } from "./chat_model.ts";

/** A chat as announced over the socket. */
export interface WireChat {
  id: string;
  orgId: string;
  kind: ChatKind;
  title: string | null;
  lastSeq: number;
  createdAt: string;
  settings?: ChatSettings;
  classId?: string;
}

export interface WireError {
  code: string;
  message: string;
  field?: string;
}

export type ClientFrame =
  | { type: "hello"; token?: string; since?: Record<string, number> }
  | {
    type: "send";
    chatId: string;
    clientId: string;
    text: string;
    replyToSeq?: number;
    fileIds?: string[];
    needsAck?: boolean;
    mentions?: string[];
    mentionAll?: boolean;
  }
  | { type: "typing"; chatId: string }
  /** The chat this page shows, visible and focused (null: none); its messages are not notified. */
  | { type: "view"; chatId: string | null }
  | { type: "ping" };

export type ServerFrame =
  | { type: "ready"; chats: Record<string, number> }
  | { type: "event"; chatId: string; event: ChatEvent }
  | { type: "ack"; clientId: string; seq: number }
  | { type: "error"; clientId?: string; error: WireError; retryAfter?: number }
  | { type: "chat.added"; chat: WireChat }
  | { type: "chat.removed"; chatId: string }
  | { type: "typing"; chatId: string; userId: string }
  | { type: "presence"; userId: string; online: boolean }
  | { type: "read"; chatId: string; userId: string; seq: number }
  | { type: "pong" }
  /** A message was reported in a chat you moderate or a school you administer. */
  | { type: "report.created"; orgId: string; chatId: string; reportId: string };

/** Close codes the server uses. */
export const CLOSE = {
  /** Authentication failed or the protocol was broken. */
  policy: 1008,
  /** A frame over the limit (64 KiB); the socket is closed at once. */
  tooBig: 1009,
  /** The client could not keep up; reconnect with `since`. */
  tryAgainLater: 1013,
  /** The server is going away (restart). */
  goingAway: 1001,
  /**
   * The session ended while the socket was open (signed out, revoked, expired, account gone).
   * Do not reconnect: sign in again.
   */
  sessionEnded: 4401,
  /** The account opened more sockets on this server than allowed; this, its oldest, gave way. */
  tooManySockets: 4429,
} as const;
