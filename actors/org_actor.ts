/**
 * The organization actor: one per school per isolate. It owns the school's roster, classes,
 * invites and settings; every change runs through its mailbox and commits atomically with
 * checks on what it read, so concurrent activations on other isolates stay consistent.
 */
import { writeEffect } from "../lib/outbox.ts";
import type { ClassId, Clock, Ids, OrgId, UserId } from "../lib/ids.ts";
import { isUlid } from "../lib/ids.ts";
import { keys } from "../lib/kv_keys.ts";
import { getManyChunked, listAll, transact } from "../lib/kv_util.ts";
import type {
  Invite,
  Member,
  Org,
  OrgApplication,
  OrgClass,
  OrgSettings,
  Role,
  User,
} from "../lib/model.ts";
import { orgSettings } from "../lib/model.ts";
import { conflict, forbidden, invalidInput, notFound } from "../lib/errors.ts";
import * as policy from "../lib/policy.ts";
import { type Ban, callerOf } from "../lib/orgs.ts";
import { inviteGone, inviteState, newInvite, storeInvite } from "../lib/invites.ts";
import { aRole, assertNameFits, assertRolesFit, bannedFromSchool } from "./org_join.ts";
import { Mailbox, type Result } from "./mailbox.ts";
import type { Activation } from "./host.ts";

export interface OrgActorDeps {
  kv: Deno.Kv;
  clock: Clock;
  ids: Ids;
  /**
   * Given the effects a commit wrote, right after it; the command answers once this resolves
   * (a removal's chats are left by then).
   */
  onEffects?: (effectIds: string[]) => Promise<void>;
}

export interface OrgPatch {
  name?: string;
  journalUrl?: string | null;
  settings?: Partial<OrgSettings>;
}

export interface MemberPatch {
  roles?: Role[];
  classIds?: ClassId[];
  childIds?: UserId[];
  phone?: string | null;
}

export interface ClassPatch {
  name?: string;
  scheduleUrl?: string | null;
  studentDirectMessages?: boolean;
}

export interface InviteInput {
  role: Role;
  classId?: ClassId | null;
  childId?: UserId | null;
  maxUses?: number;
  ttlHours?: number;
}

export interface Accepted {
  orgId: OrgId;
  roles: Role[];
  /** False when the caller already had everything the invite grants. */
  changed: boolean;
}

type Command = () => Promise<unknown>;

function assertAllowed(decision: policy.Decision, action: string): void {
  if (decision === "not_found") throw notFound("No such school");
  if (decision === "forbidden") throw forbidden(`Cannot ${action}: not allowed for your role`);
}

const union = <T>(a: readonly T[], b: readonly T[]) => [...new Set([...a, ...b])];

export class OrgActor implements Activation {
  readonly orgId: OrgId;
  readonly #deps: OrgActorDeps;
  readonly #mailbox: Mailbox<Command, unknown>;
  #lastActive: number;

