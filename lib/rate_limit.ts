/**
 * Fixed-window rate limits kept in Deno KV, so every isolate and restart sees the same counts.
 */
import type { Clock } from "./ids.ts";
import { keys } from "./kv_keys.ts";
import { transact } from "./kv_util.ts";
import { AppError, rateLimited } from "./errors.ts";

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
