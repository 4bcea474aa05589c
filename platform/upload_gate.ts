/**
 * Uploads in flight on one isolate, bounded per member and in all, so memory and the image queue
 * stay bounded however many uploads arrive at once. Over a member's share the answer is 429
 * `rate_limited` (it is that member's doing); over the isolate's, 503 `overloaded` (it is not);
 * both with `Retry-After`.
 */
import { AppError, rateLimited } from "../shared/errors.ts";

/** Uploads one member may have in flight per isolate. */
export const UPLOADS_PER_USER = 3;
/** Uploads in flight per isolate, all members together. */
export const UPLOADS_PER_ISOLATE = 8;

export interface UploadGateOptions {
  /** Default {@link UPLOADS_PER_USER}. */
  perUser?: number;
  /** Default {@link UPLOADS_PER_ISOLATE}. */
  total?: number;
}

export class UploadGate {
  readonly perUser: number;
  readonly total: number;
  #inFlight = 0;
  readonly #byUser = new Map<string, number>();

  constructor(options: UploadGateOptions = {}) {
    this.perUser = options.perUser ?? UPLOADS_PER_USER;
    this.total = options.total ?? UPLOADS_PER_ISOLATE;
  }

  /** Uploads in flight now. */
  get inFlight(): number {
    return this.#inFlight;
  }

  /**
   * Admits one upload of `userId` and returns the function that ends it (call it once, when
   * the answer is ready); throws 429 or 503 with `Retry-After` when there is no room.
   */
  enter(userId: string): () => void {
    const mine = this.#byUser.get(userId) ?? 0;
    if (mine >= this.perUser) {
      throw rateLimited(2, "You are uploading several files already; wait for them to finish");
    }
    if (this.#inFlight >= this.total) {
      throw new AppError(503, "overloaded", "The server is busy with uploads; try again shortly", {
        retryAfter: 1,
      });
    }
    this.#inFlight++;
    this.#byUser.set(userId, mine + 1);
    let done = false;
    return () => {
      if (done) return;
      done = true;
      this.#inFlight--;
      const left = (this.#byUser.get(userId) ?? 1) - 1;
      if (left === 0) this.#byUser.delete(userId);
      else this.#byUser.set(userId, left);
    };
  }
}
