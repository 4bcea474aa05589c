/**
 * Web Push subscriptions: one record per browser that agreed to be notified, tied to the session
 * that subscribed it (its sign-out ends the subscription), and the server's VAPID key pair.
 *
 * An endpoint is a URL the server will POST to, so it is held to the push services configured
 * (PUSH_SERVICE_HOSTS): https only, a listed host, no port of its own. With
 * PUSH_ALLOW_INSECURE_LOCALHOST (development and tests only) `http://127.0.0.1:PORT` is allowed
 * too. A browser subscribes once whoever is signed in: the same endpoint subscribed by another
 * account moves to it.
 */
import webpush from "web-push";
import { z } from "zod";
import type { Clock, Ids, UserId } from "../shared/ids.ts";
import { sha256Hex } from "../shared/ids.ts";
import type { PushConfig } from "../platform/config.ts";
import { keys } from "../platform/kv_keys.ts";
import { commit, listAll } from "../platform/kv_util.ts";
import { invalidInput, notFound } from "../shared/errors.ts";

export interface PushSubscriptionRecord {
  id: string;
  userId: UserId;
  endpoint: string;
  keys: { p256dh: string; auth: string };
  /** When the browser said the subscription lapses (ms), if it did. */
  expirationTime: number | null;
  /** The session that subscribed (its sign-out or expiry ends the subscription). */
  sessionHash: string;
  sessionExpiresAt: string;
  /** Browser and system, from the User-Agent, for the list in the profile. */
  label: string;
  createdAt: string;
  /** When a push last reached the push service for it. */
  lastUsedAt: string | null;
}

/** Subscriptions one account may hold; past it the least recently used goes. */
export const MAX_SUBSCRIPTIONS = 10;

const base64url = (bytes: number) =>
  z.string().regex(/^[A-Za-z0-9_-]+$/, "must be base64url").length(Math.ceil(bytes * 4 / 3));

/** The browser's `PushSubscription.toJSON()`. */
export const pushSubscriptionInput = z.object({
  endpoint: z.string().min(1).max(1024),
  expirationTime: z.number().int().min(0).nullable().optional(),
  keys: z.object({
    /** The browser's P-256 public key, uncompressed (65 bytes). */
    p256dh: base64url(65),
    /** The shared authentication secret (16 bytes). */
    auth: base64url(16),
  }),
});
export type PushSubscriptionInput = z.output<typeof pushSubscriptionInput>;

/** Whether `host` matches a configured push host (`*.` for any subdomain). */
function hostAllowed(host: string, patterns: readonly string[]): boolean {
  return patterns.some((p) => p.startsWith("*.") ? host.endsWith(p.slice(1)) : host === p);
}

/** The endpoint as a URL the server may send to, or 400 naming why not. */
export function checkEndpoint(raw: string, push: PushConfig): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw invalidInput("endpoint is not a URL", "endpoint");
  }
  if (url.username || url.password) throw invalidInput("endpoint has credentials", "endpoint");
  const local = push.allowInsecureLocalhost && url.protocol === "http:" &&
    url.hostname === "127.0.0.1";
  if (local) return url;
  if (url.protocol !== "https:") throw invalidInput("endpoint must be https", "endpoint");
  if (url.port !== "" || !hostAllowed(url.hostname, push.hosts)) {
    throw invalidInput("endpoint is not a push service this server sends to", "endpoint");
  }
  return url;
}

/** A short name of the browser and system, such as "Chrome, Android". */
export function deviceLabel(userAgent: string | undefined): string {
  const ua = userAgent ?? "";
  const browser = /YaBrowser\//.test(ua)
    ? "Yandex Browser"
    : /Edg\//.test(ua)
    ? "Edge"
    : /OPR\//.test(ua)
    ? "Opera"
    : /Firefox\//.test(ua)
    ? "Firefox"
    : /Chrome\//.test(ua)
    ? "Chrome"
    : /Safari\//.test(ua)
    ? "Safari"
    : "";
  const system = /Android/.test(ua)
    ? "Android"
    : /iPhone|iPad/.test(ua)
    ? "iOS"
    : /Windows/.test(ua)
    ? "Windows"
    : /Mac OS X/.test(ua)
    ? "macOS"
    : /Linux/.test(ua)
    ? "Linux"
    : "";
  return [browser, system].filter(Boolean).join(", ");
}

/**
 * Saves the browser's subscription for `userId`'s session. The same endpoint saved before (by
 * anyone) is replaced; past {@link MAX_SUBSCRIPTIONS}, the least recently used of the account's
 * goes. Returns the record and whether it is new.
 */
