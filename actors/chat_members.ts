/**
 * Chat commands on membership and the chat itself: add, join by link, remove, rename. A
 * moderator's removal of someone else is a ban from the chat's links, written in the same commit;
 * a moderator adding them back lifts it. Leaving, and leaving with the school, are not bans.
 */
import type { UserId } from "../shared/ids.ts";
import { keys } from "../platform/kv_keys.ts";
import type { ChatInvite, ChatMember, ChatRole } from "../shared/chat_model.ts";
import { MAX_CHAT_MEMBERS } from "../shared/chat_model.ts";
import { AppError, conflict, forbidden, invalidInput, notFound } from "../shared/errors.ts";
import * as policy from "../shared/policy.ts";
import { inviteGone, inviteState, newChatInvite } from "../domain/invites.ts";
import { type Ban, callerOf } from "../domain/orgs.ts";
import { notificationsOf } from "../domain/chats.ts";
import {
  assertAllowed,
  audit,
  type Cost,
  type Needs,
  type Round,
  utf8Bound,
} from "./chat_round.ts";

export type AddMembersCommand = { type: "addMembers"; actorId: UserId; userIds: UserId[] };
export type JoinCommand = { type: "join"; actorId: UserId; inviteToken: string };
export type RemoveMemberCommand = { type: "removeMember"; actorId: UserId; userId: UserId };
/** The person left the school (or was removed from it): they leave the chat, if still in it. */
export type LeftSchoolCommand = { type: "leftSchool"; actorId: UserId };
export type RenameCommand = { type: "rename"; actorId: UserId; title: string };
/** Revoke one of the chat's invite links (its creator, the chat's managers, school admins). */
export type RevokeLinkCommand = { type: "revokeLink"; actorId: UserId; token: string };
/** Move one's read marker forward to `seq` (never back, never past the newest event). */
export type MarkReadCommand = { type: "markRead"; actorId: UserId; seq: number };
/**
 * Turn one's own notifications of the chat off until `until` (ms), off until turned on again
 * (null), or back on (`on`). Nothing is appended: it concerns the member alone.
 */
export type SetNotificationsCommand = {
  type: "setNotifications";
  actorId: UserId;
  mute: { until: number | null } | "on";
};
/** Make an invite link into the chat, for members of its school. */
export type CreateLinkCommand = {
  type: "createLink";
  actorId: UserId;
  maxUses?: number;
  ttlHours?: number;
};

/**
 * Adds school members who are not in the chat yet, lifting any ban on them; returns who was
 * added.
 */
function addMembers(r: Round, actorId: UserId, userIds: readonly UserId[]): { added: UserId[] } {
  const added: UserId[] = [];
  for (const userId of userIds) {
    if (!r.reads.orgMembers.get(userId)) {
      throw invalidInput("Only members of the school can be added", "userIds");
    }
    if (!r.chatMember(userId) && !added.includes(userId)) added.push(userId);
  }
  if (added.length === 0) return { added };
  if (r.plan.memberCount + added.length > MAX_CHAT_MEMBERS) {
    throw conflict(`A chat holds at most ${MAX_CHAT_MEMBERS} members`);
  }
  const chatRole: ChatRole = "member";
  for (const userId of added) {
    const member: ChatMember = { userId, chatRole, joinedAt: r.plan.at };
    r.plan.memberChanges.set(userId, member);
    r.plan.set(keys.chatMember(r.chatId, userId), member);
    r.plan.set(keys.chatByUser(userId, r.chatId), true);
    if (r.reads.chatBans.delete(userId)) r.plan.delete(keys.chatBan(r.chatId, userId));
  }
  r.plan.memberCount += added.length;
  r.plan.append({ type: "member.joined", actorId, userIds: added, chatRole });
  return { added };
}

