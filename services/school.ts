/**
 * The school domain's way in: the school's record and settings, classes, members, bans and
 * invites, and the admin console's read model. Changes go through the org actor; who may do what
 * is decided in shared/policy.ts. A request about one school opens a {@link SchoolScope} first (404
 * for outsiders), so its access is read once.
 *
 * Where the API has always refused a caller before reading their request body, the scope's method
 * takes the body as a function (`read`) and calls it only once the caller is allowed.
 */
import type { ChatId, ClassId, Clock, Ids, OrgId, UserId } from "../shared/ids.ts";
import { isUlid } from "../shared/ids.ts";
import { keys } from "../platform/kv_keys.ts";
import { getManyChunked, listAll } from "../platform/kv_util.ts";
import {
  defaultOrgSettings,
  type Invite,
  type Org,
  type OrgClass,
  orgSettings,
  type Role,
} from "../shared/model.ts";
import type { Chat } from "../shared/chat_model.ts";
import * as policy from "../shared/policy.ts";
import type { Caller, Decision } from "../shared/policy.ts";
import { notFound } from "../shared/errors.ts";
import {
  callerOf,
  getMember,
  getOrg,
  listBans,
  listClasses,
  listMembers,
  loadOrgForCaller,
  publicOrg,
} from "../domain/orgs.ts";
import { createdInvite, inviteState } from "../domain/invites.ts";
import { listAudit, listOrgReports } from "../domain/reports.ts";
import { getUsers } from "../domain/users.ts";
import { scheduleSchoolDigests } from "../domain/digest.ts";
import type { OrgActor } from "../actors/org_actor.ts";
import type { ClassPatch, InviteInput, MemberPatch, OrgPatch } from "../actors/org_commands.ts";
import type { ActorHost } from "../actors/host.ts";
import { unwrap } from "../actors/mailbox.ts";

export interface SchoolServiceDeps {
  kv: Deno.Kv;
  clock: Clock;
  ids: Ids;
  orgs: ActorHost<OrgActor>;
  /** Where invite links point (APP_ORIGIN). */
  appOrigin: string;
}

/** A class as the API shows it. */
export const classView = (c: OrgClass) => ({
  id: c.id,
  name: c.name,
  scheduleUrl: c.scheduleUrl ?? null,
  studentDirectMessages: c.studentDirectMessages ?? false,
});

const assertAllowed = (decision: Decision, message: string) =>
  policy.assertAllowed(decision, "No such school", message);

/** The school's invites that can still be accepted, newest first, that `visible` lets through. */
async function usableInvites(
  d: SchoolServiceDeps,
  org: Org,
  visible: (invite: Invite) => boolean,
) {
  const index = await listAll<string>(d.kv, keys.orgInvites(org.id), { reverse: true, limit: 500 });
  const entries = await getManyChunked<Invite>(d.kv, index.map((e) => keys.invite(e.value)));
  const now = d.clock.now();
  return entries.flatMap((e) => e.value ? [e.value] : [])
    .filter((i) => inviteState(i, now) === "usable" && visible(i))
    .map((i) => ({
      ...createdInvite(d.appOrigin, i),
      role: i.role,
      classId: i.classId,
      childId: i.childId,
      maxUses: i.maxUses,
      uses: i.uses,
      createdBy: i.createdBy,
      createdAt: i.createdAt,
    }));
}

export type UsableInvite = Awaited<ReturnType<typeof usableInvites>>[number];

export class SchoolService {
  readonly #d: SchoolServiceDeps;

  constructor(deps: SchoolServiceDeps) {
    this.#d = deps;
  }

