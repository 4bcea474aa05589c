/**
 * Calls, lessons and meetings on LiveKit. Parta keeps the call record, its attendance and the
 * chat's log; LiveKit carries the media. Rooms get opaque random names, derived from nothing.
 */
import { AccessToken, TrackSource, type VideoGrant } from "livekit-server-sdk";
import type { ChatId, OrgId, UserId } from "./ids.ts";
import { randomToken } from "./ids.ts";
import { keys } from "./kv_keys.ts";
import { listAll } from "./kv_util.ts";
import type { CallKind, CallSummary } from "./chat_model.ts";
import type { LiveKitConfig } from "./config.ts";
import type { Role } from "./model.ts";
import { AppError } from "./errors.ts";

export interface Call extends CallSummary {
  chatId: ChatId;
  orgId: OrgId;
  room: string;
  /** Seq of the call's message in the chat. */
  messageSeq: number;
  /** Whether students and parents may share their screen (camera and microphone always). */
  screenShareForAll: boolean;
}

export interface Attendance {
  userId: UserId;
  joinedAt: string;
  leftAt?: string;
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

/** The call's joins and leaves, in order. */
export async function listAttendance(kv: Deno.Kv, callId: string): Promise<Attendance[]> {
  const entries = await listAll<Attendance>(kv, keys.callAttendance(callId));
  return entries.map((e) => e.value);
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
    ...(call.endedAt ? { endedAt: call.endedAt, durationSeconds: call.durationSeconds } : {}),
  };
}

export interface Participant {
  userId: UserId;
  displayName: string;
  roles: readonly Role[];
  verified: boolean;
  /** The starter, chat moderators and school staff host the call. */
  host: boolean;
}

/** Who hosts a call: whoever started it, the school's teachers and admins. */
export function isHost(call: Call, userId: UserId, roles: readonly Role[]): boolean {
  return call.startedBy === userId || roles.includes("teacher") || roles.includes("admin");
}

const ROLE_BADGE: Record<Role, string> = {
  admin: "администратор",
  teacher: "учитель",
  student: "ученик",
  parent: "родитель",
};

/**
 * A short-lived LiveKit access token for the call's room: identity is the user id; hosts admin
 * the room; others publish camera and microphone, and their screen only if the call allows it.
 */
export async function issueToken(
  config: LiveKitConfig,
  call: Call,
  p: Participant,
  ttlSeconds = 600,
): Promise<string> {
  const badge = p.roles.map((r) => ROLE_BADGE[r]).join(", ");
  const token = new AccessToken(config.apiKey, config.apiSecret, {
    identity: p.userId,
    name: badge ? `${p.displayName} (${badge}${p.verified ? " ✓" : ""})` : p.displayName,
    ttl: ttlSeconds,
    metadata: JSON.stringify({ roles: p.roles, verified: p.verified, host: p.host }),
  });
  const grant: VideoGrant = {
    room: call.room,
    roomJoin: true,
    canSubscribe: true,
    canPublish: true,
    canPublishData: true,
    canUpdateOwnMetadata: true,
    roomAdmin: p.host,
  };
  if (!p.host) {
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

/** The call kinds only teachers and admins start. */
export function staffOnly(kind: CallKind): boolean {
  return kind !== "call";
}
