/**
 * Before joining: the camera's preview, the choice of camera and microphone, their toggles, and
 * a plain word about any device the browser refused or could not find. Joining stays possible
 * without them (to watch and listen).
 */
import { useEffect, useRef, useState } from "preact/hooks";
import type { Locale } from "../../shared/model.ts";
import { type MessageKey, t } from "../../shared/i18n.ts";
import {
  type Devices,
  listDevices,
  type MediaChoice,
  type MediaProblem,
  openMedia,
  stopStream,
} from "./media.ts";
import { loadLiveKit } from "./session.ts";
import { Icon } from "./Icon.tsx";

export interface PreJoinProps {
  locale: Locale;
  /** Whether the island runs (until then the controls stay disabled). */
  live: boolean;
  /** Joining is under way. */
  busy: boolean;
  /** The last attempt failed: the button says "try again". */
  retry: boolean;
  onJoin(choice: MediaChoice): void;
}

interface Problems {
  audio: MediaProblem | null;
  video: MediaProblem | null;
}

/** The one sentence for what went wrong with the devices, or null. */
function problemText(locale: Locale, p: Problems): string | null {
  const { audio, video } = p;
  if (!audio && !video) return null;
  const both = audio === video;
  if (audio === "insecure" || video === "insecure") return t(locale, "call.media.insecure");
  if (audio === "busy" || video === "busy") return t(locale, "call.media.busy");
  if (both && audio === "denied") return t(locale, "call.media.denied");
  if (both && audio === "missing") return t(locale, "call.media.missing");
  const parts: string[] = [];
  const key = (kind: "camera" | "mic", problem: MediaProblem | null) =>
    problem === "denied" || problem === "missing"
      ? `call.media.${kind}${problem === "denied" ? "Denied" : "Missing"}` as MessageKey
      : problem
      ? "call.media.failed"
      : null;
  for (const k of [key("camera", video), key("mic", audio)]) {
    if (k && !parts.includes(t(locale, k))) parts.push(t(locale, k));
  }
  return parts.join(" ");
}

function deviceLabel(locale: Locale, d: MediaDeviceInfo, i: number): string {
  return d.label || t(locale, "call.prejoin.device", { n: i + 1 });
}

