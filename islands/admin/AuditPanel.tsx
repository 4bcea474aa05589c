/**
 * The school's moderation log, newest first, each step in words ("Мария Ивановна удалил(а)
 * сообщение участника Коля Петров в чате 5 «А»"), with older entries a page at a time.
 */
import { useEffect, useRef, useState } from "preact/hooks";
import type { ComponentChildren } from "preact";
import type { Locale } from "../../shared/model.ts";
import { formatDateTime, type MessageKey, t } from "../../shared/i18n.ts";
import { api } from "../../shared/api_client.ts";
import { fill, problemOf } from "./shared.ts";
import type { AdminAuditEntry, ChatRef } from "../../shared/admin_view.ts";
import { type ChatForm, chatPhrase, duration, nameOf, type Names } from "./moderation.ts";

/** Entries fetched per page. */
export const AUDIT_PAGE = 50;

export interface AuditPanelProps {
  locale: Locale;
  orgId: string;
  timeZone: string;
  live: boolean;
  /** The newest page, as the page rendered it. */
  entries: AdminAuditEntry[];
  /** Whether there are older entries than these. */
  more: boolean;
  names: Names;
  chats: Record<string, ChatRef>;
  /** Chats named in older entries that the console does not know yet. */
  onUnknownChats: (chatIds: string[]) => void;
}

export function AuditPanel(props: AuditPanelProps) {
  const { locale, live, names, chats, timeZone } = props;
  const [entries, setEntries] = useState(props.entries);
  const [more, setMore] = useState(props.more);
  const [busy, setBusy] = useState(false);
  const [status, setStatus] = useState("");
  const [problem, setProblem] = useState<string | null>(null);
  /** The first entry of the page just loaded, to move focus to. */
  const [focusId, setFocusId] = useState<string | null>(null);
  const list = useRef<HTMLOListElement>(null);

  useEffect(() => {
    if (!focusId) return;
    list.current?.querySelector<HTMLElement>(`[data-entry="${focusId}"]`)?.focus();
    setFocusId(null);
  }, [focusId]);

  async function loadMore() {
    const last = entries.at(-1);
    if (!last) return;
    setBusy(true);
    setProblem(null);
    try {
      const res = await api<{ entries: AdminAuditEntry[] }>(
        "GET",
        `/orgs/${props.orgId}/audit?before=${encodeURIComponent(last.id)}&limit=${AUDIT_PAGE}`,
      );
      setEntries([...entries, ...res.entries]);
      setMore(res.entries.length === AUDIT_PAGE);
      props.onUnknownChats(res.entries.map((e) => e.chatId).filter((id) => !(id in chats)));
      setStatus(
        [
          t(locale, "audit.loaded", { n: res.entries.length }),
          res.entries.length < AUDIT_PAGE ? t(locale, "audit.end") : "",
        ].join(" "),
      );
      if (res.entries[0]) setFocusId(res.entries[0].id);
    } catch (err) {
      setProblem(problemOf(locale, err).text);
    } finally {
      setBusy(false);
    }
  }

  return (
    <section id="audit" class="admin-section" aria-labelledby="audit-title">
      <h2 id="audit-title" tabIndex={-1}>{t(locale, "audit.title")}</h2>
      <p class="muted">{t(locale, "audit.lead")}</p>
      {entries.length === 0
        ? <p class="admin-empty">{t(locale, "audit.empty")}</p>
        : (
          <ol class="audit-list" ref={list} aria-labelledby="audit-title">
            {entries.map((e) => (
              <li key={e.id} class="audit-entry" data-entry={e.id} tabIndex={-1}>
                <p class="audit-what">{sentence(locale, e, names, chats[e.chatId])}</p>
                <time class="muted audit-when" dateTime={e.at}>
                  {formatDateTime(locale, e.at, timeZone)}
                </time>
              </li>
            ))}
          </ol>
        )}
      {problem && <p class="alert alert-error" role="alert">{problem}</p>}
      <p class="visually-hidden" role="status">{status}</p>
      {more && (
        <button type="button" class="secondary" disabled={busy || !live} onClick={loadMore}>
          {t(locale, "audit.more")}
        </button>
      )}
    </section>
  );
}

/** One moderation step in words, with the people in bold and the chat as a link. */
function sentence(
  locale: Locale,
  e: AdminAuditEntry,
  names: Names,
  chat: ChatRef | undefined,
): ComponentChildren[] {
  const person = (id: string | undefined) => <strong>{nameOf(locale, names, id)}</strong>;
  const link = (form: ChatForm) => (
    <a href={`/chats/${e.chatId}`}>{chatPhrase(locale, chat, form)}</a>
  );
  const parts: Record<string, ComponentChildren> = {
    actor: person(e.actorId),
    target: person(e.targetUserId),
    in: link("in"),
    from: link("from"),
    it: link("it"),
    action: e.action,
  };
  const details = e.details ?? {};
  let key: MessageKey = "audit.other";
  const params: Record<string, string> = {};
  switch (e.action) {
    case "message.deleted":
      key = "audit.message.deleted";
      break;
    case "member.muted":
      key = "audit.member.muted";
      params.duration = duration(locale, Number(details.minutes ?? 0) * 60);
      break;
    case "member.unmuted":
      key = "audit.member.unmuted";
      break;
    case "member.removed":
      key = "audit.member.removed";
      break;
    case "member.role_changed":
      key = details.chatRole === "moderator" ? "audit.member.moderator" : "audit.member.member";
      break;
    case "chat.frozen":
      key = "audit.chat.frozen";
      break;
    case "chat.unfrozen":
      key = "audit.chat.unfrozen";
      break;
    case "chat.slow_mode": {
      const seconds = Number(details.seconds ?? 0);
      key = seconds > 0 ? "audit.chat.slowOn" : "audit.chat.slowOff";
      params.duration = duration(locale, seconds);
      break;
    }
  }
  return fill(t(locale, key, params), parts);
}
