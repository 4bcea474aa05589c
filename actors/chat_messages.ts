/** Chat commands on messages: send (idempotent by clientId), edit, delete, react. */
import type { UserId } from "../shared/ids.ts";
import { keys } from "../platform/kv_keys.ts";
import type { Message } from "../shared/chat_model.ts";
import { conflict, forbidden, invalidInput, rateLimited } from "../shared/errors.ts";
import * as policy from "../shared/policy.ts";
import { SEND_RULE, take } from "../platform/allowance.ts";
import { orgSettings } from "../shared/model.ts";
import { isQuiet } from "../shared/quiet.ts";
import { type FileRecord, fileRef, writeFileSent } from "../domain/files.ts";
import {
  assertAllowed,
  audit,
  type Cost,
  type LiveEdit,
  type Needs,
  pair,
  type Round,
  settingsOf,
  utf8Bound,
} from "./chat_round.ts";

export type SendCommand = {
  type: "send";
  actorId: UserId;
  clientId: string;
  text: string;
  replyToSeq?: number;
  /** An announcement members are asked to confirm (moderators only). */
  needsAck?: boolean;
  /** Files this member uploaded to this chat and has not sent yet. */
  fileIds?: string[];
  /** Members named with `@`. */
  mentions?: UserId[];
  /** `@все` (teachers and admins). */
  mentionAll?: boolean;
};
export type AckCommand = { type: "ack"; actorId: UserId; seq: number };
export type EditCommand = { type: "edit"; actorId: UserId; seq: number; text: string };
export type DeleteCommand = { type: "delete"; actorId: UserId; seq: number };
export type ReactCommand = {
  type: "react";
  actorId: UserId;
  seq: number;
  emoji: string;
  add: boolean;
};

export interface SendOutcome {
  message: Message;
  /** False when the clientId had been used: the original message, nothing appended. */
  created: boolean;
}

/** Distinct reactions on one message, and per member on one message. */
const MAX_EMOJIS = 20;
const MAX_OWN_EMOJIS = 10;

/**
 * Refuses a member who may not write now: the chat is frozen (moderators excepted), or they are
 * muted. Applies to messages, reactions and votes alike.
 */
export function assertNotSilenced(r: Round, actorId: UserId): void {
  const caller = r.caller(actorId);
  if (settingsOf(r).frozen && policy.canModerate(caller) !== "allow") {
    throw forbidden("Cannot write: the chat is frozen (read-only)");
  }
  if (r.chat.classId && r.reads.org && policy.heldByQuietHours(caller)) {
    const settings = orgSettings(r.reads.org);
    if (
      settings.quietReadOnlyForStudents &&
      isQuiet(settings.quietHours, settings.timeZone, r.now)
    ) {
      throw forbidden("Cannot write: class chats are read-only for students during quiet hours");
    }
  }
  const mutedUntil = r.chatMember(actorId)?.mutedUntil;
  if (mutedUntil && Date.parse(mutedUntil) > r.now) {
    throw forbidden(`Cannot write: you are muted in this chat until ${mutedUntil}`);
  }
}

/** What a new message carries besides the fields every message has. */
export type MessageContent =
  & Pick<Message, "kind" | "text">
  & Partial<
    Pick<
      Message,
      "poll" | "needsAck" | "ackCount" | "files" | "call" | "lesson" | "mentions" | "mentionsAll"
    >
  >;

/**
 * Posts a message: idempotent by (author, clientId), allowed by the chat's posting rules, within
 * the member's send allowance. The content's size counts toward the commit.
 */
