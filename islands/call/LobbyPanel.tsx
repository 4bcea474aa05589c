/**
 * The host's lobby: who waits to be let in, longest first, asked again every few seconds; each
 * can be let in or turned away, or everyone let in at once. A newcomer is announced.
 */
import { useEffect, useRef, useState } from "preact/hooks";
import type { Locale } from "../../shared/model.ts";
import { type MessageKey, t } from "../../shared/i18n.ts";
import { api, errorText } from "../../shared/api_client.ts";

/** How often the host's page asks who waits. */
const POLL_MS = 3000;

interface Waiting {
  userId: string;
  displayName: string | null;
  roles: string[];
  since: string;
}

export function LobbyPanel({ locale, callId, announce }: {
  locale: Locale;
  callId: string;
  /** Says something to screen readers (and the page's status line). */
  announce: (text: string) => void;
}) {
  const [waiting, setWaiting] = useState<Waiting[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const known = useRef(new Set<string>());
  const name = (w: Waiting) => w.displayName?.trim() || t(locale, "call.unnamed");

  async function load() {
    try {
      const lobby = await api<{ waiting: Waiting[] }>("GET", `/calls/${callId}/lobby`);
      const fresh = lobby.waiting.filter((w) => !known.current.has(w.userId));
      known.current = new Set(lobby.waiting.map((w) => w.userId));
      if (fresh.length > 0) {
        announce(t(locale, "call.lobby.arrived", { names: fresh.map(name).join(", ") }));
      }
      setWaiting(lobby.waiting);
      setError(null);
    } catch (err) {
      setError(errorText(locale, err));
    }
  }

  useEffect(() => {
    void load();
    const timer = setInterval(load, POLL_MS);
    return () => clearInterval(timer);
  }, [callId]);

  async function answer(people: Waiting[], verdict: "admit" | "decline") {
    setBusy(people.length === 1 ? `${verdict}:${people[0]!.userId}` : verdict);
    try {
      for (const w of people) {
        await api("POST", `/calls/${callId}/lobby/${w.userId}/${verdict}`).catch((err) => {
          // Someone who stopped waiting meanwhile is simply gone from the list.
          if (!(err && (err as { status?: number }).status === 404)) throw err;
        });
      }
      await load();
    } catch (err) {
      setError(errorText(locale, err));
    } finally {
      setBusy(null);
    }
  }

  return (
    <section class="call-panel call-lobby" aria-labelledby="call-lobby-panel-title">
      <h2 id="call-lobby-panel-title" class="call-panel-title">
        {t(locale, "call.lobby.title", { count: waiting.length })}
      </h2>
      {error && <p class="alert alert-error" role="alert">{error}</p>}
      {waiting.length === 0 ? <p class="muted">{t(locale, "call.lobby.empty")}</p> : (
        <>
          <ul class="list-plain call-lobby-list">
            {waiting.map((w) => (
              <li key={w.userId} class="call-person">
                <span>
                  <strong>{name(w)}</strong>{" "}
                  {w.roles.map((r) => (
                    <span key={r} class="badge">{t(locale, `role.${r}` as MessageKey)}</span>
                  ))}
                </span>
                <span class="row">
                  <button
                    type="button"
                    class="compact"
                    aria-label={t(locale, "call.lobby.admitLabel", { name: name(w) })}
                    disabled={busy !== null}
                    onClick={() => answer([w], "admit")}
                  >
                    {t(locale, "call.lobby.admit")}
                  </button>
                  <button
                    type="button"
                    class="compact secondary"
                    aria-label={t(locale, "call.lobby.declineLabel", { name: name(w) })}
                    disabled={busy !== null}
                    onClick={() => answer([w], "decline")}
                  >
                    {t(locale, "call.lobby.decline")}
                  </button>
                </span>
              </li>
            ))}
          </ul>
          {waiting.length > 1 && (
            <button
              type="button"
              disabled={busy !== null}
              onClick={() => answer(waiting, "admit")}
            >
              {t(locale, "call.lobby.admitAll")}
            </button>
          )}
        </>
      )}
    </section>
  );
}
