/** Image processing for uploads, off the main thread (see image_worker.ts). */

export interface ImageJob {
  bytes: Uint8Array;
  type: "image/jpeg" | "image/png";
}

export type ImageResult =
  | {
    ok: true;
    image: Uint8Array;
    thumb: Uint8Array;
    width: number;
    height: number;
    thumbWidth: number;
    thumbHeight: number;
  }
  | { ok: false; error: string };

/** At most this many images are processed at once per isolate; more wait their turn. */
const CONCURRENCY = 1;
let running = 0;
const waiting: (() => void)[] = [];

async function slot<T>(work: () => Promise<T>): Promise<T> {
  if (running >= CONCURRENCY) await new Promise<void>((r) => waiting.push(r));
  running++;
  try {
    return await work();
  } finally {
    running--;
    waiting.shift()?.();
  }
}

/**
 * Re-encodes an uploaded JPEG or PNG without metadata and makes its thumbnail. Resolves with
 * `ok: false` for bytes that do not decode as the claimed image.
 */
export function processImage(job: ImageJob, timeoutMs = 60_000): Promise<ImageResult> {
  return slot(() =>
    new Promise<ImageResult>((resolve) => {
      const worker = new Worker(new URL("./image_worker.ts", import.meta.url), { type: "module" });
      const timer = setTimeout(() => {
        worker.terminate();
        resolve({ ok: false, error: "image processing took too long" });
      }, timeoutMs);
      worker.onmessage = (e: MessageEvent<ImageResult>) => {
        clearTimeout(timer);
        worker.terminate();
        resolve(e.data);
      };
      worker.onerror = (e) => {
        e.preventDefault();
        clearTimeout(timer);
        worker.terminate();
        resolve({ ok: false, error: e.message });
      };
      worker.postMessage(job);
    })
  );
}
