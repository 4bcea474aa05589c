/**
 * The call page's island: the pre-join check, then the call on LiveKit, then a clear word on how
 * it ended. Every failure the person can meet (devices refused or missing, calls not set up, the
 * call server out of reach, the call over, the connection lost) is said in plain words.
 */
import { useEffect, useRef, useState } from "preact/hooks";
import type { Locale } from "../shared/model.ts";
import { type MessageKey, t } from "../shared/i18n.ts";
import { api, ApiError, errorText } from "../shared/api_client.ts";
import { useHydrated } from "../shared/use_hydrated.ts";
import type { MediaChoice, MediaProblem } from "./call/media.ts";
import {
  type Announcement,
  type CallSession,
  type EndReason,
  joinCall,
  JoinError,
  type Snapshot,
} from "./call/session.ts";
import { PreJoin } from "./call/PreJoin.tsx";
import { CallRoom } from "./call/CallRoom.tsx";
import { AttendancePanel } from "./call/AttendancePanel.tsx";
import {
  type CallMember,
  formatDuration,
  isGuestIdentity,
  type PeerInfo,
  peerInfo,
  peerLabel,
} from "./call/format.ts";

export interface CallPageProps {
  locale: Locale;
  callId: string;
  chatId: string;
  /** Whether the page found this person a host (for attendance once the call is over). */
  host: boolean;
  /** The chat's members as Parta knows them: the only source of names and badges in the call. */
  members: CallMember[];
  /** The school's time zone, for attendance times. */
  timeZone: string;
  /** Participants wait in a lobby until a host lets them in. */
  lobby: boolean;
  /**
   * A guest's page (/guest/:token): the link's token is their way in; no chat, no hand, no
   * names of the school's people (everyone else is «Участник»).
   */
  guest?: { token: string };
}

/** How often a page in the lobby asks whether it has been let in. */
const LOBBY_POLL_MS = 3000;

type Phase = "prejoin" | "joining" | "waiting" | "declined" | "live" | "unavailable" | EndReason;

const ENDINGS: Record<Exclude<EndReason, "ended">, MessageKey> = {
  left: "call.left",
  removed: "call.removed",
  duplicate: "call.duplicate",
  lost: "call.lost",
};

function announcementText(locale: Locale, a: Announcement): string {
  if (a.kind === "reconnected") return t(locale, "call.reconnected");
  const name = "peer" in a ? peerLabel(locale, a.peer) : "";
  return t(locale, `call.announce.${a.kind}`, { name });
}

function mediaText(locale: Locale, kind: "mic" | "cam" | "screen", problem: MediaProblem) {
  if (kind === "screen") return t(locale, "call.media.screenFailed");
  if (problem === "denied") {
    return t(locale, kind === "mic" ? "call.media.micDenied" : "call.media.cameraDenied");
  }
  if (problem === "missing") {
    return t(locale, kind === "mic" ? "call.media.micMissing" : "call.media.cameraMissing");
  }
  if (problem === "busy") return t(locale, "call.media.busy");
  return t(locale, "call.media.failed");
}

