/**
 * The messenger: the chat list and the open chat, server-rendered and then kept live over one
 * realtime socket per tab. Reading works without JavaScript; writing needs the island.
 */
import { useEffect, useMemo, useReducer, useRef, useState } from "preact/hooks";
import type { Locale } from "../shared/model.ts";
import { t } from "../shared/i18n.ts";
import { useHydrated } from "../shared/use_hydrated.ts";
import type { ChatSummary, MemberView, MessageView, Person } from "../shared/chat_view.ts";
import { type OrgInfo, reducer, type State } from "./messenger/store.ts";
import type { UpcomingLesson } from "../shared/chat_view.ts";
import { Controller } from "./messenger/controller.ts";
import { ChatList } from "./messenger/ChatList.tsx";
import { ChatPane } from "./messenger/ChatPane.tsx";
import { NewChatDialog } from "./messenger/NewChatDialog.tsx";
import { chatTitle } from "./messenger/names.ts";
import type { ModalSpec } from "./messenger/modal.ts";
import { ModalHost } from "./messenger/ModalHost.tsx";

/** The chat the page opened with, as the server read it. */
export interface OpenChat {
  id: string;
  members: MemberView[];
  messages: MessageView[];
  lastSeq: number;
  hasMore: boolean;
  quietUntil: string | null;
}

export interface MessengerProps {
  locale: Locale;
  me: string;
  orgs: OrgInfo[];
  chats: ChatSummary[];
  people: Record<string, Person>;
  online: Record<string, boolean>;
  /** Per chat, the furthest read marker of another member, where the server knows it. */
  othersRead: Record<string, number>;
  /** The school the list shows (null: all). */
  orgId: string | null;
  open: OpenChat | null;
  /** The server's clock when rendering, so both renders agree on "today". */
  now: string;
  /** Calls are configured on this server (LiveKit). */
  callsEnabled: boolean;
  /** The largest file an upload may be. */
  maxUploadBytes: number;
  /** Lessons and meetings ahead in the person's chats. */
  lessons: UpcomingLesson[];
  /** classId → schedule link, for the classes of the person's schools that have one. */
  schedules: Record<string, string>;
}

/** The tab's title: total unread first, as in "(3) Чаты · Парта". */
export function tabTitle(locale: Locale, base: string, unread: number): string {
  return `${unread > 0 ? `(${unread}) ` : ""}${base} · ${t(locale, "app.name")}`;
}

function init(props: MessengerProps): State {
  const state: State = {
    me: props.me,
    chats: props.chats,
    people: props.people,
    online: props.online,
    loaded: {},
    openId: props.open?.id ?? null,
    orgId: props.orgId,
    outbox: [],
    typing: {},
    othersRead: props.othersRead,
    status: "connecting",
    lessons: props.lessons,
    schedules: props.schedules,
  };
  const open = props.open;
  if (!open) return state;
  return reducer(state, {
    type: "loaded",
    chatId: open.id,
    members: open.members,
    messages: open.messages,
    lastSeq: open.lastSeq,
    hasMore: open.hasMore,
    quietUntil: open.quietUntil,
  });
}