export function postMessage(
  r: Round,
  c: { actorId: UserId; clientId: string; replyToSeq?: number },
  content: MessageContent,
  size: number,
): SendOutcome {
  const { plan, reads } = r;
  const clientKey = pair(c.actorId, c.clientId);
  const existing = plan.clientSeqs.get(clientKey) ?? reads.clientSeqs.get(clientKey) ?? null;
  if (existing !== null) {
    // Idempotent resend: the original message, as it is now.
    const original = plan.messages.get(existing) ?? reads.messages.get(existing) ?? null;
    if (!original) throw new Error(`message ${existing} of chat ${r.chatId} is missing`);
    return { message: original, created: false };
  }
  const caller = r.caller(c.actorId);
  assertAllowed(policy.canPost(caller, r.chat.kind), "send message here");
  assertNotSilenced(r, c.actorId);
  if (c.replyToSeq !== undefined) {
    const target = plan.messages.get(c.replyToSeq) ?? reads.messages.get(c.replyToSeq) ?? null;
    if (!target) throw invalidInput("replyToSeq is not a message of this chat", "replyToSeq");
  }
  const previous = plan.allowances.get(c.actorId) ?? reads.allowances.get(c.actorId) ?? null;
  const slow = settingsOf(r).slowModeSeconds * 1000;
  if (
    slow > 0 && previous && r.now - previous.at < slow &&
    policy.canModerate(caller) !== "allow"
  ) {
    throw rateLimited(
      (previous.at + slow - r.now) / 1000,
      "Slow mode: wait before your next message",
    );
  }
  const allowance = take(previous, r.now, SEND_RULE);
  if (!allowance.ok) {
    throw rateLimited(allowance.retryAfterMs / 1000, "Too many messages; slow down");
  }
  plan.allowances.set(c.actorId, allowance.bucket);
  const seq = plan.seq + 1;
  const message: Message = {
    seq,
    id: r.ids.ulid(),
    chatId: r.chatId,
    clientId: c.clientId,
    authorId: c.actorId,
    ...content,
    ...(c.replyToSeq !== undefined ? { replyToSeq: c.replyToSeq } : {}),
    reactions: {},
    createdAt: plan.at,
  };
  const bytes = size + utf8Bound(c.clientId);
  plan.append({ type: "message.created", actorId: c.actorId, message }, bytes);
  plan.set(keys.message(r.chatId, seq), message, bytes);
  plan.set(keys.clientMessage(r.chatId, c.actorId, c.clientId), seq);
  plan.set(keys.sendAllowance(r.chatId, c.actorId), allowance.bucket);
  plan.messages.set(seq, message);
  plan.clientSeqs.set(clientKey, seq);
  plan.lastMessageSeq = seq;
  return { message, created: true };
}

export const send = {
  needs(c: SendCommand, n: Needs) {
    n.clientId(c.actorId, c.clientId);
    if (c.replyToSeq !== undefined) n.message(c.replyToSeq);
    c.fileIds?.forEach((id) => n.file(id));
    c.mentions?.forEach((id) => n.person(id));
  },
  cost: (c: SendCommand): Cost => [
    4 + 3 * (c.fileIds?.length ?? 0),
    1200 + 2 * utf8Bound(c.text) + 2 * utf8Bound(c.clientId) + 1500 * (c.fileIds?.length ?? 0) +
    60 * (c.mentions?.length ?? 0),
    0,
  ],
  apply(r: Round, c: SendCommand): SendOutcome {
    const content: MessageContent = { kind: "text", text: c.text };
    const clientKey0 = pair(c.actorId, c.clientId);
    const resent =
      (r.plan.clientSeqs.get(clientKey0) ?? r.reads.clientSeqs.get(clientKey0)) != null;
    const files = c.fileIds?.length && !resent ? attachable(r, c.actorId, c.fileIds) : [];
    if (files.length > 0) Object.assign(content, { kind: "file", files: files.map(fileRef) });
    if (c.needsAck) {
      const clientKey = pair(c.actorId, c.clientId);
      const resend =
        (r.plan.clientSeqs.get(clientKey) ?? r.reads.clientSeqs.get(clientKey)) != null;
      if (!resend) {
        assertAllowed(policy.canModerate(r.caller(c.actorId)), "ask for confirmation");
      }
      Object.assign(content, { needsAck: true, ackCount: 0 });
    }
    if (!resent) Object.assign(content, mentionsOf(r, c));
    const outcome = postMessage(
      r,
      c,
      content,
      utf8Bound(c.text) + 600 * files.length + 30 * (c.mentions?.length ?? 0),
    );
    if (outcome.created) {
      for (const file of files) {
        r.plan.attached.add(file.id);
        writeFileSent(r.plan, file, outcome.message.seq);
      }
    }
    return outcome;
  },
};

/** Whom a new message mentions: members of the chat only; `@все` by teachers and admins only. */
function mentionsOf(r: Round, c: SendCommand): Pick<MessageContent, "mentions" | "mentionsAll"> {
  const ids = (c.mentions ?? []).filter((id) => id !== c.actorId);
  if (ids.some((id) => !r.chatMember(id))) {
    throw invalidInput("mentions must be members of this chat", "mentions");
  }
  if (c.mentionAll) {
    assertAllowed(policy.canMentionAll(r.caller(c.actorId)), "mention everyone");
  }
  return {
    ...(ids.length > 0 ? { mentions: ids } : {}),
    ...(c.mentionAll ? { mentionsAll: true as const } : {}),
  };
}

/** An unsent upload is no longer sent this close to its expiry. */
const EXPIRY_MARGIN_MS = 60_000;

