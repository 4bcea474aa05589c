/**
 * The open chat: its header, history, the notes a writer needs (frozen, slow mode, muted, quiet
 * hours), the typing line and the composer. Files dropped anywhere on the chat are attached.
 */
import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import type { Locale } from "../../shared/model.ts";
import { plural, t } from "../../shared/i18n.ts";
import {
  type ChatState,
  type ChatSummary,
  formatTime,
  type MessageView,
  type Person,
} from "../../shared/chat_view.ts";
import type { Controller } from "./controller.ts";
import type { Pending } from "./store.ts";
import { chatTitle, personName } from "./names.ts";
import { MessageList } from "./MessageList.tsx";
import { Composer, type ComposerMode } from "./Composer.tsx";
import type { MessageActs } from "./MessageItem.tsx";
import type { Tool } from "./ToolsMenu.tsx";
import { ChatHead } from "./ChatHead.tsx";
import { roleIn } from "./roles.ts";
import { formatWait } from "./format.ts";

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
  /** The viewer's roles in the chat's school. */
  roles: string[];
  /** The current time, ms. */
  now: number;
  callsEnabled: boolean;
  maxUploadBytes: number;
  scheduleUrl: string | null;
  announce: (text: string) => void;
}

function typingLine(locale: Locale, people: Record<string, Person>, ids: string[]): string {
  if (ids.length === 0) return "";
  const names = ids.map((id) => personName(locale, people, id));
  if (names.length === 1) return t(locale, "chat.typing.one", { a: names[0]! });
  if (names.length === 2) return t(locale, "chat.typing.two", { a: names[0]!, b: names[1]! });
  return t(locale, "chat.typing.many");
}

/** Seconds left until the viewer may write again in slow mode (0: now). */
function slowWait(chat: ChatState | undefined, me: string, slow: number, now: number): number {
  if (!slow || !chat) return 0;
  const last = chat.messages.findLast((m) => m.authorId === me && !m.deleted);
  if (!last) return 0;
  const left = Math.ceil((Date.parse(last.createdAt) + slow * 1000 - now) / 1000);
  // The two clocks differ a little: never more than the slow mode itself.
  return Math.max(0, Math.min(slow, left));
}

