/**
 * What joining a school through an invite must satisfy besides the invite being usable: the same
 * rules an admin's member edit keeps (roles one person may hold together, never one's own child,
 * children are students), no ban, and a name that does not pass for a member of staff.
 */
import type { OrgId, UserId } from "../shared/ids.ts";
import type { Invite, Member, Role } from "../shared/model.ts";
import { AppError, conflict } from "../shared/errors.ts";
import * as policy from "../shared/policy.ts";
import { imitatesBadge } from "../domain/display_names.ts";
import { lookalikeName, looksLikeStaff } from "../domain/users.ts";

/** "a parent", "an admin". */
export const aRole = (role: Role) => `${role === "admin" ? "an" : "a"} ${role}`;

/** The 403 answer to a person an admin removed from the school. */
export function bannedFromSchool(): AppError {
  return new AppError(
    403,
    "forbidden",
    "Cannot join this school: an admin removed you; ask the school's admin to let you back",
    { details: { reason: "banned" } },
  );
}

/**
 * Throws 409 `conflict` when the membership `next` that accepting `invite` would make breaks the
 * school's rules: roles a person cannot hold together, a parent linked to themself, or to a
 * `child` (their current membership, or null) who is no longer a student of the school.
 */
export function assertRolesFit(
  invite: Invite,
  next: Member,
  userId: UserId,
  child: Member | null,
): void {
  const action = `Cannot join as ${aRole(invite.role)}`;
  if (invite.childId === userId) {
    throw conflict(`${action}: this invite names you as your own child`, { reason: "own_child" });
  }
  if (invite.childId !== null && !child?.roles.includes("student")) {
    throw conflict(`${action}: the pupil this invite names is no longer a student of this school`, {
      reason: "child_gone",
    });
  }
  const clash = policy.conflictingRoles(next.roles);
  if (clash) {
    const held = clash[0] === invite.role ? clash[1] : clash[0];
    throw conflict(
      `${action}: you are ${aRole(held)} in this school, and a student cannot hold another role`,
      { reason: "roles" },
    );
  }
}

/**
 * Throws 400 `invalid_input` (field `displayName`) when a newcomer who is not staff would join
 * under a name that passes for a teacher's or admin's of the school, or that imitates a badge.
 * `given` is the name chosen on joining (a user without one yet); otherwise `stored` is theirs.
 */
export async function assertNameFits(
  kv: Deno.Kv,
  orgId: OrgId,
  userId: UserId,
  name: { stored: string | null; given?: string },
): Promise<void> {
  const chosen = name.stored ?? name.given!;
  const yours = name.stored !== null;
  if (yours && imitatesBadge(chosen)) {
    throw new AppError(
      400,
      "invalid_input",
      "Cannot join: your name imitates a badge; change your name in your profile first",
      { field: "displayName", details: { reason: "badge" } },
    );
  }
  if (await looksLikeStaff(kv, orgId, userId, chosen)) {
    throw lookalikeName(
      yours
        ? "Cannot join: your name looks like the name of a teacher or admin of this school; " +
          "change your name in your profile first"
        : "Cannot join: this name looks like the name of a teacher or admin of this school; " +
          "choose another",
    );
  }
}
