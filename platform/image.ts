/**
 * Image processing for uploads, off the main thread (see image_worker.ts). An image's declared
 * size is read from its header before anything is decoded: one over the pixel limit is never
 * decoded (its memory would be the limit's many times over). Decoding runs one image at a time
 * per isolate, taken from a queue that is fair between uploaders, and is stopped at a deadline.
 */
import { imageSize } from "image-size";
import { FairQueue } from "./fair_queue.ts";

export type ImageType = "image/jpeg" | "image/png";

export interface ImageJob {
  bytes: Uint8Array;
  type: ImageType;
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

/**
 * Largest image decoded, in pixels (width × height as declared): 2^24, e.g. 4729×3547 or the
 * 16 MP of a binned 64 MP phone sensor. A decode (jimp in a worker: decode, scale, re-encode,
 * thumbnail) peaks at about 84 MiB plus 55–60 MiB per megapixel for a photo-like JPEG — 811 MiB
 * at 12 MP, 964 MiB at 16.8 MP, 1,325 MiB at 24 MP (bench/image_memory.ts, docs/reliability.md
 * "Limits") — so one decode stays within 1 GiB.
 */
export const MAX_IMAGE_PIXELS = 2 ** 24;
/**
 * A decode taking longer than this is stopped and the file kept as a plain download (the
 * largest allowed image takes about 5 s on a busy 2-core machine).
 */
export const IMAGE_TIMEOUT_MS = 30_000;
/** Image jobs one uploader may have queued or running per isolate. */
export const IMAGE_JOBS_PER_USER = 3;

export interface ImageOptions {
  /** Default {@link MAX_IMAGE_PIXELS}. */
  maxPixels?: number;
  /** Default {@link IMAGE_TIMEOUT_MS}. */
  timeoutMs?: number;
  /** Default {@link IMAGE_JOBS_PER_USER}. */
  perUser?: number;
}

/** The width and height an image's header declares, or null when it declares none we read. */
export function declaredSize(
  bytes: Uint8Array,
  type: ImageType,
): { width: number; height: number } | null {
  try {
    const size = imageSize(bytes);
    const expected = type === "image/png" ? "png" : "jpg";
    if (size.type !== expected || !size.width || !size.height) return null;
    return { width: size.width, height: size.height };
  } catch {
    return null;
  }
}

/** One isolate's image processing: the fair queue, the pixel limit, the deadline. */
export class ImageProcessor {
  readonly maxPixels: number;
  readonly timeoutMs: number;
  readonly queue: FairQueue;
  /** Decodes started (workers spawned) since this processor was made. */
  decodes = 0;

  constructor(options: ImageOptions = {}) {
    this.maxPixels = options.maxPixels ?? MAX_IMAGE_PIXELS;
    this.timeoutMs = options.timeoutMs ?? IMAGE_TIMEOUT_MS;
    this.queue = new FairQueue({
      concurrency: 1,
      perOwner: options.perUser ?? IMAGE_JOBS_PER_USER,
    });
  }

  /** Whether an image of this declared size may be decoded. */
  fits(size: { width: number; height: number } | null): boolean {
    return size !== null && size.width * size.height <= this.maxPixels;
  }

  /**
   * Re-encodes an uploaded JPEG or PNG without metadata and makes its thumbnail, when its turn
   * in `owner`'s queue comes. `load` gives the bytes (read only then, so queued images hold no
   * memory). Resolves with `ok: false` for bytes that do not decode as the claimed image, that
   * declare more than the pixel limit, or that take too long; throws {@link QueueFullError}
   * when `owner` already has its share of jobs.
   */
  process(owner: string, type: ImageType, load: () => Promise<Uint8Array>): Promise<ImageResult> {
    return this.queue.run(owner, async () => {
      const bytes = await load();
      if (!this.fits(declaredSize(bytes, type))) {
        return { ok: false, error: "the image is too large to decode" };
      }
      return await this.#decode({ bytes, type });
    });
  }

  #decode(job: ImageJob): Promise<ImageResult> {
    this.decodes++;
    return new Promise<ImageResult>((resolve) => {
      const worker = new Worker(new URL("./image_worker.ts", import.meta.url), { type: "module" });
      const timer = setTimeout(() => {
        worker.terminate();
        resolve({ ok: false, error: "image processing took too long" });
      }, this.timeoutMs);
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
      worker.postMessage(job, [job.bytes.buffer]);
    });
  }
}
