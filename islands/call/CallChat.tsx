/**
 * The call's chat beside the video: it is the chat the call was started in, not a copy. What is
 * typed here is a message of that chat (everyone in it sees it in the messenger), and what the
 * chat gets arrives here live, over the tab's realtime connection.
 */
import { useEffect, useRef, useState } from "preact/hooks";
import type { Locale } from "../../shared/model.ts";
import { type MessageKey, t } from "../../shared/i18n.ts";
import { api, errorText } from "../../shared/api_client.ts";
import {
  applyToMessages,
  formatTime,
  type MemberView,
  type MessageInput,
  type MessageView,
  splitLinks,
  toView,
  upsert,
} from "../../shared/chat_view.ts";
import { MAX_MESSAGE_CHARS } from "../../shared/chat_model.ts";
import { RealtimeClient } from "../../shared/realtime_client.ts";

/** How many of the chat's latest messages the panel shows when it opens. */
const RECENT = 50;

export interface CallChatProps {
  locale: Locale;
  chatId: string;
  /** The viewer's user id. */
  me: string;
  timeZone: string;
}

interface ChatInfo {
  kind: string;
  settings?: { frozen: boolean };
  members: MemberView[];
}

/** Whether the viewer may write here, as the server decides it (shared/policy.ts: canPost). */
function mayWrite(chat: ChatInfo, me: string): boolean {
  const role = chat.members.find((m) => m.userId === me)?.chatRole;
  const manager = role === "owner" || role === "moderator";
  if (chat.kind === "channel" && !manager) return false;
  return !chat.settings?.frozen || manager;
}

function Text({ text }: { text: string }) {
  return (
    <>
      {splitLinks(text).map((part, i) =>
        part.href
          ? <a key={i} href={part.href} target="_blank" rel="noopener noreferrer">{part.text}</a>
          : part.text
      )}
    </>
  );
}

/** A message's body as the panel shows it: its text, and what it carries in a few words. */
function Body({ locale, m }: { locale: Locale; m: MessageView }) {
  if (m.deleted) return <p class="muted">{t(locale, "call.chat.deleted")}</p>;
  const label = m.call
    ? t(locale, `chatCall.kind.${m.call.kind}` as MessageKey)
    : m.poll
    ? t(locale, "call.chat.poll")
    : null;
  return (
    <>
      {label && <p class="muted">{label}</p>}
      {m.text && (
        <p class="call-chat-text">
          <Text text={m.text} />
        </p>
      )}
      {m.files?.map((f) => (
        <p key={f.id}>
          <a href={`/api/v1/files/${encodeURIComponent(f.id)}`} target="_blank" rel="noopener">
            {f.name}
          </a>
        </p>
      ))}
    </>
  );
}

