/**
 * The school's child-safety rules: quiet hours (when students get no notifications, and whether
 * class chats are read-only for them then) and students' direct messages to classmates. What is
 * in effect is shown from the saved settings, apart from the form being edited.
 */
import { useState } from "preact/hooks";
import type { Locale } from "../../shared/model.ts";
import { t } from "../../shared/i18n.ts";
import { api } from "../../shared/api_client.ts";
import { isQuiet } from "../../shared/quiet.ts";
import { type Problem, problemOf, valueOf, zoneName } from "./shared.ts";
import type { AdminClass, AdminOrg } from "../../shared/admin_view.ts";

export interface SafetyFormProps {
  locale: Locale;
  org: AdminOrg;
  classes: AdminClass[];
  live: boolean;
  onOrg: (org: AdminOrg) => void;
}

const checked = (e: Event) => (e.target as HTMLInputElement).checked;

/**
 * A time as typed ("21:00", "7:30", "2100", "7.30", "7") as "HH:MM", or null when it is not a
 * time of day. Times are written 24-hour, as Russian schools write them.
 */
export function normalizeTime(typed: string): string | null {
  const text = typed.trim().replace(/[.,\s-]+/g, ":");
  const match = /^(\d{1,2}):(\d{2})$/.exec(text) ?? /^(\d{1,2})(\d{2})$/.exec(text) ??
    /^(\d{1,2})()$/.exec(text);
  if (!match) return null;
  const hour = Number(match[1]);
  const minute = Number(match[2] || "0");
  if (hour > 23 || minute > 59) return null;
  return `${String(hour).padStart(2, "0")}:${String(minute).padStart(2, "0")}`;
}

/** Quiet hours that end between 04:00 and noon end "in the morning". */
const endsInMorning = (end: string) => {
  const hour = Number(end.slice(0, 2));
  return hour >= 4 && hour < 12;
};

