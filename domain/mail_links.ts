/**
 * One-click unsubscribe links in notification mail: `/unsubscribe/<token>`, where the token names
 * the person and is signed (HMAC-SHA-256) with a secret made once and kept in KV, so it works
 * without signing in and cannot be made up for someone else. Following it turns off the unread
 * e-mail of that person and changes nothing else.
 */
import type { UserId } from "../shared/ids.ts";
import { base64url, isUlid } from "../shared/ids.ts";
import { keys } from "../platform/kv_keys.ts";

async function secret(kv: Deno.Kv): Promise<CryptoKey> {
  let raw = (await kv.get<Uint8Array>(keys.mailLinkSecret())).value;
  if (!raw) {
    const made = crypto.getRandomValues(new Uint8Array(32));
    const res = await kv.atomic().check({ key: keys.mailLinkSecret(), versionstamp: null })
      .set(keys.mailLinkSecret(), made).commit();
    raw = res.ok ? made : (await kv.get<Uint8Array>(keys.mailLinkSecret())).value!;
  }
  return await crypto.subtle.importKey(
    "raw",
    new Uint8Array(raw),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign", "verify"],
  );
}

const PURPOSE = "unread-email";

/** The token of `userId`'s unsubscribe link. */
export async function unsubscribeToken(kv: Deno.Kv, userId: UserId): Promise<string> {
  const mac = await crypto.subtle.sign(
    "HMAC",
    await secret(kv),
    new TextEncoder().encode(`${PURPOSE}:${userId}`),
  );
  return `${userId}.${base64url(new Uint8Array(mac))}`;
}

/** The person a token names, or null for one that is malformed or not signed by this server. */
export async function readUnsubscribeToken(kv: Deno.Kv, token: string): Promise<UserId | null> {
  const m = /^([0-9A-Z]{26})\.([A-Za-z0-9_-]{43})$/.exec(token);
  if (!m || !isUlid<UserId>(m[1]!)) return null;
  const mac = Uint8Array.from(
    atob(m[2]!.replace(/-/g, "+").replace(/_/g, "/") + "="),
    (c) => c.charCodeAt(0),
  );
  const ok = await crypto.subtle.verify(
    "HMAC",
    await secret(kv),
    mac,
    new TextEncoder().encode(`${PURPOSE}:${m[1]}`),
  );
  return ok ? m[1] as UserId : null;
}