export default function CallPage(
  { locale, callId, chatId, host, members, timeZone, lobby, guest }: CallPageProps,
) {
  const live = useHydrated();
  const [phase, setPhase] = useState<Phase>("prejoin");
  const [problem, setProblem] = useState<string | null>(null);
  const [snap, setSnap] = useState<Snapshot | null>(null);
  const [notice, setNotice] = useState("");
  const [mediaAlert, setMediaAlert] = useState<string | null>(null);
  const [duration, setDuration] = useState<number | null>(null);
  const session = useRef<CallSession | null>(null);
  const choice = useRef<MediaChoice | null>(null);
  const endingAll = useRef(false);
  /** The person stopped waiting in the lobby. */
  const gaveUp = useRef(false);
  /** How many times a session has ended: one that ends while still joining is not shown live. */
  const ends = useRef(0);
  const wasHost = useRef(host);
  const root = useRef<HTMLDivElement>(null);
  const roster = useRef(new Map(members.map((m) => [m.userId, m])));
  /** Identities not in the list when last seen, each asked about once. */
  const askedAbout = useRef(new Set<string>());
  /** A read of the list is under way; `again`: someone new turned up meanwhile. */
  const refreshing = useRef({ busy: false, again: false });

  /** Reads the member list again (someone joined the chat since the page was made). */
  async function refreshMembers() {
    const state = refreshing.current;
    if (state.busy) {
      state.again = true;
      return;
    }
    state.busy = true;
    try {
      const view = await api<{ members: CallMember[] }>("GET", `/calls/${callId}`);
      roster.current = new Map(view.members.map((m) => [m.userId, m]));
      if (session.current) setSnap(session.current.snapshot());
    } catch {
      /* they stay unknown */
    } finally {
      state.busy = false;
    }
    if (state.again) {
      state.again = false;
      await refreshMembers();
    }
  }

  function who(participant: { identity: string; name?: string }): PeerInfo {
    const id = participant.identity;
    if (guest && !isGuestIdentity(id)) {
      // A guest is told nobody's name: the school's people are «Участник».
      return { ...peerInfo(roster.current, participant, { host: false }), known: true, name: "" };
    }
    if (isGuestIdentity(id)) {
      return peerInfo(roster.current, participant, { host: wasHost.current });
    }
    if (!roster.current.has(id) && !askedAbout.current.has(id)) {
      askedAbout.current.add(id);
      void refreshMembers();
    }
    return peerInfo(roster.current, participant, { host: wasHost.current });
  }

  useEffect(() => {
    const leave = () => void session.current?.leave();
    addEventListener("pagehide", leave);
    return () => removeEventListener("pagehide", leave);
  }, []);

  // Focus follows the step: the controls once in, the retry after a failure to join, the
  // heading of what happened after.
  useEffect(() => {
    const el = root.current;
    if (!el || phase === "joining" || (phase === "prejoin" && !problem)) return;
    const target = phase === "live"
      ? el.querySelector<HTMLElement>(".call-controls button")
      : phase === "prejoin"
      ? el.querySelector<HTMLElement>(".call-join")
      : el.querySelector<HTMLElement>(".call-outcome h2");
    target?.focus();
  }, [phase, problem]);

  async function showEnded() {
    setPhase("ended");
    if (guest) return; // a guest reads nothing of the call but its token
    try {
      const view = await api<{ call: { durationSeconds?: number } }>("GET", `/calls/${callId}`);
      setDuration(view.call.durationSeconds ?? null);
    } catch { /* the heading says enough */ }
  }

  function finish(reason: EndReason) {
    ends.current++;
    session.current = null;
    setSnap(null);
    setNotice("");
    if (reason === "ended" || endingAll.current) showEnded();
    else setPhase(reason);
  }

  async function join(c: MediaChoice) {
    choice.current = c;
    setProblem(null);
    setMediaAlert(null);
    setNotice(t(locale, "call.connecting"));
    setPhase("joining");
    let grant: { url: string; token: string } | null;
    try {
      grant = await tokenWhenLetIn();
      if (!grant) return; // they stopped waiting
    } catch (err) {
      if (err instanceof ApiError && err.status === 410) return showEnded();
      if (err instanceof ApiError && err.code === "removed_from_call") return setPhase("removed");
      if (err instanceof ApiError && err.code === "lobby_declined") return setPhase("declined");
      if (err instanceof ApiError && err.code === "calls_unavailable") {
        return setPhase("unavailable");
      }
      setProblem(errorText(locale, err));
      return setPhase("prejoin");
    }
    const endsBefore = ends.current;
    try {
      const s = await joinCall(grant.url, grant.token, c, {
        change: (next) => setSnap(next),
        announce: (a) => setNotice(announcementText(locale, a)),
        mediaFailed: (kind, p) => setMediaAlert(mediaText(locale, kind, p)),
        end: finish,
      }, {
        who,
        raiseHand: (up) => api<void>("POST", `/calls/${callId}/hand`, { raised: up }),
      });
      // Ended while still joining (a host removed them, the call ended): finish() said why.
      if (ends.current !== endsBefore) return;
      session.current = s;
      const first = s.snapshot();
      wasHost.current = first.host || host;
      setSnap(first);
      setNotice(t(locale, "call.joinedYou"));
      setPhase("live");
    } catch (err) {
      if (ends.current !== endsBefore) return;
      setProblem(
        err instanceof JoinError
          ? t(locale, err.reason === "notAllowed" ? "call.notAllowed" : "call.unreachable")
          : t(locale, "error.network"),
      );
      setPhase("prejoin");
    }
  }

  /**
   * A token for the call; in a call with a lobby, after a host lets one in (asking every few
   * seconds meanwhile). Null when the person stops waiting.
   */
  async function tokenWhenLetIn(): Promise<{ url: string; token: string } | null> {
    gaveUp.current = false;
    for (;;) {
      const answer = await api<{ url: string; token: string } | { waiting: true }>(
        "POST",
        guest ? `/guest/${encodeURIComponent(guest.token)}/join` : `/calls/${callId}/token`,
      );
      if (gaveUp.current) return null;
      if (!("waiting" in answer)) {
        setNotice(t(locale, "call.connecting"));
        setPhase("joining");
        return answer;
      }
      setPhase("waiting");
      await new Promise((resolve) => setTimeout(resolve, LOBBY_POLL_MS));
      if (gaveUp.current) return null;
    }
  }

  async function endAll() {
    try {
      await api("POST", `/calls/${callId}/end`);
      endingAll.current = true;
      await session.current?.leave();
      showEnded();
    } catch (err) {
      setMediaAlert(errorText(locale, err));
    }
  }

  let body;
  if (phase === "prejoin" || phase === "joining") {
    body = (
      <>
        {problem && <p class="alert alert-error" role="alert">{problem}</p>}
        <PreJoin
          locale={locale}
          live={live}
          busy={phase === "joining"}
          retry={problem !== null}
          onJoin={join}
        />
      </>
    );
  } else if (phase === "waiting") {
    body = (
      <section class="call-outcome card stack" aria-labelledby="call-lobby-title">
        <div role="status">
          <h2 id="call-lobby-title" tabIndex={-1}>{t(locale, "call.lobby.waitTitle")}</h2>
          <p>{t(locale, "call.lobby.waitText")}</p>
        </div>
        <div class="row">
          <button
            type="button"
            class="secondary"
            onClick={() => {
              gaveUp.current = true;
              setPhase("prejoin");
            }}
          >
            {t(locale, "call.lobby.stopWaiting")}
          </button>
        </div>
      </section>
    );
  } else if (phase === "live" && snap && session.current) {
    body = (
      <CallRoom
        locale={locale}
        callId={callId}
        chatId={chatId}
        snap={snap}
        session={session.current}
        mediaAlert={mediaAlert}
        onEndAll={endAll}
        timeZone={timeZone}
        lobby={lobby}
        announce={setNotice}
        guest={!!guest}
      />
    );
  } else if (phase === "ended") {
    body = (
      <section class="call-outcome card stack" aria-labelledby="call-outcome-title">
        <h2 id="call-outcome-title" tabIndex={-1}>{t(locale, "call.ended.title")}</h2>
        {duration !== null && (
          <p>{t(locale, "call.ended.duration", { duration: formatDuration(locale, duration) })}</p>
        )}
        {wasHost.current && (
          <AttendancePanel locale={locale} callId={callId} chatId={chatId} timeZone={timeZone} />
        )}
        {!guest && (
          <p>
            <a class="button" href={`/chats/${chatId}`}>{t(locale, "call.backToChat")}</a>
          </p>
        )}
      </section>
    );
  } else {
    const text = phase === "unavailable"
      ? t(locale, "call.unavailable")
      : phase === "declined"
      ? t(locale, "call.lobby.declined")
      : t(locale, ENDINGS[phase as keyof typeof ENDINGS] ?? "call.lost");
    const rejoin = phase === "left" || phase === "lost" || phase === "declined";
    const heading = <h2 id="call-outcome-title" tabIndex={-1}>{text}</h2>;
    body = (
      <section class="call-outcome card stack" aria-labelledby="call-outcome-title">
        {phase === "left" ? heading : <div role="alert">{heading}</div>}
        <div class="row">
          {rejoin && choice.current && (
            <button type="button" onClick={() => join(choice.current!)}>
              {t(
                locale,
                phase === "left"
                  ? "call.returnToCall"
                  : phase === "declined"
                  ? "call.lobby.askAgain"
                  : "call.rejoin",
              )}
            </button>
          )}
          {!guest && (
            <a class="button secondary" href={`/chats/${chatId}`}>
              {t(locale, "call.backToChat")}
            </a>
          )}
        </div>
      </section>
    );
  }

  return (
    <div class="call" ref={root} data-phase={phase}>
      <div class="visually-hidden" role="status" aria-live="polite">{notice}</div>
      {body}
    </div>
  );
}
