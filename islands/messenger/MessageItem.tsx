/** One message: author, quote of the replied message, text with links, reactions, actions. */
import type { Locale } from "../../lib/model.ts";
import { t } from "../../lib/i18n.ts";
import {
  formatDay,
  formatSize,
  formatTime,
  type MessageView,
  type Person,
  splitLinks,
} from "../../lib/chat_view.ts";
import { personName } from "./names.ts";
import { MessageActions } from "./MessageActions.tsx";

export interface MessageItemProps {
  locale: Locale;
  message: MessageView;
  mine: boolean;
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
          <span aria-hidden="true">✓ {t(locale, "chat.teacherBadge")}</span>
          <span class="visually-hidden">{t(locale, "role.verified")}</span>
        </span>
      )}
    </>
  );
}

export function MessageItem(props: MessageItemProps) {
  const { locale, message: m, mine, people, timeZone, live } = props;
  const reactions = Object.entries(m.reactions).filter(([, n]) => n > 0);
  const sentAt = t(locale, "chat.sentAt", { date: formatDay(locale, m.createdAt, timeZone) });

  return (
    <li class={`msg${mine ? " msg-mine" : ""}${m.deleted ? " msg-deleted" : ""}`} data-seq={m.seq}>
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
                      {props.quote.deleted ? t(locale, "chat.deleted") : props.quote.text}
                    </span>
                  </>
                )
                : <span class="msg-quote-text">{t(locale, "chat.quoteMissing")}</span>}
            </a>
          )}
          {(m.text || m.deleted) && (
            <p class="msg-text">
              {m.kind === "poll" && !m.deleted && (
                <strong class="msg-kind">{t(locale, "chat.poll")}:</strong>
              )}
              {m.deleted ? <em>{t(locale, "chat.deleted")}</em> : <MessageText text={m.text} />}
            </p>
          )}
          {!m.deleted && m.files && m.files.length > 0 && (
            <ul class="msg-files">
              {m.files.map((f) => (
                <li key={f.id}>
                  <a href={`/api/v1/files/${encodeURIComponent(f.id)}`} download={f.name}>
                    {f.name}
                  </a>{" "}
                  <span class="muted">{formatSize(locale, f.size)}</span>
                </li>
              ))}
            </ul>
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
                    disabled={!live}
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
          onReply={props.onReply}
          onEdit={props.onEdit}
          onDelete={props.onDelete}
          onReact={props.onReact}
        />
      )}
    </li>
  );
}
