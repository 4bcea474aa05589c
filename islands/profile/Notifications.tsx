/**
 * The profile's notification settings: turn notifications on in this browser (the permission is
 * asked only from the button, after the explanation), off again, and the other browsers that
 * receive them, each removable.
 */
import { useEffect, useState } from "preact/hooks";
import type { Locale, UnreadEmail } from "../../shared/model.ts";
import { formatDateTime, t } from "../../shared/i18n.ts";
import { api, ApiError, errorText } from "../../shared/api_client.ts";
import {
  disablePush,
  enablePush,
  type PushState,
  pushState,
  type PushSubscriptionView,
} from "../../shared/push_client.ts";

export interface NotificationsProps {
  locale: Locale;
  live: boolean;
  email: string;
  unreadEmail: UnreadEmail | null;
}

export function Notifications({ locale, live, email, unreadEmail }: NotificationsProps) {
  const [mail, setMail] = useState<UnreadEmail | "default">(unreadEmail ?? "default");
  const [mailNote, setMailNote] = useState<string | null>(null);
  const [state, setState] = useState<PushState | null>(null);
  const [subs, setSubs] = useState<PushSubscriptionView[]>([]);
  const [note, setNote] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function reload() {
    const list = await api<{ subscriptions: PushSubscriptionView[] }>("GET", "/push-subscriptions");
    setSubs(list.subscriptions);
  }

  useEffect(() => {
    if (!live) return;
    setState(pushState());
    reload().catch((err) => setNote(errorText(locale, err)));
  }, [live]);

  const mine = subs.find((s) => s.current) ?? null;

  async function act(work: () => Promise<void>) {
    setBusy(true);
    setNote(null);
    try {
      await work();
      await reload();
    } catch (err) {
      // The browser's own push service refused or could not be reached (not our server).
      setNote(err instanceof ApiError ? errorText(locale, err) : t(locale, "notify.failed"));
    } finally {
      setBusy(false);
    }
  }

  const turnOn = () =>
    act(async () => {
      const result = await enablePush();
      setState(result.state);
      if (result.state === "default") setNote(t(locale, "notify.notNow"));
    });

  const name = (s: PushSubscriptionView) => s.label || t(locale, "notify.unknownDevice");

  async function chooseMail(choice: UnreadEmail | "default") {
    const before = mail;
    setMail(choice);
    setMailNote(null);
    try {
      await api("PATCH", "/me", { unreadEmail: choice === "default" ? null : choice });
      setMailNote(t(locale, "common.saved"));
    } catch (err) {
      setMail(before);
      setMailNote(errorText(locale, err));
    }
  }

  return (
    <section class="card stack" aria-labelledby="notify-title">
      <h2 id="notify-title">{t(locale, "notify.settings")}</h2>
      {state === "unsupported" && <p>{t(locale, "notify.unsupported")}</p>}
      {state === "denied" && <p class="alert alert-error">{t(locale, "notify.denied")}</p>}
      {(state === "default" || state === "granted") && !mine && (
        <>
          <p>{t(locale, "notify.explain")}</p>
          <button type="button" disabled={busy} onClick={turnOn}>
            {t(locale, "notify.enable")}
          </button>
        </>
      )}
      {mine && (
        <>
          <p class="alert alert-ok">{t(locale, "notify.on")}</p>
          <button
            type="button"
            class="secondary"
            disabled={busy}
            onClick={() => act(() => disablePush(mine.id))}
          >
            {t(locale, "notify.disable")}
          </button>
        </>
      )}
      {note && <p role="status">{note}</p>}
      {subs.length > 0 && (
        <>
          <h3>{t(locale, "notify.devices")}</h3>
          <ul class="device-list">
            {subs.map((s) => (
              <li key={s.id}>
                <span>
                  <strong>{name(s)}</strong>
                  {s.current && ` (${t(locale, "notify.thisBrowser")})`}
                  <br />
                  <small>
                    {s.lastUsedAt
                      ? t(locale, "notify.lastUsed", { time: formatDateTime(locale, s.lastUsedAt) })
                      : t(locale, "notify.neverUsed")}
                  </small>
                </span>
                <button
                  type="button"
                  class="secondary"
                  disabled={busy}
                  aria-label={t(locale, "notify.removeLabel", { device: name(s) })}
                  onClick={() =>
                    act(() =>
                      s.current ? disablePush(s.id) : api("DELETE", `/push-subscriptions/${s.id}`)
                    )}
                >
                  {t(locale, "notify.remove")}
                </button>
              </li>
            ))}
          </ul>
        </>
      )}
      <div class="field">
        <label for="notify-email">{t(locale, "notify.email.label")}</label>
        <select
          id="notify-email"
          disabled={!live}
          value={mail}
          aria-describedby="notify-email-hint"
          onChange={(e) =>
            chooseMail((e.target as HTMLSelectElement).value as UnreadEmail | "default")}
        >
          <option value="default">{t(locale, "notify.email.default")}</option>
          <option value="15m">{t(locale, "notify.email.15m")}</option>
          <option value="daily">{t(locale, "notify.email.daily")}</option>
          <option value="off">{t(locale, "notify.email.off")}</option>
        </select>
        <p class="hint" id="notify-email-hint">
          {t(locale, mail === "daily" ? "notify.email.hintDaily" : "notify.email.hint", { email })}
        </p>
        {mailNote && <p role="status">{mailNote}</p>}
      </div>
    </section>
  );
}
