/**
 * The history of the open chat. The scroller is a reversed flex column, so it starts at the
 * newest message even before any script runs, and older pages added on top keep the view still.
 */
import type { RefObject } from "preact";
import { useEffect, useRef, useState } from "preact/hooks";
import type { Locale } from "../../shared/model.ts";
import { t } from "../../shared/i18n.ts";
import {
  type ChatState,
  dayKey,
  formatDay,
  type MessageView,
  type Person,
} from "../../shared/chat_view.ts";
import type { Pending } from "./store.ts";
import { type MessageActs, MessageItem, type MessageRights, MessageText } from "./MessageItem.tsx";

export interface MessageListProps {
  locale: Locale;
  me: string;
  chat: ChatState;
  direct: boolean;
  pending: Pending[];
  people: Record<string, Person>;
  timeZone: string;
  live: boolean;
  othersRead: number | undefined;
  canPost: boolean;
  manager: boolean;
  scroller: RefObject<HTMLDivElement | null>;
  onSeen: (seq: number) => void;
  onOlder: () => void;
  loadQuote: (seq: number) => Promise<MessageView | null>;
  onReply: (m: MessageView) => void;
  onEdit: (m: MessageView) => void;
  onDelete: (m: MessageView) => void;
  onReact: (m: MessageView, emoji: string) => void;
  onRetry: (clientId: string) => void;
  onDiscard: (clientId: string) => void;
  acts: MessageActs;
  rights: MessageRights;
  now: number;
}

/** Authors are named again after this long a pause. */
const REGROUP_MS = 10 * 60_000;

export function MessageList(props: MessageListProps) {
  const { locale, me, chat, people, timeZone, live, scroller } = props;
  const [quotes, setQuotes] = useState<Record<number, MessageView>>({});
  const [atBottom, setAtBottom] = useState(true);
  const older = useRef<HTMLButtonElement>(null);
  const visible = useRef(new Set<number>());
  const io = useRef<IntersectionObserver | null>(null);
  const onSeen = useRef(props.onSeen);
  onSeen.current = props.onSeen;
  const onOlder = useRef(props.onOlder);
  onOlder.current = props.onOlder;

  // Which messages are on screen: the furthest one seen moves the read marker.
  useEffect(() => {
    const root = scroller.current;
    if (!root) return;
    visible.current = new Set();
    const observer = new IntersectionObserver((entries) => {
      for (const entry of entries) {
        const el = entry.target as HTMLElement;
        if (el === older.current) {
          if (entry.isIntersecting) onOlder.current();
          continue;
        }
        const seq = Number(el.dataset.seq);
        const rootHeight = entry.rootBounds?.height ?? 0;
        const seen = entry.isIntersecting &&
          (entry.intersectionRatio >= 0.5 || entry.intersectionRect.height >= rootHeight / 2);
        if (seen) visible.current.add(seq);
        else visible.current.delete(seq);
      }
      if (visible.current.size) onSeen.current(Math.max(...visible.current));
    }, { root, threshold: [0, 0.25, 0.5, 0.75, 1] });
    io.current = observer;
    return () => observer.disconnect();
  }, [chat.id]);

  useEffect(() => {
    const root = scroller.current;
    const observer = io.current;
    if (!root || !observer) return;
    root.querySelectorAll("li[data-seq]").forEach((el) => observer.observe(el));
    if (older.current) observer.observe(older.current);
  }, [chat.messages, chat.hasMore]);

  // Opening a chat with more unread than fit on screen starts at the first unread.
  useEffect(() => {
    const root = scroller.current;
    if (!root || chat.dividerSeq === null) return;
    const divider = root.querySelector<HTMLElement>(".new-divider");
    if (divider && divider.getBoundingClientRect().top < root.getBoundingClientRect().top) {
      divider.scrollIntoView({ block: "start" });
    }
  }, [chat.id]);

  // Quotes of replies to messages outside the window are fetched one by one.
  const byseq = new Map(chat.messages.map((m) => [m.seq, m]));
  useEffect(() => {
    for (const m of chat.messages) {
      const seq = m.replyToSeq;
      if (seq && !byseq.has(seq) && !quotes[seq]) {
        void props.loadQuote(seq).then((q) => q && setQuotes((all) => ({ ...all, [seq]: q })));
      }
    }
  }, [chat.messages]);

  const showQuote = (seq: number) => {
    const target = document.getElementById(`m-${seq}`);
    if (target) {
      target.scrollIntoView({ block: "center" });
      target.focus();
    }
  };

  let prev: MessageView | null = null;
  const items = [];
  for (const m of chat.messages) {
    const newDay = !prev || dayKey(prev.createdAt, timeZone) !== dayKey(m.createdAt, timeZone);
    if (newDay) {
      items.push(
        <li class="day-sep" key={`day-${m.seq}`}>
          <h3>{formatDay(locale, m.createdAt, timeZone)}</h3>
        </li>,
      );
    }
    const divider = chat.dividerSeq === m.seq;
    if (divider) {
      items.push(
        <li class="new-divider" key="divider">
          <span>{t(locale, "chat.newDivider")}</span>
        </li>,
      );
    }
    const mine = m.authorId === me;
    const showAuthor = !props.direct && (newDay || divider || !prev ||
      prev.authorId !== m.authorId || prev.kind === "system" ||
      Date.parse(m.createdAt) - Date.parse(prev.createdAt) > REGROUP_MS);
    items.push(
      <MessageItem
        key={m.seq}
        locale={locale}
        message={m}
        mine={mine}
        mentionsMe={!mine && (m.mentionsAll === true || (m.mentions?.includes(me) ?? false))}
        showAuthor={showAuthor}
        people={people}
        timeZone={timeZone}
        live={live}
        quote={m.replyToSeq ? byseq.get(m.replyToSeq) ?? quotes[m.replyToSeq] ?? null : null}
        read={mine ? m.seq <= (props.othersRead ?? 0) : undefined}
        canReply={props.canPost}
        canDelete={mine || props.manager}
        onReply={props.onReply}
        onEdit={props.onEdit}
        onDelete={props.onDelete}
        onReact={props.onReact}
        onQuote={showQuote}
        acts={props.acts}
        rights={props.rights}
        now={props.now}
      />,
    );
    prev = m;
  }

  return (
    <div class="scroller-wrap">
      <div
        class="scroller"
        ref={scroller}
        onScroll={(e) => setAtBottom((e.target as HTMLElement).scrollTop > -120)}
      >
        <div class="scroller-inner">
          {chat.hasMore
            ? (
              <button
                type="button"
                class="load-older secondary"
                ref={older}
                disabled={!live}
                onClick={props.onOlder}
              >
                {t(locale, "chat.loadOlder")}
              </button>
            )
            : <p class="chat-start">{t(locale, "chat.start")}</p>}
          <ol class="messages" aria-label={t(locale, "chat.messages")}>
            {items}
            {props.pending.map((p) => (
              <PendingItem
                key={p.clientId}
                locale={locale}
                pending={p}
                quote={p.replyToSeq ? byseq.get(p.replyToSeq) : undefined}
                onRetry={props.onRetry}
                onDiscard={props.onDiscard}
              />
            ))}
          </ol>
        </div>
      </div>
      {!atBottom && (
        <button
          type="button"
          class="jump-latest"
          onClick={() => scroller.current?.scrollTo({ top: 0, behavior: "smooth" })}
        >
          <span aria-hidden="true">↓</span> {t(locale, "chat.jumpLatest")}
        </button>
      )}
    </div>
  );
}