export function SafetyForm({ locale, org, classes, live, onOrg }: SafetyFormProps) {
  const saved = org.settings;
  const [enabled, setEnabled] = useState(saved.quietHours.enabled);
  const [start, setStart] = useState(saved.quietHours.start);
  const [end, setEnd] = useState(saved.quietHours.end);
  const [readOnly, setReadOnly] = useState(saved.quietReadOnlyForStudents);
  const [direct, setDirect] = useState(saved.studentDirectMessages);
  const [previews, setPreviews] = useState(saved.studentPushPreviews);
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<Problem | null>(null);
  const [done, setDone] = useState(false);

  const dirty = enabled !== saved.quietHours.enabled ||
    (normalizeTime(start) ?? start) !== saved.quietHours.start ||
    (normalizeTime(end) ?? end) !== saved.quietHours.end ||
    readOnly !== saved.quietReadOnlyForStudents ||
    direct !== saved.studentDirectMessages ||
    previews !== saved.studentPushPreviews;
  const edited = () => {
    setDone(false);
    setProblem(null);
  };

  async function save(e: Event) {
    e.preventDefault();
    setProblem(null);
    setDone(false);
    const from = normalizeTime(start);
    const to = normalizeTime(end);
    if (!from || !to) {
      const field = from ? "end" : "start";
      setProblem({
        text: t(locale, "admin.error.quietTime"),
        field: `settings.quietHours.${field}`,
      });
      document.getElementById(`safety-${field}`)?.focus();
      return;
    }
    setStart(from);
    setEnd(to);
    if (enabled && from === to) {
      setProblem({ text: t(locale, "admin.error.quietSame"), field: "settings.quietHours.end" });
      document.getElementById("safety-end")?.focus();
      return;
    }
    setBusy(true);
    try {
      const updated = await api<AdminOrg>("PATCH", `/orgs/${org.id}`, {
        settings: {
          quietHours: { enabled, start: from, end: to },
          quietReadOnlyForStudents: readOnly,
          studentDirectMessages: direct,
          studentPushPreviews: previews,
        },
      });
      onOrg(updated);
      const next = updated.settings;
      setEnabled(next.quietHours.enabled);
      setStart(next.quietHours.start);
      setEnd(next.quietHours.end);
      setReadOnly(next.quietReadOnlyForStudents);
      setDirect(next.studentDirectMessages);
      setPreviews(next.studentPushPreviews);
      setDone(true);
    } catch (err) {
      setProblem(problemOf(locale, err));
    } finally {
      setBusy(false);
    }
  }

  const zone = zoneName(locale, saved.timeZone);
  const invalid = (field: string) => problem?.field === field || undefined;
  const described = (field: string, hint: string) =>
    problem?.field === field ? `${hint} safety-error` : hint;
  const allowedIn = classes.filter((c) => c.studentDirectMessages).map((c) => c.name);
  const shownEnd = normalizeTime(end) ?? "—";
  const quietNow = isQuiet(saved.quietHours, saved.timeZone, Date.now());

  return (
    <form id="safety" class="card safety-form" aria-labelledby="safety-title" onSubmit={save}>
      <h3 id="safety-title">{t(locale, "safety.title")}</h3>
      <p class="muted">{t(locale, "safety.lead")}</p>

      <div class="safety-now" role="group" aria-labelledby="safety-now-title">
        <h4 id="safety-now-title">{t(locale, "safety.now")}</h4>
        <ul>
          <li>
            {saved.quietHours.enabled
              ? t(locale, "safety.nowQuiet", {
                start: saved.quietHours.start,
                end: saved.quietHours.end,
                zone,
              })
              : t(locale, "safety.nowQuietOff")}
          </li>
          {quietNow && (
            <li>
              <strong>{t(locale, "safety.nowQuietActive", { end: saved.quietHours.end })}</strong>
            </li>
          )}
          {saved.quietHours.enabled && (
            <li>
              {saved.quietReadOnlyForStudents
                ? t(locale, "safety.nowReadOnly")
                : t(locale, "safety.nowWritable")}
            </li>
          )}
          <li>
            {saved.studentDirectMessages
              ? t(locale, "safety.nowDirectAll")
              : allowedIn.length > 0
              ? t(locale, "safety.nowDirectClasses", { classes: allowedIn.join(", ") })
              : t(locale, "safety.nowDirectNone")}
          </li>
          <li>
            {t(locale, saved.studentPushPreviews ? "safety.nowPreviews" : "safety.nowNoPreviews")}
          </li>
        </ul>
      </div>

      <fieldset class="admin-fieldset">
        <legend>{t(locale, "safety.quiet")}</legend>
        <label class="choice">
          <input
            id="safety-quiet-on"
            type="checkbox"
            disabled={!live}
            checked={enabled}
            aria-describedby="safety-quiet-hint"
            onChange={(e) => {
              setEnabled(checked(e));
              edited();
            }}
          />
          {t(locale, "safety.quietOn")}
        </label>
        <div class="safety-times">
          <div class="field">
            <label for="safety-start">{t(locale, "safety.start")}</label>
            <input
              id="safety-start"
              required
              inputMode="numeric"
              autoComplete="off"
              maxLength={5}
              placeholder="21:00"
              disabled={!live || !enabled}
              value={start}
              aria-invalid={invalid("settings.quietHours.start")}
              aria-describedby={described("settings.quietHours.start", "safety-times-hint")}
              onInput={(e) => {
                setStart(valueOf(e));
                edited();
              }}
              onBlur={(e) => {
                const time = normalizeTime(valueOf(e));
                if (time) setStart(time);
              }}
            />
          </div>
          <div class="field">
            <label for="safety-end">{t(locale, "safety.end")}</label>
            <input
              id="safety-end"
              required
              inputMode="numeric"
              autoComplete="off"
              maxLength={5}
              placeholder="08:00"
              disabled={!live || !enabled}
              value={end}
              aria-invalid={invalid("settings.quietHours.end")}
              aria-describedby={described("settings.quietHours.end", "safety-times-hint")}
              onInput={(e) => {
                setEnd(valueOf(e));
                edited();
              }}
              onBlur={(e) => {
                const time = normalizeTime(valueOf(e));
                if (time) setEnd(time);
              }}
            />
          </div>
        </div>
        <p class="hint" id="safety-times-hint">{t(locale, "safety.quietZone", { zone })}</p>
        <p class="hint" id="safety-quiet-hint">
          {t(locale, endsInMorning(shownEnd) ? "safety.quietHintMorning" : "safety.quietHintAt", {
            start: normalizeTime(start) ?? "—",
            end: shownEnd,
          })}
        </p>
        <label class="choice">
          <input
            id="safety-readonly"
            type="checkbox"
            disabled={!live || !enabled}
            checked={readOnly}
            aria-describedby="safety-readonly-hint"
            onChange={(e) => {
              setReadOnly(checked(e));
              edited();
            }}
          />
          {t(locale, "safety.readOnly")}
        </label>
        <p class="hint" id="safety-readonly-hint">{t(locale, "safety.readOnlyHint")}</p>
      </fieldset>

      <fieldset class="admin-fieldset">
        <legend>{t(locale, "safety.direct")}</legend>
        <label class="choice">
          <input
            id="safety-direct"
            type="checkbox"
            disabled={!live}
            checked={direct}
            aria-describedby="safety-direct-hint"
            onChange={(e) => {
              setDirect(checked(e));
              edited();
            }}
          />
          {t(locale, "settings.studentDirect")}
        </label>
        <p class="hint" id="safety-direct-hint">
          {t(locale, "settings.studentDirectHint")} {t(locale, "safety.directClassHint")}
        </p>
      </fieldset>

      <fieldset class="admin-fieldset">
        <legend>{t(locale, "safety.previews")}</legend>
        <label class="choice">
          <input
            id="safety-previews"
            type="checkbox"
            disabled={!live}
            checked={previews}
            aria-describedby="safety-previews-hint"
            onChange={(e) => {
              setPreviews(checked(e));
              edited();
            }}
          />
          {t(locale, "safety.previewsOn")}
        </label>
        <p class="hint" id="safety-previews-hint">{t(locale, "safety.previewsHint")}</p>
      </fieldset>

      {problem && <p class="alert alert-error" role="alert" id="safety-error">{problem.text}</p>}
      <div role="status">
        {done && <p class="alert alert-ok">{t(locale, "safety.saved")}</p>}
      </div>
      <div class="row">
        <button type="submit" disabled={busy || !live}>{t(locale, "safety.save")}</button>
        {dirty && live && <span class="muted">{t(locale, "safety.unsaved")}</span>}
      </div>
    </form>
  );
}
