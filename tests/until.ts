/** Waiting in tests: poll for a condition with a deadline, never sleep a fixed time and hope. */

export interface UntilOptions {
  /** Give up after this long (default 15 s). */
  ms?: number;
  /** Look again after this long (default 100 ms). */
  every?: number;
}

/**
 * Polls `check` until it holds (a check that throws counts as not yet), or fails naming `what`
 * after the deadline.
 */
export async function until(
  what: string,
  check: () => boolean | Promise<boolean>,
  options: UntilOptions | number = {},
): Promise<void> {
  const { ms = 15_000, every = 100 } = typeof options === "number" ? { ms: options } : options;
  const deadline = Date.now() + ms;
  for (;;) {
    if (await Promise.resolve().then(check).catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting: ${what}`);
    await new Promise((r) => setTimeout(r, every));
  }
}