export function ChatPane(props: ChatPaneProps) {
  const { locale, me, live, summary, chat, people, ctl } = props;
  const [mode, setMode] = useState<ComposerMode>(null);
  const [dragging, setDragging] = useState(false);
  const [tick, setTick] = useState(0);
  const scroller = useRef<HTMLDivElement>(null);
  const heading = useRef<HTMLHeadingElement>(null);
  const dropped = useRef<((files: File[]) => void) | null>(null);
  const title = chatTitle(locale, summary, people);
  const role = roleIn(me, chat?.members ?? [], props.roles, summary.kind);
  const student = props.roles.includes("student");
  const frozenChat = summary.settings?.frozen === true;
  const frozen = frozenChat && !role.moderator;
  const now = Math.max(props.now, tick);
  const muted = role.mutedUntil && Date.parse(role.mutedUntil) > now ? role.mutedUntil : null;
  const canPost = (summary.kind !== "channel" || role.manager) && !frozen && !muted;
  const slow = role.moderator ? 0 : summary.settings?.slowModeSeconds ?? 0;
  const wait = slowWait(chat, me, slow, now);

  // While a wait or a mute runs out, the notes count down.
  useEffect(() => {
    if (!wait && !muted) return;
    const timer = setInterval(() => setTick(Date.now()), 1000);
    return () => clearInterval(timer);
  }, [wait > 0, muted]);

  useEffect(() => {
    setMode(null);
    void ctl.life.schedule(summary.orgId, summary.classId);
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

  const acts: MessageActs = useMemo(() => ({
    vote: (m, options) => ctl.life.vote(summary.id, m, options),
    closePoll: (m) => void ctl.life.closePoll(summary.id, m),
    refreshPoll: (m) => void ctl.life.refreshPoll(summary.id, m),
    ack: (m) => void ctl.life.ack(summary.id, m),
    showAcks: (m) => ctl.show({ kind: "acks", chatId: summary.id, seq: m.seq }),
    report: (m) => ctl.show({ kind: "report", chatId: summary.id, seq: m.seq }),
    openImage: (file) => ctl.show({ kind: "image", file }),
  }), [summary.id]);

  const tools: Tool[] = [{
    key: "poll",
    icon: "📊",
    label: t(locale, "composer.poll"),
    run: () => ctl.show({ kind: "poll", chatId: summary.id }),
  }];
  if (role.staff && summary.kind !== "direct") {
    tools.push({
      key: "lesson",
      icon: "📅",
      label: t(locale, "composer.lesson"),
      run: () => ctl.show({ kind: "lesson", chatId: summary.id }),
    });
  }

  const hasFiles = (e: DragEvent) => e.dataTransfer?.types.includes("Files") ?? false;
  const droppable = canPost && live && chat !== undefined;

  return (
    <section
      class={`chat-pane${dragging ? " is-dragging" : ""}`}
      aria-labelledby="chat-title"
      onKeyDown={(e) => {
        // Escape anywhere in the chat cancels a reply or an edit (menus handle theirs first).
        if (e.key === "Escape" && mode && !e.defaultPrevented) setMode(null);
      }}
      onDragOver={(e) => {
        if (!droppable || !hasFiles(e)) return;
        e.preventDefault();
        if (e.dataTransfer) e.dataTransfer.dropEffect = "copy";
        if (!dragging) setDragging(true);
      }}
      onDragLeave={(e) => {
        const to = e.relatedTarget as Node | null;
        if (!to || !(e.currentTarget as HTMLElement).contains(to)) setDragging(false);
      }}
      onDrop={(e) => {
        setDragging(false);
        if (!droppable || !hasFiles(e)) return;
        e.preventDefault();
        dropped.current?.([...e.dataTransfer?.files ?? []]);
      }}
    >
      <ChatHead
        locale={locale}
        live={live}
        summary={summary}
        title={title}
        subtitle={subtitle}
        peerOnline={peerOnline}
        heading={heading}
        ctl={ctl}
        scheduleUrl={props.scheduleUrl}
        canCall={props.callsEnabled && canPost}
        callsOff={!props.callsEnabled && canPost}
        staff={role.staff && summary.kind !== "direct"}
        showMembers={summary.kind !== "direct" && chat !== undefined}
        moderator={role.moderator}
      />
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
            manager={role.manager}
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
            acts={acts}
            rights={{
              canVote: !frozen && !muted,
              manager: role.manager,
              moderator: role.moderator,
              audience: Math.max(0, chat.members.length - 1),
              callsEnabled: props.callsEnabled,
            }}
            now={now}
          />
        )
        : (
          <div class="scroller-wrap chat-loading" aria-busy="true">
            {t(locale, "common.loading")}
          </div>
        )}
      {dragging && (
        <div class="drop-overlay" aria-hidden="true">
          <p>{t(locale, "upload.drop")}</p>
        </div>
      )}
      {chat?.quietUntil && Date.parse(chat.quietUntil) > now && (
        <p class="quiet-note">
          {t(locale, student ? "chat.quietStudent" : "chat.quietStaff", {
            time: formatTime(locale, chat.quietUntil, props.timeZone),
          })}
        </p>
      )}
      <p class="typing-line" aria-hidden="true">{typingLine(locale, people, typingIds)}</p>
      {canPost && frozenChat && <p class="chat-note">{t(locale, "chat.frozenModerator")}</p>}
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
            onSend={(text, replyToSeq, extra) => {
              ctl.outbox.send(summary.id, text, replyToSeq, extra);
              toBottom();
            }}
            onEdit={(seq, text) => ctl.changes.edit(summary.id, seq, text)}
            onTyping={() => ctl.typing(summary.id)}
            onEditLast={editLast}
            maxUploadBytes={props.maxUploadBytes}
            canAsk={role.moderator && summary.kind !== "direct"}
            members={(chat?.members ?? []).flatMap((m) =>
              m.userId !== me && m.displayName ? [{ id: m.userId, name: m.displayName }] : []
            )}
            canMentionAll={role.staff && summary.kind !== "direct"}
            tools={tools}
            dropped={dropped}
            announce={props.announce}
          />
        )
        : (
          <p class="composer-readonly" role="status">
            {muted
              ? t(locale, "chat.muted", { time: formatTime(locale, muted, props.timeZone) })
              : t(locale, frozen ? "chat.frozen" : "chat.channelReadOnly")}
          </p>
        )}
      {canPost && slow > 0 && (
        <p class="composer-slow">
          {wait > 0
            ? t(locale, "chat.slowWait", { wait: formatWait(locale, wait) })
            : t(locale, "chat.slowMode", { every: formatWait(locale, slow) })}
        </p>
      )}
    </section>
  );
}
