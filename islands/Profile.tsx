/** The profile: display name, language, notifications, sign-out. */
import { useState } from "preact/hooks";
import type { Locale, UnreadEmail } from "../shared/model.ts";
import { t } from "../shared/i18n.ts";
import { useHydrated } from "../shared/use_hydrated.ts";
import { api, ApiError, errorText } from "../shared/api_client.ts";
import { Notifications } from "./profile/Notifications.tsx";

export interface ProfileProps {
  locale: Locale;
  displayName: string | null;
  email: string;
  /** Null: the school's default. */
  unreadEmail: UnreadEmail | null;
}

export default function Profile({ locale, displayName, email, unreadEmail }: ProfileProps) {
  const live = useHydrated();
  const [name, setName] = useState(displayName ?? "");
  const [lang, setLang] = useState<Locale>(locale);
  const [status, setStatus] = useState<{ ok: boolean; text: string; field?: string } | null>(
    null,
  );
  const [busy, setBusy] = useState(false);

  async function save(e: Event) {
    e.preventDefault();
    setBusy(true);
    setStatus(null);
    try {
      const saved = await api<{ user: { displayName: string | null } }>("PATCH", "/me", {
        displayName: name,
        locale: lang,
      });
      // The name as stored: invisible characters and extra spaces dropped.
      setName(saved.user.displayName ?? "");
      if (lang !== locale) {
        location.reload();
        return;
      }
      setStatus({ ok: true, text: t(locale, "common.saved") });
    } catch (err) {
      // Refusals of the name (a badge, a staff member's look-alike) say why, in words.
      setStatus({
        ok: false,
        text: errorText(locale, err),
        field: err instanceof ApiError ? err.field : undefined,
      });
    } finally {
      setBusy(false);
    }
  }

  async function signOut() {
    try {
      await api("POST", "/auth/logout");
    } finally {
      location.assign("/signin");
    }
  }

  return (
    <div class="stack">
      <form class="card stack" onSubmit={save}>
        {status && (
          <p
            id="profile-status"
            class={status.ok ? "alert alert-ok" : "alert alert-error"}
            role="status"
          >
            {status.text}
          </p>
        )}
        <div class="field">
          <label for="profile-name">{t(locale, "profile.name")}</label>
          <input
            disabled={!live}
            id="profile-name"
            required
            maxLength={80}
            autoComplete="name"
            aria-invalid={status?.field === "displayName" || undefined}
            aria-describedby={status?.field === "displayName" ? "profile-status" : undefined}
            value={name}
            onInput={(e) => setName((e.target as HTMLInputElement).value)}
          />
        </div>
        <div class="field">
          <label for="profile-email">{t(locale, "profile.email")}</label>
          <input id="profile-email" type="email" value={email} readOnly disabled={!live} />
        </div>
        <div class="field">
          <label for="profile-lang">{t(locale, "profile.language")}</label>
          <select
            disabled={!live}
            id="profile-lang"
            value={lang}
            onChange={(e) => setLang((e.target as HTMLSelectElement).value as Locale)}
          >
            <option value="ru">Русский</option>
            <option value="en">English</option>
          </select>
        </div>
        <button type="submit" disabled={busy || !live}>{t(locale, "common.save")}</button>
      </form>
      <Notifications locale={locale} live={live} email={email} unreadEmail={unreadEmail} />
      <button type="button" class="secondary" disabled={!live} onClick={signOut}>
        {t(locale, "profile.signout")}
      </button>
    </div>
  );
}
