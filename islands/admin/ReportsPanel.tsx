/**
 * Reports of messages: when, who reported, why, and the message as it was when reported (kept
 * even after it is deleted), with a link to the chat.
 */
import { useState } from "preact/hooks";
import type { Locale } from "../../shared/model.ts";
import { formatDateTime, type MessageKey, t } from "../../shared/i18n.ts";
import { api } from "../../shared/api_client.ts";
import type { AdminReport, ChatRef } from "../../shared/admin_view.ts";
import { problemOf } from "./shared.ts";
import { chatPhrase, nameOf, type Names } from "./moderation.ts";

/** Reports shown before "show more". */
const PAGE = 20;

export interface ReportsPanelProps {
  locale: Locale;
  orgId: string;
  timeZone: string;
  live: boolean;
  reports: AdminReport[];
  names: Names;
  chats: Record<string, ChatRef>;
  onReports: (reports: AdminReport[]) => void;
  /** Chats named in fresh reports that the console does not know yet. */
  onUnknownChats: (chatIds: string[]) => void;
}

export function ReportsPanel(props: ReportsPanelProps) {
  const { locale, live, reports, names, chats, timeZone } = props;
  const [shown, setShown] = useState(PAGE);
  const [busy, setBusy] = useState(false);
  const [status, setStatus] = useState("");
  const [problem, setProblem] = useState<string | null>(null);
  const when = (iso: string) => formatDateTime(locale, iso, timeZone);

  async function refresh() {
    setBusy(true);
    setProblem(null);
    setStatus("");
    try {
      const res = await api<{ reports: AdminReport[] }>("GET", `/orgs/${props.orgId}/reports`);
      props.onReports(res.reports);
      props.onUnknownChats(res.reports.map((r) => r.chatId).filter((id) => !(id in chats)));
      setStatus(t(locale, "reports.refreshed", { n: res.reports.length }));
    } catch (err) {
      setProblem(problemOf(locale, err).text);
    } finally {
      setBusy(false);
    }
  }

  return (
    <section id="reports" class="admin-section" aria-labelledby="reports-title">
      <div class="admin-section-head">
        <h2 id="reports-title" tabIndex={-1}>{t(locale, "reports.title")}</h2>
        <button type="button" class="secondary small" disabled={busy || !live} onClick={refresh}>
          {t(locale, "reports.refresh")}
        </button>
      </div>
      <p class="muted">{t(locale, "reports.lead")}</p>
      {problem && <p class="alert alert-error" role="alert">{problem}</p>}
      <p class="visually-hidden" role="status">{status}</p>
      {reports.length === 0
        ? <p class="admin-empty">{t(locale, "reports.empty")}</p>
        : (
          <ul class="report-list" aria-labelledby="reports-title">
            {reports.slice(0, shown).map((r) => {
              const text = r.message.text?.trim()
                ? r.message.text
                : t(locale, noTextKey(r.message.kind));
              return (
                <li key={r.id} class="report-item">
                  <h3 class="report-head">
                    {t(locale, "reports.from", { name: nameOf(locale, names, r.reporterId) })}
                  </h3>
                  <p class="muted report-meta">
                    <time dateTime={r.at}>{when(r.at)}</time>
                    {" · "}
                    <a href={`/chats/${r.chatId}`}>{chatPhrase(locale, chats[r.chatId], "open")}</a>
                  </p>
                  <dl class="report-facts">
                    <dt>{t(locale, "reports.reason")}</dt>
                    <dd class="report-reason">{r.reason}</dd>
                    <dt>{t(locale, "reports.message")}</dt>
                    <dd>
                      <figure class="report-message">
                        <blockquote class={r.message.text?.trim() ? "" : "muted"}>
                          {text}
                        </blockquote>
                        <figcaption class="muted">
                          {t(locale, "reports.author", {
                            name: nameOf(locale, names, r.message.authorId),
                            date: when(r.message.createdAt),
                          })}
                          {r.message.editedAt && ` · ${t(locale, "reports.edited")}`}
                        </figcaption>
                      </figure>
                    </dd>
                  </dl>
                </li>
              );
            })}
          </ul>
        )}
      {reports.length > shown && (
        <button
          type="button"
          class="secondary"
          onClick={() => setShown(shown + PAGE)}
        >
          {t(locale, "reports.more", { n: Math.min(PAGE, reports.length - shown) })}
        </button>
      )}
    </section>
  );
}

function noTextKey(kind: string): MessageKey {
  if (kind === "file") return "reports.noText.file";
  if (kind === "poll") return "reports.noText.poll";
  return "reports.noText";
}
