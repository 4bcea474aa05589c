/** The camera and microphone before joining: opening them, naming what went wrong, devices. */

export type MediaProblem = "denied" | "missing" | "busy" | "insecure" | "failed";

export interface MediaChoice {
  mic: boolean;
  cam: boolean;
  micId: string | null;
  camId: string | null;
}

/** Sorts a getUserMedia (or LiveKit) failure into what the person can do about it. */
export function mediaProblem(err: unknown): MediaProblem {
  const name = err instanceof Error || err instanceof DOMException ? err.name : "";
  if (name === "NotAllowedError" || name === "SecurityError" || name === "PermissionDeniedError") {
    return "denied";
  }
  if (
    name === "NotFoundError" || name === "OverconstrainedError" || name === "DevicesNotFoundError"
  ) {
    return "missing";
  }
  if (name === "NotReadableError" || name === "AbortError" || name === "TrackStartError") {
    return "busy";
  }
  return "failed";
}

function constraint(id: string | null): MediaTrackConstraints | true {
  return id ? { deviceId: { exact: id } } : true;
}

export interface Opened {
  stream: MediaStream;
  audio: MediaProblem | null;
  video: MediaProblem | null;
}

/**
 * Opens what is asked of the camera and microphone together (one permission prompt); when that
 * fails, each on its own, so one refused or missing device does not take the other with it.
 */
export async function openMedia(
  want: { audio: string | null | false; video: string | null | false },
): Promise<Opened> {
  const stream = new MediaStream();
  const devices = navigator.mediaDevices;
  if (!devices?.getUserMedia) {
    return {
      stream,
      audio: want.audio === false ? null : "insecure",
      video: want.video === false ? null : "insecure",
    };
  }
  const audio = want.audio === false ? false : constraint(want.audio);
  const video = want.video === false ? false : constraint(want.video);
  if (!audio && !video) return { stream, audio: null, video: null };
  try {
    return { stream: await devices.getUserMedia({ audio, video }), audio: null, video: null };
  } catch (err) {
    if (!audio || !video) {
      return {
        stream,
        audio: audio ? mediaProblem(err) : null,
        video: video ? mediaProblem(err) : null,
      };
    }
  }
  const one = async (kind: "audio" | "video") => {
    try {
      const got = await devices.getUserMedia(kind === "audio" ? { audio } : { video });
      for (const track of got.getTracks()) stream.addTrack(track);
      return null;
    } catch (err) {
      return mediaProblem(err);
    }
  };
  const audioProblem = await one("audio");
  const videoProblem = await one("video");
  return { stream, audio: audioProblem, video: videoProblem };
}

/** Stops every track of `stream`, releasing the devices (the camera light goes off). */
export function stopStream(stream: MediaStream | null): void {
  for (const track of stream?.getTracks() ?? []) track.stop();
}

export interface Devices {
  mics: MediaDeviceInfo[];
  cams: MediaDeviceInfo[];
}

/** The microphones and cameras the browser lists (named only once access was given). */
export async function listDevices(): Promise<Devices> {
  const all = await navigator.mediaDevices?.enumerateDevices?.().catch(() => []) ?? [];
  return {
    mics: all.filter((d) => d.kind === "audioinput" && d.deviceId),
    cams: all.filter((d) => d.kind === "videoinput" && d.deviceId),
  };
}
