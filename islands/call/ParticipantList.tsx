/**
 * Everyone in the call with their badges, raised hands first (in the order they went up); hosts
 * get lowering all hands, and mute and removal of each participant they outrank (the server's
 * `canControl`, shared/policy.ts).
 */
import { useState } from "preact/hooks";
import type { Locale } from "../../shared/model.ts";
import { t } from "../../shared/i18n.ts";
import { api, errorText } from "../../shared/api_client.ts";
import type { Peer } from "./session.ts";
import { Badges, peerName } from "./Tile.tsx";
import { ConfirmDialog } from "./ConfirmDialog.tsx";
import { Icon } from "./Icon.tsx";

export interface ParticipantListProps {
  locale: Locale;
  callId: string;
  peers: Peer[];
  host: boolean;
}

/** Raised hands first, earliest first; then everyone else as they joined. */
function ordered(peers: Peer[]): Peer[] {
  const hands = peers.filter((p) => p.hand).sort((a, b) => a.hand!.localeCompare(b.hand!));
  return [...hands, ...peers.filter((p) => !p.hand)];
}

export function ParticipantList({ locale, callId, peers, host }: ParticipantListProps) {
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const [removing, setRemoving] = useState<Peer | null>(null);
  const anyHand = peers.some((p) => p.hand);

  async function act(key: string, path: string, body?: unknown) {
    setBusy(key);
    setError(null);
    try {
      await api("POST", `/calls/${callId}${path}`, body);
    } catch (err) {
      setError(errorText(locale, err));
    } finally {
      setBusy(null);
    }
  }

  return (
    <aside class="call-people" aria-labelledby="call-people-title">
      <div class="call-people-head">
        <h2 id="call-people-title">
          <Icon name="people" /> {t(locale, "call.participants", { n: peers.length })}
        </h2>
        {host && anyHand && (
          <button
            type="button"
            class="secondary"
            disabled={busy !== null}
            onClick={() => act("hands", "/hands/lower")}
          >
            {t(locale, "call.lowerHands")}
          </button>
        )}
      </div>
      {error && <p class="alert alert-error" role="alert">{error}</p>}
      <ul class="list-plain call-people-list">
        {ordered(peers).map((p) => {
          const name = peerName(locale, p);
          return (
            <li key={p.identity} class="call-person">
              <div class="call-person-who">
                <span class="call-person-name">{name}</span> <Badges locale={locale} peer={p} />
              </div>
              <div class="call-person-state">
                {p.hand && (
                  <span class="call-flag call-flag-hand">
                    <Icon name="hand" /> {t(locale, "call.handRaised")}
                  </span>
                )}
                {!p.micOn && (
                  <span class="call-flag">
                    <Icon name="micOff" />
                    <span class="visually-hidden">{t(locale, "call.micOff")}</span>
                  </span>
                )}
                {p.canControl && !p.local && (
                  <>
                    {p.micOn && (
                      <button
                        type="button"
                        class="secondary call-small"
                        aria-label={t(locale, "call.muteOneLabel", { name })}
                        disabled={busy !== null}
                        onClick={() =>
                          act(`mute-${p.identity}`, `/participants/${p.identity}/mute`, {
                            source: "microphone",
                          })}
                      >
                        {t(locale, "call.muteOne")}
                      </button>
                    )}
                    <button
                      type="button"
                      class="secondary call-small"
                      aria-label={t(locale, "call.removeOneLabel", { name })}
                      disabled={busy !== null}
                      onClick={() => setRemoving(p)}
                    >
                      {t(locale, "call.removeOne")}
                    </button>
                  </>
                )}
              </div>
            </li>
          );
        })}
      </ul>
      {removing && (
        <ConfirmDialog
          locale={locale}
          text={t(locale, "call.removeConfirm", { name: peerName(locale, removing) })}
          confirm={t(locale, "call.removeYes")}
          onConfirm={() =>
            act(`remove-${removing.identity}`, `/participants/${removing.identity}/remove`)}
          onClose={() => setRemoving(null)}
        />
      )}
    </aside>
  );
}
