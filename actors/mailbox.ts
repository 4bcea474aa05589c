/**
 * An actor's mailbox: commands run one batch at a time, in arrival order. While a batch runs,
 * new commands queue up and are handed over together as the next batch (up to `maxBatch`), which
 * is what lets an actor group many commands into one commit. The queue is bounded.
 */
import { AppError, shuttingDown } from "../shared/errors.ts";

export type Result<R> = { ok: true; value: R } | { ok: false; error: unknown };

export interface MailboxOptions {
  /** Most commands handed to the handler at once; default 1. */
  maxBatch?: number;
  /** Most commands waiting; more are refused with 503 `overloaded`. Default 10,000. */
  maxQueue?: number;
}

interface Letter<C, R> {
  command: C;
  resolve: (result: Result<R>) => void;
}

export class Mailbox<C, R> {
  readonly #handler: (batch: C[]) => Promise<Result<R>[]>;
  readonly #maxBatch: number;
  readonly #maxQueue: number;
  #queue: Letter<C, R>[] = [];
  #running = false;
  /** Commands of the batch the handler holds. */
  #inFlight = 0;
  #closed = false;
  #idleWaiters: (() => void)[] = [];

  constructor(handler: (batch: C[]) => Promise<Result<R>[]>, options: MailboxOptions = {}) {
    this.#handler = handler;
    this.#maxBatch = options.maxBatch ?? 1;
    this.#maxQueue = options.maxQueue ?? 10_000;
  }

  /** Commands waiting or running. */
  get pending(): number {
    return this.#queue.length + this.#inFlight;
  }

  /** Queues `command`; the promise resolves with its result and never rejects. */
  post(command: C): Promise<Result<R>> {
    if (this.#closed) {
      return Promise.resolve({
        ok: false,
        error: shuttingDown(),
      });
    }
    if (this.#queue.length >= this.#maxQueue) {
      return Promise.resolve({
        ok: false,
        error: new AppError(503, "overloaded", "The server is busy; try again", { retryAfter: 1 }),
      });
    }
    return new Promise((resolve) => {
      this.#queue.push({ command, resolve });
      if (!this.#running) void this.#run();
    });
  }

  async #run(): Promise<void> {
    this.#running = true;
    while (this.#queue.length > 0) {
      const batch = this.#queue.splice(0, this.#maxBatch);
      this.#inFlight = batch.length;
      let results: Result<R>[];
      try {
        results = await this.#handler(batch.map((l) => l.command));
      } catch (error) {
        results = batch.map(() => ({ ok: false, error }));
      }
      batch.forEach((letter, i) => letter.resolve(results[i] ?? { ok: false, error: results }));
      this.#inFlight = 0;
    }
    this.#running = false;
    for (const wake of this.#idleWaiters.splice(0)) wake();
  }

  /** Resolves when nothing is queued or running. */
  idle(): Promise<void> {
    if (this.pending === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  /** Refuses new commands and waits for the queued ones to finish. */
  async close(): Promise<void> {
    this.#closed = true;
    await this.idle();
  }
}

/** The value of `result`, or its error thrown. */
export function unwrap<R>(result: Result<R>): R {
  if (result.ok) return result.value;
  throw result.error;
}

/**
 * What every actor shares: its mailbox, when it was last used (for passivation), and stopping.
 * A subclass says how a batch of commands is handled and how a command's result is typed.
 */
export abstract class MailboxActor<C> {
  readonly #mailbox: Mailbox<C, unknown>;
  readonly #clock: { now(): number };
  #lastActive: number;

  constructor(clock: { now(): number }, options: MailboxOptions) {
    this.#clock = clock;
    this.#lastActive = clock.now();
    this.#mailbox = new Mailbox((batch) => this.handle(batch), options);
  }

  /** Runs a batch of commands in arrival order; one result per command, never a throw. */
  protected abstract handle(batch: C[]): Promise<Result<unknown>[]>;

  /** Commands waiting or running; an actor with work is never passivated. */
  get pending(): number {
    return this.#mailbox.pending;
  }

  /** When the actor last received or finished a command (clock milliseconds). */
  get lastActive(): number {
    return this.#lastActive;
  }

  /** Lets queued commands finish and refuses new ones (503). */
  async stop(): Promise<void> {
    await this.#mailbox.close();
  }

  /** Posts `command` and waits for its result, which the subclass's spec of it types as R. */
  protected async ask<R>(command: C): Promise<Result<R>> {
    this.#lastActive = this.#clock.now();
    const result = await this.#mailbox.post(command) as Result<R>;
    this.#lastActive = this.#clock.now();
    return result;
  }
}
