/**
 * Web Push in the browser: whether this browser can be notified, turning it on (only from a
 * person's click: the permission prompt follows their gesture), off, and renewing an existing
 * subscription for the session signed in now. Browser-only.
 */
import type { z } from "zod";
import { api } from "./api_client.ts";
import type * as wire from "./api_schema.ts";

/** One of the person's notified browsers, as the server lists it. */
export type PushSubscriptionView = z.output<typeof wire.pushSubscriptionSchema>;

/** What this browser allows: no Push API, refused, not asked yet, allowed. */
export type PushState = "unsupported" | "denied" | "default" | "granted";

export function pushState(): PushState {
  if (
    typeof window === "undefined" || !("serviceWorker" in navigator) ||
    !("PushManager" in window) || !("Notification" in window)
  ) return "unsupported";
  return Notification.permission;
}

function keyBytes(base64url: string): Uint8Array<ArrayBuffer> {
  const b64 = base64url.replace(/-/g, "+").replace(/_/g, "/");
  const raw = atob(b64 + "=".repeat((4 - b64.length % 4) % 4));
  return Uint8Array.from(raw, (c) => c.charCodeAt(0));
}

/** This browser's subscription, if it has one. */
export async function currentSubscription(): Promise<PushSubscription | null> {
  if (pushState() === "unsupported") return null;
  const reg = await navigator.serviceWorker.ready;
  return await reg.pushManager.getSubscription();
}

/**
 * Asks the browser's permission (call it from a click) and subscribes; resolves with what the
 * person chose and the subscription as the server keeps it.
 */
export async function enablePush(): Promise<
  { state: PushState; subscription: PushSubscriptionView | null }
> {
  if (pushState() === "unsupported") return { state: "unsupported", subscription: null };
  const permission = await Notification.requestPermission();
  if (permission !== "granted") return { state: permission, subscription: null };
  const { publicKey } = await api<{ publicKey: string }>("GET", "/push/vapid-public-key");
  const reg = await navigator.serviceWorker.ready;
  const sub = await reg.pushManager.getSubscription() ?? await reg.pushManager.subscribe({
    userVisibleOnly: true,
    applicationServerKey: keyBytes(publicKey),
  });
  const saved = await api<{ subscription: PushSubscriptionView }>(
    "POST",
    "/push-subscriptions",
    sub.toJSON(),
  );
  return { state: "granted", subscription: saved.subscription };
}

/** Stops notifications to this browser (its subscription `id` on the server, if known). */
export async function disablePush(id: string | null): Promise<void> {
  const sub = await currentSubscription();
  await sub?.unsubscribe();
  if (id) await api("DELETE", `/push-subscriptions/${id}`);
}

/**
 * A browser already allowed and subscribed tells the server again, for the session signed in
 * now (a sign-out ended the last one's). Quiet when anything is missing.
 */
export async function renewPush(): Promise<void> {
  if (pushState() !== "granted") return;
  const sub = await currentSubscription().catch(() => null);
  if (sub) await api("POST", "/push-subscriptions", sub.toJSON()).catch(() => {});
}

/** Closes the notifications shown with `tag` (a chat's, once the reader has it open). */
export function closeNotifications(tag: string): void {
  if (pushState() !== "granted") return;
  navigator.serviceWorker.ready
    .then((reg) => reg.getNotifications({ tag }))
    .then((shown) => shown.forEach((n) => n.close()))
    .catch(() => {});
}
