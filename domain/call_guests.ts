/**
 * Guest links: a host of a call lets someone from outside the school (a visiting speaker, a
 * psychologist at a parent meeting) into that one call. The link is the only thing a guest holds:
 * it opens the call and nothing else (no chat, no names of the school's people, no school data),
 * until it expires, the host revokes it or the call ends. Only the link's SHA-256 is kept, so a
 * read of KV does not hand out working links.
 */
import { z } from "zod";
import type { UserId } from "../shared/ids.ts";
import { randomToken, sha256Hex } from "../shared/ids.ts";
import { keys } from "../platform/kv_keys.ts";
import { commit, listAll } from "../platform/kv_util.ts";

export interface CallGuest {
  id: string;
  callId: string;
  /** What the call shows them as: the host's words, or «Гость». */
  name: string;
  createdBy: UserId;
  createdAt: string;
  expiresAt: string;
  revokedAt: string | null;
}

/** Where a link's hash points. */
interface GuestLink {
  callId: string;
  guestId: string;
}

/** The LiveKit identity of a guest: never a user id (those are ULIDs). */
export const guestIdentity = (guestId: string) => `guest-${guestId}`;

/** The guest id in a LiveKit identity, or null when it is not a guest's. */
export function guestIdOf(identity: string): string | null {
  const m = /^guest-([0-9A-HJKMNP-TV-Z]{26})$/.exec(identity);
  return m ? m[1]! : null;
}

/** Most guest links one call may have live at once. */
export const MAX_GUESTS_PER_CALL = 10;

/** `POST /calls/:callId/guests`: a name to show, and how long the link works (default 2 h). */
export const guestInput = z.object({
  name: z.string().trim().min(1).max(60).optional(),
  ttlMinutes: z.number().int().min(15).max(24 * 60).default(120),
});

/** Whether the guest's link works at `now`. */
export function guestUsable(guest: CallGuest, now: number): boolean {
  return guest.revokedAt === null && Date.parse(guest.expiresAt) > now;
}

/** Stores a new guest of the call; returns it with the link's secret token (shown once). */
export async function createGuest(
  kv: Deno.Kv,
  guest: Omit<CallGuest, "revokedAt">,
): Promise<{ guest: CallGuest; token: string }> {
  const token = randomToken();
  const hash = await sha256Hex(token);
  const stored: CallGuest = { ...guest, revokedAt: null };
  // Kept a day past the link's end, for the host's list and a late webhook.
  const expireIn = Date.parse(guest.expiresAt) - Date.parse(guest.createdAt) + 24 * 3600_000;
  const link: GuestLink = { callId: guest.callId, guestId: guest.id };
  await commit(
    kv.atomic()
      .check({ key: keys.guestLink(hash), versionstamp: null })
      .set(keys.callGuest(guest.callId, guest.id), stored, { expireIn })
      .set(keys.guestLink(hash), link, { expireIn }),
  );
  return { guest: stored, token };
}

/** The call's guests, oldest first. */
export async function listGuests(kv: Deno.Kv, callId: string): Promise<CallGuest[]> {
  return (await listAll<CallGuest>(kv, keys.callGuests(callId))).map((e) => e.value);
}

export async function getGuest(kv: Deno.Kv, callId: string, guestId: string) {
  return (await kv.get<CallGuest>(keys.callGuest(callId, guestId))).value;
}

/** The guest a link's token stands for, or null for a token Parta never gave out. */
export async function guestByToken(kv: Deno.Kv, token: string): Promise<CallGuest | null> {
  if (!/^[A-Za-z0-9_-]{43}$/.test(token)) return null;
  const link = (await kv.get<GuestLink>(keys.guestLink(await sha256Hex(token)))).value;
  return link ? await getGuest(kv, link.callId, link.guestId) : null;
}

/** Revokes the guest's link (a revoked one stays revoked). */
export async function revokeGuest(kv: Deno.Kv, callId: string, guestId: string, now: number) {
  const entry = await kv.get<CallGuest>(keys.callGuest(callId, guestId));
  if (!entry.value || entry.value.revokedAt !== null) return entry.value;
  const revoked = { ...entry.value, revokedAt: new Date(now).toISOString() };
  await commit(kv.atomic().check(entry).set(entry.key, revoked, { expireIn: 24 * 3600_000 }));
  return revoked;
}
