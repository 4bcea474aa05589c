/** Token buckets: a burst allowance that refills at a steady rate. Pure; callers store them. */

export interface BucketRule {
  /** Most tokens held (the burst). */
  burst: number;
  /** Tokens added per second. */
  perSecond: number;
}

export interface Bucket {
  tokens: number;
  /** Clock milliseconds when `tokens` was computed. */
  at: number;
}

/** Sends per member and chat: bursts of 30, then 5 per second. */
export const SEND_RULE: BucketRule = { burst: 30, perSecond: 5 };

export type Take = { ok: true; bucket: Bucket } | { ok: false; retryAfterMs: number };

/** Takes one token from `bucket` (a full one when null) at `now`. */
export function take(bucket: Bucket | null, now: number, rule: BucketRule): Take {
  const start = bucket ?? { tokens: rule.burst, at: now };
  const elapsed = Math.max(0, now - start.at) / 1000;
  const tokens = Math.min(rule.burst, start.tokens + elapsed * rule.perSecond);
  if (tokens >= 1) return { ok: true, bucket: { tokens: tokens - 1, at: now } };
  return { ok: false, retryAfterMs: ((1 - tokens) / rule.perSecond) * 1000 };
}
