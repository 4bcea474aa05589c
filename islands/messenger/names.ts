/** How chats and people are named on screen. */
import type { Locale } from "../../shared/model.ts";
import { t } from "../../shared/i18n.ts";
import type { ChatSummary, MessageView, Person } from "../../shared/chat_view.ts";

/** A person's display name, or a neutral stand-in. */
export function personName(
  locale: Locale,
  people: Record<string, Person>,
  userId: string | null | undefined,
): string {
  const person = userId ? people[userId] : undefined;
  if (!person) return t(locale, "chats.formerMember");
  return person.name ?? t(locale, "chats.unknownPerson");
}

/** The chat's title: a direct chat is named after the other person. */
export function chatTitle(
  locale: Locale,
  chat: Pick<ChatSummary, "kind" | "title" | "peerId">,
  people: Record<string, Person>,
): string {
  if (chat.kind === "direct") return personName(locale, people, chat.peerId);
  return chat.title ?? t(locale, "chats.unknownPerson");
}

/** The first letter of a name, for the round avatar. */
export function initial(name: string): string {
  const first = [...name.trim()][0] ?? "?";
  return first.toLocaleUpperCase();
}

/** The chat list's one-line preview of the last message. */
export function previewText(
  locale: Locale,
  chat: ChatSummary,
  people: Record<string, Person>,
  me: string,
): string {
  const last = chat.lastMessage;
  if (!last) return t(locale, "chats.noMessages");
  const text = last.deleted ? t(locale, "chat.deleted") : messageGist(locale, last);
  if (last.authorId === me) return `${t(locale, "chats.you")}: ${text}`;
  if (chat.kind === "direct") return text;
  return `${personName(locale, people, last.authorId)}: ${text}`;
}

/** A message in one line: its text, or what it carries (a file, a poll, a call, a lesson). */
export function messageGist(locale: Locale, m: MessageView): string {
  const text = m.text.replace(/\s+/g, " ").trim();
  if (m.kind === "poll") return `📊 ${text}`;
  if (m.call) return `📞 ${t(locale, `chatCall.kind.${m.call.kind}`)}${text ? `: ${text}` : ""}`;
  if (m.lesson) return `📅 ${text}`;
  if (m.files?.length && !text) return `📎 ${m.files.map((f) => f.name).join(", ")}`;
  return text;
}
