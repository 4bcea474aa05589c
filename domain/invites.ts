/** Invite links into a school: bound to a role (and maybe a class or child), with expiry,
 * a use limit and revocation. */
import type { ChatId, ClassId, Clock, Ids, OrgId, UserId } from "../shared/ids.ts";
import type { ChatInvite } from "../shared/chat_model.ts";
import { randomToken } from "../shared/ids.ts";
import { keys } from "../platform/kv_keys.ts";
import type { Invite, Role } from "../shared/model.ts";
import { defaultInviteUses } from "../shared/policy.ts";
import { AppError } from "../shared/errors.ts";

export const MAX_TTL_HOURS = 720;
export const DEFAULT_TTL_HOURS = 72;
export const MAX_USES = 1000;

export interface NewInviteOptions {
  orgId: OrgId;
  role: Role;
  classId?: ClassId | null;
  childId?: UserId | null;
  /** Defaults to 1 for staff, 40 for students and parents. */
  maxUses?: number;
  /** Defaults to 72 hours. */
  ttlHours?: number;
  createdBy: UserId | null;
  byAdmin: boolean;
}

/** A fresh invite with a 256-bit token (not yet stored). */
export function newInvite(clock: Clock, ids: Ids, options: NewInviteOptions): Invite {
  const now = clock.now();
  const ttlHours = options.ttlHours ?? DEFAULT_TTL_HOURS;
  return {
    id: ids.ulid(),
    token: randomToken(32),
    orgId: options.orgId,
    role: options.role,
    classId: options.classId ?? null,
    childId: options.childId ?? null,
    maxUses: options.maxUses ?? defaultInviteUses(options.role),
    uses: 0,
    expiresAt: new Date(now + ttlHours * 3600_000).toISOString(),
    createdBy: options.createdBy,
    byAdmin: options.byAdmin,
    createdAt: new Date(now).toISOString(),
    revokedAt: null,
  };
}

/** Adds the writes that store a new invite to `op`. Kept a day past expiry, then dropped. */
export function storeInvite(op: Deno.AtomicOperation, invite: Invite, now: number): void {
  const expireIn = Date.parse(invite.expiresAt) - now + 24 * 3600_000;
  op.check({ key: keys.invite(invite.token), versionstamp: null })
    .set(keys.invite(invite.token), invite, { expireIn })
    .set(keys.orgInvite(invite.orgId, invite.id), invite.token, { expireIn });
}

export type InviteState = "usable" | "expired" | "used_up" | "revoked";

/** Whether the invite can still be accepted at `now`. */
export function inviteState(
  invite: Pick<Invite, "revokedAt" | "expiresAt" | "uses" | "maxUses">,
  now: number,
): InviteState {
  if (invite.revokedAt !== null) return "revoked";
  if (Date.parse(invite.expiresAt) <= now) return "expired";
  if (invite.uses >= invite.maxUses) return "used_up";
  return "usable";
}

/** The 410 answer for an invite that can no longer be accepted. */
export function inviteGone(state: Exclude<InviteState, "usable">): AppError {
  const why = { revoked: "was revoked", expired: "has expired", used_up: "is used up" };
  return new AppError(410, "invite_expired", `This invite ${why[state]}`);
}

const TOKEN = /^[A-Za-z0-9_-]{20,100}$/;

/** The school invite for `token`, or null (also for malformed tokens and chat links). */
export async function getInvite(kv: Deno.Kv, token: string): Promise<Invite | null> {
  const invite = await getAnyInvite(kv, token);
  return invite && !isChatInvite(invite) ? invite : null;
}

/** The invite for `token` of either kind: into a school or into one chat. */
export async function getAnyInvite(
  kv: Deno.Kv,
  token: string,
): Promise<Invite | ChatInvite | null> {
  if (!TOKEN.test(token)) return null;
  return (await kv.get<Invite | ChatInvite>(keys.invite(token))).value;
}

export function isChatInvite(invite: Invite | ChatInvite): invite is ChatInvite {
  return "kind" in invite && invite.kind === "chat";
}

/** A fresh chat invite link (not yet stored). */
export function newChatInvite(
  clock: Clock,
  ids: Ids,
  options: { chatId: ChatId; orgId: OrgId; createdBy: UserId; maxUses?: number; ttlHours?: number },
): ChatInvite {
  const now = clock.now();
  return {
    kind: "chat",
    id: ids.ulid(),
    token: randomToken(32),
    chatId: options.chatId,
    orgId: options.orgId,
    maxUses: options.maxUses ?? 100,
    uses: 0,
    expiresAt: new Date(now + (options.ttlHours ?? DEFAULT_TTL_HOURS) * 3600_000).toISOString(),
    createdBy: options.createdBy,
    createdAt: new Date(now).toISOString(),
    revokedAt: null,
  };
}

/** The link a person opens to accept. */
export function inviteUrl(appOrigin: string, token: string): string {
  return `${appOrigin}/invite/${token}`;
}

/** What the API returns for a created invite. */
export function createdInvite(appOrigin: string, invite: Invite) {
  return {
    id: invite.id,
    token: invite.token,
    url: inviteUrl(appOrigin, invite.token),
    expiresAt: invite.expiresAt,
  };
}