function PendingItem(
  props: {
    locale: Locale;
    pending: Pending;
    quote: MessageView | undefined;
    onRetry: (clientId: string) => void;
    onDiscard: (clientId: string) => void;
  },
) {
  const { locale, pending: p } = props;
  const status = p.status === "failed"
    ? t(locale, "chat.failed", { reason: p.error ?? "" })
    : p.status === "queued"
    ? p.error ?? t(locale, "chat.queued")
    : t(locale, "chat.sending");
  return (
    <li class={`msg msg-mine msg-pending is-${p.status}`} data-client-id={p.clientId}>
      <div class="msg-body">
        <span class="visually-hidden">{t(locale, "chats.you")}:</span>
        <div class="msg-bubble">
          {props.quote && (
            <span class="msg-quote">
              <span class="msg-quote-text">{props.quote.text}</span>
            </span>
          )}
          {p.text && (
            <p class="msg-text">
              <MessageText text={p.text} />
            </p>
          )}
          {p.files && (
            <ul class="msg-files pending-files">
              {p.files.map((f) => <li key={f.id}>📎 {f.name}</li>)}
            </ul>
          )}
          <p class="msg-meta" role={p.status === "failed" ? "alert" : undefined}>{status}</p>
        </div>
        {(p.status === "failed" || (p.status === "queued" && !p.retryAt)) && (
          <div class="row pending-actions">
            <button type="button" class="secondary" onClick={() => props.onRetry(p.clientId)}>
              {t(locale, "chat.retry")}
            </button>
            <button type="button" class="link" onClick={() => props.onDiscard(p.clientId)}>
              {t(locale, "chat.discard")}
            </button>
          </div>
        )}
      </div>
    </li>
  );
}
