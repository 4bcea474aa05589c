/**
 * The open chat's header: back to the list (phones), the chat's name and who is in it, the
 * class's schedule, starting a call, one's notifications of the chat, and the members (with the
 * chat's rules for moderators).
 */
import type { Ref } from "preact";
import type { Locale } from "../../shared/model.ts";
import { t } from "../../shared/i18n.ts";
import type { ChatSummary } from "../../shared/chat_view.ts";
import type { Controller } from "./controller.ts";
import { initial } from "./names.ts";
import { plainClick } from "./ChatList.tsx";

export interface ChatHeadProps {
  locale: Locale;
  live: boolean;
  summary: ChatSummary;
  title: string;
  subtitle: string;
  peerOnline: boolean | undefined;
  heading: Ref<HTMLHeadingElement>;
  ctl: Controller;
  scheduleUrl: string | null;
  /** A call can be started here (calls configured, the viewer may post). */
  canCall: boolean;
  /** Calls are not set up on this server: the call button explains that instead. */
  callsOff: boolean;
  /** Teachers and admins choose between a call, a lesson and a meeting. */
  staff: boolean;
  /** Whether the members button is shown (not in direct chats). */
  showMembers: boolean;
  /** A moderator's members button also opens the chat's rules. */
  moderator: boolean;
}

export function ChatHead(props: ChatHeadProps) {
  const { locale, live, summary, ctl, title } = props;

  async function quickCall() {
    try {
      await ctl.life.startCall(summary.id, "call");
    } catch (err) {
      ctl.notify((err as Error).message);
    }
  }

  return (
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
          <span class={`presence-dot${props.peerOnline ? " is-on" : ""}`} />
        )}
      </span>
      <div class="chat-head-text">
        <h2 id="chat-title" tabIndex={-1} ref={props.heading}>{title}</h2>
        {props.subtitle && <p class="chat-subtitle">{props.subtitle}</p>}
      </div>
      <div class="chat-head-actions">
        {props.scheduleUrl && /^https?:\/\//i.test(props.scheduleUrl) && (
          <a
            class="head-button"
            href={props.scheduleUrl}
            target="_blank"
            rel="noopener noreferrer"
            title={t(locale, "chat.schedule")}
          >
            <span aria-hidden="true">🗓</span>
            <span class="head-label">{t(locale, "chat.schedule")}</span>
            <span class="visually-hidden">{t(locale, "chats.newTab")}</span>
          </a>
        )}
        {props.callsOff && (
          <button
            type="button"
            class="head-button"
            disabled={!live}
            title={t(locale, "calls.offHint")}
            onClick={() => ctl.notify(t(locale, "calls.offHint"))}
          >
            <span aria-hidden="true">📞</span>
            <span class="head-label">{t(locale, "chatCall.button")}</span>
          </button>
        )}
        {props.canCall && (
          <button
            type="button"
            class="head-button"
            disabled={!live}
            aria-haspopup={props.staff ? "dialog" : undefined}
            aria-label={props.staff ? t(locale, "chatCall.startStaff") : undefined}
            title={t(locale, props.staff ? "chatCall.startStaff" : "chatCall.start")}
            onClick={() =>
              props.staff ? ctl.show({ kind: "call", chatId: summary.id }) : void quickCall()}
          >
            <span aria-hidden="true">📞</span>
            <span class="head-label" aria-hidden={props.staff ? "true" : undefined}>
              {t(locale, "chatCall.button")}
            </span>
          </button>
        )}
        <button
          type="button"
          class="head-button"
          disabled={!live}
          aria-haspopup="dialog"
          aria-label={summary.notifications?.muted
            ? `${t(locale, "notify.chatButton")}: ${t(locale, "notify.mutedMark")}`
            : t(locale, "notify.chatButton")}
          title={t(locale, "notify.chatButton")}
          onClick={() => ctl.show({ kind: "notifications", chatId: summary.id })}
        >
          <span aria-hidden="true">{summary.notifications?.muted ? "🔕" : "🔔"}</span>
        </button>
        {props.showMembers && (
          <button
            type="button"
            class="head-button"
            disabled={!live}
            aria-haspopup="dialog"
            aria-label={t(locale, props.moderator ? "roster.openModerator" : "roster.open")}
            title={t(locale, props.moderator ? "roster.openModerator" : "roster.open")}
            onClick={() => ctl.show({ kind: "members", chatId: summary.id })}
          >
            <span aria-hidden="true">👥</span>
            <span class="head-label" aria-hidden="true">{t(locale, "roster.button")}</span>
          </button>
        )}
      </div>
    </header>
  );
}
