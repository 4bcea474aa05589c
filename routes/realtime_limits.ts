/**
 * The realtime socket's limits on what a client may hold open or send; docs/reliability.md
 * ("Limits") gives the measurements behind each figure.
 */

/** A frame's most characters (text) or bytes (binary); over it the socket is closed with 1009. */
export const MAX_FRAME = 64 * 1024;
/**
 * Sockets opened without the app's cookie that have not sent `hello` yet, per client address. Not
 * lower: the storm client opens 128 token sockets at once from one address, as many clients behind
 * one NAT, or behind a proxy without TRUST_PROXY, do after a restart.
 */
export const WAITING_PER_ADDRESS = 256;
/** Sockets of one person not yet `ready` (their greeting is waiting or running). */
export const WAITING_PER_USER = 20;
/** Time from the upgrade to `hello` before the socket is refused. */
export const HELLO_TIMEOUT_MS = 10_000;

/** The size of a received message: characters of a string, bytes of binary data. */
export function frameSize(data: unknown): number {
  if (typeof data === "string") return data.length;
  if (data instanceof ArrayBuffer) return data.byteLength;
  if (ArrayBuffer.isView(data)) return data.byteLength;
  if (data instanceof Blob) return data.size;
  return 0;
}

/** Counts held per key, each up to a cap (sockets per address, per person). */
export class Tally {
  readonly #counts = new Map<string, number>();

  /** Takes one for `key` unless `cap` are already taken; answers whether it did. */
  take(key: string, cap: number): boolean {
    const n = this.#counts.get(key) ?? 0;
    if (n >= cap) return false;
    this.#counts.set(key, n + 1);
    return true;
  }

  /** Gives one back. */
  give(key: string): void {
    const n = (this.#counts.get(key) ?? 0) - 1;
    if (n > 0) this.#counts.set(key, n);
    else this.#counts.delete(key);
  }

  /** How many are held for `key`. */
  held(key: string): number {
    return this.#counts.get(key) ?? 0;
  }
}
