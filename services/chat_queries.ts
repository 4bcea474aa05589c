/**
 * Read models of the chat domain that the API and the server-rendered pages both show, written
 * once: messages as one reader sees them, when students' quiet hours end, how far others have
 * read.
 */
import type { ChatId, UserId } from "../shared/ids.ts";
import { keys } from "../platform/kv_keys.ts";
import { getManyChunked } from "../platform/kv_util.ts";
import type { Chat, Message } from "../shared/chat_model.ts";
import { listOwnReactions } from "../domain/chats.ts";
import { type PublicMessage, withPollViews } from "../domain/polls.ts";
import { ownAcks } from "../domain/acks.ts";
import { getOrg } from "../domain/orgs.ts";
import { orgSettings } from "../shared/model.ts";
import { quietEndsAt } from "../shared/quiet.ts";

/** A message as its reader sees it: their own reactions, their poll view and acknowledgement. */
export type ReaderMessage = PublicMessage & { myReactions: string[]; myAck?: boolean };

/** `messages` as `userId` sees them (in the order given). */
export async function readerMessages(
  kv: Deno.Kv,
  now: number,
  chatId: ChatId,
  userId: UserId,
  messages: Message[],
): Promise<ReaderMessage[]> {
  // Only a message with reactions (or a tombstone, which keeps the reader's emojis but no
  // counts) can have the reader's own: a page of plain history costs no per-message reads
  // (the counts and the reader's emojis change in the same commit).
  const reacted = messages.filter((m) => m.deleted || Object.keys(m.reactions).length > 0);
  const [own, withPolls, acked] = await Promise.all([
    listOwnReactions(kv, chatId, userId, reacted.map((m) => m.seq)),
    withPollViews(kv, messages, now, userId),
    ownAcks(kv, chatId, userId, messages),
  ]);
  return withPolls.map((m) => ({
    ...m,
    myReactions: own.get(m.seq) ?? [],
    ...(m.needsAck ? { myAck: acked.has(m.seq) } : {}),
  }));
}

/**
 * When the quiet hours of the chat's students end (ms), if they are in them now: writers see
 * when students will be told of new messages. Null when no student is a member or it is not
 * quiet time.
 */
export async function quietUntil(
  kv: Deno.Kv,
  now: number,
  chat: Chat,
  members: readonly { roles: readonly string[] }[],
): Promise<number | null> {
  if (!members.some((m) => m.roles.includes("student"))) return null;
  const org = await getOrg(kv, chat.orgId);
  if (!org) return null;
  const settings = orgSettings(org);
  return quietEndsAt(settings.quietHours, settings.timeZone, now);
}

/** How far each given reader has read in a chat (0 when they have not), in the order given. */
export async function readMarkers(
  kv: Deno.Kv,
  pairs: readonly { chatId: ChatId; userId: UserId }[],
): Promise<number[]> {
  const entries = await getManyChunked<number>(
    kv,
    pairs.map((p) => keys.readMarker(p.chatId, p.userId)),
  );
  return entries.map((e) => e.value ?? 0);
}
