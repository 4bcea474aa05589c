/**
 * Who may do what, as pure functions of the caller's membership. `null` membership means the
 * caller is not in the school (a stranger, a member of another school, a removed member):
 * those get "not_found", so a foreign resource is never revealed. Members lacking a role get
 * "forbidden".
 */
import type { ClassId, UserId } from "./ids.ts";
import type { Invite, Role } from "./model.ts";
import type { CallKind, ChatKind, ChatRole } from "./chat_model.ts";
import { forbidden, notFound } from "./errors.ts";

/** What policy needs to know about a caller inside one school. */
export interface Caller {
  userId: UserId;
  roles: readonly Role[];
  classIds: readonly ClassId[];
  childIds: readonly UserId[];
}

export type Decision = "allow" | "forbidden" | "not_found";

/**
 * Acts on a decision: nothing when it allows, else 404 naming what stays hidden (`missing`, such
 * as "No such chat") or 403 saying the action is refused. One place for every such refusal.
 */
export function assertAllowed(decision: Decision, missing: string, refused: string): void {
  if (decision === "not_found") throw notFound(missing);
  if (decision === "forbidden") throw forbidden(refused);
}

function decide(caller: Caller | null, allowed: (c: Caller) => boolean): Decision {
  if (caller === null) return "not_found";
  return allowed(caller) ? "allow" : "forbidden";
}

const has = (c: Caller, role: Role) => c.roles.includes(role);

/** Any member may see the school, its classes and its roster. */
export function canViewOrg(caller: Caller | null): Decision {
  return decide(caller, () => true);
}

/** Admins change the school's name, links and settings. */
export function canUpdateOrg(caller: Caller | null): Decision {
  return decide(caller, (c) => has(c, "admin"));
}

/** Admins create and rename classes. */
export function canManageClasses(caller: Caller | null): Decision {
  return decide(caller, (c) => has(c, "admin"));
}

/** Admins, and the class's own teachers, set its schedule link and direct-message rule. */
export function canConfigureClass(caller: Caller | null, classId: ClassId): Decision {
  return decide(
    caller,
    (c) => has(c, "admin") || (has(c, "teacher") && c.classIds.includes(classId)),
  );
}

/**
 * Admins change members' roles, classes and family links, remove members, and see and lift the
 * bans their removals leave.
 */
export function canManageMembers(caller: Caller | null): Decision {
  return decide(caller, (c) => has(c, "admin"));
}

/**
 * The first pair of `roles` that one person cannot hold together in a school, or null. A student
 * is a pupil and nothing else there: never also a parent, a teacher or an admin. Staff may be
 * parents too, and admins teachers.
 */
export function conflictingRoles(roles: readonly Role[]): readonly [Role, Role] | null {
  if (!roles.includes("student")) return null;
  const other = roles.find((r) => r !== "student");
  return other === undefined ? null : ["student", other];
}

/** Whether one person may hold all of `roles` in one school (see {@link conflictingRoles}). */
export function canHoldRoles(roles: readonly Role[]): boolean {
  return conflictingRoles(roles) === null;
}

/**
 * Teachers and admins: the school's staff, whose names other members may not take (nor anything
 * that looks like them).
 */
export function isStaff(roles: readonly Role[]): boolean {
  return roles.includes("teacher") || roles.includes("admin");
}

/** Emails and phone numbers of members are visible to admins only. */
export function canSeeContacts(caller: Caller): boolean {
  return has(caller, "admin");
}

/** Parent ↔ child links are visible to staff (admins and teachers) and to the parent. */
export function canSeeFamilyLinks(caller: Caller, parentId: UserId): boolean {
  return has(caller, "admin") || has(caller, "teacher") || caller.userId === parentId;
}

export interface InviteRequest {
  role: Role;
  classId: ClassId | null;
}

/**
 * Admins invite any role; teachers invite students and parents into classes they teach.
 */
export function canCreateInvite(caller: Caller | null, request: InviteRequest): Decision {
  return decide(caller, (c) => {
    if (has(c, "admin")) return true;
    if (!has(c, "teacher")) return false;
    if (request.role !== "student" && request.role !== "parent") return false;
    return request.classId !== null && c.classIds.includes(request.classId);
  });
}

/** An invite is revoked by its creator or by an admin of its school. */
export function canRevokeInvite(
  caller: Caller | null,
  invite: Pick<Invite, "createdBy">,
): Decision {
  return decide(caller, (c) => has(c, "admin") || c.userId === invite.createdBy);
}

/** Admins see every invite of the school; teachers see the ones they made. */
export function canListInvites(caller: Caller | null): Decision {
  return decide(caller, (c) => has(c, "admin") || has(c, "teacher"));
}

/** Of the invites a caller may list, the ones they see: admins every one, teachers their own. */
export function canSeeInvite(caller: Caller, invite: Pick<Invite, "createdBy">): boolean {
  return has(caller, "admin") || caller.userId === invite.createdBy;
}