/** The files named for a new message: uploaded here by its author, not sent before. */
function attachable(r: Round, actorId: UserId, fileIds: readonly string[]): FileRecord[] {
  return [...new Set(fileIds)].map((id) => {
    const file = r.reads.files.get(id) ?? null;
    // An upload about to expire is not sent: the sweeper may be retiring it as this commits.
    const expiring = file?.unsentUntil !== undefined &&
      file.unsentUntil - EXPIRY_MARGIN_MS <= r.now;
    if (
      !file || file.chatId !== r.chatId || file.uploaderId !== actorId || file.deleted ||
      file.messageSeq !== null || r.plan.attached.has(id) || expiring
    ) {
      throw invalidInput("fileIds names a file you cannot send here", "fileIds");
    }
    return file;
  });
}

/** A member confirms an announcement; confirming again changes nothing. */
export const ack = {
  needs(c: AckCommand, n: Needs) {
    n.message(c.seq);
    n.ack(c.seq, c.actorId);
  },
  cost: (): Cost => [3, 8000, 0],
  apply(r: Round, c: AckCommand): Message {
    assertAllowed(policy.canReadChat(r.caller(c.actorId)), "confirm");
    const message = r.message(c.seq);
    if (!message.needsAck || message.deleted) {
      throw invalidInput("This message asks for no confirmation", "seq");
    }
    const key = pair(c.seq, c.actorId);
    if (r.reads.acks.has(key) || message.authorId === c.actorId) return message;
    const count = (message.ackCount ?? 0) + 1;
    const updated: Message = { ...message, ackCount: count };
    r.reads.acks.add(key);
    r.plan.messages.set(message.seq, updated);
    r.plan.set(keys.message(r.chatId, message.seq), updated, utf8Bound(message.text));
    r.plan.set(keys.ack(r.chatId, c.seq, c.actorId), r.plan.at);
    r.plan.append({
      type: "message.acked",
      actorId: c.actorId,
      messageSeq: c.seq,
      userId: c.actorId,
      count,
    });
    return updated;
  },
};

/**
 * Rewrites what the log still holds of a message's earlier content, in the commit that changes
 * it: its `message.created` shows `current` (the edited text, or the tombstone), its latest
 * edit keeps its place but loses its text, and a call's `call.started` loses its title once the
 * message is gone. Earlier edits lost their text when the next one was made, so no member can
 * read a replaced or deleted text from `/events` or a resync.
 */
function rewriteContent(r: Round, current: Message, created: (m: Message) => Message): void {
  const event = r.event(current.seq);
  if (event?.type === "message.created") {
    r.plan.rewrite({ ...event, message: created(event.message) }, utf8Bound(current.text) + 600);
  }
  const live = r.liveEdit(current.seq);
  if (live) {
    r.plan.rewrite({
      seq: live.seq,
      type: "message.edited",
      at: live.at,
      actorId: live.actorId,
      messageSeq: current.seq,
      editedAt: live.at,
      redacted: true,
    });
  }
  if (current.deleted) {
    const next = r.event(current.seq + 1);
    if (next?.type === "call.started" && next.messageSeq === current.seq) {
      r.plan.rewrite({ ...next, call: { ...next.call, title: null } });
    }
  }
}

export const edit = {
  needs(c: EditCommand, n: Needs) {
    n.message(c.seq);
    n.event(c.seq);
    n.liveEdit(c.seq);
  },
  cost: (c: EditCommand): Cost => [5, 2000 + 4 * utf8Bound(c.text), 0],
  apply(r: Round, c: EditCommand): Message {
    const message = r.message(c.seq);
    assertAllowed(
      policy.canEditMessage(r.caller(c.actorId), message.authorId),
      "edit this message",
    );
    if (message.deleted) throw conflict("Cannot edit message: it was deleted");
    if (message.kind !== "text") throw conflict("Cannot edit message: only text is edited");
    if (message.text === c.text) return message;
    const edited: Message = { ...message, text: c.text, editedAt: r.plan.at };
    r.plan.messages.set(message.seq, edited);
    r.plan.set(keys.message(r.chatId, message.seq), edited, utf8Bound(edited.text));
    rewriteContent(r, edited, (m) => ({ ...m, text: edited.text, editedAt: r.plan.at }));
    const event = r.plan.append({
      type: "message.edited",
      actorId: c.actorId,
      messageSeq: message.seq,
      text: c.text,
      editedAt: r.plan.at,
    }, utf8Bound(c.text));
    const live: LiveEdit = { seq: event.seq, at: event.at, actorId: c.actorId };
    r.plan.liveEdits.set(message.seq, live);
    r.plan.set(keys.liveEdit(r.chatId, message.seq), live);
    return edited;
  },
};

