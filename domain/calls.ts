/**
 * Calls, lessons and meetings on LiveKit. Parta keeps the call record, its attendance and the
 * chat's log; LiveKit carries the media. Rooms get opaque random names, derived from nothing.
 */
import { AccessToken, TrackSource, type VideoGrant } from "livekit-server-sdk";
import { z } from "zod";
import type { ChatId, OrgId, UserId } from "../shared/ids.ts";
import { randomToken } from "../shared/ids.ts";
import { keys } from "../platform/kv_keys.ts";
import { listAll } from "../platform/kv_util.ts";
import type { CallKind, CallSummary, Chat } from "../shared/chat_model.ts";
import type { LiveKitConfig } from "../platform/config.ts";
import type { Role } from "../shared/model.ts";
import { AppError } from "../shared/errors.ts";
import { canControlCallParticipant, canHostCall, type ChatCaller } from "../shared/policy.ts";
import { listChatMembers } from "./chats.ts";

export interface Call extends CallSummary {
  chatId: ChatId;
  orgId: OrgId;
  room: string;
  /** Seq of the call's message in the chat. */
  messageSeq: number;
  /** Whether students and parents may share their screen (camera and microphone always). */
  screenShareForAll: boolean;
  /** Participants wait in a lobby until a host lets them in (hosts go straight in). */
  lobby?: boolean;
}

export interface Attendance {
  userId: UserId;
  joinedAt: string;
  leftAt?: string;
  /** LiveKit's id of this visit's connection, pairing its join and leave (not shown). */
  sid?: string;
}

/** A fresh opaque room name: 128 random bits. */
export function newRoomName(): string {
  return `room-${randomToken(16)}`;
}

export const callsUnavailable = () =>
  new AppError(503, "calls_unavailable", "Calls are not configured on this server");

/** The call, or null. */
export async function getCall(kv: Deno.Kv, id: string): Promise<Call | null> {
  return (await kv.get<Call>(keys.call(id))).value;
}

/** A host's removal of someone from a call, kept while the call could still be joined. */
export interface CallRemoval {
  by: UserId;
  at: string;
}

/** How long a removal is kept: longer than any call runs (tokens last ten minutes). */
const REMOVAL_TTL_MS = 7 * 24 * 3600_000;

/** Marks `userId` removed from the call by `by`. */
export async function markRemoved(
  kv: Deno.Kv,
  callId: string,
  userId: UserId,
  by: UserId,
  now: number,
): Promise<void> {
  const removal: CallRemoval = { by, at: new Date(now).toISOString() };
  await kv.set(keys.callRemoval(callId, userId), removal, { expireIn: REMOVAL_TTL_MS });
}

/** Whether a host removed `userId` from the call. */
export async function wasRemoved(kv: Deno.Kv, callId: string, userId: UserId): Promise<boolean> {
  return (await kv.get(keys.callRemoval(callId, userId))).versionstamp !== null;
}

/** Someone waiting in the lobby: since when, and when their page last asked. */
export interface Knock {
  userId: UserId;
  since: string;
  seen: string;
}

/** A host's answer to a knock. */
export type Admission = "admitted" | "declined";

/** A page waiting in the lobby asks every few seconds; a knock not renewed this long is gone. */
const KNOCK_FRESH_MS = 15_000;

/** Records (or renews) `userId`'s wait in the call's lobby. */
export async function knock(kv: Deno.Kv, callId: string, userId: UserId, now: number) {
  const key = keys.callKnock(callId, userId);
  const held = (await kv.get<Knock>(key)).value;
  const at = new Date(now).toISOString();
  const next: Knock = { userId, since: held?.since ?? at, seen: at };
  await kv.set(key, next, { expireIn: REMOVAL_TTL_MS });
}

/** Who is waiting in the lobby now, longest first. */
export async function listKnocks(kv: Deno.Kv, callId: string, now: number): Promise<Knock[]> {
  const entries = await listAll<Knock>(kv, keys.callKnocks(callId));
  return entries.map((e) => e.value)
    .filter((k) => now - Date.parse(k.seen) < KNOCK_FRESH_MS)
    .sort((a, b) => a.since.localeCompare(b.since));
}

/** Whether `userId` is waiting in the lobby now. */
export async function isKnocking(kv: Deno.Kv, callId: string, userId: UserId, now: number) {
  const held = (await kv.get<Knock>(keys.callKnock(callId, userId))).value;
  return held !== null && now - Date.parse(held.seen) < KNOCK_FRESH_MS;
}

/** A host's answer to `userId`'s knock, which ends the wait. */
export async function answerKnock(kv: Deno.Kv, callId: string, userId: UserId, answer: Admission) {
  await kv.atomic()
    .delete(keys.callKnock(callId, userId))
    .set(keys.callAdmission(callId, userId), answer, { expireIn: REMOVAL_TTL_MS })
    .commit();
}

/**
 * What a host answered `userId`, if anything. A refusal is told once: it is taken back as it
 * is read, so the person may ask again.
 */
export async function admissionOf(
  kv: Deno.Kv,
  callId: string,
  userId: UserId,
): Promise<Admission | null> {
  const key = keys.callAdmission(callId, userId);
  const held = await kv.get<Admission>(key);
  if (held.value === "declined") await kv.atomic().check(held).delete(key).commit();
  return held.value;
}

