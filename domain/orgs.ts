/** Reading schools: the org record, classes, the roster, and what each caller may see of it. */
import type { ClassId, OrgId, UserId } from "../shared/ids.ts";
import { isUlid } from "../shared/ids.ts";
import { keys } from "../platform/kv_keys.ts";
import { getManyChunked, listAll } from "../platform/kv_util.ts";
import { type Member, type Org, type OrgClass, orgSettings, type Role } from "../shared/model.ts";
import { type Caller, canSeeContacts, canSeeFamilyLinks } from "../shared/policy.ts";
import { getUsers } from "./users.ts";
import { notFound } from "../shared/errors.ts";
import type { AdminMember } from "../shared/admin_view.ts";

/**
 * What an admin's removal of a member from a school (or a moderator's from a chat) leaves behind:
 * they cannot come back through an invite (a chat link) until it is lifted.
 */
export interface Ban {
  userId: UserId;
  bannedAt: string;
  bannedBy: UserId;
}

/** The school, or null (also for ids that are not ULIDs). */
export async function getOrg(kv: Deno.Kv, id: string): Promise<Org | null> {
  if (!isUlid<OrgId>(id)) return null;
  return (await kv.get<Org>(keys.org(id))).value;
}

/** The school's membership record of `userId`, or null. */
export async function getMember(kv: Deno.Kv, orgId: OrgId, userId: UserId): Promise<Member | null> {
  return (await kv.get<Member>(keys.orgMember(orgId, userId))).value;
}

/** What policy needs of a member. */
export function callerOf(member: Member): Caller {
  return {
    userId: member.userId,
    roles: member.roles,
    classIds: member.classIds,
    childIds: member.childIds,
  };
}

/**
 * The school and the caller's membership, read together. Throws 404 when the school does not
 * exist; `caller` is null when the user is not a member.
 */
export async function loadOrgForCaller(
  kv: Deno.Kv,
  orgId: string,
  userId: UserId,
): Promise<{ org: Org; caller: Caller | null; member: Member | null }> {
  if (!isUlid<OrgId>(orgId)) throw notFound("No such school");
  const [org, member] = await kv.getMany<[Org, Member]>([
    keys.org(orgId),
    keys.orgMember(orgId, userId),
  ]);
  if (!org.value) throw notFound("No such school");
  return {
    org: org.value,
    member: member.value,
    caller: member.value ? callerOf(member.value) : null,
  };
}

const collator = new Intl.Collator("ru", { numeric: true, sensitivity: "base" });

/** The school's classes, in natural order of their names ("5А" before "10Б"). */
export async function listClasses(kv: Deno.Kv, orgId: OrgId): Promise<OrgClass[]> {
  const entries = await listAll<OrgClass>(kv, keys.orgClasses(orgId));
  return entries.map((e) => e.value).sort((a, b) => collator.compare(a.name, b.name));
}

/** The class, or null. */
export async function getClass(
  kv: Deno.Kv,
  orgId: OrgId,
  classId: string,
): Promise<OrgClass | null> {
  if (!isUlid<ClassId>(classId)) return null;
  return (await kv.get<OrgClass>(keys.orgClass(orgId, classId))).value;
}

export interface MemberFilter {
  role?: Role;
  classId?: ClassId;
}

/** The roster as `viewer` may see it: contacts for admins, family links for staff. */
export async function listMembers(
  kv: Deno.Kv,
  orgId: OrgId,
  viewer: Caller,
  filter: MemberFilter = {},
) {
  const all = (await listAll<Member>(kv, keys.orgMembers(orgId))).map((e) => e.value);
  // A parent's links count only to children who are students of the school now.
  const students = new Set(all.filter((m) => m.roles.includes("student")).map((m) => m.userId));
  const members = all
    .filter((m) => !filter.role || m.roles.includes(filter.role))
    .filter((m) => !filter.classId || m.classIds.includes(filter.classId));
  const users = await getUsers(kv, members.map((m) => m.userId));
  const list = members.map((m, i) => {
    const user = users[i];
    const view: AdminMember = {
      userId: m.userId,
      displayName: user?.displayName ?? null,
      roles: m.roles,
      verified: m.verified,
      classIds: m.classIds,
    };
    if (m.roles.includes("parent") && canSeeFamilyLinks(viewer, m.userId)) {
      view.childIds = m.childIds.filter((id) => students.has(id));
    }
    if (canSeeContacts(viewer)) {
      view.email = user?.email ?? null;
      view.phone = m.phone;
    }
    return view;
  });
  return list.sort((a, b) =>
    collator.compare(String(a.displayName ?? ""), String(b.displayName ?? ""))
  );
}

/** The people admins removed from the school and have not let back, newest first, with names. */
export async function listBans(kv: Deno.Kv, orgId: OrgId) {
  const bans = (await listAll<Ban>(kv, keys.orgBans(orgId))).map((e) => e.value);
  const users = await getUsers(kv, bans.map((b) => b.userId));
  return bans.map((b, i) => ({
    userId: b.userId,
    displayName: users[i]?.displayName ?? null,
    bannedAt: b.bannedAt,
    bannedBy: b.bannedBy,
  })).sort((a, b) => b.bannedAt.localeCompare(a.bannedAt));
}

/** The schools `userId` belongs to, with their roles there. */
export async function listOrgsOfUser(kv: Deno.Kv, userId: UserId) {
  const index = await listAll<true>(kv, keys.orgsByUser(userId));
  const orgIds = index.map((e) => e.key[2] as OrgId);
  const [orgs, members] = await Promise.all([
    getManyChunked<Org>(kv, orgIds.map((id) => keys.org(id))),
    getManyChunked<Member>(kv, orgIds.map((id) => keys.orgMember(id, userId))),
  ]);
  return orgIds.flatMap((id, i) => {
    const org = orgs[i]!.value;
    const member = members[i]!.value;
    return org && member ? [{ id, name: org.name, roles: member.roles }] : [];
  });
}

/** What any member sees of the school. */
export function publicOrg(org: Org) {
  return {
    id: org.id,
    name: org.name,
    region: org.region,
    journalUrl: org.journalUrl,
    settings: orgSettings(org),
  };
}