  constructor(orgId: OrgId, deps: OrgActorDeps) {
    this.orgId = orgId;
    this.#deps = deps;
    this.#lastActive = deps.clock.now();
    this.#mailbox = new Mailbox<Command, unknown>(async ([command]) => {
      try {
        return [{ ok: true, value: await command!() }];
      } catch (error) {
        return [{ ok: false, error }];
      }
    }, { maxBatch: 1, maxQueue: 1000 });
  }

  get pending(): number {
    return this.#mailbox.pending;
  }

  get lastActive(): number {
    return this.#lastActive;
  }

  async stop(): Promise<void> {
    await this.#mailbox.close();
  }

  async #ask<T>(command: () => Promise<T>): Promise<Result<T>> {
    this.#lastActive = this.#deps.clock.now();
    const result = await this.#mailbox.post(command) as Result<T>;
    this.#lastActive = this.#deps.clock.now();
    return result;
  }

  #now(): string {
    return new Date(this.#deps.clock.now()).toISOString();
  }

  /** Reads the school and the caller's membership; 404 when the school is gone. */
  async #load(callerId: UserId) {
    const [org, member] = await this.#deps.kv.getMany<[Org, Member]>([
      keys.org(this.orgId),
      keys.orgMember(this.orgId, callerId),
    ]);
    if (!org.value) throw notFound("No such school");
    return {
      org: org as Deno.KvEntry<Org>,
      member,
      caller: member.value ? callerOf(member.value) : null,
    };
  }

  /** Changes the school's name, gradebook link or settings (admins). */
  updateOrg(callerId: UserId, patch: OrgPatch): Promise<Result<Org>> {
    return this.#ask(() =>
      transact(async () => {
        const { org, member, caller } = await this.#load(callerId);
        assertAllowed(policy.canUpdateOrg(caller), "change the school");
        const next: Org = {
          ...org.value,
          name: patch.name ?? org.value.name,
          journalUrl: patch.journalUrl === undefined ? org.value.journalUrl : patch.journalUrl,
          settings: { ...orgSettings(org.value), ...patch.settings },
        };
        const op = this.#deps.kv.atomic().check(org, member).set(keys.org(this.orgId), next);
        return { op, result: next };
      })
    );
  }

  /** Creates a class; names are unique in the school, ignoring case. */
  createClass(callerId: UserId, name: string): Promise<Result<OrgClass>> {
    return this.#ask(() =>
      transact(async () => {
        const { member, caller } = await this.#load(callerId);
        assertAllowed(policy.canManageClasses(caller), "create a class");
        const nameKey = keys.orgClassName(this.orgId, name.toLocaleLowerCase("ru"));
        if ((await this.#deps.kv.get(nameKey)).value !== null) {
          throw conflict(`A class named "${name}" already exists`);
        }
        const cls: OrgClass = {
          id: this.#deps.ids.ulid() as ClassId,
          name,
          createdAt: this.#now(),
        };
        const op = this.#deps.kv.atomic().check(member)
          .check({ key: nameKey, versionstamp: null })
          .set(nameKey, cls.id)
          .set(keys.orgClass(this.orgId, cls.id), cls);
        return { op, result: cls };
      })
    );
  }

  /**
   * Changes a class: its name (admins), its schedule link and whether its students may write to
   * each other directly (admins and the class's teachers).
   */
  updateClass(callerId: UserId, classId: string, patch: ClassPatch): Promise<Result<OrgClass>> {
    return this.#ask(() =>
      transact(async () => {
        const { member, caller } = await this.#load(callerId);
        if (!isUlid(classId)) throw notFound("No such class");
        const id = classId as ClassId;
        if (patch.name !== undefined) {
          assertAllowed(policy.canManageClasses(caller), "rename a class");
        } else {
          assertAllowed(policy.canConfigureClass(caller, id), "change this class");
        }
        const entry = await this.#deps.kv.get<OrgClass>(keys.orgClass(this.orgId, id));
        if (!entry.value) throw notFound("No such class");
        const next: OrgClass = {
          ...entry.value,
          ...(patch.name !== undefined ? { name: patch.name } : {}),
          ...(patch.scheduleUrl !== undefined ? { scheduleUrl: patch.scheduleUrl } : {}),
          ...(patch.studentDirectMessages !== undefined
            ? { studentDirectMessages: patch.studentDirectMessages }
            : {}),
        };
        const op = this.#deps.kv.atomic().check(member, entry).set(
          keys.orgClass(this.orgId, id),
          next,
        );
        const oldKey = keys.orgClassName(this.orgId, entry.value.name.toLocaleLowerCase("ru"));
        const newKey = keys.orgClassName(this.orgId, next.name.toLocaleLowerCase("ru"));
        if (oldKey[2] !== newKey[2]) {
          const taken = await this.#deps.kv.get(newKey);
          if (taken.value !== null) throw conflict(`A class named "${next.name}" already exists`);
          op.check(taken).delete(oldKey).set(newKey, id);
        }
        return { op, result: next };
      })
    );
  }

  /** Reads classes by id, failing with 400 naming `field` if one is not in this school. */
  async #requireClasses(classIds: readonly ClassId[], field: string) {
    const entries = await getManyChunked<OrgClass>(
      this.#deps.kv,
      classIds.map((id) => keys.orgClass(this.orgId, id)),
    );
    if (entries.some((e) => !e.value)) throw invalidInput(`${field} names an unknown class`, field);
    return entries;
  }

  /** Reads students of this school by id, failing with 400 naming `field` otherwise. */
  async #requireStudents(userIds: readonly UserId[], field: string) {
    const entries = await getManyChunked<Member>(
      this.#deps.kv,
      userIds.map((id) => keys.orgMember(this.orgId, id)),
    );
    if (entries.some((e) => !e.value?.roles.includes("student"))) {
      throw invalidInput(`${field} must name students of this school`, field);
    }
    return entries as Deno.KvEntry<Member>[];
  }

  /**
   * Adds to `op` a change of the school's admin count by `delta`, checked against concurrent
   * changes (one check, however many admins), refusing to leave the school without an admin.
   */
  async #changeAdmins(op: Deno.AtomicOperation, delta: number): Promise<void> {
    const key = keys.orgAdminCount(this.orgId);
    const entry = await this.#deps.kv.get<number>(key);
    // Schools from before the counter get it counted once.
    const count = entry.value ?? (await listAll<Member>(this.#deps.kv, keys.orgMembers(this.orgId)))
      .filter((e) => e.value.roles.includes("admin")).length;
    if (count + delta < 1) throw conflict("The school must keep at least one admin");
    op.check(entry).set(key, count + delta);
  }

  /** Changes a member's roles, classes, children or phone (admins). */
  updateMember(callerId: UserId, userId: UserId, patch: MemberPatch): Promise<Result<Member>> {
    return this.#ask(() =>
      transact(async () => {
        const { member, caller } = await this.#load(callerId);
        assertAllowed(policy.canManageMembers(caller), "change members");
        const target = userId === callerId
          ? member
          : await this.#deps.kv.get<Member>(keys.orgMember(this.orgId, userId));
        if (!target.value) throw notFound("No such member");
        const op = this.#deps.kv.atomic().check(member, target);
        const roles = patch.roles ?? target.value.roles;
        const clash = patch.roles ? policy.conflictingRoles(roles) : null;
        if (clash) {
          throw conflict(
            `Cannot change roles: a student cannot also be ${aRole(clash[1])} in the same school`,
            { reason: "roles" },
          );
        }
        const adminDelta = Number(roles.includes("admin")) -
          Number(target.value.roles.includes("admin"));
        if (adminDelta !== 0) await this.#changeAdmins(op, adminDelta);
        const classIds = patch.classIds ?? target.value.classIds;
        // Classes are never deleted, so a class that exists now needs no check in the commit.
        if (patch.classIds) await this.#requireClasses(classIds, "classIds");
        let childIds = roles.includes("parent") ? patch.childIds ?? target.value.childIds : [];
        if (patch.childIds) {
          if (!roles.includes("parent") && patch.childIds.length > 0) {
            throw invalidInput("Only parents have children linked", "childIds");
          }
          if (patch.childIds.includes(userId)) {
            throw invalidInput("A member cannot be their own child", "childIds");
          }
          // A link to a child who leaves meanwhile is harmless: links are read against the roster.
          await this.#requireStudents(patch.childIds, "childIds");
          childIds = patch.childIds;
        }
        const wasTeacher = target.value.roles.includes("teacher");
        const next: Member = {
          ...target.value,
          roles,
          classIds,
          childIds,
          // A teacher role granted by an admin carries the verified badge.
          verified: roles.includes("teacher") && (wasTeacher ? target.value.verified : true),
          phone: patch.phone === undefined ? target.value.phone : patch.phone,
        };
        op.set(keys.orgMember(this.orgId, userId), next);
        return { op, result: next };
      })
    );
  }

  /**
   * Removes a member from the school (admins, or the member themself). Takes effect at once. An
   * admin's removal of someone else is also a ban, written in the same commit: no invite of the
   * school lets them back until an admin lifts it. Leaving oneself is not a ban.
   */
  removeMember(callerId: UserId, userId: UserId): Promise<Result<void>> {
    return this.#ask(async () => {
      const effectId = this.#deps.ids.ulid();
      await transact(async () => {
        const { member, caller } = await this.#load(callerId);
        assertAllowed(policy.canRemoveMember(caller, userId), "remove members");
        const target = userId === callerId
          ? member
          : await this.#deps.kv.get<Member>(keys.orgMember(this.orgId, userId));
        if (!target.value) throw notFound("No such member");
        const op = this.#deps.kv.atomic().check(member, target)
          .delete(keys.orgMember(this.orgId, userId))
          .delete(keys.orgByUser(userId, this.orgId));
        if (userId !== callerId) {
          const ban: Ban = { userId, bannedAt: this.#now(), bannedBy: callerId };
          op.set(keys.orgBan(this.orgId, userId), ban);
        }
        if (target.value.roles.includes("admin")) await this.#changeAdmins(op, -1);
        // Their chats in the school drop them after the commit (effects/handlers.ts).
        const left = { kind: "school.left", orgId: this.orgId, userId } as const;
        writeEffect(op, effectId, left, this.#deps.clock.now());
        return { op, result: undefined };
      });
      await this.#deps.onEffects?.([effectId]);
    });
  }

  /** Lets a person an admin removed join again (admins); 404 when there is no such ban. */
  liftBan(callerId: UserId, userId: UserId): Promise<Result<void>> {
    return this.#ask(() =>
      transact(async () => {
        const { member, caller } = await this.#load(callerId);
        assertAllowed(policy.canManageMembers(caller), "let members back");
        const ban = await this.#deps.kv.get<Ban>(keys.orgBan(this.orgId, userId));
        if (!ban.value) throw notFound("No such ban");
        const op = this.#deps.kv.atomic().check(member, ban).delete(ban.key);
        return { op, result: undefined };
      })
    );
  }

  /** Creates an invite link; admins invite any role, teachers students and parents. */
  createInvite(callerId: UserId, input: InviteInput): Promise<Result<Invite>> {
    return this.#ask(() =>
      transact(async () => {
        const { member, caller } = await this.#load(callerId);
        const classId = input.classId ?? null;
        assertAllowed(
          policy.canCreateInvite(caller, { role: input.role, classId }),
          input.role === "student" || input.role === "parent"
            ? "invite to this class"
            : `invite a ${input.role}`,
        );
        const op = this.#deps.kv.atomic().check(member);
        if (classId !== null) await this.#requireClasses([classId], "classId");
        const childId = input.childId ?? null;
        if (childId !== null) {
          if (input.role !== "parent") {
            throw invalidInput("Only parent invites name a child", "childId");
          }
          const [child] = await this.#requireStudents([childId], "childId");
          if (classId !== null && !child!.value.classIds.includes(classId)) {
            throw invalidInput("The child is not in this class", "childId");
          }
        }
        const invite = newInvite(this.#deps.clock, this.#deps.ids, {
          orgId: this.orgId,
          role: input.role,
          classId,
          childId,
          maxUses: input.maxUses,
          ttlHours: input.ttlHours,
          createdBy: callerId,
          byAdmin: caller!.roles.includes("admin"),
        });
        storeInvite(op, invite, this.#deps.clock.now());
        return { op, result: invite };
      })
    );
  }

  /** Revokes an invite (its creator or an admin); revoking twice is harmless. */
  revokeInvite(callerId: UserId, token: string): Promise<Result<void>> {
    return this.#ask(() =>
      transact(async () => {
        const { member, caller } = await this.#load(callerId);
        const entry = await this.#deps.kv.get<Invite>(keys.invite(token));
        if (!entry.value || entry.value.orgId !== this.orgId) throw notFound("No such invite");
        const decision = policy.canRevokeInvite(caller, entry.value);
        if (decision === "not_found") throw notFound("No such invite");
        assertAllowed(decision, "revoke this invite");
        if (entry.value.revokedAt !== null) return { op: null, result: undefined };
        const revoked: Invite = { ...entry.value, revokedAt: this.#now() };
        const op = this.#deps.kv.atomic().check(member, entry).set(keys.invite(token), revoked, {
          expireIn: 24 * 3600_000,
        });
        return { op, result: undefined };
      })
    );
  }

  /**
   * Joins `userId` to the school through the invite. A member who already has all the invite
   * grants gets their roles back and nothing changes, whatever state the invite is in. Refused,
   * with nothing written: a person an admin removed (403 until the ban is lifted), a membership
   * the member-edit rules forbid (409), a newcomer's name that passes for staff's (400).
   */
  acceptInvite(userId: UserId, token: string, displayName?: string): Promise<Result<Accepted>> {
    return this.#ask(() =>
      transact<Accepted>(async () => {
        const kv = this.#deps.kv;
        const [inviteEntry, memberEntry, userEntry, orgEntry, banEntry] = await kv.getMany<
          [Invite, Member, User, Org, Ban]
        >([
          keys.invite(token),
          keys.orgMember(this.orgId, userId),
          keys.user(userId),
          keys.org(this.orgId),
          keys.orgBan(this.orgId, userId),
        ]);
        const invite = inviteEntry.value;
        if (!invite || invite.orgId !== this.orgId || !orgEntry.value) {
          throw notFound("No such invite");
        }
        if (!userEntry.value) throw notFound("No such user");
        if (banEntry.value) throw bannedFromSchool();
        const existing = memberEntry.value;
        const next = this.#joined(existing, invite, userId);
        const grantsNothing = existing !== null &&
          JSON.stringify(next) === JSON.stringify(existing);
        if (grantsNothing) {
          return {
            op: null,
            result: { orgId: this.orgId, roles: existing!.roles, changed: false },
          };
        }
        // A child who leaves after this read is harmless: links are read against the roster.
        const child = invite.childId
          ? (await kv.get<Member>(keys.orgMember(this.orgId, invite.childId))).value
          : null;
        assertRolesFit(invite, next, userId, child);
        const state = inviteState(invite, this.#deps.clock.now());
        if (state !== "usable") throw inviteGone(state);
        const stored = userEntry.value.displayName;
        if (stored === null && displayName === undefined) {
          throw invalidInput("displayName is required to join", "displayName");
        }
        if (existing === null && !policy.isStaff(next.roles)) {
          await assertNameFits(kv, this.orgId, userId, { stored, given: displayName });
        }
        const op = kv.atomic().check(inviteEntry, memberEntry, userEntry, banEntry)
          .set(keys.invite(token), { ...invite, uses: invite.uses + 1 }, {
            expireIn: Date.parse(invite.expiresAt) - this.#deps.clock.now() + 24 * 3600_000,
          })
          .set(keys.orgByUser(userId, this.orgId), true);
        if (stored === null) op.set(keys.user(userId), { ...userEntry.value, displayName });
        if (existing === null && invite.role === "admin" && invite.createdBy === null) {
          next.phone = await this.#applicantPhone(orgEntry.value);
        }
        if (next.roles.includes("admin") && !existing?.roles.includes("admin")) {
          await this.#changeAdmins(op, 1);
        }
        op.set(keys.orgMember(this.orgId, userId), next);
        return { op, result: { orgId: this.orgId, roles: next.roles, changed: true } };
      })
    );
  }

  /** The membership `existing` becomes after accepting `invite`. */
  #joined(existing: Member | null, invite: Invite, userId: UserId): Member {
    const base: Member = existing ?? {
      userId,
      roles: [],
      verified: false,
      classIds: [],
      childIds: [],
      phone: null,
      joinedAt: this.#now(),
    };
    const roles = union(base.roles, [invite.role]);
    return {
      ...base,
      roles,
      verified: base.verified || (invite.role === "teacher" && invite.byAdmin),
      classIds: invite.classId ? union(base.classIds, [invite.classId]) : base.classIds,
      childIds: invite.childId ? union(base.childIds, [invite.childId]) : base.childIds,
    };
  }

  /** The phone the school gave for its first admin in its application. */
  async #applicantPhone(org: Org): Promise<string | null> {
    if (!org.applicationId) return null;
    const app = await this.#deps.kv.get<OrgApplication>(keys.application(org.applicationId));
    return app.value?.adminPhone ?? null;
  }
}