export async function saveSubscription(
  deps: { kv: Deno.Kv; clock: Clock; ids: Ids },
  push: PushConfig,
  input: PushSubscriptionInput,
  owner: { userId: UserId; sessionHash: string; sessionExpiresAt: string; label: string },
): Promise<{ subscription: PushSubscriptionRecord; created: boolean }> {
  const { kv, clock, ids } = deps;
  checkEndpoint(input.endpoint, push);
  const endpointKey = keys.pushEndpoint(await sha256Hex(input.endpoint));
  for (let attempt = 0; attempt < 10; attempt++) {
    const [index, mine] = await Promise.all([
      kv.get<{ userId: UserId; id: string }>(endpointKey),
      listAll<PushSubscriptionRecord>(kv, keys.pushSubscriptions(owner.userId)),
    ]);
    const now = new Date(clock.now()).toISOString();
    const previous = index.value
      ? await kv.get<PushSubscriptionRecord>(
        keys.pushSubscription(index.value.userId, index.value.id),
      )
      : null;
    const same = previous?.value?.userId === owner.userId ? previous.value : null;
    const record: PushSubscriptionRecord = {
      id: same?.id ?? ids.ulid(),
      userId: owner.userId,
      endpoint: input.endpoint,
      keys: input.keys,
      expirationTime: input.expirationTime ?? null,
      sessionHash: owner.sessionHash,
      sessionExpiresAt: owner.sessionExpiresAt,
      label: owner.label,
      createdAt: same?.createdAt ?? now,
      lastUsedAt: same?.lastUsedAt ?? null,
    };
    const op = kv.atomic().check(index);
    if (previous) {
      op.check(previous);
      if (previous.value && !same) op.delete(previous.key);
    }
    // Over the limit: the least recently used of the account's others make room.
    const others = mine.filter((e) => e.value.id !== record.id)
      .sort((a, b) => lastUse(a.value).localeCompare(lastUse(b.value)));
    for (const old of others.slice(0, Math.max(0, others.length - MAX_SUBSCRIPTIONS + 1))) {
      op.check(old).delete(old.key).delete(keys.pushEndpoint(await sha256Hex(old.value.endpoint)));
    }
    op.set(keys.pushSubscription(owner.userId, record.id), record)
      .set(endpointKey, { userId: owner.userId, id: record.id });
    if ((await commit(op)).ok) return { subscription: record, created: !same };
  }
  throw new Error("push subscription kept changing while it was saved");
}

const lastUse = (s: PushSubscriptionRecord) => s.lastUsedAt ?? s.createdAt;

/** The account's subscriptions, most recently used first. */
export async function listSubscriptions(
  kv: Deno.Kv,
  userId: UserId,
): Promise<PushSubscriptionRecord[]> {
  const entries = await listAll<PushSubscriptionRecord>(kv, keys.pushSubscriptions(userId));
  return entries.map((e) => e.value).sort((a, b) => lastUse(b).localeCompare(lastUse(a)));
}

/** Removes one of the account's subscriptions; 404 for one it does not hold. */
export async function removeSubscription(kv: Deno.Kv, userId: UserId, id: string): Promise<void> {
  const entry = await kv.get<PushSubscriptionRecord>(keys.pushSubscription(userId, id));
  if (!entry.value) throw notFound("No such subscription");
  await dropSubscription(kv, entry.value);
}

/** Deletes a subscription and its endpoint's index (if the index still names it). */
export async function dropSubscription(kv: Deno.Kv, sub: PushSubscriptionRecord): Promise<void> {
  const endpointKey = keys.pushEndpoint(await sha256Hex(sub.endpoint));
  for (let attempt = 0; attempt < 10; attempt++) {
    const index = await kv.get<{ userId: UserId; id: string }>(endpointKey);
    const op = kv.atomic().check(index).delete(keys.pushSubscription(sub.userId, sub.id));
    if (index.value?.id === sub.id) op.delete(endpointKey);
    if ((await commit(op)).ok) return;
  }
}

/** Ends the subscriptions a session made (it was signed out or replaced). */
export async function dropSessionSubscriptions(
  kv: Deno.Kv,
  userId: UserId,
  sessionHash: string,
): Promise<void> {
  for (const sub of await listSubscriptions(kv, userId)) {
    if (sub.sessionHash === sessionHash) await dropSubscription(kv, sub);
  }
}

/** The VAPID key pair: configured, or made once and kept in KV (the first worker's wins). */
export async function vapidKeys(
  kv: Deno.Kv,
  push: PushConfig,
): Promise<{ publicKey: string; privateKey: string }> {
  if (push.vapid) return push.vapid;
  const kept = await kv.get<{ publicKey: string; privateKey: string }>(keys.vapidKeys());
  if (kept.value) return kept.value;
  const made = webpush.generateVAPIDKeys();
  const res = await kv.atomic().check(kept).set(keys.vapidKeys(), made).commit();
  if (res.ok) return made;
  return (await kv.get<{ publicKey: string; privateKey: string }>(keys.vapidKeys())).value!;
}

/**
 * Who has no subscription, as one isolate last saw (for a few seconds): most people of a busy
 * chat's commit are then skipped without a read. Only absence is remembered — a subscription is
 * always read from KV before anything is sent to it, so a browser signed out elsewhere gets
 * nothing — and subscribing here forgets it at once (elsewhere it takes effect within the TTL).
 */
export class NoSubscriptions {
  readonly #until = new Map<UserId, number>();
  constructor(readonly ttlMs = 10_000, readonly max = 100_000) {}

  known(userId: UserId, now: number): boolean {
    const until = this.#until.get(userId);
    if (until === undefined) return false;
    if (until > now) return true;
    this.#until.delete(userId);
    return false;
  }

  note(userId: UserId, now: number): void {
    if (this.#until.size >= this.max) this.#until.clear();
    this.#until.set(userId, now + this.ttlMs);
  }

  forget(userId: UserId): void {
    this.#until.delete(userId);
  }
}
