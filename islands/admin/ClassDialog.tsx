/** A class's settings: its timetable link and whether its students may write to each other. */
import { useState } from "preact/hooks";
import type { Locale } from "../../shared/model.ts";
import { t } from "../../shared/i18n.ts";
import { api } from "../../shared/api_client.ts";
import { closeDialogOf, Dialog } from "./Dialog.tsx";
import { type Problem, problemOf, valueOf } from "./shared.ts";
import type { AdminClass } from "../../shared/admin_view.ts";

export interface ClassDialogProps {
  locale: Locale;
  orgId: string;
  cls: AdminClass;
  /** Whether the whole school already lets students write to classmates. */
  schoolDirect: boolean;
  onClose: () => void;
  onSaved: (cls: AdminClass) => void;
}

export function ClassDialog(props: ClassDialogProps) {
  const { locale, cls } = props;
  const [scheduleUrl, setScheduleUrl] = useState(cls.scheduleUrl ?? "");
  const [direct, setDirect] = useState(cls.studentDirectMessages);
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<Problem | null>(null);

  async function save(e: Event) {
    e.preventDefault();
    const form = e.currentTarget as HTMLElement;
    setBusy(true);
    setProblem(null);
    try {
      const saved = await api<AdminClass>("PATCH", `/orgs/${props.orgId}/classes/${cls.id}`, {
        scheduleUrl: scheduleUrl.trim() === "" ? null : scheduleUrl.trim(),
        studentDirectMessages: direct,
      });
      props.onSaved(saved);
      closeDialogOf(form);
    } catch (err) {
      setProblem(problemOf(locale, err));
      setBusy(false);
    }
  }

  const urlInvalid = problem?.field === "scheduleUrl";
  return (
    <Dialog
      locale={locale}
      id="class-dialog"
      title={t(locale, "classes.settingsTitle", { name: cls.name })}
      onClose={props.onClose}
      fallbackFocus="#classes-title"
    >
      <form class="stack" onSubmit={save}>
        <div class="field">
          <label for="class-schedule">{t(locale, "classes.scheduleUrl")}</label>
          <p class="hint" id="class-schedule-hint">{t(locale, "classes.scheduleHint")}</p>
          <input
            id="class-schedule"
            type="url"
            inputMode="url"
            maxLength={2000}
            placeholder="https://"
            value={scheduleUrl}
            aria-invalid={urlInvalid || undefined}
            aria-describedby={urlInvalid
              ? "class-schedule-hint class-dialog-error"
              : "class-schedule-hint"}
            onInput={(e) => {
              setScheduleUrl(valueOf(e));
              setProblem(null);
            }}
          />
        </div>
        <div class="field">
          <label class="choice">
            <input
              id="class-direct"
              type="checkbox"
              checked={direct}
              aria-describedby="class-direct-hint"
              onChange={(e) => setDirect((e.target as HTMLInputElement).checked)}
            />
            {t(locale, "classes.studentDirect")}
          </label>
          <p class="hint" id="class-direct-hint">
            {t(locale, "classes.studentDirectHint")}
            {props.schoolDirect && <>{" "}{t(locale, "classes.studentDirectSchool")}</>}
          </p>
        </div>
        {problem && (
          <p class="alert alert-error" role="alert" id="class-dialog-error">{problem.text}</p>
        )}
        <div class="row admin-dialog-actions">
          <button type="submit" disabled={busy}>{t(locale, "common.save")}</button>
          <button
            type="button"
            class="secondary"
            onClick={(e) => closeDialogOf(e.currentTarget)}
          >
            {t(locale, "common.cancel")}
          </button>
        </div>
      </form>
    </Dialog>
  );
}