/** Default use limit of a new invite: one person for staff, a class for students and parents. */
export function defaultInviteUses(role: Role): number {
  return role === "admin" || role === "teacher" ? 1 : 40;
}

/** Admins remove anyone from the school; any member may leave it. */
export function canRemoveMember(caller: Caller | null, userId: UserId): Decision {
  return decide(caller, (c) => has(c, "admin") || c.userId === userId);
}

// ── Chats ──────────────────────────────────────────────────────────────────────────────────

/** Admins and teachers create groups and channels; anyone may ask for a direct chat. */
export function canCreateChat(caller: Caller | null, kind: ChatKind): Decision {
  return decide(caller, (c) => kind === "direct" || has(c, "admin") || has(c, "teacher"));
}

/** A class chat or class channel: admins, and the class's own teachers. */
export function canCreateClassChat(
  caller: Caller | null,
  kind: ChatKind,
  classId: ClassId,
): Decision {
  return decide(caller, (c) =>
    kind !== "direct" &&
    (has(c, "admin") || (has(c, "teacher") && c.classIds.includes(classId))));
}

export interface DirectRules {
  /** The school lets all students write to classmates directly. */
  studentDirectMessages: boolean;
  /** Classes whose teachers let their students write to each other directly. */
  classesAllowingStudentDirect?: readonly ClassId[];
}

/**
 * The school's direct-message rules. Admins and teachers may write to anyone in the school;
 * students to teachers of their classes (and to classmates if the school allows it); parents
 * to the teachers of their children's classes. `childClassIds` are the classes of the
 * caller's children.
 */
export function canOpenDirect(
  caller: Caller,
  other: Caller,
  rules: DirectRules,
  childClassIds: readonly ClassId[] = [],
): boolean {
  if (caller.userId === other.userId) return false;
  if (has(caller, "admin") || has(caller, "teacher")) return true;
  const teachesAny = (classIds: readonly ClassId[]) =>
    has(other, "teacher") && other.classIds.some((id) => classIds.includes(id));
  if (has(caller, "student")) {
    if (teachesAny(caller.classIds)) return true;
    const shared = other.classIds.filter((id) => caller.classIds.includes(id));
    const allowed = rules.studentDirectMessages ||
      shared.some((id) => rules.classesAllowingStudentDirect?.includes(id));
    if (allowed && has(other, "student") && shared.length > 0) return true;
  }
  if (has(caller, "parent") && teachesAny(childClassIds)) return true;
  return false;
}

/** What chat policy needs: the caller's role in the chat and in its school (null if none). */
export interface ChatCaller {
  userId: UserId;
  chatRole: ChatRole | null;
  orgRoles: readonly Role[] | null;
}

function decideChat(c: ChatCaller, allowed: (role: ChatRole) => boolean): Decision {
  if (c.chatRole === null || c.orgRoles === null) return "not_found";
  return allowed(c.chatRole) ? "allow" : "forbidden";
}

const manages = (role: ChatRole) => role === "owner" || role === "moderator";

/** Members of the chat who are still in its school read it. */
export function canReadChat(c: ChatCaller): Decision {
  return decideChat(c, () => true);
}

/** Owners and moderators of the chat, and school admins who are in it, moderate it. */
export function canModerate(c: ChatCaller): Decision {
  return decideChat(c, (role) => manages(role) || (c.orgRoles ?? []).includes("admin"));
}

/** An announcement's author and the chat's moderators see who has confirmed it. */
export function canSeeAcks(c: ChatCaller, authorId: UserId): Decision {
  return decideChat(
    c,
    (role) => c.userId === authorId || manages(role) || (c.orgRoles ?? []).includes("admin"),
  );
}

/**
 * A chat's invite link is revoked by its creator, the chat's managers and the school's admins
 * (in the chat or not); it does not exist for anyone outside the school.
 */
export function canRevokeChatInvite(
  c: ChatCaller,
  kind: ChatKind,
  invite: { createdBy: UserId },
): Decision {
  if (c.orgRoles === null) return "not_found";
  const allowed = invite.createdBy === c.userId || c.orgRoles.includes("admin") ||
    canManageChat(c, kind) === "allow";
  return allowed ? "allow" : "forbidden";
}

/**
 * Whether a class chat's read-only quiet hours (when the school turns them on) hold this caller:
 * its students, unless they are also staff of the school.
 */
export function heldByQuietHours(c: ChatCaller): boolean {
  const roles = c.orgRoles ?? [];
  return roles.includes("student") && !roles.includes("teacher") && !roles.includes("admin");
}

/**
 * Whether a member is told of a new report in a chat: its owners and moderators, and the
 * school's admins (in the chat or not). The reporter is not told of their own report.
 */
export function receivesReportNotice(
  chatRole: ChatRole | null,
  orgRoles: readonly Role[],
): boolean {
  return (chatRole !== null && manages(chatRole)) || orgRoles.includes("admin");
}

