/**
 * Who may do what, as pure functions of the caller's membership. `null` membership means the
 * caller is not in the school (a stranger, a member of another school, a removed member):
 * those get "not_found", so a foreign resource is never revealed. Members lacking a role get
 * "forbidden".
 */
import type { ClassId, UserId } from "./ids.ts";
import type { Invite, Role } from "./model.ts";

/** What policy needs to know about a caller inside one school. */
export interface Caller {
  userId: UserId;
  roles: readonly Role[];
  classIds: readonly ClassId[];
  childIds: readonly UserId[];
}

export type Decision = "allow" | "forbidden" | "not_found";

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

/** Admins change members' roles, classes and family links, and remove members. */
export function canManageMembers(caller: Caller | null): Decision {
  return decide(caller, (c) => has(c, "admin"));
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

/** Default use limit of a new invite: one person for staff, a class for students and parents. */
export function defaultInviteUses(role: Role): number {
  return role === "admin" || role === "teacher" ? 1 : 40;
}

/** Admins remove anyone from the school; any member may leave it. */
export function canRemoveMember(caller: Caller | null, userId: UserId): Decision {
  return decide(caller, (c) => has(c, "admin") || c.userId === userId);
}
