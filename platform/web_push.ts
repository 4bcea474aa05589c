/**
 * Hands one push to a browser's push service (RFC 8030), its payload encrypted for the
 * subscription (RFC 8291, aes128gcm) and the request signed with the server's VAPID key
 * (RFC 8292). `web-push` builds the request; it is sent with `fetch`, whose network permission is
 * the push services' hosts only (scripts/serve.ts).
 */
import webpush from "web-push";

export interface PushTarget {
  endpoint: string;
  keys: { p256dh: string; auth: string };
}

export interface PushOptions {
  /** Seconds the push service keeps it for a device that is offline. */
  ttl: number;
  urgency: "very-low" | "low" | "normal" | "high";
  /** Replaces a push of the same topic still waiting at the push service (≤ 32 base64url). */
  topic?: string;
}

export type PushOutcome =
  /** Accepted by the push service. */
  | { kind: "sent" }
  /** The subscription is gone for good (404, 410): forget it. */
  | { kind: "gone" }
  /** Try again later (429, 5xx, the network), not before `retryAfterMs` if it said. */
  | { kind: "retry"; status: number; retryAfterMs: number | null }
  /** Refused for a reason another try will not change (400, 401, 403, 413…). */
  | { kind: "refused"; status: number };

export interface Vapid {
  subject: string;
  publicKey: string;
  privateKey: string;
}

/** How long a push service is given to answer. */
const TIMEOUT_MS = 10_000;
/** A signed VAPID token is valid 12 hours and reused for one (signing is most of a push's CPU). */
const TOKEN_LIFE_S = 12 * 3600;
const TOKEN_REUSE_MS = 3600_000;
const tokens = new Map<string, { authorization: string; until: number }>();

/** The `Authorization` header for a push service's origin, signed once an hour per origin. */
function vapidAuthorization(vapid: Vapid, endpoint: string): string {
  const audience = new URL(endpoint).origin;
  const key = `${vapid.publicKey}|${audience}`;
  const now = Date.now();
  const kept = tokens.get(key);
  if (kept && kept.until > now) return kept.authorization;
  const headers = webpush.getVapidHeaders(
    audience,
    vapid.subject,
    vapid.publicKey,
    vapid.privateKey,
    "aes128gcm",
    Math.floor(now / 1000) + TOKEN_LIFE_S,
  );
  if (tokens.size > 1000) tokens.clear();
  tokens.set(key, { authorization: headers.Authorization, until: now + TOKEN_REUSE_MS });
  return headers.Authorization;
}

export async function sendPush(
  vapid: Vapid,
  target: PushTarget,
  payload: string,
  options: PushOptions,
): Promise<PushOutcome> {
  const request = webpush.generateRequestDetails(target, payload, {
    // Signed here once an hour rather than by web-push for every push.
    vapidDetails: null,
    headers: { Authorization: vapidAuthorization(vapid, target.endpoint) },
    TTL: options.ttl,
    urgency: options.urgency,
    ...(options.topic ? { topic: options.topic } : {}),
    contentEncoding: "aes128gcm",
  });
  let res: Response;
  try {
    res = await fetch(request.endpoint, {
      method: "POST",
      headers: request.headers as Record<string, string>,
      body: new Uint8Array(request.body as Uint8Array),
      redirect: "error",
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
  } catch {
    return { kind: "retry", status: 0, retryAfterMs: null };
  }
  await res.body?.cancel();
  if (res.status >= 200 && res.status < 300) return { kind: "sent" };
  if (res.status === 404 || res.status === 410) return { kind: "gone" };
  if (res.status === 429 || res.status >= 500) {
    return { kind: "retry", status: res.status, retryAfterMs: retryAfter(res.headers) };
  }
  return { kind: "refused", status: res.status };
}

/** `Retry-After` in ms (seconds or an HTTP date), or null. */
function retryAfter(headers: Headers): number | null {
  const raw = headers.get("retry-after");
  if (!raw) return null;
  if (/^\d+$/.test(raw)) return Number(raw) * 1000;
  const at = Date.parse(raw);
  return Number.isNaN(at) ? null : Math.max(0, at - Date.now());
}
