/**
 * The messenger: the chat list and the open chat, server-rendered and then kept live over one
 * realtime socket per tab. Reading works without JavaScript; writing needs the island.
 */
import { useEffect, useMemo, useReducer, useRef, useState } from "preact/hooks";
import type { Locale } from "../lib/model.ts";
import { t } from "../lib/i18n.ts";
import { useHydrated } from "../lib/use_hydrated.ts";
import type { ChatSummary, MemberView, MessageView, Person } from "../lib/chat_view.ts";
import { type OrgInfo, reducer, type State } from "./messenger/store.ts";
import { Controller } from "./messenger/controller.ts";
import { ChatList } from "./messenger/ChatList.tsx";
import { ChatPane } from "./messenger/ChatPane.tsx";
import { NewChatDialog } from "./messenger/NewChatDialog.tsx";
import { chatTitle } from "./messenger/names.ts";

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
  const [dialog, setDialog] = useState(false);
  const navigated = useRef(false);
  const ctl = useMemo(
    () =>
      new Controller({
        locale,
        dispatch,
        state: () => current.current,
        announce: setAnnouncement,
        notice: setNotice,
      }),
    [],
  );

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
  }, [base, unread]);

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
              student={org?.roles.includes("student") ?? false}
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
    </div>
  );
}
