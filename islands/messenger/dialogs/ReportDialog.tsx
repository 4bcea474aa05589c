/** Reporting a message to the chat's moderators and the school's admins, with a reason. */
import { useRef, useState } from "preact/hooks";
import { t } from "../../../shared/i18n.ts";
import { api, ApiError, errorText } from "../../../shared/api_client.ts";
import type { ModalProps } from "../modal.ts";
import { personName } from "../names.ts";
import { closeDialog, DialogFooter, Modal } from "./Modal.tsx";

/** Reasons offered with one tap; the person may write their own. */
const REASONS = [
  "reportMsg.reason.insult",
  "reportMsg.reason.spam",
  "reportMsg.reason.unsafe",
] as const;

export function ReportDialog(props: ModalProps<{ kind: "report"; chatId: string; seq: number }>) {
  const { locale, spec, state } = props;
  const message = state.loaded[spec.chatId]?.messages.find((m) => m.seq === spec.seq);
  const form = useRef<HTMLFormElement>(null);
  const [reason, setReason] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(e: Event) {
    e.preventDefault();
    if (!reason.trim()) return setError(t(locale, "reportMsg.needReason"));
    setError(null);
    setBusy(true);
    try {
      await api("POST", `/chats/${spec.chatId}/messages/${spec.seq}/report`, {
        reason: reason.trim(),
      });
      props.ctl.life.reported();
      closeDialog(form.current);
    } catch (err) {
      setError(
        err instanceof ApiError && err.code === "conflict"
          ? t(locale, "reportMsg.gone")
          : errorText(locale, err),
      );
    } finally {
      setBusy(false);
    }
  }

  return (
    <Modal
      locale={locale}
      id="report-title"
      title={t(locale, "reportMsg.title")}
      onClose={props.onClose}
    >
      <form class="stack" ref={form} onSubmit={submit}>
        {message && (
          <blockquote class="report-quote">
            <strong>{personName(locale, state.people, message.authorId)}:</strong>{" "}
            {message.text || message.files?.map((f) => f.name).join(", ")}
          </blockquote>
        )}
        <p class="hint">{t(locale, "reportMsg.lead")}</p>
        <div class="row report-reasons" role="group" aria-label={t(locale, "reportMsg.quick")}>
          {REASONS.map((key) => (
            <button
              key={key}
              type="button"
              class="secondary chip"
              aria-pressed={reason === t(locale, key)}
              onClick={() => setReason(t(locale, key))}
            >
              {t(locale, key)}
            </button>
          ))}
        </div>
        <div class="field">
          <label for="report-reason">{t(locale, "reportMsg.reason")}</label>
          <textarea
            id="report-reason"
            autoFocus
            required
            rows={3}
            maxLength={1000}
            value={reason}
            onInput={(e) => setReason((e.target as HTMLTextAreaElement).value)}
          />
        </div>
        <DialogFooter
          locale={locale}
          error={error}
          busy={busy}
          submit={t(locale, "reportMsg.send")}
        />
      </form>
    </Modal>
  );
}