export function CallChat({ locale, chatId, me, timeZone }: CallChatProps) {
  const [open, setOpen] = useState(true);
  const [chat, setChat] = useState<ChatInfo | null>(null);
  const [messages, setMessages] = useState<MessageView[] | null>(null);
  const [unseen, setUnseen] = useState(0);
  const [error, setError] = useState<string | null>(null);
  const [text, setText] = useState("");
  const [sending, setSending] = useState(false);
  const list = useRef<HTMLOListElement>(null);
  const openNow = useRef(open);
  openNow.current = open;
  /** The id of the message being sent: kept until it is sent, so a retry is not a second one. */
  const clientId = useRef<string | null>(null);

  useEffect(() => {
    let stopped = false;
    let client: RealtimeClient | null = null;
    (async () => {
      try {
        const [info, page] = await Promise.all([
          api<{ chat: ChatInfo }>("GET", `/chats/${encodeURIComponent(chatId)}`),
          api<{ messages: MessageInput[]; lastSeq: number }>(
            "GET",
            `/chats/${encodeURIComponent(chatId)}/messages?limit=${RECENT}`,
          ),
        ]);
        if (stopped) return;
        setChat(info.chat);
        setMessages(page.messages.map(toView).reverse());
        client = new RealtimeClient({ [chatId]: page.lastSeq }, {
          event(id, event) {
            if (id !== chatId) return;
            setMessages((ms) => ms && applyToMessages(ms, event, me));
            if (event.type === "message.created" && !openNow.current) setUnseen((n) => n + 1);
          },
          frame() {},
          status() {},
        });
        client.start();
      } catch (err) {
        if (!stopped) setError(errorText(locale, err));
      }
    })();
    return () => {
      stopped = true;
      client?.stop();
    };
  }, [chatId]);

  // The newest message stays in view as messages arrive.
  useEffect(() => {
    const el = list.current;
    if (el) el.scrollTop = el.scrollHeight;
  }, [messages?.length, open]);

  async function send(e: Event) {
    e.preventDefault();
    const body = text.trim();
    if (!body || sending) return;
    clientId.current ??= crypto.randomUUID();
    setSending(true);
    setError(null);
    try {
      const sent = await api<{ message: MessageInput }>(
        "POST",
        `/chats/${encodeURIComponent(chatId)}/messages`,
        { clientId: clientId.current, text: body },
      );
      clientId.current = null;
      setText("");
      // The realtime event of this message may come before or after: it lands in one place.
      setMessages((ms) => ms && upsert(ms, toView(sent.message)));
    } catch (err) {
      setError(errorText(locale, err));
    } finally {
      setSending(false);
    }
  }

  const names = new Map(chat?.members.map((m) => [m.userId, m.displayName]) ?? []);
  const writable = chat !== null && mayWrite(chat, me);
  return (
    <section class="call-panel call-chat" aria-labelledby="call-chat-title">
      <h2 id="call-chat-title" class="call-panel-title">
        <button
          type="button"
          class="call-disclosure"
          aria-expanded={open}
          aria-controls="call-chat-body"
          onClick={() => {
            setOpen(!open);
            setUnseen(0);
          }}
        >
          {t(locale, "call.chat.title")}
          {!open && unseen > 0 && (
            <span class="badge call-chat-unseen">
              {t(locale, "call.chat.unseen", { count: unseen })}
            </span>
          )}
        </button>
      </h2>
      <div id="call-chat-body" class="stack" hidden={!open}>
        {error && <p class="alert alert-error" role="alert">{error}</p>}
        {messages === null && !error && <p class="muted">{t(locale, "call.chat.loading")}</p>}
        {messages !== null && (
          <ol
            ref={list}
            class="list-plain call-chat-list"
            aria-live="polite"
            aria-label={t(locale, "call.chat.messages")}
            tabIndex={0}
          >
            {messages.length === 0 && <li class="muted">{t(locale, "call.chat.empty")}</li>}
            {messages.map((m) => (
              <li key={m.seq} class={m.authorId === me ? "call-chat-msg is-mine" : "call-chat-msg"}>
                <p class="call-chat-meta">
                  <span class="call-chat-author">
                    {m.authorId === me
                      ? t(locale, "call.chat.you")
                      : names.get(m.authorId) ?? t(locale, "call.unnamed")}
                  </span>{" "}
                  <time class="muted" dateTime={m.createdAt}>
                    {formatTime(locale, m.createdAt, timeZone)}
                  </time>
                </p>
                <Body locale={locale} m={m} />
              </li>
            ))}
          </ol>
        )}
        {chat && writable && (
          <form class="call-chat-form" onSubmit={send}>
            <label class="visually-hidden" for="call-chat-text">
              {t(locale, "call.chat.label")}
            </label>
            <textarea
              id="call-chat-text"
              rows={2}
              maxLength={MAX_MESSAGE_CHARS}
              value={text}
              placeholder={t(locale, "call.chat.placeholder")}
              onInput={(e) => {
                setText((e.target as HTMLTextAreaElement).value);
                clientId.current = null;
              }}
              onKeyDown={(e) => {
                if (e.key === "Enter" && !e.shiftKey && !e.isComposing) send(e);
              }}
            />
            <button type="submit" disabled={sending || text.trim() === ""}>
              {t(locale, "call.chat.send")}
            </button>
          </form>
        )}
        {chat && !writable && <p class="muted">{t(locale, "call.chat.readOnly")}</p>}
      </div>
    </section>
  );
}