export const add = {
  needs(c: AddMembersCommand, n: Needs) {
    c.userIds.forEach((id) => {
      n.person(id);
      n.ban(id);
    });
  },
  cost: (c: AddMembersCommand): Cost => [
    3 * c.userIds.length + 1,
    700 * c.userIds.length + 1000,
    0,
  ],
  apply(r: Round, c: AddMembersCommand) {
    assertAllowed(policy.canManageChat(r.caller(c.actorId), r.chat.kind), "add members");
    return addMembers(r, c.actorId, c.userIds);
  },
};

/**
 * Joins the caller through a chat invite link; joining again is harmless. Refused (403) to
 * someone a moderator removed, and into a class chat to those outside its class.
 */
export const join = {
  needs(c: JoinCommand, n: Needs) {
    n.invite(c.inviteToken);
    n.ban(c.actorId);
  },
  cost: (): Cost => [4, 2000, 1],
  apply(r: Round, c: JoinCommand) {
    const entry = r.reads.invites.get(c.inviteToken);
    const invite = entry?.value;
    const caller = r.caller(c.actorId);
    // Only members of the chat's school may use its links; to others the link does not exist.
    if (!entry || !invite || invite.chatId !== r.chatId || caller.orgRoles === null) {
      throw notFound("No such invite");
    }
    if (caller.chatRole !== null) return { added: [] };
    if (r.reads.chatBans.has(c.actorId)) {
      throw new AppError(
        403,
        "forbidden",
        "Cannot join this chat: a moderator removed you; ask a moderator to add you back",
        { details: { reason: "chat_banned" } },
      );
    }
    const state = inviteState(invite, r.now);
    if (state !== "usable") throw inviteGone(state);
    if (r.chat.kind === "direct") throw forbidden("Direct chats take no new members");
    const member = callerOf(r.reads.orgMembers.get(c.actorId)!);
    if (policy.canJoinChatByLink(member, r.chat) !== "allow") {
      throw new AppError(403, "forbidden", "Cannot join this chat: it is for its class only", {
        details: { reason: "class_only" },
      });
    }
    const result = addMembers(r, c.actorId, [c.actorId]);
    const used = { ...invite, uses: invite.uses + 1 };
    r.plan.check(entry);
    r.plan.set(keys.invite(invite.token), used, 1000, { expireIn: linkTtl(used, r.now) });
    r.reads.invites.set(invite.token, { ...entry, value: used });
    return result;
  },
};

export const remove = {
  needs(c: RemoveMemberCommand, n: Needs) {
    n.person(c.userId);
  },
  cost: (): Cost => [5, 1300, 0],
  apply(r: Round, c: RemoveMemberCommand): void {
    assertAllowed(
      policy.canRemoveChatMember(r.caller(c.actorId), r.chat.kind, c.userId),
      "remove this member",
    );
    if (!r.chatMember(c.userId)) throw notFound("No such member in this chat");
    if (c.userId !== c.actorId) {
      audit(r, { actorId: c.actorId, action: "member.removed", targetUserId: c.userId });
      const ban: Ban = { userId: c.userId, bannedAt: r.plan.at, bannedBy: c.actorId };
      r.plan.set(keys.chatBan(r.chatId, c.userId), ban);
      r.reads.chatBans.add(c.userId);
    }
    leave(r, c.actorId, c.userId);
  },
};

export const leftSchool = {
  needs() {},
  cost: (): Cost => [5, 1300, 0],
  apply(r: Round, c: LeftSchoolCommand): void {
    if (r.chatMember(c.actorId)) leave(r, c.actorId, c.actorId);
  },
};

/** Stages `userId` leaving the chat (`member.left` by `actorId`). */
function leave(r: Round, actorId: UserId, userId: UserId): void {
  r.plan.memberChanges.set(userId, null);
  r.plan.memberCount--;
  r.plan.delete(keys.chatMember(r.chatId, userId));
  r.plan.delete(keys.chatByUser(userId, r.chatId));
  r.plan.append({ type: "member.left", actorId, userId });
}

