/**
 * One connection to a call's LiveKit room, seen as plain snapshots for the UI. livekit-client is
 * imported on demand, so it reaches the browser only on the call page, and only when needed.
 * Who each participant is comes from the page (Parta's member list, by identity), never from
 * the room: a participant's own name, metadata and attributes are not trusted for that.
 */
import type { Participant, Room, Track } from "livekit-client";
import type { PeerInfo } from "./format.ts";
import { type MediaChoice, type MediaProblem, mediaProblem } from "./media.ts";

type LiveKit = typeof import("livekit-client");

let loading: Promise<LiveKit> | null = null;

/** Starts loading livekit-client (once); the pre-join step calls it early to save time. */
export function loadLiveKit(): Promise<LiveKit> {
  loading ??= import("livekit-client").catch((err) => {
    loading = null;
    throw err;
  });
  return loading;
}

export interface Peer extends PeerInfo {
  identity: string;
  local: boolean;
  speaking: boolean;
  micOn: boolean;
  camOn: boolean;
  /** When the hand went up (ISO), or null. */
  hand: string | null;
  camera: Track | null;
  screen: Track | null;
  /** A remote participant's microphone, to play. */
  audio: Track | null;
}

export interface Snapshot {
  reconnecting: boolean;
  peers: Peer[];
  /** Whether the token lets this person share a screen. */
  canScreenShare: boolean;
  /** Whether Parta's member list makes this person a host. */
  host: boolean;
  screenOn: boolean;
  audioBlocked: boolean;
}

export type Announcement =
  | { kind: "joined" | "left" | "hand" | "handDown"; peer: PeerInfo }
  | { kind: "yourHandLowered" | "mutedByHost" | "reconnected" };

export type EndReason = "left" | "ended" | "removed" | "duplicate" | "lost";

export interface SessionEvents {
  change(snapshot: Snapshot): void;
  announce(a: Announcement): void;
  /** Media that could not be started after joining. */
  mediaFailed(kind: "mic" | "cam" | "screen", problem: MediaProblem): void;
  end(reason: EndReason): void;
}

/** Why joining failed: the server was not reached in time, or refused the token. */
export class JoinError extends Error {
  constructor(readonly reason: "unreachable" | "notAllowed") {
    super(`Cannot join the call: ${reason}`);
    this.name = "JoinError";
  }
}

export interface CallSession {
  snapshot(): Snapshot;
  setMic(on: boolean): Promise<void>;
  setCam(on: boolean): Promise<void>;
  setScreen(on: boolean): Promise<void>;
  setHand(up: boolean): Promise<void>;
  startAudio(): Promise<void>;
  leave(): Promise<void>;
}

const SCREEN_SHARE = 3; // livekit.TrackSource.SCREEN_SHARE

export interface JoinOptions {
  /** Who a participant is, by their identity: the page's lookup in Parta's member list. */
  who(participant: { identity: string; name?: string }): PeerInfo;
  /** Raises or lowers this person's hand through Parta's API (tokens cannot set attributes). */
  raiseHand(up: boolean): Promise<void>;
  /** How long joining may take before {@link JoinError} "unreachable"; default 10 s. */
  timeoutMs?: number;
}

/**
 * Connects to the room at `url` with `token`, failing with {@link JoinError} after `timeoutMs`,
 * then turns on the chosen microphone and camera (a failure there leaves the person joined,
 * listening).
 */
