/** One message: author, quote of the replied message, text with links, reactions, actions. */
import type { Locale } from "../../shared/model.ts";
import { t } from "../../shared/i18n.ts";
import {
  type FileView,
  formatDay,
  formatTime,
  type MessageView,
  type Person,
  splitLinks,
} from "../../shared/chat_view.ts";
import { messageGist, personName } from "./names.ts";
import { MessageActions } from "./MessageActions.tsx";
import { AckBar, CallCard, LessonCard, MessageFiles } from "./MessageCards.tsx";
import { PollCard } from "./PollCard.tsx";
import { Tick } from "../ui/Tick.tsx";

/** Class life on a message: polls, confirmations, reports, pictures. */
export interface MessageActs {
  vote: (m: MessageView, options: number[]) => Promise<void>;
  closePoll: (m: MessageView) => void;
  /** Reads a poll again (an anonymous poll's counts once its closing time has passed). */
  refreshPoll: (m: MessageView) => void;
  ack: (m: MessageView) => void;
  showAcks: (m: MessageView) => void;
  report: (m: MessageView) => void;
  openImage: (file: FileView) => void;
}

/** What the viewer may do with the chat's messages. */
export interface MessageRights {
  /** Vote in polls and react (not frozen for them, not muted). */
  canVote: boolean;
  /** Owners and moderators: close others' polls, delete others' messages. */
  manager: boolean;
  /** Moderators and admins: see who has confirmed others' announcements. */
  moderator: boolean;
  /** Members asked to confirm an announcement: the chat's members but its author. */
  audience: number;
  /** Calls are set up on this server (else lesson cards say they cannot start here). */
  callsEnabled: boolean;
}

export interface MessageItemProps {
  locale: Locale;
  message: MessageView;
  mine: boolean;
  /** The message names the reader (or everyone) with `@`. */
  mentionsMe?: boolean;
  showAuthor: boolean;
  people: Record<string, Person>;
  timeZone: string;
  live: boolean;
  /** The replied message, when known. */
  quote: MessageView | null;
  /** Own message already read by another member (undefined: not own). */
  read?: boolean;
  canReply: boolean;
  canDelete: boolean;
  onReply: (m: MessageView) => void;
  onEdit: (m: MessageView) => void;
  onDelete: (m: MessageView) => void;
  onReact: (m: MessageView, emoji: string) => void;
  onQuote: (seq: number) => void;
  acts: MessageActs;
  rights: MessageRights;
  /** The current time, ms (polls close, lessons start). */
  now: number;
}

/** Message text as text nodes and http(s) links; never parsed as HTML. */
export function MessageText({ text }: { text: string }) {
  return (
    <>
      {splitLinks(text).map((part, i) =>
        part.href
          ? (
            <a key={i} href={part.href} target="_blank" rel="noopener noreferrer">
              {part.text}
            </a>
          )
          : part.text
      )}
    </>
  );
}

/** The author's name with the verified-teacher badge. */
export function AuthorName(
  { locale, people, userId }: { locale: Locale; people: Record<string, Person>; userId: string },
) {
  return (
    <>
      <span class="author-name">{personName(locale, people, userId)}</span>
      {people[userId]?.verified && (
        <span class="badge badge-verified" title={t(locale, "role.verified")}>
          <Tick />
          <span aria-hidden="true">{t(locale, "chat.teacherBadge")}</span>
          <span class="visually-hidden">{t(locale, "role.verified")}</span>
        </span>
      )}
    </>
  );
}

