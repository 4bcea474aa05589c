/** Who has confirmed an announcement and who has not yet (its author and moderators see it). */
import { useEffect, useState } from "preact/hooks";
import { t } from "../../../shared/i18n.ts";
import { api, errorText } from "../../../shared/api_client.ts";
import { formatTime } from "../../../shared/chat_view.ts";
import type { ModalProps } from "../modal.ts";
import { Modal } from "./Modal.tsx";

interface AckReport {
  total: number;
  acknowledged: { userId: string; displayName: string | null; at: string }[];
  pending: { userId: string; displayName: string | null }[];
}

export function AcksDialog(props: ModalProps<{ kind: "acks"; chatId: string; seq: number }>) {
  const { locale, spec, state, orgs } = props;
  const orgId = state.chats.find((c) => c.id === spec.chatId)?.orgId;
  const timeZone = orgs.find((o) => o.id === orgId)?.timeZone ?? "Europe/Moscow";
  const count = state.loaded[spec.chatId]?.messages.find((m) => m.seq === spec.seq)?.ackCount;
  const [report, setReport] = useState<AckReport | null>(null);
  const [error, setError] = useState<string | null>(null);

  // Read again whenever the live count moves.
  useEffect(() => {
    let live = true;
    api<AckReport>("GET", `/chats/${spec.chatId}/messages/${spec.seq}/acks`)
      .then((r) => live && setReport(r), (err) => live && setError(errorText(locale, err)));
    return () => {
      live = false;
    };
  }, [count]);

  const name = (p: { displayName: string | null }) =>
    p.displayName ?? t(locale, "chats.unknownPerson");

  return (
    <Modal
      locale={locale}
      id="acks-title"
      title={t(locale, "ack.whoTitle")}
      onClose={props.onClose}
    >
      {error && <p class="alert alert-error" role="alert">{error}</p>}
      {!report && !error && <p class="muted">{t(locale, "common.loading")}</p>}
      {report && (
        <div class="acks" aria-live="polite">
          <p class="acks-total">
            {t(locale, "ack.count", { n: report.acknowledged.length, total: report.total })}
          </p>
          <div class="acks-columns">
            <section aria-labelledby="acks-done">
              <h3 id="acks-done">
                {t(locale, "ack.acknowledged", { n: report.acknowledged.length })}
              </h3>
              {report.acknowledged.length === 0
                ? <p class="muted">{t(locale, "ack.nobody")}</p>
                : (
                  <ul class="list-plain people-rows">
                    {report.acknowledged.map((p) => (
                      <li key={p.userId}>
                        <span aria-hidden="true" class="ok-mark">✓</span> {name(p)}{" "}
                        <time class="muted" dateTime={p.at}>
                          {formatTime(locale, p.at, timeZone)}
                        </time>
                      </li>
                    ))}
                  </ul>
                )}
            </section>
            <section aria-labelledby="acks-pending">
              <h3 id="acks-pending">{t(locale, "ack.pending", { n: report.pending.length })}</h3>
              {report.pending.length === 0
                ? <p class="muted">{t(locale, "ack.everyone")}</p>
                : (
                  <ul class="list-plain people-rows">
                    {report.pending.map((p) => <li key={p.userId}>{name(p)}</li>)}
                  </ul>
                )}
            </section>
          </div>
        </div>
      )}
    </Modal>
  );
}
