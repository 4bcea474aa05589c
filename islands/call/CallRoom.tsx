/** In the call: the video grid, the controls, the participant list and the hosts' tools. */
import { useState } from "preact/hooks";
import type { Locale } from "../../shared/model.ts";
import { t } from "../../shared/i18n.ts";
import { errorText } from "../../shared/api_client.ts";
import type { CallSession, Snapshot } from "./session.ts";
import { Tile } from "./Tile.tsx";
import { ParticipantList } from "./ParticipantList.tsx";
import { AttendancePanel } from "./AttendancePanel.tsx";
import { CallChat } from "./CallChat.tsx";
import { LobbyPanel } from "./LobbyPanel.tsx";
import { GuestPanel } from "./GuestPanel.tsx";
import { ConfirmDialog } from "./ConfirmDialog.tsx";
import { Icon } from "./Icon.tsx";

export interface CallRoomProps {
  locale: Locale;
  callId: string;
  chatId: string;
  snap: Snapshot;
  session: CallSession;
  /** A device or screen that could not be started, in words. */
  mediaAlert: string | null;
  /** A host asks to end the call for everyone. */
  onEndAll(): void;
  /** The school's time zone, for attendance times. */
  timeZone: string;
  /** The call has a lobby: hosts let people in. */
  lobby: boolean;
  /** Says something on the page's status line. */
  announce: (text: string) => void;
  /** A guest's room: no hand to raise, no chat. */
  guest: boolean;
}

export function CallRoom(
  { locale, callId, chatId, snap, session, mediaAlert, onEndAll, timeZone, lobby, announce, guest }:
    CallRoomProps,
) {
  const [ending, setEnding] = useState(false);
  const [handError, setHandError] = useState<string | null>(null);
  const me = snap.peers[0]!;
  /** Teachers and admins bring in guests (policy.canInviteGuest); a student host does not. */
  const staff = me.roles.includes("teacher") || me.roles.includes("admin");
  const screens = snap.peers.filter((p) => p.screen);

  return (
    <div class={snap.reconnecting ? "call-room call-reconnecting" : "call-room"}>
      {snap.reconnecting && (
        <p class="alert alert-warn call-banner" role="alert">{t(locale, "call.reconnecting")}</p>
      )}
      {mediaAlert && <p class="alert alert-error" role="alert">{mediaAlert}</p>}
      {handError && <p class="alert alert-error" role="alert">{handError}</p>}
      {snap.audioBlocked && (
        <div class="alert alert-info row" role="alert">
          <span>{t(locale, "call.audioBlocked")}</span>
          <button type="button" onClick={() => session.startAudio()}>
            <Icon name="speaker" /> {t(locale, "call.audioStart")}
          </button>
        </div>
      )}
      <div class="call-layout">
        <section class="call-stage" aria-label={t(locale, "call.grid")}>
          <ul class={`list-plain call-grid call-grid-${Math.min(snap.peers.length, 4)}`}>
            {screens.map((p) => (
              <Tile key={`screen-${p.identity}`} locale={locale} peer={p} screen />
            ))}
            {snap.peers.map((p) => <Tile key={p.identity} locale={locale} peer={p} />)}
          </ul>
          <div class="call-controls" role="group" aria-label={t(locale, "call.controls")}>
            <button
              type="button"
              class="call-toggle call-device"
              aria-pressed={me.micOn}
              onClick={() =>
                session.setMic(!me.micOn)}
            >
              <Icon name={me.micOn ? "mic" : "micOff"} />
              <span>{t(locale, "call.mic")}</span>
            </button>
            <button
              type="button"
              class="call-toggle call-device"
              aria-pressed={me.camOn}
              onClick={() =>
                session.setCam(!me.camOn)}
            >
              <Icon name={me.camOn ? "cam" : "camOff"} />
              <span>{t(locale, "call.camera")}</span>
            </button>
            {snap.canScreenShare && (
              <button
                type="button"
                class="call-toggle"
                aria-pressed={snap.screenOn}
                onClick={() => session.setScreen(!snap.screenOn)}
              >
                <Icon name="screen" />
                <span>{t(locale, "call.screen")}</span>
              </button>
            )}
            {!guest && (
              <button
                type="button"
                class="call-toggle"
                aria-pressed={!!me.hand}
                onClick={() =>
                  session.setHand(!me.hand).then(
                    () => setHandError(null),
                    (err) => setHandError(errorText(locale, err)),
                  )}
              >
                <Icon name="hand" />
                <span>{t(locale, "call.hand")}</span>
              </button>
            )}
            <button type="button" class="call-toggle call-leave" onClick={() => session.leave()}>
              <Icon name="leave" />
              <span>{t(locale, "call.leave")}</span>
            </button>
            {snap.host && (
              <button
                type="button"
                class="danger call-end"
                onClick={() => setEnding(true)}
              >
                {t(locale, "call.endAll")}
              </button>
            )}
          </div>
        </section>
        <div class="call-side">
          {snap.host && lobby && <LobbyPanel locale={locale} callId={callId} announce={announce} />}
          <ParticipantList locale={locale} callId={callId} peers={snap.peers} host={snap.host} />
          {!guest && (
            <CallChat locale={locale} chatId={chatId} me={me.identity} timeZone={timeZone} />
          )}
          {snap.host && staff && <GuestPanel locale={locale} callId={callId} timeZone={timeZone} />}
          {snap.host && (
            <AttendancePanel locale={locale} callId={callId} chatId={chatId} timeZone={timeZone} />
          )}
        </div>
      </div>
      {ending && (
        <ConfirmDialog
          locale={locale}
          text={t(locale, "call.endConfirm")}
          confirm={t(locale, "call.endYes")}
          onConfirm={onEndAll}
          onClose={() => setEnding(false)}
        />
      )}
    </div>
  );
}
