/**
 * The notifications domain's way in: the server's public VAPID key, and the caller's push
 * subscriptions (save, list, remove). What is pushed, and to whom, is decided by the effects of
 * each commit (effects/notify.ts); a chat's mute goes through its actor (ChatScope).
 */
import type { Clock, Ids } from "../shared/ids.ts";
import type { User } from "../shared/model.ts";
import type { PushConfig } from "../platform/config.ts";
import { enforce } from "../platform/rate_limit.ts";
import { readUnsubscribeToken } from "../domain/mail_links.ts";
import { updateUser } from "../domain/users.ts";
import {
  deviceLabel,
  listSubscriptions,
  type NoSubscriptions,
  type PushSubscriptionInput,
  type PushSubscriptionRecord,
  removeSubscription,
  saveSubscription,
  vapidKeys,
} from "../domain/push.ts";

/** Subscribing writes a record; bound how often one account does it. */
const SUBSCRIBE_RATE = { bucket: "push_subscribe", limit: 30, windowMs: 60 * 60_000 };

export interface NotificationServiceDeps {
  kv: Deno.Kv;
  clock: Clock;
  ids: Ids;
  push: PushConfig;
  /** The notifying effects' memory of who has no subscription: forgotten on subscribing. */
  unsubscribed: NoSubscriptions;
}

/** The session a request came with: its id in KV and when it ends. */
export interface CallerSession {
  tokenHash: string;
  expiresAt: string;
}

export class NotificationService {
  readonly #d: NotificationServiceDeps;
  #publicKey: string | null = null;

  constructor(deps: NotificationServiceDeps) {
    this.#d = deps;
  }

  /** The key browsers subscribe with (`applicationServerKey`), base64url. */
  async vapidPublicKey(): Promise<{ publicKey: string }> {
    this.#publicKey ??= (await vapidKeys(this.#d.kv, this.#d.push)).publicKey;
    return { publicKey: this.#publicKey };
  }

  /** Saves this browser's subscription for the caller's session (201 when new). */
  async subscribe(
    user: User,
    session: CallerSession,
    input: PushSubscriptionInput,
    userAgent: string | undefined,
  ) {
    await enforce(this.#d.kv, this.#d.clock, SUBSCRIBE_RATE, user.id);
    const { subscription, created } = await saveSubscription(this.#d, this.#d.push, input, {
      userId: user.id,
      sessionHash: session.tokenHash,
      sessionExpiresAt: session.expiresAt,
      label: deviceLabel(userAgent),
    });
    this.#d.unsubscribed.forget(user.id);
    return { subscription: view(subscription, session), created };
  }

  /** The caller's subscribed browsers, the one they are using marked. */
  async list(user: User, session: CallerSession) {
    const subs = await listSubscriptions(this.#d.kv, user.id);
    return { subscriptions: subs.map((s) => view(s, session)) };
  }

  remove(user: User, id: string): Promise<void> {
    return removeSubscription(this.#d.kv, user.id, id);
  }

  /** Whether an unsubscribe link is one of this server's (who it names), for its page. */
  unsubscribeTarget(token: string) {
    return readUnsubscribeToken(this.#d.kv, token);
  }

  /**
   * Follows an unsubscribe link: that person's unread e-mail is turned off, nothing else changes.
   * False for a link that is not this server's.
   */
  async unsubscribe(token: string): Promise<boolean> {
    const userId = await readUnsubscribeToken(this.#d.kv, token);
    if (!userId) return false;
    await updateUser(this.#d.kv, userId, { unreadEmail: "off" });
    return true;
  }
}

/** A subscription as its owner sees it: never the endpoint's secret path or the keys. */
function view(s: PushSubscriptionRecord, session: CallerSession) {
  return {
    id: s.id,
    label: s.label,
    service: new URL(s.endpoint).hostname,
    createdAt: s.createdAt,
    lastUsedAt: s.lastUsedAt,
    current: s.sessionHash === session.tokenHash,
  };
}
