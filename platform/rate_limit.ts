/**
 * Fixed-window rate limits kept in Deno KV, so every isolate and restart sees the same counts.
 */
import type { Clock } from "../shared/ids.ts";
import { keys } from "./kv_keys.ts";
import { transact } from "./kv_util.ts";
import { AppError, rateLimited } from "../shared/errors.ts";

export interface RateRule {
  /** Name of the counter, e.g. "auth_code_email". */
  bucket: string;
  limit: number;
  windowMs: number;
}

interface Window {
  count: number;
  resetAt: number;
}

export type RateResult = { ok: true } | { ok: false; retryAfterMs: number };

/** Counts one hit against `rule` for `subject`; refuses when the window is full. */
export async function hit(
  kv: Deno.Kv,
  clock: Clock,
  rule: RateRule,
  subject: string,
): Promise<RateResult> {
  const key = keys.rate(rule.bucket, subject);
  return await transact<RateResult>(async () => {
    const entry = await kv.get<Window>(key);
    const now = clock.now();
    const current = entry.value && entry.value.resetAt > now
      ? entry.value
      : { count: 0, resetAt: now + rule.windowMs };
    if (current.count >= rule.limit) {
      return { op: null, result: { ok: false, retryAfterMs: current.resetAt - now } as RateResult };
    }
    const next: Window = { count: current.count + 1, resetAt: current.resetAt };
    const op = kv.atomic().check(entry).set(key, next, {
      expireIn: Math.max(1, next.resetAt - now),
    });
    return { op, result: { ok: true } as RateResult };
  }).catch((err) => {
    // So many requests of one subject at once that the counter cannot be updated: that is
    // itself too many, and the caller gets a 429 rather than a conflict.
    if (err instanceof AppError && err.status === 409) {
      return { ok: false, retryAfterMs: 1000 } as RateResult;
    }
    throw err;
  });
}

/** Gives back one hit counted by {@link hit} in the current window (an attempt that was fine). */
export async function refund(
  kv: Deno.Kv,
  clock: Clock,
  rule: RateRule,
  subject: string,
): Promise<void> {
  const key = keys.rate(rule.bucket, subject);
  await transact(async () => {
    const entry = await kv.get<Window>(key);
    const now = clock.now();
    if (!entry.value || entry.value.resetAt <= now || entry.value.count === 0) {
      return { op: null, result: undefined };
    }
    const next: Window = { count: entry.value.count - 1, resetAt: entry.value.resetAt };
    const op = kv.atomic().check(entry).set(key, next, {
      expireIn: Math.max(1, next.resetAt - now),
    });
    return { op, result: undefined };
  });
}

/** Whether `subject` is at or over its limit, without counting a hit. */
export async function peek(
  kv: Deno.Kv,
  clock: Clock,
  rule: RateRule,
  subject: string,
): Promise<RateResult> {
  const entry = await kv.get<Window>(keys.rate(rule.bucket, subject));
  const now = clock.now();
  if (entry.value && entry.value.resetAt > now && entry.value.count >= rule.limit) {
    return { ok: false, retryAfterMs: entry.value.resetAt - now };
  }
  return { ok: true };
}

/** {@link hit}, throwing the API's 429 when refused. */
export async function enforce(
  kv: Deno.Kv,
  clock: Clock,
  rule: RateRule,
  subject: string,
): Promise<void> {
  const result = await hit(kv, clock, rule, subject);
  if (!result.ok) throw rateLimited(result.retryAfterMs / 1000);
}

/** A rule and the subject it counts, e.g. `[RATE.codePerEmail, email]`. */
export type RateCount = readonly [RateRule, string];

const TOO_BUSY: RateResult = { ok: false, retryAfterMs: 1000 };
/**
 * Commits tried for one multi-counter update: a burst from one address (a class signing in at
 * once) makes its counters contend, and each try is a tiny read and write.
 */
const COUNTER_ATTEMPTS = 60;

/**
 * Counts one hit against every one of `counts` (distinct counters, at most 10) in one commit,
 * or against none when any is full: a refused request uses nothing up. The wait answered is
 * until all those full have room.
 */
export async function hitAll(
  kv: Deno.Kv,
  clock: Clock,
  counts: readonly RateCount[],
): Promise<RateResult> {
  const ks = counts.map(([rule, subject]) => keys.rate(rule.bucket, subject));
  return await transact<RateResult>(async () => {
    const entries = await kv.getMany<Window[]>(ks);
    const now = clock.now();
    const op = kv.atomic();
    let wait = 0;
    counts.forEach(([rule], i) => {
      const entry = entries[i]!;
      const current = entry.value && entry.value.resetAt > now
        ? entry.value
        : { count: 0, resetAt: now + rule.windowMs };
      if (current.count >= rule.limit) wait = Math.max(wait, current.resetAt - now);
      const next: Window = { count: current.count + 1, resetAt: current.resetAt };
      op.check(entry).set(ks[i]!, next, { expireIn: Math.max(1, next.resetAt - now) });
    });
    if (wait > 0) return { op: null, result: { ok: false, retryAfterMs: wait } as RateResult };
    return { op, result: { ok: true } as RateResult };
  }, { attempts: COUNTER_ATTEMPTS }).catch((err) => {
    // As in hit: counters too busy to update mean too many requests at once.
    if (err instanceof AppError && err.status === 409) return TOO_BUSY;
    throw err;
  });
}

/**
 * Gives back one hit of each of `counts` in the current windows, in one commit; best effort: a
 * refund that cannot be made leaves a limit tighter, never looser.
 */
export async function refundAll(
  kv: Deno.Kv,
  clock: Clock,
  counts: readonly RateCount[],
): Promise<void> {
  if (counts.length === 0) return;
  const ks = counts.map(([rule, subject]) => keys.rate(rule.bucket, subject));
  await transact(async () => {
    const entries = await kv.getMany<Window[]>(ks);
    const now = clock.now();
    const op = kv.atomic();
    let changed = false;
    entries.forEach((entry, i) => {
      if (!entry.value || entry.value.resetAt <= now || entry.value.count === 0) return;
      const next: Window = { count: entry.value.count - 1, resetAt: entry.value.resetAt };
      op.check(entry).set(ks[i]!, next, { expireIn: Math.max(1, next.resetAt - now) });
      changed = true;
    });
    return { op: changed ? op : null, result: undefined };
  }, { attempts: COUNTER_ATTEMPTS }).catch(() => {});
}
