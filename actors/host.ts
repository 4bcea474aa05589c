/**
 * The per-isolate actor host: at most one activation per address, created on first use and
 * passivated after it has been idle for a while. Time is injected.
 */
import type { Clock } from "../shared/ids.ts";
import { shuttingDown } from "../shared/errors.ts";

/** What the host needs of an activation. */
export interface Activation {
  /** Commands waiting or running; an activation with work is never passivated. */
  readonly pending: number;
  /** When the activation last received or finished a command (clock milliseconds). */
  readonly lastActive: number;
  /** Finishes queued work and releases what the activation holds. */
  stop(): Promise<void>;
}

export interface HostOptions {
  clock: Clock;
  /** Idle time after which an activation is passivated; default 5 minutes. */
  idleMs?: number;
  /** How often idle activations are looked for; default 30 s. 0 turns the timer off. */
  sweepMs?: number;
}

export class ActorHost<A extends Activation> {
  readonly #create: (address: string) => A;
  readonly #actors = new Map<string, A>();
  readonly #clock: Clock;
  readonly #idleMs: number;
  #timer: ReturnType<typeof setInterval> | undefined;
  #stopped = false;

  constructor(create: (address: string) => A, options: HostOptions) {
    this.#create = create;
    this.#clock = options.clock;
    this.#idleMs = options.idleMs ?? 5 * 60_000;
    const sweepMs = options.sweepMs ?? 30_000;
    if (sweepMs > 0) {
      const timer = setInterval(() => void this.sweep(), sweepMs);
      Deno.unrefTimer(timer);
      this.#timer = timer;
    }
  }

  /** The activation for `address`, created if there is none. */
  get(address: string): A {
    if (this.#stopped) throw shuttingDown();
    let actor = this.#actors.get(address);
    if (!actor) {
      actor = this.#create(address);
      this.#actors.set(address, actor);
    }
    return actor;
  }

  /** The activation for `address` if one is live, without creating it. */
  peek(address: string): A | undefined {
    return this.#actors.get(address);
  }

  /** Live activations. */
  get size(): number {
    return this.#actors.size;
  }

  /** Passivates activations idle for at least `idleMs`; returns how many. */
  async sweep(): Promise<number> {
    const now = this.#clock.now();
    const idle = [...this.#actors].filter(([, a]) =>
      a.pending === 0 && now - a.lastActive >= this.#idleMs
    );
    for (const [address] of idle) this.#actors.delete(address);
    await Promise.all(idle.map(([, a]) => a.stop()));
    return idle.length;
  }

  /** Stops the sweep timer and every activation, letting queued work finish. */
  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer !== undefined) clearInterval(this.#timer);
    const all = [...this.#actors.values()];
    this.#actors.clear();
    await Promise.all(all.map((a) => a.stop()));
  }
}
