/** Confirmations of announcements: who has pressed "Ознакомлен(а)" and who has not yet. */
import type { ChatId, UserId } from "../shared/ids.ts";
import { keys } from "../platform/kv_keys.ts";
import { getManyChunked, listAll } from "../platform/kv_util.ts";
import type { ChatMember, Message } from "../shared/chat_model.ts";
import { getUsers } from "./users.ts";

/** Who confirmed `message` and who of the chat's current members has not. */
export async function ackReport(kv: Deno.Kv, chatId: ChatId, message: Message) {
  const [acks, members] = await Promise.all([
    listAll<string>(kv, keys.acks(chatId, message.seq)),
    listAll<ChatMember>(kv, keys.chatMembers(chatId)),
  ]);
  const at = new Map(acks.map((e) => [e.key[3] as UserId, e.value]));
  const audience = members.map((e) => e.value.userId).filter((id) => id !== message.authorId);
  const users = await getUsers(kv, audience);
  const people = audience.map((userId, i) => ({
    userId,
    displayName: users[i]?.displayName ?? null,
  }));
  const acknowledged = people.filter((p) => at.has(p.userId))
    .map((p) => ({ ...p, at: at.get(p.userId)! }));
  const pending = people.filter((p) => !at.has(p.userId));
  return { total: people.length, acknowledged, pending };
}

/** For each announcement among `messages`, whether `userId` has confirmed it. */
export async function ownAcks(
  kv: Deno.Kv,
  chatId: ChatId,
  userId: UserId,
  messages: readonly Message[],
): Promise<Set<number>> {
  const asked = messages.filter((m) => m.needsAck && !m.deleted).map((m) => m.seq);
  const entries = await getManyChunked<string>(kv, asked.map((s) => keys.ack(chatId, s, userId)));
  return new Set(asked.filter((_, i) => entries[i]!.value !== null));
}