/** Most files one message carries (the send input's limit). */
const MAX_FILES = 10;

export const del = {
  needs(c: DeleteCommand, n: Needs) {
    n.message(c.seq);
    n.event(c.seq);
    n.event(c.seq + 1);
    n.liveEdit(c.seq);
  },
  cost: (): Cost => [10 + MAX_FILES, 4000 + 300 * MAX_FILES, 0],
  apply(r: Round, c: DeleteCommand): Message {
    const message = r.message(c.seq);
    assertAllowed(
      policy.canDeleteMessage(r.caller(c.actorId), message.authorId),
      "delete this message",
    );
    if (message.deleted) return message;
    if (message.authorId !== c.actorId) {
      // What a moderator took away stays readable to the school's admins, in the audit log.
      audit(r, {
        actorId: c.actorId,
        action: "message.deleted",
        targetUserId: message.authorId,
        messageSeq: message.seq,
        details: {
          text: message.text,
          ...(message.files?.length ? { files: message.files.map((f) => f.name) } : {}),
        },
      });
    }
    // A tombstone keeps no content: no text, files, poll, or confirmations.
    const {
      editedAt: _e,
      replyToSeq: _r,
      files: _f,
      poll: _p,
      needsAck: _n,
      ackCount: _a,
      call: _c,
      lesson: _l,
      mentions: _m,
      mentionsAll: _all,
      ...rest
    } = message;
    const tombstone: Message = { ...rest, text: "", reactions: {}, deleted: true };
    r.plan.messages.set(message.seq, tombstone);
    r.plan.set(keys.message(r.chatId, message.seq), tombstone);
    rewriteContent(r, tombstone, () => tombstone);
    if (r.liveEdit(message.seq)) {
      r.plan.liveEdits.set(message.seq, null);
      r.plan.delete(keys.liveEdit(r.chatId, message.seq));
    }
    for (const file of message.files ?? []) {
      r.plan.effect(r.ids.ulid(), { kind: "file.purge", fileId: file.id });
    }
    if (message.lesson) {
      // A planned lesson whose message is gone is no longer on anyone's list.
      r.plan.delete(keys.lesson(message.lesson.id));
      r.plan.delete(
        keys.chatLesson(r.chatId, Date.parse(message.lesson.startsAt), message.lesson.id),
      );
    }
    r.plan.append({ type: "message.deleted", actorId: c.actorId, messageSeq: message.seq });
    return tombstone;
  },
};

export const react = {
  needs(c: ReactCommand, n: Needs) {
    n.message(c.seq);
    n.ownReaction(c.seq, c.actorId);
  },
  cost: (): Cost => [3, 600 + 4 * 4000 * 3, 0],
  apply(r: Round, c: ReactCommand): Message {
    const { plan, reads } = r;
    assertAllowed(policy.canReact(r.caller(c.actorId)), "react");
    assertNotSilenced(r, c.actorId);
    const message = r.message(c.seq);
    if (message.deleted) throw conflict("Cannot react: the message was deleted");
    const ownKey = pair(c.seq, c.actorId);
    const own = plan.ownReactions.get(ownKey) ?? reads.ownReactions.get(ownKey) ?? [];
    if (own.includes(c.emoji) === c.add) return message;
    const count = (message.reactions[c.emoji] ?? 0) + (c.add ? 1 : -1);
    if (c.add) {
      if (own.length >= MAX_OWN_EMOJIS) throw conflict("Too many reactions from you here");
      if (!(c.emoji in message.reactions) && Object.keys(message.reactions).length >= MAX_EMOJIS) {
        throw conflict("This message has as many different reactions as it can hold");
      }
    }
    const reactions = { ...message.reactions };
    if (count > 0) reactions[c.emoji] = count;
    else delete reactions[c.emoji];
    const updated: Message = { ...message, reactions };
    const nextOwn = c.add ? [...own, c.emoji] : own.filter((e) => e !== c.emoji);
    plan.messages.set(message.seq, updated);
    plan.ownReactions.set(ownKey, nextOwn);
    plan.set(keys.message(r.chatId, message.seq), updated, utf8Bound(message.text));
    const ownStoreKey = keys.reactionsOf(r.chatId, message.seq, c.actorId);
    if (nextOwn.length > 0) plan.set(ownStoreKey, nextOwn);
    else plan.delete(ownStoreKey);
    plan.append({
      type: "reaction.changed",
      actorId: c.actorId,
      messageSeq: message.seq,
      emoji: c.emoji,
      userId: c.actorId,
      added: c.add,
      count: Math.max(0, count),
    });
    return updated;
  },
};
