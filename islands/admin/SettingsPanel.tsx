/** The school's settings: name, gradebook link, time zone; then its child-safety rules. */
import { useState } from "preact/hooks";
import type { Locale } from "../../shared/model.ts";
import { t } from "../../shared/i18n.ts";
import { api } from "../../shared/api_client.ts";
import { type Problem, problemOf, valueOf, zoneName } from "./shared.ts";
import type { AdminClass, AdminOrg } from "../../shared/admin_view.ts";
import { SafetyForm } from "./SafetyForm.tsx";

/** Russia's time zones, west to east; a school elsewhere keeps its own zone as an extra choice. */
const TIME_ZONES = [
  "Europe/Kaliningrad",
  "Europe/Moscow",
  "Europe/Samara",
  "Asia/Yekaterinburg",
  "Asia/Omsk",
  "Asia/Novosibirsk",
  "Asia/Krasnoyarsk",
  "Asia/Irkutsk",
  "Asia/Yakutsk",
  "Asia/Vladivostok",
  "Asia/Magadan",
  "Asia/Kamchatka",
];

export interface SettingsPanelProps {
  locale: Locale;
  org: AdminOrg;
  classes: AdminClass[];
  live: boolean;
  onOrg: (org: AdminOrg) => void;
}

export function SettingsPanel({ locale, org, classes, live, onOrg }: SettingsPanelProps) {
  const [name, setName] = useState(org.name);
  const [journalUrl, setJournalUrl] = useState(org.journalUrl ?? "");
  const [timeZone, setTimeZone] = useState(org.settings.timeZone);
  const [unreadEmail, setUnreadEmail] = useState(org.settings.unreadEmail);
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<Problem | null>(null);
  const [saved, setSaved] = useState(false);
  const zones = TIME_ZONES.includes(org.settings.timeZone)
    ? TIME_ZONES
    : [...TIME_ZONES, org.settings.timeZone];

  async function save(e: Event) {
    e.preventDefault();
    setBusy(true);
    setProblem(null);
    setSaved(false);
    try {
      const updated = await api<AdminOrg>("PATCH", `/orgs/${org.id}`, {
        name,
        journalUrl: journalUrl.trim() === "" ? null : journalUrl.trim(),
        settings: { timeZone, unreadEmail },
      });
      onOrg(updated);
      setName(updated.name);
      setJournalUrl(updated.journalUrl ?? "");
      setSaved(true);
    } catch (err) {
      setProblem(problemOf(locale, err));
    } finally {
      setBusy(false);
    }
  }

  const invalid = (field: string) => problem?.field === field || undefined;
  const described = (field: string, hint?: string) =>
    [hint, problem?.field === field ? "settings-error" : null].filter(Boolean).join(" ") ||
    undefined;

  return (
    <section id="settings" class="admin-section" aria-labelledby="settings-title">
      <h2 id="settings-title" tabIndex={-1}>{t(locale, "settings.title")}</h2>
      <form class="card settings-form" onSubmit={save}>
        <div role="status">
          {saved && <p class="alert alert-ok">{t(locale, "settings.saved")}</p>}
        </div>
        {problem && <p class="alert alert-error" role="alert" id="settings-error">{problem.text}
        </p>}
        <div class="field">
          <label for="settings-name">{t(locale, "settings.name")}</label>
          <input
            id="settings-name"
            disabled={!live}
            required
            minLength={2}
            maxLength={200}
            value={name}
            aria-invalid={invalid("name")}
            aria-describedby={described("name")}
            onInput={(e) => setName(valueOf(e))}
          />
        </div>
        <div class="field">
          <label for="settings-journal">{t(locale, "settings.journal")}</label>
          <p class="hint" id="settings-journal-hint">{t(locale, "settings.journalHint")}</p>
          <input
            id="settings-journal"
            type="url"
            inputMode="url"
            disabled={!live}
            maxLength={2000}
            placeholder="https://"
            value={journalUrl}
            aria-invalid={invalid("journalUrl")}
            aria-describedby={described("journalUrl", "settings-journal-hint")}
            onInput={(e) => setJournalUrl(valueOf(e))}
          />
        </div>
        <div class="field">
          <label for="settings-tz">{t(locale, "settings.timeZone")}</label>
          <p class="hint" id="settings-tz-hint">{t(locale, "settings.timeZoneHint")}</p>
          <select
            id="settings-tz"
            disabled={!live}
            value={timeZone}
            aria-invalid={invalid("settings.timeZone")}
            aria-describedby={described("settings.timeZone", "settings-tz-hint")}
            onChange={(e) => setTimeZone(valueOf(e))}
          >
            {zones.map((z) => <option key={z} value={z}>{zoneName(locale, z)}</option>)}
          </select>
        </div>
        <div class="field">
          <label for="settings-email">{t(locale, "settings.unreadEmail")}</label>
          <p class="hint" id="settings-email-hint">{t(locale, "settings.unreadEmailHint")}</p>
          <select
            id="settings-email"
            disabled={!live}
            value={unreadEmail}
            aria-describedby="settings-email-hint"
            onChange={(e) => setUnreadEmail(valueOf(e) as typeof unreadEmail)}
          >
            <option value="15m">{t(locale, "settings.unreadEmail15m")}</option>
            <option value="daily">{t(locale, "settings.unreadEmailDaily")}</option>
            <option value="off">{t(locale, "settings.unreadEmailOff")}</option>
          </select>
        </div>
        <button type="submit" disabled={busy || !live}>{t(locale, "common.save")}</button>
      </form>
      <SafetyForm locale={locale} org={org} classes={classes} live={live} onOrg={onOrg} />
    </section>
  );
}