export async function joinCall(
  url: string,
  token: string,
  choice: MediaChoice,
  events: SessionEvents,
  { who, raiseHand, timeoutMs = 10_000 }: JoinOptions,
): Promise<CallSession> {
  const lk = await loadLiveKit();
  const { RoomEvent, Track: T, DisconnectReason: DR } = lk;
  const room: Room = new lk.Room({
    adaptiveStream: true,
    dynacast: true,
    audioCaptureDefaults: choice.micId ? { deviceId: choice.micId } : {},
    videoCaptureDefaults: choice.camId ? { deviceId: choice.camId } : {},
  });
  let joined = false;
  let leaving = false;
  /** What this person last asked of their microphone and hand, to tell a host's doing apart. */
  let wantMic = false;
  let wantHand = false;
  const hands = new Map<string, string>();

  function toPeer(p: Participant, local: boolean): Peer {
    const cam = p.getTrackPublication(T.Source.Camera);
    const screen = p.getTrackPublication(T.Source.ScreenShare);
    const mic = p.getTrackPublication(T.Source.Microphone);
    return {
      ...who(p),
      identity: p.identity,
      local,
      speaking: p.isSpeaking,
      micOn: p.isMicrophoneEnabled,
      camOn: p.isCameraEnabled,
      hand: p.attributes.hand || null,
      camera: cam?.track && !cam.isMuted ? cam.track : null,
      screen: screen?.track && !screen.isMuted ? screen.track : null,
      audio: !local && mic?.track ? mic.track : null,
    };
  }

  function snapshot(): Snapshot {
    const me = room.localParticipant;
    const perm = me.permissions;
    const others = [...room.remoteParticipants.values()]
      .sort((a, b) => (a.joinedAt?.getTime() ?? 0) - (b.joinedAt?.getTime() ?? 0))
      .map((p) => toPeer(p, false));
    return {
      reconnecting: room.state === lk.ConnectionState.Reconnecting ||
        room.state === lk.ConnectionState.SignalReconnecting,
      peers: [toPeer(me, true), ...others],
      canScreenShare: !!perm?.canPublish &&
        (perm.canPublishSources.length === 0 || perm.canPublishSources.includes(SCREEN_SHARE)),
      host: who(me).host,
      screenOn: me.isScreenShareEnabled,
      audioBlocked: !room.canPlaybackAudio,
    };
  }

  let queued = false;
  const changed = () => {
    if (!joined || queued) return;
    queued = true;
    queueMicrotask(() => {
      queued = false;
      events.change(snapshot());
    });
  };

  for (
    const e of [
      RoomEvent.TrackSubscribed,
      RoomEvent.TrackUnsubscribed,
      RoomEvent.TrackPublished,
      RoomEvent.TrackUnpublished,
      RoomEvent.TrackUnmuted,
      RoomEvent.LocalTrackPublished,
      RoomEvent.LocalTrackUnpublished,
      RoomEvent.ActiveSpeakersChanged,
      RoomEvent.ParticipantPermissionsChanged,
      RoomEvent.ConnectionStateChanged,
      RoomEvent.AudioPlaybackStatusChanged,
    ] as const
  ) room.on(e, changed);

  room.on(RoomEvent.TrackMuted, (pub, p) => {
    if (p === room.localParticipant && pub.source === T.Source.Microphone && wantMic) {
      wantMic = false;
      events.announce({ kind: "mutedByHost" });
    }
    changed();
  });
  room.on(RoomEvent.ParticipantConnected, (p) => {
    events.announce({ kind: "joined", peer: who(p) });
    changed();
  });
  room.on(RoomEvent.ParticipantDisconnected, (p) => {
    hands.delete(p.identity);
    events.announce({ kind: "left", peer: who(p) });
    changed();
  });
  room.on(RoomEvent.ParticipantAttributesChanged, (_changed, p) => {
    const before = hands.get(p.identity) ?? "";
    const now = p.attributes.hand ?? "";
    if (now) hands.set(p.identity, now);
    else hands.delete(p.identity);
    if (before !== now && (!before || !now)) {
      if (p !== room.localParticipant) {
        events.announce({ kind: now ? "hand" : "handDown", peer: who(p) });
      } else if (!now && wantHand) {
        wantHand = false;
        events.announce({ kind: "yourHandLowered" });
      }
    }
    changed();
  });
  room.on(RoomEvent.Reconnected, () => {
    events.announce({ kind: "reconnected" });
    changed();
  });
  /** Why the room let us go, as the page tells it. */
  const endReason = (reason: number | undefined): EndReason =>
    leaving || reason === DR.CLIENT_INITIATED
      ? "left"
      : reason === DR.ROOM_DELETED || reason === DR.ROOM_CLOSED
      ? "ended"
      : reason === DR.PARTICIPANT_REMOVED
      ? "removed"
      : reason === DR.DUPLICATE_IDENTITY
      ? "duplicate"
      : "lost";
  /**
   * Why the server sent us away while we were still connecting, if it did; `connect()` may then
   * never settle, so the wait for it stops at once.
   */
  let sentAway: number | undefined;
  let stopWaiting: (() => void) | undefined;
  room.on(RoomEvent.Disconnected, (reason) => {
    if (!joined) {
      sentAway = reason;
      stopWaiting?.();
      return;
    }
    joined = false;
    events.end(endReason(reason));
  });
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    await Promise.race([
      room.connect(url, token),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new JoinError("unreachable")), timeoutMs);
        stopWaiting = () => reject(new JoinError("unreachable"));
      }),
    ]);
  } catch (err) {
    // Sent away while still connecting (removed, the call ended): that is the end, not a failure.
    const leave = err instanceof lk.ConnectionError &&
        err.reason === lk.ConnectionErrorReason.LeaveRequest
      ? err.context
      : sentAway;
    await room.disconnect().catch(() => {});
    const why = leave === undefined ? null : endReason(leave);
    if (why === "removed" || why === "ended" || why === "duplicate") events.end(why);
    if (err instanceof JoinError) throw err;
    const notAllowed = err instanceof lk.ConnectionError &&
      err.reason === lk.ConnectionErrorReason.NotAllowed;
    throw new JoinError(notAllowed ? "notAllowed" : "unreachable");
  } finally {
    clearTimeout(timer);
  }
  joined = true;
  for (const p of room.remoteParticipants.values()) {
    if (p.attributes.hand) hands.set(p.identity, p.attributes.hand);
  }

  async function media(kind: "mic" | "cam" | "screen", on: boolean) {
    const me = room.localParticipant;
    try {
      if (kind === "mic") {
        wantMic = on;
        await me.setMicrophoneEnabled(on);
      } else if (kind === "cam") await me.setCameraEnabled(on);
      else await me.setScreenShareEnabled(on, { audio: true });
    } catch (err) {
      if (kind === "mic") wantMic = false;
      const problem = mediaProblem(err);
      // Cancelling the screen picker is a choice, not a failure.
      if (!(kind === "screen" && problem === "denied")) events.mediaFailed(kind, problem);
    } finally {
      changed();
    }
  }

  if (choice.mic) await media("mic", true);
  if (choice.cam) await media("cam", true);
  changed();

  return {
    snapshot,
    setMic: (on) => media("mic", on),
    setCam: (on) => media("cam", on),
    setScreen: (on) => media("screen", on),
    async setHand(up) {
      const before = wantHand;
      wantHand = up;
      try {
        await raiseHand(up);
      } catch (err) {
        wantHand = before;
        throw err;
      } finally {
        changed();
      }
    },
    startAudio: () => room.startAudio(),
    async leave() {
      leaving = true;
      await room.disconnect();
    },
  };
}
