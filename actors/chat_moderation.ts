/**
 * Moderation commands: freeze and slow mode, muting a member, making a member a moderator.
 * Each is logged to the school's audit log in the same commit.
 */
import type { UserId } from "../shared/ids.ts";
import { keys } from "../platform/kv_keys.ts";
import type { ChatMember, ChatSettings } from "../shared/chat_model.ts";
import { newReport, type Report } from "../domain/reports.ts";
import { conflict, forbidden, notFound } from "../shared/errors.ts";
import * as policy from "../shared/policy.ts";
import {
  assertAllowed,
  audit,
  type Cost,
  type Needs,
  type Round,
  settingsOf,
  utf8Bound,
} from "./chat_round.ts";

/** Report message `seq` to the chat's moderators and the school's admins. */
export type ReportCommand = { type: "report"; actorId: UserId; seq: number; reason: string };
export type SetSettingsCommand = {
  type: "setSettings";
  actorId: UserId;
  settings: Partial<ChatSettings>;
};
export type MuteCommand = { type: "mute"; actorId: UserId; userId: UserId; minutes: number };
export type SetRoleCommand = {
  type: "setRole";
  actorId: UserId;
  userId: UserId;
  chatRole: "moderator" | "member";
};

export const setSettings = {
  needs() {},
  cost: (): Cost => [4, 2000, 0],
  apply(r: Round, c: SetSettingsCommand): ChatSettings {
    assertAllowed(policy.canModerate(r.caller(c.actorId)), "moderate this chat");
    if (r.chat.kind === "direct") throw forbidden("Direct chats have no moderation settings");
    const before = settingsOf(r);
    const after: ChatSettings = { ...before, ...c.settings };
    if (JSON.stringify(after) === JSON.stringify(before)) return before;
    if (after.frozen !== before.frozen) {
      audit(r, { actorId: c.actorId, action: after.frozen ? "chat.frozen" : "chat.unfrozen" });
    }
    if (after.slowModeSeconds !== before.slowModeSeconds) {
      audit(r, {
        actorId: c.actorId,
        action: "chat.slow_mode",
        details: { seconds: after.slowModeSeconds },
      });
    }
    r.plan.chat = { ...r.current, settings: after };
    r.plan.append({
      type: "chat.updated",
      actorId: c.actorId,
      title: r.current.title,
      settings: after,
    });
    return after;
  },
};

function updateMember(r: Round, actorId: UserId, member: ChatMember): void {
  r.plan.memberChanges.set(member.userId, member);
  r.plan.set(keys.chatMember(r.chatId, member.userId), member);
  r.plan.append({
    type: "member.updated",
    actorId,
    userId: member.userId,
    chatRole: member.chatRole,
    ...(member.mutedUntil ? { mutedUntil: member.mutedUntil } : {}),
  });
}

function target(r: Round, userId: UserId): ChatMember {
  const member = r.chatMember(userId);
  if (!member) throw notFound("No such member in this chat");
  return member;
}

export const mute = {
  needs(c: MuteCommand, n: Needs) {
    n.person(c.userId);
  },
  cost: (): Cost => [3, 1500, 0],
  apply(r: Round, c: MuteCommand): ChatMember {
    const caller = r.caller(c.actorId);
    assertAllowed(policy.canModerate(caller), "mute members");
    const member = target(r, c.userId);
    if (c.userId === c.actorId) throw conflict("You cannot mute yourself");
    if (policy.canModerate(r.caller(c.userId)) === "allow") {
      throw forbidden("Cannot mute a moderator of this chat");
    }
    const { mutedUntil: _, ...rest } = member;
    const next: ChatMember = c.minutes > 0
      ? { ...rest, mutedUntil: new Date(r.now + c.minutes * 60_000).toISOString() }
      : rest;
    audit(r, {
      actorId: c.actorId,
      action: c.minutes > 0 ? "member.muted" : "member.unmuted",
      targetUserId: c.userId,
      ...(c.minutes > 0 ? { details: { minutes: c.minutes, until: next.mutedUntil } } : {}),
    });
    updateMember(r, c.actorId, next);
    return next;
  },
};

export const setRole = {
  needs(c: SetRoleCommand, n: Needs) {
    n.person(c.userId);
  },
  cost: (): Cost => [3, 1500, 0],
  apply(r: Round, c: SetRoleCommand): ChatMember {
    assertAllowed(policy.canSetChatRole(r.caller(c.actorId)), "change moderators");
    if (r.chat.kind === "direct") throw forbidden("Direct chats have no moderators");
    const member = target(r, c.userId);
    if (member.chatRole === "owner") throw conflict("The owner's role does not change");
    if (member.chatRole === c.chatRole) return member;
    audit(r, {
      actorId: c.actorId,
      action: "member.role_changed",
      targetUserId: c.userId,
      details: { chatRole: c.chatRole },
    });
    const next = { ...member, chatRole: c.chatRole };
    updateMember(r, c.actorId, next);
    return next;
  },
};

export const report = {
  needs(c: ReportCommand, n: Needs) {
    n.message(c.seq);
  },
  cost: (c: ReportCommand): Cost => [3, 2000 + 2 * utf8Bound(c.reason) + 8000, 0],
  apply(r: Round, c: ReportCommand): Report {
    assertAllowed(policy.canReadChat(r.caller(c.actorId)), "report");
    const message = r.plan.messages.get(c.seq) ?? r.reads.messages.get(c.seq) ?? null;
    if (!message) throw notFound("No such message");
    if (message.deleted) throw conflict("The message was already deleted");
    const found = newReport(r.ids.ulid(), r.plan.at, r.chat.orgId, message, c.actorId, c.reason);
    r.plan.set(keys.report(found.orgId, found.id), found, 8000);
    r.plan.set(keys.chatReport(r.chatId, found.id), true);
    // Moderators and admins online are told once it is committed.
    r.plan.effect(r.ids.ulid(), {
      kind: "report.created",
      orgId: found.orgId,
      chatId: r.chatId,
      reportId: found.id,
      reporterId: c.actorId,
    });
    return found;
  },
};