/** Owners, and school admins in the chat, make members moderators or take it back. */
export function canSetChatRole(c: ChatCaller): Decision {
  return decideChat(c, (role) => role === "owner" || (c.orgRoles ?? []).includes("admin"));
}

/** Everyone posts in groups and direct chats; only owners and moderators in channels. */
export function canPost(c: ChatCaller, kind: ChatKind): Decision {
  return decideChat(c, (role) => kind !== "channel" || manages(role));
}

/** `@все` notifies a whole chat: the school's teachers and admins may. */
export function canMentionAll(c: ChatCaller): Decision {
  return decideChat(c, () => isStaff(c.orgRoles ?? []));
}

/** Authors edit their own messages. */
export function canEditMessage(c: ChatCaller, authorId: UserId): Decision {
  return decideChat(c, () => c.userId === authorId);
}

/**
 * Authors delete their own messages; moderators (owners, moderators, and school admins in the
 * chat, as for {@link canModerate}) delete any.
 */
export function canDeleteMessage(c: ChatCaller, authorId: UserId): Decision {
  return decideChat(
    c,
    (role) => c.userId === authorId || manages(role) || (c.orgRoles ?? []).includes("admin"),
  );
}

/** Every member reacts, channels included. */
export function canReact(c: ChatCaller): Decision {
  return decideChat(c, () => true);
}

/** Owners and moderators add members, rename, and make invite links; direct chats are fixed. */
export function canManageChat(c: ChatCaller, kind: ChatKind): Decision {
  return decideChat(c, (role) => kind !== "direct" && manages(role));
}

/**
 * Who may join a chat through its invite link: members of its school, into a group or channel; a
 * class chat only admits its class's members (parents and teachers with it among their classes)
 * and the school's admins. `member` is the joiner's standing in the chat's school.
 */
export function canJoinChatByLink(
  member: Caller | null,
  chat: { kind: ChatKind; classId?: ClassId },
): Decision {
  return decide(member, (c) =>
    chat.kind !== "direct" &&
    (chat.classId === undefined || has(c, "admin") || c.classIds.includes(chat.classId)));
}

/** A member may leave a group or channel; managers may remove others. */
export function canRemoveChatMember(c: ChatCaller, kind: ChatKind, userId: UserId): Decision {
  return decideChat(c, (role) => kind !== "direct" && (c.userId === userId || manages(role)));
}

// ── Calls ──────────────────────────────────────────────────────────────────────────────────

/** Ranks in a call, lowest first. */
export const CALL_RANKS = ["participant", "starter", "moderator", "staff"] as const;
export type CallRank = typeof CALL_RANKS[number];

/**
 * Someone's rank in a call: the school's teachers and admins ("staff") above the chat's owners
 * and moderators, above whoever started the call, above everyone else. Anyone no longer in the
 * chat or the school is a plain participant, whatever they were.
 */
export function callRank(c: ChatCaller, startedBy: UserId): CallRank {
  if (c.chatRole === null || c.orgRoles === null) return "participant";
  if (c.orgRoles.includes("teacher") || c.orgRoles.includes("admin")) return "staff";
  if (manages(c.chatRole)) return "moderator";
  return c.userId === startedBy ? "starter" : "participant";
}

const rankOf = (c: ChatCaller, startedBy: UserId) => CALL_RANKS.indexOf(callRank(c, startedBy));

/**
 * Members of the call's chat join it, except that a meeting (a parent meeting, a staff meeting)
 * is for adults: students are kept out even when they are in the chat.
 */
export function canJoinCall(c: ChatCaller, kind: CallKind): Decision {
  return decideChat(c, () => kind !== "meeting" || !c.orgRoles!.includes("student"));
}

/**
 * Hosts (every rank above a plain participant) lower hands, see attendance, share their screen
 * and end the call.
 */
export function canHostCall(c: ChatCaller, startedBy: UserId): Decision {
  return decideChat(c, () => callRank(c, startedBy) !== "participant");
}

/**
 * Guests from outside the school are brought into a call by its staff (teachers and admins in
 * the chat) only: a student who hosts a quick call cannot let a stranger in.
 */
export function canInviteGuest(c: ChatCaller, startedBy: UserId): Decision {
  return decideChat(c, () => callRank(c, startedBy) === "staff");
}

/**
 * A host mutes or removes only someone of lower rank, so a student who started a call has no
 * power over the teacher who joins it; teachers and admins, as colleagues, also one another.
 * "not_found" for a target who is not a member of the call's chat.
 */
export function canControlCallParticipant(
  actor: ChatCaller,
  target: ChatCaller,
  startedBy: UserId,
): Decision {
  if (canHostCall(actor, startedBy) !== "allow") return canHostCall(actor, startedBy);
  if (target.chatRole === null) return "not_found";
  const mine = rankOf(actor, startedBy);
  const theirs = rankOf(target, startedBy);
  return mine > theirs || callRank(actor, startedBy) === "staff" ? "allow" : "forbidden";
}