  /** The school as one of its members uses it; 404 for everyone else. */
  async open(userId: UserId, orgId: string): Promise<SchoolScope> {
    const loaded = await loadOrgForCaller(this.#d.kv, orgId, userId);
    assertAllowed(policy.canViewOrg(loaded.caller), "");
    return new SchoolScope(this.#d, loaded.org, loaded.caller!);
  }

  /**
   * What the messenger shows of each of the viewer's schools: its journal link, time zone and
   * the class schedules that class chats link to. Only for schools the viewer belongs to.
   */
  async briefs(orgIds: readonly OrgId[]) {
    return await Promise.all(orgIds.map(async (orgId) => {
      const [org, classes] = await Promise.all([
        getOrg(this.#d.kv, orgId),
        listClasses(this.#d.kv, orgId),
      ]);
      const schedules: Record<string, string> = {};
      for (const cls of classes) if (cls.scheduleUrl) schedules[cls.id] = cls.scheduleUrl;
      return {
        journalUrl: org?.journalUrl ?? null,
        timeZone: org ? orgSettings(org).timeZone : defaultOrgSettings().timeZone,
        schedules,
      };
    }));
  }

  /**
   * What the admin console shows: classes, the roster with contacts, usable invites, reports,
   * the newest `auditPage` log entries, and the chats and former members they name. `not_found`
   * for outsiders, `forbidden` (with the school) for members who are not admins.
   */
  async console(userId: UserId, orgId: string, auditPage: number) {
    const { kv } = this.#d;
    const org = await getOrg(kv, orgId);
    const member = org ? await getMember(kv, org.id, userId) : null;
    if (!org || !member) return { kind: "not_found" } as const;
    const caller = callerOf(member);
    if (policy.canManageMembers(caller) !== "allow") return { kind: "forbidden", org } as const;
    const [classes, members, invites, reports, audit] = await Promise.all([
      listClasses(kv, org.id),
      listMembers(kv, org.id, caller),
      usableInvites(this.#d, org, (i) => policy.canSeeInvite(caller, i)),
      listOrgReports(kv, org.id),
      listAudit(kv, org.id, auditPage),
    ]);
    const roster = new Set(members.map((m) => m.userId as string));
    const named = [
      ...reports.flatMap((r) => [r.reporterId, r.message.authorId]),
      ...audit.flatMap((e) => [e.actorId, ...(e.targetUserId ? [e.targetUserId] : [])]),
    ].filter((id) => !roster.has(id));
    const [chats, people] = await Promise.all([
      chatRefs(kv, [...reports.map((r) => r.chatId), ...audit.map((e) => e.chatId)]),
      formerMembers(kv, named),
    ]);
    return {
      kind: "ok",
      org,
      data: {
        org: publicOrg(org),
        classes: classes.map(classView),
        members,
        invites,
        reports,
        audit,
        chats,
        people,
      },
    } as const;
  }
}

/** Titles and kinds of the chats of `ids` (chats that no longer exist are left out). */
async function chatRefs(kv: Deno.Kv, ids: ChatId[]) {
  const unique = [...new Set(ids)];
  const entries = await getManyChunked<Chat>(kv, unique.map((id) => keys.chat(id)));
  return Object.fromEntries(
    entries.flatMap((e) =>
      e.value ? [[e.value.id, { title: e.value.title, kind: e.value.kind }]] : []
    ),
  );
}

/** Names of people who have left the school but are named in its reports or log. */
async function formerMembers(kv: Deno.Kv, ids: UserId[]): Promise<Record<string, string | null>> {
  const users = await getUsers(kv, [...new Set(ids)]);
  return Object.fromEntries(users.flatMap((u) => u ? [[u.id, u.displayName]] : []));
}

/** A person named in a request (a path segment): 404 unless it can be one. */
function personId(id: string, what: string): UserId {
  if (!isUlid<UserId>(id)) throw notFound(what);
  return id;
}

/** One member in their school (see {@link SchoolService.open}). */
export class SchoolScope {
  readonly #d: SchoolServiceDeps;
  readonly org: Org;
  readonly caller: Caller;

  constructor(deps: SchoolServiceDeps, org: Org, caller: Caller) {
    this.#d = deps;
    this.org = org;
    this.caller = caller;
  }

  get #actor() {
    return this.#d.orgs.get(this.org.id);
  }

  get #userId(): UserId {
    return this.caller.userId;
  }

  view() {
    return publicOrg(this.org);
  }

  async update(patch: OrgPatch) {
    const org = unwrap(await this.#actor.updateOrg(this.#userId, patch));
    // The daily digest as the school's default reaches everyone who has not chosen themselves.
    if (patch.settings?.unreadEmail === "daily") {
      await scheduleSchoolDigests(this.#d, org.id, orgSettings(org).timeZone);
    }
    return publicOrg(org);
  }

  async classes() {
    return (await listClasses(this.#d.kv, this.org.id)).map(classView);
  }

  async createClass(read: () => Promise<{ name: string }>) {
    assertAllowed(policy.canManageClasses(this.caller), "Cannot create a class: admins only");
    const { name } = await read();
    const cls = unwrap(await this.#actor.createClass(this.#userId, name));
    return { id: cls.id, name: cls.name };
  }

  async updateClass(classId: string, patch: ClassPatch) {
    return classView(unwrap(await this.#actor.updateClass(this.#userId, classId, patch)));
  }

  /** The roster as the caller may see it (contacts and family links by policy). */
  members(filter: { role?: Role; classId?: ClassId } = {}) {
    return listMembers(this.#d.kv, this.org.id, this.caller, filter);
  }

  async updateMember(targetId: string, read: () => Promise<MemberPatch>) {
    assertAllowed(policy.canManageMembers(this.caller), "Cannot change members: admins only");
    const patch = await read();
    const userId = personId(targetId, "No such member");
    const member = unwrap(await this.#actor.updateMember(this.#userId, userId, patch));
    const [view] = (await this.members()).filter((m) => m.userId === member.userId);
    return view;
  }

  /** Removes a member (admins) or leaves (anyone); their chats drop them before this returns. */
  async removeMember(targetId: string, read: () => Promise<void>): Promise<void> {
    assertAllowed(
      policy.canRemoveMember(this.caller, targetId as UserId),
      "Cannot remove members: admins only",
    );
    await read();
    const userId = personId(targetId, "No such member");
    unwrap(await this.#actor.removeMember(this.#userId, userId));
  }

  bans() {
    assertAllowed(policy.canManageMembers(this.caller), "Cannot see removed members: admins only");
    return listBans(this.#d.kv, this.org.id);
  }

  async liftBan(targetId: string, read: () => Promise<void>): Promise<void> {
    assertAllowed(policy.canManageMembers(this.caller), "Cannot let members back: admins only");
    await read();
    const userId = personId(targetId, "No such ban");
    unwrap(await this.#actor.liftBan(this.#userId, userId));
  }

  async createInvite(input: InviteInput) {
    const invite = unwrap(await this.#actor.createInvite(this.#userId, input));
    return createdInvite(this.#d.appOrigin, invite);
  }

  /** The invites the caller may see that can still be accepted (admins all, teachers theirs). */
  invites() {
    assertAllowed(policy.canListInvites(this.caller), "Cannot list invites for your role");
    return usableInvites(this.#d, this.org, (i) => policy.canSeeInvite(this.caller, i));
  }
}
