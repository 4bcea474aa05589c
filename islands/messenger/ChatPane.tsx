/** The open chat: its header, history, typing line and composer. */
import { useEffect, useRef, useState } from "preact/hooks";
import type { Locale } from "../../lib/model.ts";
import { plural, t } from "../../lib/i18n.ts";
import {
  type ChatState,
  type ChatSummary,
  formatTime,
  type MessageView,
  type Person,
} from "../../lib/chat_view.ts";
import type { Controller } from "./controller.ts";
import type { Pending } from "./store.ts";
import { chatTitle, initial, personName } from "./names.ts";
import { MessageList } from "./MessageList.tsx";
import { Composer, type ComposerMode } from "./Composer.tsx";
import { plainClick } from "./ChatList.tsx";

export interface ChatPaneProps {
  locale: Locale;
  me: string;
  live: boolean;
  summary: ChatSummary;
  chat: ChatState | undefined;
  timeZone: string;
  people: Record<string, Person>;
  online: Record<string, boolean>;
  typing: Record<string, number>;
  othersRead: number | undefined;
  pending: Pending[];
  ctl: Controller;
  /** Where keyboard focus goes when the chat opens. */
  focusOnOpen: boolean;
  /** The viewer is a student in the chat's school (quiet hours hold their messages back). */
  student: boolean;
}

function typingLine(locale: Locale, people: Record<string, Person>, ids: string[]): string {
  if (ids.length === 0) return "";
  const names = ids.map((id) => personName(locale, people, id));
  if (names.length === 1) return t(locale, "chat.typing.one", { a: names[0]! });
  if (names.length === 2) return t(locale, "chat.typing.two", { a: names[0]!, b: names[1]! });
  return t(locale, "chat.typing.many");
}

export function ChatPane(props: ChatPaneProps) {
  const { locale, me, live, summary, chat, people, ctl } = props;
  const [mode, setMode] = useState<ComposerMode>(null);
  const scroller = useRef<HTMLDivElement>(null);
  const heading = useRef<HTMLHeadingElement>(null);
  const title = chatTitle(locale, summary, people);
  const self = chat?.members.find((m) => m.userId === me);
  const manager = self?.chatRole === "owner" || self?.chatRole === "moderator";
  const frozen = summary.settings?.frozen === true && !manager;
  const canPost = (summary.kind !== "channel" || manager) && !frozen;
  const slow = manager ? 0 : summary.settings?.slowModeSeconds ?? 0;

  useEffect(() => {
    setMode(null);
    if (!props.focusOnOpen) return;
    const composer = document.getElementById("composer-input") as HTMLTextAreaElement | null;
    if (composer && !composer.disabled && matchMedia("(min-width: 701px)").matches) {
      composer.focus();
    } else heading.current?.focus();
  }, [summary.id]);

  const peerOnline = summary.kind === "direct" && summary.peerId
    ? props.online[summary.peerId]
    : undefined;
  const subtitle = summary.kind === "direct"
    ? t(locale, peerOnline ? "chats.online" : "chats.offline")
    : chat
    ? (summary.kind === "channel" ? t(locale, "chats.channel") + " · " : "") +
      plural(locale, chat.members.length, {
        one: "chats.members.one",
        few: "chats.members.few",
        many: "chats.members.many",
        other: "chats.members.other",
      })
    : "";
  const typingIds = Object.keys(props.typing).filter((id) => id !== me);

  const toBottom = () => scroller.current?.scrollTo({ top: 0 });

  function editLast() {
    const last = chat?.messages.findLast((m) =>
      m.authorId === me && !m.deleted && m.kind === "text"
    );
    if (last) setMode({ kind: "edit", message: last });
  }

  return (
    <section
      class="chat-pane"
      aria-labelledby="chat-title"
      onKeyDown={(e) => {
        // Escape anywhere in the chat cancels a reply or an edit (menus handle theirs first).
        if (e.key === "Escape" && mode && !e.defaultPrevented) setMode(null);
      }}
    >
      <header class="chat-head">
        <a
          class="chat-back"
          href="/chats"
          onClick={(e) => {
            if (!live || !plainClick(e)) return;
            e.preventDefault();
            ctl.open(null);
          }}
        >
          <span aria-hidden="true">←</span>
          <span class="visually-hidden">{t(locale, "chat.back")}</span>
        </a>
        <span class={`avatar avatar-${summary.kind}`} aria-hidden="true">
          {initial(title)}
          {summary.kind === "direct" && (
            <span
              class={`presence-dot${peerOnline ? " is-on" : ""}`}
            />
          )}
        </span>
        <div class="chat-head-text">
          <h2 id="chat-title" tabIndex={-1} ref={heading}>{title}</h2>
          {subtitle && <p class="chat-subtitle">{subtitle}</p>}
        </div>
      </header>
      {chat
        ? (
          <MessageList
            locale={locale}
            me={me}
            chat={chat}
            direct={summary.kind === "direct"}
            pending={props.pending}
            people={people}
            timeZone={props.timeZone}
            live={live}
            othersRead={props.othersRead}
            canPost={canPost}
            manager={manager}
            scroller={scroller}
            onSeen={(seq) => ctl.seen(summary.id, seq)}
            onOlder={() => void ctl.loadOlder(summary.id)}
            loadQuote={(seq) => ctl.quote(summary.id, seq)}
            onReply={(m: MessageView) => setMode({ kind: "reply", message: m })}
            onEdit={(m: MessageView) => setMode({ kind: "edit", message: m })}
            onDelete={(m: MessageView) => void ctl.changes.remove(summary.id, m.seq)}
            onReact={(m: MessageView, emoji: string) =>
              void ctl.changes.react(summary.id, m, emoji)}
            onRetry={(id) => ctl.outbox.retry(id)}
            onDiscard={(id) => ctl.outbox.discard(id)}
          />
        )
        : (
          <div class="scroller-wrap chat-loading" aria-busy="true">
            {t(locale, "common.loading")}
          </div>
        )}
      {chat?.quietUntil && Date.parse(chat.quietUntil) > Date.now() && (
        <p class="quiet-note">
          {t(locale, props.student ? "chat.quietStudent" : "chat.quietStaff", {
            time: formatTime(locale, chat.quietUntil, props.timeZone),
          })}
        </p>
      )}
      <p class="typing-line" aria-hidden="true">{typingLine(locale, people, typingIds)}</p>
      {canPost
        ? (
          <Composer
            key={summary.id}
            locale={locale}
            live={live && chat !== undefined}
            chatId={summary.id}
            mode={mode}
            people={people}
            onCancelMode={() => setMode(null)}
            onSend={(text, replyToSeq) => {
              ctl.outbox.send(summary.id, text, replyToSeq);
              toBottom();
            }}
            onEdit={(seq, text) => ctl.changes.edit(summary.id, seq, text)}
            onTyping={() => ctl.typing(summary.id)}
            onEditLast={editLast}
          />
        )
        : (
          <p class="composer-readonly">
            {t(locale, frozen ? "chat.frozen" : "chat.channelReadOnly")}
          </p>
        )}
      {canPost && slow > 0 && (
        <p class="composer-slow">{t(locale, "chat.slowMode", { seconds: slow })}</p>
      )}
    </section>
  );
}