export function PreJoin({ locale, live, busy, retry, onJoin }: PreJoinProps) {
  const video = useRef<HTMLVideoElement>(null);
  const stream = useRef<MediaStream | null>(null);
  const [hasVideo, setHasVideo] = useState(false);
  const [starting, setStarting] = useState(false);
  const [micOn, setMicOn] = useState(true);
  const [camOn, setCamOn] = useState(true);
  const [micId, setMicId] = useState<string | null>(null);
  const [camId, setCamId] = useState<string | null>(null);
  const [devices, setDevices] = useState<Devices>({ mics: [], cams: [] });
  const [problems, setProblems] = useState<Problems>({ audio: null, video: null });
  const generation = useRef(0);

  function release() {
    generation.current++;
    stopStream(stream.current);
    stream.current = null;
    if (video.current) video.current.srcObject = null;
    setHasVideo(false);
  }

  /** (Re)opens the preview with the chosen devices; the camera only when it is on. */
  async function open(next: { micId: string | null; camId: string | null; cam: boolean }) {
    release();
    const mine = generation.current;
    setStarting(true);
    const opened = await openMedia({ audio: next.micId, video: next.cam ? next.camId : false });
    if (mine !== generation.current) {
      stopStream(opened.stream);
      return;
    }
    stream.current = opened.stream;
    const track = opened.stream.getVideoTracks()[0];
    if (video.current) video.current.srcObject = track ? opened.stream : null;
    setHasVideo(!!track);
    setProblems((p) => ({ audio: opened.audio, video: next.cam ? opened.video : p.video }));
    setStarting(false);
    setDevices(await listDevices());
  }

  useEffect(() => {
    if (!live || busy) return;
    open({ micId, camId, cam: camOn });
    // Fetch the call's code while the person looks at themselves.
    loadLiveKit().catch(() => {});
    return release;
  }, [live, busy]);

  useEffect(() => {
    for (const track of stream.current?.getAudioTracks() ?? []) track.enabled = micOn;
  }, [micOn, hasVideo]);

  const micUsable = !problems.audio;
  const camUsable = !problems.video;
  const message = problemText(locale, problems);
  const nothing = (!micUsable || !micOn) && (!camUsable || !camOn);
  const disabled = !live || busy;

  function join(e: Event) {
    e.preventDefault();
    release();
    onJoin({ mic: micOn && micUsable, cam: camOn && camUsable, micId, camId });
  }

  return (
    <form class="call-prejoin card" onSubmit={join} aria-labelledby="call-prejoin-title">
      <h2 id="call-prejoin-title">{t(locale, "call.prejoin.title")}</h2>
      <p class="muted">{t(locale, "call.prejoin.lead")}</p>
      {message && (
        <div class="alert alert-warn" role="alert">
          <p>{message}</p>
          <button
            type="button"
            class="secondary"
            disabled={disabled}
            onClick={() => {
              setCamOn(true);
              open({ micId, camId, cam: true });
            }}
          >
            {t(locale, "call.prejoin.checkAgain")}
          </button>
        </div>
      )}
      <div class="call-prejoin-body">
        <div class="call-preview">
          <video
            ref={video}
            class={hasVideo ? "mirror" : "call-hidden"}
            autoplay
            muted
            playsInline
            aria-label={t(locale, "call.prejoin.preview")}
          />
          {!hasVideo && (
            <p class="call-preview-empty">
              {t(
                locale,
                starting || !live
                  ? "call.prejoin.starting"
                  : camUsable
                  ? "call.prejoin.cameraOff"
                  : "call.prejoin.noCamera",
              )}
            </p>
          )}
        </div>
        <div class="call-prejoin-side stack">
          <div class="field" hidden={devices.cams.length === 0}>
            <label for="call-cam">{t(locale, "call.prejoin.cameraDevice")}</label>
            <select
              id="call-cam"
              disabled={disabled || devices.cams.length === 0}
              value={camId ?? stream.current?.getVideoTracks()[0]?.getSettings().deviceId ??
                devices.cams[0]?.deviceId ?? ""}
              onChange={(e) => {
                const id = (e.target as HTMLSelectElement).value;
                setCamId(id);
                setCamOn(true);
                open({ micId, camId: id, cam: true });
              }}
            >
              {devices.cams.map((d, i) => (
                <option key={d.deviceId} value={d.deviceId}>{deviceLabel(locale, d, i)}</option>
              ))}
            </select>
          </div>
          <div class="field" hidden={devices.mics.length === 0}>
            <label for="call-mic">{t(locale, "call.prejoin.micDevice")}</label>
            <select
              id="call-mic"
              disabled={disabled || devices.mics.length === 0}
              value={micId ?? stream.current?.getAudioTracks()[0]?.getSettings().deviceId ??
                devices.mics[0]?.deviceId ?? ""}
              onChange={(e) => {
                const id = (e.target as HTMLSelectElement).value;
                setMicId(id);
                open({ micId: id, camId, cam: camOn });
              }}
            >
              {devices.mics.map((d, i) => (
                <option key={d.deviceId} value={d.deviceId}>{deviceLabel(locale, d, i)}</option>
              ))}
            </select>
          </div>
          <div class="row call-toggles">
            <button
              type="button"
              class="call-toggle call-device"
              aria-pressed={micOn && micUsable}
              disabled={disabled || !micUsable}
              onClick={() => setMicOn(!micOn)}
            >
              <Icon name={micOn && micUsable ? "mic" : "micOff"} />
              <span>{t(locale, "call.mic")}</span>
            </button>
            <button
              type="button"
              class="call-toggle call-device"
              aria-pressed={camOn && camUsable}
              disabled={disabled || !camUsable}
              onClick={() => {
                const next = !camOn;
                setCamOn(next);
                open({ micId, camId, cam: next });
              }}
            >
              <Icon name={camOn && camUsable ? "cam" : "camOff"} />
              <span>{t(locale, "call.camera")}</span>
            </button>
          </div>
          <button type="submit" class="call-join" disabled={disabled}>
            {busy
              ? t(locale, "call.connecting")
              : retry
              ? t(locale, "call.prejoin.retry")
              : nothing
              ? t(locale, "call.prejoin.joinListenOnly")
              : t(locale, "call.prejoin.join")}
          </button>
        </div>
      </div>
    </form>
  );
}
