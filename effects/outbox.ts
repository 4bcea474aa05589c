/**
 * The outbox: work that must follow a commit (a purge, a notice, a cascade to other actors) is
 * written as an effect record in the *same* atomic operation as the change that calls for it, so
 * it exists exactly when the change does. {@link EffectRunner} (effects/runner.ts) runs each
 * record at least once, one isolate at a time, and deletes it when its handler succeeds; handlers
 * are therefore idempotent.
 */
import type { ChatId, OrgId, UserId } from "../shared/ids.ts";
import { keys } from "../platform/kv_keys.ts";

/** What an effect asks for; `kind` names its handler (effects/handlers.ts). */
export type EffectBody =
  /** A deleted message's file: its bytes go and its space is counted free. */
  | { kind: "file.purge"; fileId: string }
  /** A new report: tell the chat's moderators and the school's admins who are online. */
  | { kind: "report.created"; orgId: OrgId; chatId: ChatId; reportId: string; reporterId: UserId }
  /** A member left or was removed from a school: they leave its chats. */
  | { kind: "school.left"; orgId: OrgId; userId: UserId }
  /** LiveKit reported a call's room finished: the call ends in its chat. */
  | { kind: "call.finished"; chatId: ChatId; callId: string }
  /**
   * Someone a host removed (or a guest whose link was revoked) joined again with a token they
   * still held: out of the room. `userId` is their LiveKit identity: a user id or `guest-…`.
   */
  | { kind: "call.evict"; room: string; userId: string }
  /** A mail the change owes someone (an application's decision): sent, retried while it fails. */
  | { kind: "mail.send"; to: string; subject: string; text: string }
  /** Messages committed in a chat (one commit's): the members who should hear of them are told. */
  | { kind: "notify.messages"; chatId: ChatId; seqs: number[] }
  /** One push the push service could not take yet (429, 5xx): tried until `expiresAt` (ms). */
  | {
    kind: "notify.retry";
    userId: UserId;
    subscriptionId: string;
    payload: string;
    ttl: number;
    urgency: "normal" | "high";
    expiresAt: number;
  }
  /** A student's quiet hours are over: one summary of the messages held meanwhile. */
  | { kind: "notify.quiet"; userId: UserId; orgId: OrgId }
  /** 15 minutes after a message reached someone with no push: an e-mail, if still unread. */
  | { kind: "notify.email"; userId: UserId }
  /** 18:00: the day's digest of someone who chose it (then the next day's is scheduled). */
  | { kind: "notify.digest"; userId: UserId };

export type EffectKind = EffectBody["kind"];

/** An effect as stored at `["effects", id]`. */
export interface EffectRecord {
  id: string;
  body: EffectBody;
  /** When it was written (ms). */
  createdAt: number;
  /** Runs started so far. */
  attempts: number;
  /** Not run before this time (ms): set after a failure, for backoff. */
  notBefore: number;
  /** The isolate running it and until when its claim holds (ms); null while waiting. */
  lease: { owner: string; until: number } | null;
}

/** Where an effect can be written: an atomic operation, or a plan that builds one. */
export interface EffectWrites {
  set(key: Deno.KvKey, value: unknown): unknown;
}

/**
 * Adds `body` to a commit as a new effect. `id` is a fresh ULID (effects run roughly in the
 * order they were written). One due later (`notBefore`, ms) waits apart, in order of its time,
 * until a runner moves it into the outbox, so effects waiting for hours never stand in the way
 * of those due now. Returns the record written.
 */
export function writeEffect(
  w: EffectWrites,
  id: string,
  body: EffectBody,
  now: number,
  notBefore = 0,
): EffectRecord {
  const record: EffectRecord = { id, body, createdAt: now, attempts: 0, notBefore, lease: null };
  w.set(notBefore > now ? keys.laterEffect(notBefore, id) : keys.effect(id), record);
  return record;
}
