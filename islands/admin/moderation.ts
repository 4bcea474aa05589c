/** What the reports and the moderation log share: people and chats in words, durations. */
import type { Locale } from "../../shared/model.ts";
import { type MessageKey, t } from "../../shared/i18n.ts";
import { api } from "../../shared/api_client.ts";
import { personName } from "./shared.ts";
import type { AdminMember, ChatRef } from "../../shared/admin_view.ts";

/** Who is who: the roster, and the names of people no longer in it (looked up by the page). */
export interface Names {
  members: Map<string, AdminMember>;
  /** Names of people named in reports or the log who are not in the roster. */
  people: Record<string, string | null>;
}

/** A person's name: from the roster, else as the page found it, else "a former member". */
export function nameOf(locale: Locale, names: Names, userId: string | undefined): string {
  if (!userId) return t(locale, "audit.formerMember");
  const member = names.members.get(userId);
  if (member) return personName(locale, member);
  if (userId in names.people) return names.people[userId] ?? t(locale, "admin.noName");
  return t(locale, "audit.formerMember");
}

/** How a chat is named in a sentence: "in", "from", "it" (the chat itself) or "open" (a link). */
export type ChatForm = "in" | "from" | "it" | "open";

const CHAT_KEYS: Record<ChatForm, [MessageKey, MessageKey, MessageKey]> = {
  in: ["audit.in", "audit.inDirect", "audit.inSome"],
  from: ["audit.from", "audit.fromDirect", "audit.fromSome"],
  it: ["audit.it", "audit.itDirect", "audit.itSome"],
  open: ["reports.open", "reports.openDirect", "reports.openSome"],
};

/** "в чате 5 «А»", "в личной переписке", or "в чате" when the chat's title is not known. */
export function chatPhrase(locale: Locale, chat: ChatRef | undefined, form: ChatForm): string {
  const [titled, direct, some] = CHAT_KEYS[form];
  if (chat?.title) return t(locale, titled, { title: chat.title });
  if (chat?.kind === "direct") return t(locale, direct);
  return t(locale, some);
}

const intlLocale = (locale: Locale) => locale === "ru" ? "ru-RU" : "en-GB";

/** A span of time in the largest whole unit: "60 мин", "2 ч", "30 с"; "60 minutes" in English. */
export function duration(locale: Locale, seconds: number): string {
  const [unit, n] = seconds >= 86_400 && seconds % 86_400 === 0
    ? ["day", seconds / 86_400]
    : seconds >= 3600 && seconds % 3600 === 0
    ? ["hour", seconds / 3600]
    : seconds >= 60 && seconds % 60 === 0
    ? ["minute", seconds / 60]
    : ["second", seconds];
  return new Intl.NumberFormat(intlLocale(locale), {
    style: "unit",
    unit,
    // Russian's short units need no case ("на 60 мин"); English reads better in full.
    unitDisplay: locale === "ru" ? "short" : "long",
  }).format(n);
}

/**
 * Looks up the chats of `ids` the signed-in admin can open (GET /chats/:id), a few at a time.
 * Chats they cannot open are left out; the console then names them "a chat".
 */
export async function loadChatRefs(ids: string[]): Promise<Record<string, ChatRef>> {
  const found: Record<string, ChatRef> = {};
  const queue = [...new Set(ids)];
  const worker = async () => {
    for (let id = queue.shift(); id !== undefined; id = queue.shift()) {
      try {
        const { chat } = await api<{ chat: ChatRef }>("GET", `/chats/${encodeURIComponent(id)}`);
        found[id] = { title: chat.title, kind: chat.kind };
      } catch { /* not a chat this admin is in */ }
    }
  };
  await Promise.all([worker(), worker(), worker(), worker()]);
  return found;
}
