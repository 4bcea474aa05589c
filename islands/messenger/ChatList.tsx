/**
 * The chat list: school switcher, gradebook link, new-chat button, the invitation to turn
 * notifications on, and one row per chat.
 */
import type { Locale } from "../../shared/model.ts";
import { plural, t } from "../../shared/i18n.ts";
import { type ChatSummary, formatShort, type Person } from "../../shared/chat_view.ts";
import type { OrgInfo } from "./store.ts";
import type { UpcomingLesson } from "../../shared/chat_view.ts";
import { chatTitle, initial, previewText } from "./names.ts";
import { formatWhen } from "./format.ts";
import { PushPrompt } from "./PushPrompt.tsx";

export interface ChatListProps {
  locale: Locale;
  me: string;
  live: boolean;
  chats: ChatSummary[];
  orgs: OrgInfo[];
  orgId: string | null;
  openId: string | null;
  people: Record<string, Person>;
  online: Record<string, boolean>;
  typing: Record<string, Record<string, number>>;
  now: string;
  /** Lessons and meetings ahead, soonest first. */
  lessons: UpcomingLesson[];
  onOpen: (chatId: string) => void;
  onOrg: (orgId: string | null) => void;
  onNewChat: () => void;
}

function unreadText(locale: Locale, n: number) {
  return plural(locale, n, {
    one: "chats.unread.one",
    few: "chats.unread.few",
    many: "chats.unread.many",
    other: "chats.unread.other",
  });
}

/** A plain left click, which the island handles without a page load. */
export function plainClick(e: MouseEvent): boolean {
  return e.button === 0 && !e.metaKey && !e.ctrlKey && !e.shiftKey && !e.altKey;
}

export function ChatList(props: ChatListProps) {
  const { locale, chats, orgs, orgId, live } = props;
  const shown = orgId ? chats.filter((c) => c.orgId === orgId) : chats;
  const org = orgs.find((o) => o.id === orgId) ?? (orgs.length === 1 ? orgs[0] : undefined);
  const unreadIn = (id: string) => chats.reduce((n, c) => n + (c.orgId === id ? c.unread : 0), 0);

  return (
    <nav class="chat-list-pane" aria-labelledby="chat-list-heading">
      <div class="chat-list-head">
        <div class="chat-list-title-row">
          <h1 id="chat-list-heading">{t(locale, "chats.title")}</h1>
          {orgs.length > 0 && (
            <button
              type="button"
              class="new-chat"
              disabled={!live}
              onClick={props.onNewChat}
              aria-haspopup="dialog"
            >
              <span aria-hidden="true">+</span> {t(locale, "chats.new")}
            </button>
          )}
        </div>
        {orgs.length > 1 && (
          <form
            method="get"
            action="/chats"
            class="school-switch"
            onSubmit={(e) => e.preventDefault()}
          >
            <label for="school-select">{t(locale, "chats.school")}</label>
            <div class="row">
              <select
                id="school-select"
                name="org"
                value={orgId ?? ""}
                onChange={(e) => props.onOrg((e.target as HTMLSelectElement).value || null)}
              >
                <option value="">{t(locale, "chats.allSchools")}</option>
                {orgs.map((o) => {
                  const n = unreadIn(o.id);
                  return (
                    <option key={o.id} value={o.id}>
                      {n ? t(locale, "chats.schoolUnread", { name: o.name, n }) : o.name}
                    </option>
                  );
                })}
              </select>
              {!live && <button type="submit" class="secondary">{t(locale, "chats.show")}</button>}
            </div>
          </form>
        )}
        {orgs.length === 1 && <p class="chat-list-school">{orgs[0]!.name}</p>}
        {org?.journalUrl && /^https?:\/\//i.test(org.journalUrl) && (
          <a class="journal-link" href={org.journalUrl} target="_blank" rel="noopener noreferrer">
            {t(locale, "chats.journal")}
            <span class="visually-hidden">{t(locale, "chats.newTab")}</span>
          </a>
        )}
      </div>
      <PushPrompt locale={locale} live={live} />
      <Lessons {...props} />
      {orgs.length === 0
        ? <p class="chat-list-empty">{t(locale, "chats.noSchools")}</p>
        : shown.length === 0
        ? (
          <div class="chat-list-empty">
            <p>{t(locale, "chats.empty")}</p>
            <p class="muted">{t(locale, "chats.emptyHint")}</p>
          </div>
        )
        : (
          <ul class="chat-list">
            {shown.map((chat) => <ChatRow key={chat.id} {...props} chat={chat} />)}
          </ul>
        )}
    </nav>
  );
}

