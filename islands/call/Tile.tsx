/** One participant's tile in the grid: their video (or initial), name, badges and state. */
import { useEffect, useRef } from "preact/hooks";
import type { Locale } from "../../shared/model.ts";
import { t } from "../../shared/i18n.ts";
import type { Peer } from "./session.ts";
import { initial, peerLabel, roleBadges } from "./format.ts";
import { Icon } from "./Icon.tsx";
import { Tick } from "../ui/Tick.tsx";

export function Badges({ locale, peer }: { locale: Locale; peer: Peer }) {
  return (
    <>
      {peer.host && <span class="badge call-badge-host">{t(locale, "call.host")}</span>}
      {peer.guest && <span class="badge call-badge-guest">{t(locale, "call.guest.badge")}</span>}
      {roleBadges(locale, peer).map((b) => <span key={b} class="badge">{b}</span>)}
      {peer.verified && (
        <span class="badge badge-verified">
          <Tick />
          <span class="visually-hidden">{t(locale, "call.verified")}</span>
        </span>
      )}
    </>
  );
}

/** The person's name as the page shows it ("Мария Ивановна (вы)"), from Parta's list. */
export function peerName(locale: Locale, peer: Peer): string {
  const name = peerLabel(locale, peer);
  return peer.local ? `${name} (${t(locale, "call.you")})` : name;
}

export function Tile({ locale, peer, screen }: { locale: Locale; peer: Peer; screen?: boolean }) {
  const video = useRef<HTMLVideoElement>(null);
  const audio = useRef<HTMLAudioElement>(null);
  const track = screen ? peer.screen : peer.camera;
  const sound = screen ? null : peer.audio;

  useEffect(() => {
    const el = video.current;
    if (!track || !el) return;
    track.attach(el);
    return () => void track.detach(el);
  }, [track]);

  useEffect(() => {
    const el = audio.current;
    if (!sound || !el) return;
    sound.attach(el);
    return () => void sound.detach(el);
  }, [sound]);

  const name = peerName(locale, peer);
  const classes = ["call-tile"];
  if (screen) classes.push("call-tile-screen");
  else if (peer.speaking) classes.push("speaking");
  return (
    <li class={classes.join(" ")}>
      {track
        ? (
          <video
            ref={video}
            class={peer.local && !screen ? "mirror" : ""}
            autoplay
            muted
            playsInline
          />
        )
        : (
          <div class="call-avatar" aria-hidden="true">
            <span>{initial(peer.name || "?")}</span>
          </div>
        )}
      {sound && <audio ref={audio} autoplay />}
      <div class="call-tile-caption">
        <span class="call-tile-name">{screen ? t(locale, "call.screenOf", { name }) : name}</span>
        {!screen && (
          <>
            <Badges locale={locale} peer={peer} />
            {peer.hand && (
              <span class="call-flag call-flag-hand" title={t(locale, "call.handRaised")}>
                <Icon name="hand" />
                <span class="visually-hidden">{t(locale, "call.handRaised")}</span>
              </span>
            )}
            {!peer.micOn && (
              <span class="call-flag" title={t(locale, "call.micOff")}>
                <Icon name="micOff" />
                <span class="visually-hidden">{t(locale, "call.micOff")}</span>
              </span>
            )}
            {peer.speaking && <span class="visually-hidden">{t(locale, "call.speaking")}</span>}
          </>
        )}
      </div>
    </li>
  );
}