export function MessageItem(props: MessageItemProps) {
  const { locale, message: m, mine, people, timeZone, live, acts, rights } = props;
  const poll = m.kind === "poll" && m.poll && !m.deleted;
  const card = !m.deleted && (m.call || m.lesson);
  const reactions = Object.entries(m.reactions).filter(([, n]) => n > 0);
  const sentAt = t(locale, "chat.sentAt", { date: formatDay(locale, m.createdAt, timeZone) });

  return (
    <li
      class={`msg${mine ? " msg-mine" : ""}${m.deleted ? " msg-deleted" : ""}${
        m.needsAck && !m.deleted ? " msg-announce" : ""
      }${props.mentionsMe && !m.deleted ? " msg-mention" : ""}`}
      data-seq={m.seq}
    >
      <div class="msg-body" id={`m-${m.seq}`} tabIndex={-1}>
        {props.showAuthor && !mine
          ? (
            <p class="msg-author">
              <AuthorName locale={locale} people={people} userId={m.authorId} />
            </p>
          )
          : (
            <span class="visually-hidden">
              {mine ? t(locale, "chats.you") : personName(locale, people, m.authorId)}:
            </span>
          )}
        <div class="msg-bubble">
          {props.mentionsMe && !m.deleted && (
            <span class="visually-hidden">{t(locale, "mention.you")}</span>
          )}
          {m.replyToSeq && !m.deleted && (
            <a
              class="msg-quote"
              href={`#m-${m.replyToSeq}`}
              onClick={(e) => {
                e.preventDefault();
                props.onQuote(m.replyToSeq!);
              }}
            >
              <span class="visually-hidden">
                {t(locale, "chat.quote", {
                  name: props.quote ? personName(locale, people, props.quote.authorId) : "",
                })}
              </span>
              {props.quote
                ? (
                  <>
                    <span class="msg-quote-author" aria-hidden="true">
                      {personName(locale, people, props.quote.authorId)}
                    </span>
                    <span class="msg-quote-text">
                      {props.quote.deleted
                        ? t(locale, "chat.deleted")
                        : messageGist(locale, props.quote)}
                    </span>
                  </>
                )
                : <span class="msg-quote-text">{t(locale, "chat.quoteMissing")}</span>}
            </a>
          )}
          {m.needsAck && !m.deleted && <p class="msg-flag">{t(locale, "ack.announcement")}</p>}
          {poll && (
            <PollCard
              locale={locale}
              message={m}
              people={people}
              timeZone={timeZone}
              live={live}
              canVote={rights.canVote}
              canClose={mine || rights.manager}
              now={props.now}
              onVote={acts.vote}
              onClose={acts.closePoll}
              onRefresh={acts.refreshPoll}
            />
          )}
          {card && m.call && <CallCard locale={locale} message={m} people={people} />}
          {card && m.lesson && (
            <LessonCard
              locale={locale}
              message={m}
              timeZone={timeZone}
              now={props.now}
              callsEnabled={rights.callsEnabled}
            />
          )}
          {!poll && !card && (m.text || m.deleted) && (
            <p class="msg-text">
              {m.deleted ? <em>{t(locale, "chat.deleted")}</em> : <MessageText text={m.text} />}
            </p>
          )}
          {!m.deleted && m.files && m.files.length > 0 && (
            <MessageFiles
              locale={locale}
              files={m.files}
              onImage={live ? acts.openImage : undefined}
            />
          )}
          {m.needsAck && !m.deleted && (
            <AckBar
              locale={locale}
              message={m}
              live={live}
              canAck={!mine}
              seesCount={mine || rights.moderator}
              audience={rights.audience}
              onAck={acts.ack}
              onShow={acts.showAcks}
            />
          )}
          <p class="msg-meta">
            <time dateTime={m.createdAt} title={sentAt}>
              {formatTime(locale, m.createdAt, timeZone)}
            </time>
            {m.editedAt && !m.deleted && (
              <span
                title={t(locale, "chat.editedAt", {
                  date: formatDay(locale, m.editedAt, timeZone) + ", " +
                    formatTime(locale, m.editedAt, timeZone),
                })}
              >
                {" · "}
                {t(locale, "chat.edited")}
              </span>
            )}
            {props.read !== undefined && !m.deleted && (
              <span class={`msg-state${props.read ? " is-read" : ""}`}>
                <span aria-hidden="true">{props.read ? " ✓✓" : " ✓"}</span>
                <span class="visually-hidden">
                  , {t(locale, props.read ? "chat.read" : "chat.sent")}
                </span>
              </span>
            )}
          </p>
        </div>
        {reactions.length > 0 && (
          <ul class="reactions" aria-label={t(locale, "chat.reactions")}>
            {reactions.map(([emoji, n]) => {
              const own = m.myReactions.includes(emoji);
              return (
                <li key={emoji}>
                  <button
                    type="button"
                    class={`reaction${own ? " is-mine" : ""}`}
                    aria-pressed={own}
                    disabled={!live || !rights.canVote}
                    title={own ? t(locale, "chat.reactionMine") : undefined}
                    onClick={() => props.onReact(m, emoji)}
                  >
                    {t(locale, "chat.reaction", { emoji, n })}
                  </button>
                </li>
              );
            })}
          </ul>
        )}
      </div>
      {!m.deleted && live && (
        <MessageActions
          locale={locale}
          message={m}
          canReply={props.canReply}
          canEdit={mine && m.kind === "text"}
          canDelete={props.canDelete}
          canReact={rights.canVote}
          canReport={!mine}
          onReport={acts.report}
          onReply={props.onReply}
          onEdit={props.onEdit}
          onDelete={props.onDelete}
          onReact={props.onReact}
        />
      )}
    </li>
  );
}