/** How many upcoming lessons the list shows. */
const LESSONS_SHOWN = 3;

/** "Ближайшие уроки": the next lessons and meetings, each opening its chat. */
function Lessons(props: ChatListProps) {
  const { locale, orgs, orgId } = props;
  const lessons = props.lessons.filter((l) => {
    if (!orgId) return true;
    return props.chats.find((c) => c.id === l.chatId)?.orgId === orgId;
  });
  if (!lessons.length) return null;
  return (
    <section class="lessons" aria-labelledby="lessons-heading">
      <h2 id="lessons-heading">{t(locale, "upcoming.title")}</h2>
      <ul class="list-plain">
        {lessons.slice(0, LESSONS_SHOWN).map((l) => {
          const chat = props.chats.find((c) => c.id === l.chatId);
          const tz = orgs.find((o) => o.id === chat?.orgId)?.timeZone ?? "Europe/Moscow";
          return (
            <li key={l.id}>
              <a
                href={`/chats/${l.chatId}`}
                class="lesson-row"
                onClick={(e) => {
                  if (!props.live || !plainClick(e)) return;
                  e.preventDefault();
                  props.onOpen(l.chatId);
                }}
              >
                <span class="lesson-title">
                  {t(locale, l.kind === "lesson" ? "planned.lesson" : "planned.meeting")}: {l.title}
                </span>
                <span class="lesson-meta">
                  <time dateTime={l.startsAt}>{formatWhen(locale, l.startsAt, tz)}</time>
                  {l.chatTitle ? ` · ${l.chatTitle}` : ""}
                </span>
              </a>
            </li>
          );
        })}
      </ul>
      {lessons.length > LESSONS_SHOWN && (
        <p class="muted lessons-more">
          {t(locale, "upcoming.more", { n: lessons.length - LESSONS_SHOWN })}
        </p>
      )}
    </section>
  );
}

function ChatRow(props: ChatListProps & { chat: ChatSummary }) {
  const { locale, chat, people, online, me } = props;
  const title = chatTitle(locale, chat, people);
  const tz = props.orgs.find((o) => o.id === chat.orgId)?.timeZone ?? "Europe/Moscow";
  const current = props.openId === chat.id;
  const peerOnline = chat.kind === "direct" && chat.peerId ? online[chat.peerId] : undefined;
  const typing = Object.keys(props.typing[chat.id] ?? {}).length > 0;
  const last = chat.lastMessage;
  return (
    <li>
      <a
        href={`/chats/${chat.id}`}
        class={`chat-row${current ? " is-current" : ""}${chat.unread ? " has-unread" : ""}`}
        aria-current={current ? "page" : undefined}
        onClick={(e) => {
          if (!props.live || !plainClick(e)) return;
          e.preventDefault();
          props.onOpen(chat.id);
        }}
      >
        <span class={`avatar avatar-${chat.kind}`} aria-hidden="true">
          {initial(title)}
          {chat.kind === "direct" && <span class={`presence-dot${peerOnline ? " is-on" : ""}`} />}
        </span>
        <span class="chat-row-main">
          <span class="chat-row-top">
            <span class="chat-row-title">
              {title}
              {chat.kind === "channel" && (
                <span class="visually-hidden">, {t(locale, "chats.channel")}</span>
              )}
              {peerOnline && <span class="visually-hidden">, {t(locale, "chats.online")}</span>}
              {chat.notifications?.muted && (
                <span class="chat-row-muted" title={t(locale, "notify.mutedMark")}>
                  <span aria-hidden="true">🔕</span>
                  <span class="visually-hidden">, {t(locale, "notify.mutedMark")}</span>
                </span>
              )}
            </span>
            {last && (
              <time class="chat-row-time" dateTime={last.createdAt}>
                {formatShort(locale, last.createdAt, tz, props.now)}
              </time>
            )}
          </span>
          <span class="chat-row-bottom">
            <span class={`chat-row-preview${typing ? " is-typing" : ""}`}>
              {typing ? t(locale, "chats.typing") : previewText(locale, chat, people, me)}
            </span>
            {chat.unread > 0 && (
              <span class="unread-badge">
                <span aria-hidden="true">{chat.unread > 99 ? "99+" : chat.unread}</span>
                <span class="visually-hidden">, {unreadText(locale, chat.unread)}</span>
              </span>
            )}
          </span>
        </span>
      </a>
    </li>
  );
}
