/** People: one account per email, with the name they chose and their language. */
import type { OrgId, UserId } from "../shared/ids.ts";
import { keys } from "../platform/kv_keys.ts";
import { getManyChunked, listAll, transact } from "../platform/kv_util.ts";
import type { Locale, Member, UnreadEmail, User } from "../shared/model.ts";
import { AppError, notFound } from "../shared/errors.ts";
import { nameSkeleton } from "./display_names.ts";
import { isStaff } from "../shared/policy.ts";

/** The user, or null. */
export async function getUser(kv: Deno.Kv, id: UserId): Promise<User | null> {
  return (await kv.get<User>(keys.user(id))).value;
}

/** Users by id, in the same order; missing ones are null. */
export async function getUsers(kv: Deno.Kv, ids: readonly UserId[]): Promise<(User | null)[]> {
  const entries = await getManyChunked<User>(kv, ids.map((id) => keys.user(id)));
  return entries.map((e) => e.value);
}

/** The user who signs in with `email`, or null. */
export async function getUserByEmail(kv: Deno.Kv, email: string): Promise<User | null> {
  const id = (await kv.get<UserId>(keys.userByEmail(email))).value;
  return id ? await getUser(kv, id) : null;
}

export interface UserPatch {
  displayName?: string;
  locale?: Locale;
  /** Null goes back to the school's default. */
  unreadEmail?: UnreadEmail | null;
}

/**
 * Applies `patch` to the user and returns the result. A new display name must not look like the
 * name of a teacher or admin of a school where the user is neither (400 `invalid_input`, field
 * `displayName`, `reason: "lookalike"`); keeping one's name as it is always works.
 */
export async function updateUser(kv: Deno.Kv, id: UserId, patch: UserPatch): Promise<User> {
  const current = await getUser(kv, id);
  if (!current) throw notFound("No such user");
  if (patch.displayName !== undefined && patch.displayName !== current.displayName) {
    if (await impersonatesStaff(kv, id, patch.displayName)) {
      throw lookalikeName(
        "displayName looks like the name of a teacher or admin of your school; choose another",
      );
    }
  }
  return await transact(async () => {
    const entry = await kv.get<User>(keys.user(id));
    if (!entry.value) throw notFound("No such user");
    const { unreadEmail, ...rest } = patch;
    const user: User = { ...entry.value, ...rest };
    if (unreadEmail === null) delete user.unreadEmail;
    else if (unreadEmail !== undefined) user.unreadEmail = unreadEmail;
    return { op: kv.atomic().check(entry).set(keys.user(id), user), result: user };
  });
}

/** The 400 answer for a name that looks like a staff member's. */
export function lookalikeName(message: string): AppError {
  return new AppError(400, "invalid_input", message, {
    field: "displayName",
    details: { reason: "lookalike" },
  });
}

/**
 * Whether `name` looks like (has the confusable skeleton of) the name of a teacher or admin of
 * the school other than `userId` themself.
 */
export async function looksLikeStaff(
  kv: Deno.Kv,
  orgId: OrgId,
  userId: UserId,
  name: string,
): Promise<boolean> {
  const skeleton = nameSkeleton(name);
  const staff = (await listAll<Member>(kv, keys.orgMembers(orgId)))
    .map((e) => e.value)
    .filter((m) => m.userId !== userId && isStaff(m.roles));
  const users = await getUsers(kv, staff.map((m) => m.userId));
  return users.some((u) => u?.displayName != null && nameSkeleton(u.displayName) === skeleton);
}

/**
 * Whether `name` would let `userId` pass for staff in one of their schools: one where they are
 * neither a teacher nor an admin themself.
 */
async function impersonatesStaff(kv: Deno.Kv, userId: UserId, name: string): Promise<boolean> {
  const index = await listAll<true>(kv, keys.orgsByUser(userId));
  const orgIds = index.map((e) => e.key[2] as OrgId);
  const members = await getManyChunked<Member>(
    kv,
    orgIds.map((orgId) => keys.orgMember(orgId, userId)),
  );
  for (const [i, orgId] of orgIds.entries()) {
    const member = members[i]!.value;
    if (member && !isStaff(member.roles) && await looksLikeStaff(kv, orgId, userId, name)) {
      return true;
    }
  }
  return false;
}

/** What the API shows of a user to that user. */
export function publicSelf(user: User) {
  return {
    id: user.id,
    displayName: user.displayName,
    email: user.email,
    locale: user.locale,
    /** Null: the school's default applies. */
    unreadEmail: user.unreadEmail ?? null,
  };
}