export default function Messenger(props: MessengerProps) {
  const { locale } = props;
  const live = useHydrated();
  const [state, dispatch] = useReducer(reducer, props, init);
  const current = useRef(state);
  current.current = state;
  const [announcement, setAnnouncement] = useState("");
  const [notice, setNotice] = useState<string | null>(null);
  const [info, setInfo] = useState<{ text: string; chatId?: string } | null>(null);
  const [dialog, setDialog] = useState(false);
  const [modal, setModal] = useState<ModalSpec | null>(null);
  const [now, setNow] = useState(() => Date.parse(props.now));
  const navigated = useRef(false);
  const ctl = useMemo(
    () =>
      new Controller({
        locale,
        dispatch,
        state: () => current.current,
        announce: setAnnouncement,
        notice: setNotice,
        info: (text, chatId) => setInfo({ text, chatId }),
        modal: setModal,
      }),
    [],
  );

  // The clock that closes polls and starts lessons; the first render keeps the server's.
  useEffect(() => {
    setNow(Date.now());
    const timer = setInterval(() => setNow(Date.now()), 30_000);
    // Files dropped outside the chat must not navigate away from the messenger.
    const keep = (e: DragEvent) => {
      if (e.dataTransfer?.types.includes("Files")) e.preventDefault();
    };
    addEventListener("dragover", keep);
    addEventListener("drop", keep);
    return () => {
      clearInterval(timer);
      removeEventListener("dragover", keep);
      removeEventListener("drop", keep);
    };
  }, []);

  useEffect(() => {
    const cursors: Record<string, number> = {};
    for (const chat of props.chats) cursors[chat.id] = chat.lastSeq;
    // The page read the list and the open chat one after the other: follow from the older.
    if (props.open && cursors[props.open.id] !== undefined) {
      cursors[props.open.id] = Math.min(cursors[props.open.id]!, props.open.lastSeq);
    }
    ctl.start(cursors);
    const onPop = () => {
      const match = /^\/chats\/([0-9A-Z]{26})$/.exec(location.pathname);
      ctl.open(match ? match[1]! : null, false);
    };
    addEventListener("popstate", onPop);
    return () => {
      removeEventListener("popstate", onPop);
      ctl.stop();
    };
  }, []);

  const open = state.openId ? state.chats.find((c) => c.id === state.openId) : undefined;
  const unread = state.chats.reduce((n, c) => n + c.unread, 0);
  const base = open ? chatTitle(locale, open, state.people) : t(locale, "chats.title");
  useEffect(() => {
    document.title = tabTitle(locale, base, unread);
    // The installed app's badge counts the same (where the browser has one).
    if ("setAppBadge" in navigator) {
      (unread > 0 ? navigator.setAppBadge(unread) : navigator.clearAppBadge()).catch(() => {});
    }
  }, [base, unread]);
  useEffect(() => ctl.updateView(), [state.openId]);

  const typingCount = Object.keys(state.typing).length;
  useEffect(() => {
    if (!typingCount) return;
    const timer = setInterval(() => dispatch({ type: "typingExpire", now: Date.now() }), 1000);
    return () => clearInterval(timer);
  }, [typingCount > 0]);

  useEffect(() => {
    if (!notice) return;
    const timer = setTimeout(() => setNotice(null), 8000);
    return () => clearTimeout(timer);
  }, [notice]);

  useEffect(() => {
    if (!info) return;
    const timer = setTimeout(() => setInfo(null), 12_000);
    return () => clearTimeout(timer);
  }, [info]);

  const org = open ? props.orgs.find((o) => o.id === open.orgId) : undefined;

  return (
    <div class="messenger" data-view={open ? "chat" : "list"} data-status={state.status}>
      <div class="rt-status" role="status">
        {state.status === "offline" && <p class="offline-banner">{t(locale, "realtime.offline")}
        </p>}
        {state.status === "unauthenticated" && (
          <p class="offline-banner">
            {t(locale, "realtime.signedOut")}{" "}
            <a href={`/signin?next=${encodeURIComponent(location.pathname)}`}>
              {t(locale, "realtime.signIn")}
            </a>
          </p>
        )}
      </div>
      {notice && <p class="notice alert alert-error" role="alert">{notice}</p>}
      {info && !notice && (
        <div class="notice alert alert-info" role="status">
          <span>{info.text}</span>
          {info.chatId && info.chatId !== state.openId && (
            <button
              type="button"
              class="link"
              onClick={() => {
                setInfo(null);
                navigated.current = true;
                ctl.open(info.chatId!);
              }}
            >
              {t(locale, "reportMsg.openChat")}
            </button>
          )}
          <button
            type="button"
            class="icon-button"
            aria-label={t(locale, "common.close")}
            onClick={() => setInfo(null)}
          >
            <span aria-hidden="true">×</span>
          </button>
        </div>
      )}
      <div class="messenger-body">
        <ChatList
          locale={locale}
          me={state.me}
          live={live}
          chats={state.chats}
          orgs={props.orgs}
          orgId={state.orgId}
          openId={state.openId}
          people={state.people}
          online={state.online}
          typing={state.typing}
          now={props.now}
          lessons={state.lessons.filter((l) =>
            Date.parse(l.startsAt) + l.durationMinutes * 60_000 > now
          )}
          onOpen={(id) => {
            navigated.current = true;
            ctl.open(id);
          }}
          onOrg={(orgId) => dispatch({ type: "org", orgId })}
          onNewChat={() => setDialog(true)}
        />
        {open
          ? (
            <ChatPane
              locale={locale}
              me={state.me}
              live={live}
              summary={open}
              chat={state.loaded[open.id]}
              timeZone={org?.timeZone ?? "Europe/Moscow"}
              people={state.people}
              online={state.online}
              typing={state.typing[open.id] ?? {}}
              othersRead={state.othersRead[open.id]}
              pending={state.outbox.filter((p) => p.chatId === open.id)}
              ctl={ctl}
              focusOnOpen={navigated.current}
              roles={org?.roles ?? []}
              now={now}
              callsEnabled={props.callsEnabled}
              maxUploadBytes={props.maxUploadBytes}
              scheduleUrl={open.classId ? state.schedules[open.classId] ?? null : null}
              announce={setAnnouncement}
            />
          )
          : (
            <div class="chat-pane chat-empty">
              <p>{t(locale, "chats.pick")}</p>
            </div>
          )}
      </div>
      <div class="visually-hidden" aria-live="polite" aria-atomic="true">{announcement}</div>
      {dialog && (
        <NewChatDialog
          locale={locale}
          me={state.me}
          orgs={props.orgs}
          orgId={state.orgId}
          onCreate={(orgId, kind, title, ids) => {
            navigated.current = true;
            return ctl.createChat(orgId, kind, title, ids);
          }}
          onClose={() => setDialog(false)}
        />
      )}
      {modal && (
        <ModalHost
          spec={modal}
          locale={locale}
          ctl={ctl}
          state={state}
          orgs={props.orgs}
          onClose={() => setModal(null)}
          onFailed={setNotice}
        />
      )}
    </div>
  );
}
