/**
 * Admission control: at most `limit` pieces of work run at once, the rest wait their turn in
 * arrival order. A reconnect storm (a whole school coming back after a restart) then finishes
 * greetings one batch after another instead of starting all of them together, so the first
 * sockets are ready at once, memory stays bounded, and a client that gives up waiting frees its
 * place before any work is spent on it.
 */
export class Admission {
  #running = 0;
  readonly #waiting: (() => void)[] = [];

  constructor(readonly limit: number) {}

  /** How many wait for a place now. */
  get waiting(): number {
    return this.#waiting.length;
  }

  /**
   * Runs `work` once a place is free. `stillWanted` is asked when the place comes: if it says
   * no (the socket closed meanwhile), the work is skipped and null returned.
   */
  async run<T>(work: () => Promise<T>, stillWanted: () => boolean = () => true): Promise<T | null> {
    if (this.#running >= this.limit) {
      await new Promise<void>((resolve) => this.#waiting.push(resolve));
    } else {
      this.#running++;
    }
    try {
      return stillWanted() ? await work() : null;
    } finally {
      const next = this.#waiting.shift();
      // The place passes straight to the next in line; only when nobody waits is it freed.
      if (next) next();
      else this.#running--;
    }
  }
}