/** The call's joins and leaves, in order. */
export async function listAttendance(kv: Deno.Kv, callId: string): Promise<Attendance[]> {
  const entries = await listAll<Attendance>(kv, keys.callAttendance(callId));
  return entries.map(({ value: { sid: _, ...visit } }) => visit);
}

/** What the API shows of a call. */
export function callView(call: Call) {
  return {
    id: call.id,
    chatId: call.chatId,
    kind: call.kind,
    title: call.title,
    room: call.room,
    startedBy: call.startedBy,
    startedAt: call.startedAt,
    ...(call.lobby ? { lobby: true as const } : {}),
    ...(call.endedAt ? { endedAt: call.endedAt, durationSeconds: call.durationSeconds } : {}),
  };
}

/** Who a call token is for. */
export interface TokenHolder {
  /** A member's user id, or a guest's `guest-…` (domain/call_guests.ts). */
  identity: string;
  /**
   * The name LiveKit shows others: only a guest's, which Parta chose. Members carry none, so
   * a guest's browser learns no names of the school's people; members' pages name everyone
   * from Parta's own list.
   */
  name?: string;
  /** Hosts publish any source; others what the call allows (policy.canHostCall). */
  host: boolean;
  /** A guest publishes camera and microphone only, and sends no data. */
  guest?: boolean;
}

/**
 * A short-lived LiveKit access token for the call's room. The identity is the user id, the one
 * thing the page trusts about a participant; the token grants no room admin and no editing of
 * one's own name, metadata or attributes: hosts act, and hands go up, through Parta's API.
 * Hosts publish any source; others camera and microphone, and their screen if the call allows.
 */
export async function issueToken(
  config: LiveKitConfig,
  call: Call,
  p: TokenHolder,
  ttlSeconds = 600,
): Promise<string> {
  const token = new AccessToken(config.apiKey, config.apiSecret, {
    identity: p.identity,
    ...(p.name ? { name: p.name } : {}),
    ttl: ttlSeconds,
  });
  const grant: VideoGrant = {
    room: call.room,
    roomJoin: true,
    canSubscribe: true,
    canPublish: true,
    canPublishData: !p.guest,
    canUpdateOwnMetadata: false,
    roomAdmin: false,
  };
  if (p.guest) {
    grant.canPublishSources = [TrackSource.CAMERA, TrackSource.MICROPHONE];
  } else if (!p.host) {
    grant.canPublishSources = call.screenShareForAll
      ? [
        TrackSource.CAMERA,
        TrackSource.MICROPHONE,
        TrackSource.SCREEN_SHARE,
        TrackSource.SCREEN_SHARE_AUDIO,
      ]
      : [TrackSource.CAMERA, TrackSource.MICROPHONE];
  }
  token.addGrant(grant);
  return await token.toJwt();
}

/**
 * A member of the call's chat as the call page shows them: Parta's name, roles and badges,
 * keyed by the user id that is the LiveKit identity. The same shape as `CallMember` in
 * islands/call/format.ts, which routes/pages/call.tsx hands it to.
 */
export interface CallMember {
  userId: UserId;
  displayName: string | null;
  roles: readonly Role[];
  verified: boolean;
  /** Hosts the call (policy.canHostCall). */
  host: boolean;
  /** Whether the viewer may mute or remove them (policy.canControlCallParticipant). */
  canControl: boolean;
}

/** A chat member as domain/chats.ts lists them. */
type ChatMemberView = Awaited<ReturnType<typeof listChatMembers>>[number];

/**
 * The call's chat members with what Parta knows of them and what `viewer` may do to each.
 * Members no longer in the school keep their name but no roles, badges or rank.
 */
export function callMembers(
  call: Call,
  members: readonly ChatMemberView[],
  viewer: ChatCaller,
): CallMember[] {
  return members.map((m) => {
    const target: ChatCaller = {
      userId: m.userId,
      chatRole: m.chatRole,
      orgRoles: m.roles.length > 0 ? m.roles : null,
    };
    return {
      userId: m.userId,
      displayName: m.displayName,
      roles: m.roles,
      verified: target.orgRoles !== null && m.verified,
      host: canHostCall(target, call.startedBy) === "allow",
      canControl: canControlCallParticipant(viewer, target, call.startedBy) === "allow",
    };
  });
}

/** {@link callMembers} of the call's chat, read now. */
export async function listCallMembers(
  kv: Deno.Kv,
  call: Call,
  chat: Chat,
  viewer: ChatCaller,
): Promise<CallMember[]> {
  return callMembers(call, await listChatMembers(kv, chat), viewer);
}

/** `POST /calls/:callId/hand`: the caller's own hand, up or down. */
export const handInput = z.object({ raised: z.boolean() });

/** Raising and lowering one's hand, per person and call: plenty for a lesson, not a flood. */
export const HAND_RATE = { bucket: "call_hand", limit: 20, windowMs: 60_000 };

/** The call kinds only teachers and admins start. */
export function staffOnly(kind: CallKind): boolean {
  return kind !== "call";
}
