/** The lessons and meetings ahead of a person, across all their chats. */
import type { ChatId, UserId } from "../shared/ids.ts";
import { keys } from "../platform/kv_keys.ts";
import { getManyChunked } from "../platform/kv_util.ts";
import { listChatHeadsOfUser } from "./chats.ts";
import type { Chat, Lesson } from "../shared/chat_model.ts";

/**
 * Lessons not yet over in the user's chats, soonest first (at most `limit`): only chats of
 * schools they still belong to, as every chat read.
 */
export async function listUpcoming(kv: Deno.Kv, userId: UserId, now: number, limit = 50) {
  const chatIds = [...(await listChatHeadsOfUser(kv, userId)).keys()];
  // A lesson counts until it ends; none lasts longer than 10 hours.
  const from = now - 10 * 3600_000;
  const perChat = await Promise.all(chatIds.map(async (chatId) => {
    const ids: string[] = [];
    const iter = kv.list<true>({
      start: keys.chatLesson(chatId, from, ""),
      end: [...keys.chatLessons(chatId), Number.MAX_SAFE_INTEGER],
    }, { limit });
    for await (const e of iter) ids.push(e.key[3] as string);
    return ids;
  }));
  const lessons = await getManyChunked<Lesson>(kv, perChat.flat().map((id) => keys.lesson(id)));
  const upcoming = lessons.flatMap((e) => e.value ? [e.value] : [])
    .filter((l) => Date.parse(l.startsAt) + l.durationMinutes * 60_000 > now)
    .sort((a, b) => a.startsAt.localeCompare(b.startsAt))
    .slice(0, limit);
  const chats = await getManyChunked<Chat>(
    kv,
    [...new Set(upcoming.map((l) => l.chatId))].map((id) => keys.chat(id as ChatId)),
  );
  const titles = new Map(chats.flatMap((e) => e.value ? [[e.value.id, e.value.title]] : []));
  return upcoming.map((l) => ({ ...l, chatTitle: titles.get(l.chatId) ?? null }));
}