export const rename = {
  needs() {},
  cost: (c: RenameCommand): Cost => [2, 800 + 2 * utf8Bound(c.title), 0],
  apply(r: Round, c: RenameCommand) {
    assertAllowed(policy.canManageChat(r.caller(c.actorId), r.chat.kind), "rename this chat");
    const chat = { ...r.current, title: c.title };
    r.plan.chat = chat;
    r.plan.append({ type: "chat.updated", actorId: c.actorId, title: c.title });
    return chat;
  },
};

export const createLink = {
  needs() {},
  cost: (): Cost => [1, 1500, 1],
  apply(r: Round, c: CreateLinkCommand): ChatInvite {
    if (policy.canManageChat(r.caller(c.actorId), r.chat.kind) !== "allow") {
      throw forbidden("Cannot make an invite link: only the chat's owners and moderators can");
    }
    const invite = newChatInvite({ now: () => r.now }, r.ids, {
      chatId: r.chatId,
      orgId: r.chat.orgId,
      createdBy: c.actorId,
      maxUses: c.maxUses,
      ttlHours: c.ttlHours,
    });
    r.plan.check({ key: keys.invite(invite.token), versionstamp: null });
    r.plan.set(keys.invite(invite.token), invite, 1000, { expireIn: linkTtl(invite, r.now) });
    return invite;
  },
};

/** How long a link's record is kept: a day past its expiry, so a late visitor is told it expired. */
function linkTtl(invite: ChatInvite, now: number): number {
  return Math.max(0, Date.parse(invite.expiresAt) - now) + 24 * 3600_000;
}

export const revokeLink = {
  needs(c: RevokeLinkCommand, n: Needs) {
    n.invite(c.token);
  },
  cost: (): Cost => [1, 1500, 1],
  apply(r: Round, c: RevokeLinkCommand): void {
    const entry = r.reads.invites.get(c.token);
    const invite = entry?.value;
    if (!entry || !invite || invite.chatId !== r.chatId) throw notFound("No such invite");
    const decision = policy.canRevokeChatInvite(r.caller(c.actorId), r.chat.kind, invite);
    if (decision === "not_found") throw notFound("No such invite");
    if (decision === "forbidden") throw forbidden("Cannot revoke this link: not yours to revoke");
    if (invite.revokedAt !== null) return;
    const revoked: ChatInvite = { ...invite, revokedAt: r.plan.at };
    r.plan.check(entry);
    r.plan.set(keys.invite(c.token), revoked, 1000, { expireIn: 24 * 3600_000 });
    r.reads.invites.set(c.token, { ...entry, value: revoked });
  },
};

export const markRead = {
  needs(c: MarkReadCommand, n: Needs) {
    n.readMarker(c.actorId);
  },
  cost: (): Cost => [1, 300, 1],
  /** The seq the marker moved to, or null when it was there already. */
  apply(r: Round, c: MarkReadCommand): number | null {
    if (policy.canReadChat(r.caller(c.actorId)) !== "allow") throw notFound("No such chat");
    const target = Math.min(c.seq, r.plan.seq);
    const entry = r.reads.readMarkers.get(c.actorId)!;
    const current = r.plan.readMarkers.get(c.actorId) ?? entry.value ?? 0;
    if (current >= target) return null;
    r.plan.moveReadMarker(entry, c.actorId, target);
    return target;
  },
};

export const setNotifications = {
  needs() {},
  cost: (): Cost => [1, 400, 0],
  /** The member's notifications as they now are: off until when (null: until turned on). */
  apply(r: Round, c: SetNotificationsCommand): { muted: boolean; mutedUntil: string | null } {
    const member = r.chatMember(c.actorId);
    if (!member || policy.canReadChat(r.caller(c.actorId)) !== "allow") {
      throw notFound("No such chat");
    }
    const { notifyMutedUntil: _, ...rest } = member;
    const next: ChatMember = c.mute === "on" ? rest : {
      ...rest,
      notifyMutedUntil: c.mute.until === null ? null : new Date(c.mute.until).toISOString(),
    };
    r.plan.memberChanges.set(c.actorId, next);
    r.plan.set(keys.chatMember(r.chatId, c.actorId), next);
    return notificationsOf(next, r.now);
  },
};
