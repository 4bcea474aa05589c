/**
 * The host's guest links: someone from outside the school (a speaker, a psychologist at a parent
 * meeting) gets a link to this call alone, for a few hours; the host copies it, sees who has one,
 * and revokes it, which also takes the guest out of the call.
 */
import { useEffect, useRef, useState } from "preact/hooks";
import type { Locale } from "../../shared/model.ts";
import { t } from "../../shared/i18n.ts";
import { api, errorText } from "../../shared/api_client.ts";
import { formatTime } from "../../shared/chat_view.ts";

interface Guest {
  id: string;
  name: string;
  expiresAt: string;
  revokedAt: string | null;
}

const HOURS = [1, 2, 4, 8] as const;

export function GuestPanel({ locale, callId, timeZone }: {
  locale: Locale;
  callId: string;
  timeZone: string;
}) {
  const [open, setOpen] = useState(false);
  const [guests, setGuests] = useState<Guest[]>([]);
  const [name, setName] = useState("");
  const [hours, setHours] = useState<number>(2);
  const [link, setLink] = useState<string | null>(null);
  const [copied, setCopied] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const field = useRef<HTMLInputElement>(null);

  async function load() {
    try {
      setGuests((await api<{ guests: Guest[] }>("GET", `/calls/${callId}/guests`)).guests);
    } catch (err) {
      setError(errorText(locale, err));
    }
  }

  useEffect(() => {
    if (open) void load();
  }, [open]);

  async function create(e: Event) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    setCopied(false);
    try {
      const made = await api<{ guest: Guest & { url: string } }>(
        "POST",
        `/calls/${callId}/guests`,
        {
          ...(name.trim() ? { name: name.trim() } : {}),
          ttlMinutes: hours * 60,
        },
      );
      setLink(made.guest.url);
      setName("");
      await load();
    } catch (err) {
      setError(errorText(locale, err));
    } finally {
      setBusy(false);
    }
  }

  async function copy() {
    if (!link) return;
    try {
      await navigator.clipboard.writeText(link);
      setCopied(true);
    } catch {
      // No clipboard here (an old browser, no permission): the link is selected to copy by hand,
      // as the chat's invite link does.
      field.current?.select();
      setError(t(locale, "chatInvite.copyByHand"));
    }
  }

  async function revoke(g: Guest) {
    setBusy(true);
    setError(null);
    try {
      await api("DELETE", `/calls/${callId}/guests/${g.id}`);
      await load();
    } catch (err) {
      setError(errorText(locale, err));
    } finally {
      setBusy(false);
    }
  }

  const now = Date.now();
  return (
    <section class="call-panel call-guests" aria-labelledby="call-guests-title">
      <h2 id="call-guests-title" class="call-panel-title">
        <button
          type="button"
          class="call-disclosure"
          aria-expanded={open}
          aria-controls="call-guests-body"
          onClick={() => setOpen(!open)}
        >
          {t(locale, "call.guest.title")}
        </button>
      </h2>
      <div id="call-guests-body" class="stack" hidden={!open}>
        <p class="muted">{t(locale, "call.guest.hint")}</p>
        {error && <p class="alert alert-error" role="alert">{error}</p>}
        <form class="stack" onSubmit={create}>
          <div class="field">
            <label for="guest-name">{t(locale, "call.guest.name")}</label>
            <input
              id="guest-name"
              maxLength={60}
              value={name}
              placeholder={t(locale, "call.guest.namePlaceholder")}
              onInput={(e) => setName((e.target as HTMLInputElement).value)}
            />
          </div>
          <div class="field">
            <label for="guest-ttl">{t(locale, "call.guest.ttl")}</label>
            <select
              id="guest-ttl"
              value={hours}
              onChange={(e) => setHours(Number((e.target as HTMLSelectElement).value))}
            >
              {HOURS.map((h) => (
                <option key={h} value={h}>{t(locale, "call.guest.ttlHours", { hours: h })}</option>
              ))}
            </select>
          </div>
          <button type="submit" disabled={busy}>{t(locale, "call.guest.create")}</button>
        </form>
        {link && (
          <div class="stack" role="status">
            <label for="guest-link">{t(locale, "call.guest.ready")}</label>
            <input
              ref={field}
              id="guest-link"
              readOnly
              value={link}
              onFocus={(e) => (e.target as HTMLInputElement).select()}
            />
            <button type="button" class="secondary" onClick={copy}>
              {copied ? t(locale, "call.guest.copied") : t(locale, "call.guest.copy")}
            </button>
          </div>
        )}
        {guests.length === 0
          ? <p class="muted">{t(locale, "call.guest.none")}</p>
          : (
            <ul class="list-plain call-lobby-list">
              {guests.map((g) => {
                const gone = g.revokedAt !== null
                  ? t(locale, "call.guest.revoked")
                  : Date.parse(g.expiresAt) <= now
                  ? t(locale, "call.guest.expired")
                  : null;
                return (
                  <li key={g.id} class="call-person">
                    <span>
                      <strong>{g.name}</strong>{" "}
                      <span class="muted">
                        {gone ??
                          t(locale, "call.guest.until", {
                            time: formatTime(locale, g.expiresAt, timeZone),
                          })}
                      </span>
                    </span>
                    {!gone && (
                      <button
                        type="button"
                        class="compact secondary"
                        aria-label={t(locale, "call.guest.revokeLabel", { name: g.name })}
                        disabled={busy}
                        onClick={() => revoke(g)}
                      >
                        {t(locale, "call.guest.revoke")}
                      </button>
                    )}
                  </li>
                );
              })}
            </ul>
          )}
      </div>
    </section>
  );
}
