/**
 * A work queue that is fair between owners: at most `concurrency` tasks run at once, and when a
 * slot frees up the next task is taken from the waiting owner whose last task started longest
 * ago (round-robin), so one owner's many tasks never hold back another owner's single one. Each
 * owner may have at most `perOwner` tasks queued or running.
 */
import { AppError } from "../shared/errors.ts";

export interface FairQueueOptions {
  /** Tasks running at once; default 1. */
  concurrency?: number;
  /** Tasks one owner may have queued or running; default 3. */
  perOwner?: number;
}

/** Thrown by {@link FairQueue.run} when the owner already has `perOwner` tasks. */
export class QueueFullError extends AppError {
  constructor(retryAfterSeconds = 2) {
    super(429, "rate_limited", "Too many images are being processed for you; try again shortly", {
      retryAfter: retryAfterSeconds,
    });
  }
}

interface Waiting {
  start: () => void;
}

export class FairQueue {
  readonly concurrency: number;
  readonly perOwner: number;
  #running = 0;
  /** Queued tasks per owner, oldest first. */
  readonly #queues = new Map<string, Waiting[]>();
  readonly #counts = new Map<string, number>();
  /** When each owner's latest task started (a counter), while the owner has tasks. */
  readonly #started = new Map<string, number>();
  #tick = 0;

  constructor(options: FairQueueOptions = {}) {
    this.concurrency = options.concurrency ?? 1;
    this.perOwner = options.perOwner ?? 3;
  }

  /** Tasks queued or running for `owner`. */
  count(owner: string): number {
    return this.#counts.get(owner) ?? 0;
  }

  /** Tasks waiting for a slot, all owners together. */
  get waiting(): number {
    let n = 0;
    for (const q of this.#queues.values()) n += q.length;
    return n;
  }

  /**
   * Runs `task` when its turn comes and resolves with its result. Throws {@link QueueFullError}
   * at once, without queueing, when `owner` already has `perOwner` tasks queued or running.
   */
  async run<T>(owner: string, task: () => Promise<T>): Promise<T> {
    if (this.count(owner) >= this.perOwner) throw new QueueFullError();
    this.#counts.set(owner, this.count(owner) + 1);
    try {
      if (this.#running >= this.concurrency || this.waiting > 0) {
        await new Promise<void>((start) => this.#enqueue(owner, { start }));
      } else {
        this.#running++;
        this.#started.set(owner, ++this.#tick);
      }
      try {
        return await task();
      } finally {
        this.#running--;
        this.#next();
      }
    } finally {
      const left = this.count(owner) - 1;
      if (left === 0) {
        this.#counts.delete(owner);
        this.#started.delete(owner);
      } else {
        this.#counts.set(owner, left);
      }
    }
  }

  #enqueue(owner: string, waiting: Waiting): void {
    const queue = this.#queues.get(owner);
    if (queue) queue.push(waiting);
    else this.#queues.set(owner, [waiting]);
  }

  /** Starts the oldest task of the waiting owner served longest ago. */
  #next(): void {
    while (this.#running < this.concurrency && this.#queues.size > 0) {
      let pick: string | null = null;
      for (const owner of this.#queues.keys()) {
        if (pick === null || (this.#started.get(owner) ?? 0) < (this.#started.get(pick) ?? 0)) {
          pick = owner;
        }
      }
      const queue = this.#queues.get(pick!)!;
      const waiting = queue.shift()!;
      if (queue.length === 0) this.#queues.delete(pick!);
      this.#running++;
      this.#started.set(pick!, ++this.#tick);
      waiting.start();
    }
  }
}
