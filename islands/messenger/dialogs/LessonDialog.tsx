/** Planning a lesson or a meeting in a chat (teachers and admins): what, when, for how long. */
import { useRef, useState } from "preact/hooks";
import { t } from "../../../shared/i18n.ts";
import { api, errorText } from "../../../shared/api_client.ts";
import type { ModalProps } from "../modal.ts";
import { formatWhen, zonedParts, zonedToIso } from "../format.ts";
import { closeDialog, DialogFooter, Modal, WhenFields } from "./Modal.tsx";

const DURATIONS = [30, 40, 45, 60, 90, 120];

export function LessonDialog(props: ModalProps<{ kind: "lesson"; chatId: string }>) {
  const { locale, spec, state, orgs } = props;
  const orgId = state.chats.find((c) => c.id === spec.chatId)?.orgId;
  const timeZone = orgs.find((o) => o.id === orgId)?.timeZone ?? "Europe/Moscow";
  const tomorrow = zonedParts(Date.now() + 24 * 3600_000, timeZone);
  const form = useRef<HTMLFormElement>(null);
  const [kind, setKind] = useState<"lesson" | "meeting">("lesson");
  const [title, setTitle] = useState("");
  const [date, setDate] = useState(tomorrow.date);
  const [time, setTime] = useState("10:00");
  const [duration, setDuration] = useState(45);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(e: Event) {
    e.preventDefault();
    if (!title.trim()) return setError(t(locale, "plannedNew.needTitle"));
    const startsAt = zonedToIso(date, time, timeZone);
    if (!startsAt || Date.parse(startsAt) <= Date.now()) {
      return setError(t(locale, "plannedNew.past"));
    }
    setError(null);
    setBusy(true);
    try {
      await api("POST", `/chats/${spec.chatId}/lessons`, {
        kind,
        title: title.trim(),
        startsAt,
        durationMinutes: duration,
      });
      props.ctl.life.refreshLessons();
      closeDialog(form.current);
    } catch (err) {
      setError(errorText(locale, err));
    } finally {
      setBusy(false);
    }
  }

  const startsAt = zonedToIso(date, time, timeZone);

  return (
    <Modal
      locale={locale}
      id="lesson-new-title"
      title={t(locale, "plannedNew.title")}
      onClose={props.onClose}
    >
      <form class="stack" ref={form} onSubmit={submit}>
        <fieldset class="kind-choice">
          <legend>{t(locale, "plannedNew.kind")}</legend>
          {(["lesson", "meeting"] as const).map((k) => (
            <label key={k} class="check">
              <input
                type="radio"
                name="lesson-kind"
                checked={kind === k}
                onChange={() => setKind(k)}
              />
              {t(locale, k === "lesson" ? "planned.lesson" : "planned.meeting")}
            </label>
          ))}
        </fieldset>
        <div class="field">
          <label for="lesson-title">{t(locale, "plannedNew.name")}</label>
          <input
            id="lesson-title"
            autoFocus
            required
            maxLength={200}
            value={title}
            onInput={(e) => setTitle((e.target as HTMLInputElement).value)}
          />
        </div>
        <div class="row when-row">
          <WhenFields
            locale={locale}
            idPrefix="lesson"
            date={date}
            time={time}
            onDate={setDate}
            onTime={setTime}
          />
          <div class="field">
            <label for="lesson-duration">{t(locale, "plannedNew.duration")}</label>
            <select
              id="lesson-duration"
              value={duration}
              onChange={(e) => setDuration(Number((e.target as HTMLSelectElement).value))}
            >
              {DURATIONS.map((m) => (
                <option key={m} value={m}>{t(locale, "plannedNew.minutes", { n: m })}</option>
              ))}
            </select>
          </div>
        </div>
        {startsAt && (
          <p class="hint" aria-live="polite">
            {t(locale, "plannedNew.when", { when: formatWhen(locale, startsAt, timeZone) })}
          </p>
        )}
        <DialogFooter
          locale={locale}
          error={error}
          busy={busy}
          submit={t(locale, "plannedNew.create")}
        />
      </form>
    </Modal>
  );
}
