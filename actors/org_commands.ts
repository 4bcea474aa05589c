/**
 * Every command an org actor takes, as data, with what each does: the table the actor runs
 * through its mailbox, one command at a time. Each reads what it needs and commits once, with
 * checks on what it read (`OrgContext.asCaller` retries a conflict).
 */
import { writeEffect } from "../effects/outbox.ts";
import type { ClassId, OrgId, UserId } from "../shared/ids.ts";
import { isUlid } from "../shared/ids.ts";
import { keys } from "../platform/kv_keys.ts";
import { transact } from "../platform/kv_util.ts";
import type { Invite, Member, Org, OrgClass, OrgSettings, Role, User } from "../shared/model.ts";
import { orgSettings } from "../shared/model.ts";
import { conflict, invalidInput, notFound } from "../shared/errors.ts";
import * as policy from "../shared/policy.ts";
import type { Ban } from "../domain/orgs.ts";
import { inviteGone, inviteState, newInvite, storeInvite } from "../domain/invites.ts";
import { aRole, assertNameFits, assertRolesFit, bannedFromSchool } from "./org_join.ts";
import { assertAllowed, type OrgContext } from "./org_context.ts";
import { createChat, type CreateChatInput } from "./chat_create.ts";

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

export type OrgCommand =
  | { type: "createChat"; input: CreateChatInput }
  | { type: "updateOrg"; callerId: UserId; patch: OrgPatch }
  | { type: "createClass"; callerId: UserId; name: string }
  | { type: "updateClass"; callerId: UserId; classId: string; patch: ClassPatch }
  | { type: "updateMember"; callerId: UserId; userId: UserId; patch: MemberPatch }
  | { type: "removeMember"; callerId: UserId; userId: UserId }
  | { type: "liftBan"; callerId: UserId; userId: UserId }
  | { type: "createInvite"; callerId: UserId; input: InviteInput }
  | { type: "revokeInvite"; callerId: UserId; token: string }
  | { type: "acceptInvite"; userId: UserId; token: string; displayName?: string };

/** Changes the school's name, gradebook link or settings (admins). */
const updateOrg = {
  apply(
    ctx: OrgContext,
    { callerId, patch }: Extract<OrgCommand, { type: "updateOrg" }>,
  ): Promise<Org> {
    return ctx.asCaller(callerId, ({ org, caller, op }) => {
      assertAllowed(policy.canUpdateOrg(caller), "change the school");
      const next: Org = {
        ...org.value,
        name: patch.name ?? org.value.name,
        journalUrl: patch.journalUrl === undefined ? org.value.journalUrl : patch.journalUrl,
        settings: { ...orgSettings(org.value), ...patch.settings },
      };
      op.check(org).set(keys.org(ctx.orgId), next);
      return { result: next };
    });
  },
};

/** Creates a class; names are unique in the school, ignoring case. */
const createClass = {
  apply(
    ctx: OrgContext,
    { callerId, name }: Extract<OrgCommand, { type: "createClass" }>,
  ): Promise<OrgClass> {
    return ctx.asCaller(callerId, async ({ caller, op }) => {
      assertAllowed(policy.canManageClasses(caller), "create a class");
      const nameKey = keys.orgClassName(ctx.orgId, name.toLocaleLowerCase("ru"));
      if ((await ctx.deps.kv.get(nameKey)).value !== null) {
        throw conflict(`A class named "${name}" already exists`);
      }
      const cls: OrgClass = {
        id: ctx.deps.ids.ulid() as ClassId,
        name,
        createdAt: ctx.now(),
      };
      op.check({ key: nameKey, versionstamp: null })
        .set(nameKey, cls.id)
        .set(keys.orgClass(ctx.orgId, cls.id), cls);
      return { result: cls };
    });
  },
};

/**
 * Changes a class: its name (admins), its schedule link and whether its students may write to
 * each other directly (admins and the class's teachers).
 */
const updateClass = {
  apply(
    ctx: OrgContext,
    { callerId, classId, patch }: Extract<OrgCommand, { type: "updateClass" }>,
  ): Promise<OrgClass> {
    return ctx.asCaller(callerId, async ({ caller, op }) => {
      if (!isUlid<ClassId>(classId)) throw notFound("No such class");
      const id = classId;
      if (patch.name !== undefined) {
        assertAllowed(policy.canManageClasses(caller), "rename a class");
      } else {
        assertAllowed(policy.canConfigureClass(caller, id), "change this class");
      }
      const entry = await ctx.deps.kv.get<OrgClass>(keys.orgClass(ctx.orgId, id));
      if (!entry.value) throw notFound("No such class");
      const next: OrgClass = {
        ...entry.value,
        ...(patch.name !== undefined ? { name: patch.name } : {}),
        ...(patch.scheduleUrl !== undefined ? { scheduleUrl: patch.scheduleUrl } : {}),
        ...(patch.studentDirectMessages !== undefined
          ? { studentDirectMessages: patch.studentDirectMessages }
          : {}),
      };
      op.check(entry).set(keys.orgClass(ctx.orgId, id), next);
      const oldKey = keys.orgClassName(ctx.orgId, entry.value.name.toLocaleLowerCase("ru"));
      const newKey = keys.orgClassName(ctx.orgId, next.name.toLocaleLowerCase("ru"));
      if (oldKey[2] !== newKey[2]) {
        const taken = await ctx.deps.kv.get(newKey);
        if (taken.value !== null) throw conflict(`A class named "${next.name}" already exists`);
        op.check(taken).delete(oldKey).set(newKey, id);
      }
      return { result: next };
    });
  },
};

/** Changes a member's roles, classes, children or phone (admins). */
const updateMember = {
  apply(
    ctx: OrgContext,
    { callerId, userId, patch }: Extract<OrgCommand, { type: "updateMember" }>,
  ): Promise<Member> {
    return ctx.asCaller(callerId, async ({ member, caller, op }) => {
      assertAllowed(policy.canManageMembers(caller), "change members");
      const target = userId === callerId
        ? member
        : await ctx.deps.kv.get<Member>(keys.orgMember(ctx.orgId, userId));
      if (!target.value) throw notFound("No such member");
      op.check(target);
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
      if (adminDelta !== 0) await ctx.changeAdmins(op, adminDelta);
      const classIds = patch.classIds ?? target.value.classIds;
      // Classes are never deleted, so a class that exists now needs no check in the commit.
      if (patch.classIds) await ctx.requireClasses(classIds, "classIds");
      let childIds = roles.includes("parent") ? patch.childIds ?? target.value.childIds : [];
      if (patch.childIds) {
        if (!roles.includes("parent") && patch.childIds.length > 0) {
          throw invalidInput("Only parents have children linked", "childIds");
        }
        if (patch.childIds.includes(userId)) {
          throw invalidInput("A member cannot be their own child", "childIds");
        }
        // A link to a child who leaves meanwhile is harmless: links are read against the roster.
        await ctx.requireStudents(patch.childIds, "childIds");
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
      op.set(keys.orgMember(ctx.orgId, userId), next);
      return { result: next };
    });
  },
};

/**
 * Removes a member from the school (admins, or the member themself). Takes effect at once. An
 * admin's removal of someone else is also a ban, written in the same commit: no invite of the
 * school lets them back until an admin lifts it. Leaving oneself is not a ban.
 */
const removeMember = {
  async apply(
    ctx: OrgContext,
    { callerId, userId }: Extract<OrgCommand, { type: "removeMember" }>,
  ): Promise<void> {
    const effectId = ctx.deps.ids.ulid();
    await ctx.asCaller(callerId, async ({ member, caller, op }) => {
      assertAllowed(policy.canRemoveMember(caller, userId), "remove members");
      const target = userId === callerId
        ? member
        : await ctx.deps.kv.get<Member>(keys.orgMember(ctx.orgId, userId));
      if (!target.value) throw notFound("No such member");
      op.check(target)
        .delete(keys.orgMember(ctx.orgId, userId))
        .delete(keys.orgByUser(userId, ctx.orgId));
      if (userId !== callerId) {
        const ban: Ban = { userId, bannedAt: ctx.now(), bannedBy: callerId };
        op.set(keys.orgBan(ctx.orgId, userId), ban);
      }
      if (target.value.roles.includes("admin")) await ctx.changeAdmins(op, -1);
      // Their chats in the school drop them after the commit (effects/handlers.ts).
      const left = { kind: "school.left", orgId: ctx.orgId, userId } as const;
      writeEffect(op, effectId, left, ctx.deps.clock.now());
      return { result: undefined };
    });
    ctx.effects.push(effectId); // run by the actor once this returns
  },
};

/** Lets a person an admin removed join again (admins); 404 when there is no such ban. */
const liftBan = {
  apply(
    ctx: OrgContext,
    { callerId, userId }: Extract<OrgCommand, { type: "liftBan" }>,
  ): Promise<void> {
    return ctx.asCaller(callerId, async ({ caller, op }) => {
      assertAllowed(policy.canManageMembers(caller), "let members back");
      const ban = await ctx.deps.kv.get<Ban>(keys.orgBan(ctx.orgId, userId));
      if (!ban.value) throw notFound("No such ban");
      op.check(ban).delete(ban.key);
      return { result: undefined };
    });
  },
};

/** Creates an invite link; admins invite any role, teachers students and parents. */
const createInvite = {
  apply(
    ctx: OrgContext,
    { callerId, input }: Extract<OrgCommand, { type: "createInvite" }>,
  ): Promise<Invite> {
    return ctx.asCaller(callerId, async ({ caller, op }) => {
      const classId = input.classId ?? null;
      assertAllowed(
        policy.canCreateInvite(caller, { role: input.role, classId }),
        input.role === "student" || input.role === "parent"
          ? "invite to this class"
          : `invite a ${input.role}`,
      );
      if (classId !== null) await ctx.requireClasses([classId], "classId");
      const childId = input.childId ?? null;
      if (childId !== null) {
        if (input.role !== "parent") {
          throw invalidInput("Only parent invites name a child", "childId");
        }
        const [child] = await ctx.requireStudents([childId], "childId");
        if (classId !== null && !child!.value.classIds.includes(classId)) {
          throw invalidInput("The child is not in this class", "childId");
        }
      }
      const invite = newInvite(ctx.deps.clock, ctx.deps.ids, {
        orgId: ctx.orgId,
        role: input.role,
        classId,
        childId,
        maxUses: input.maxUses,
        ttlHours: input.ttlHours,
        createdBy: callerId,
        byAdmin: caller!.roles.includes("admin"),
      });
      storeInvite(op, invite, ctx.deps.clock.now());
      return { result: invite };
    });
  },
};

/** Revokes an invite (its creator or an admin); revoking twice is harmless. */
const revokeInvite = {
  apply(
    ctx: OrgContext,
    { callerId, token }: Extract<OrgCommand, { type: "revokeInvite" }>,
  ): Promise<void> {
    return ctx.asCaller(callerId, async ({ caller, op }) => {
      const entry = await ctx.deps.kv.get<Invite>(keys.invite(token));
      if (!entry.value || entry.value.orgId !== ctx.orgId) throw notFound("No such invite");
      const decision = policy.canRevokeInvite(caller, entry.value);
      if (decision === "not_found") throw notFound("No such invite");
      assertAllowed(decision, "revoke this invite");
      if (entry.value.revokedAt !== null) return { result: undefined, write: false };
      const revoked: Invite = { ...entry.value, revokedAt: ctx.now() };
      op.check(entry).set(keys.invite(token), revoked, { expireIn: 24 * 3600_000 });
      return { result: undefined };
    });
  },
};

/**
 * Joins `userId` to the school through the invite. A member who already has all the invite
 * grants gets their roles back and nothing changes, whatever state the invite is in. Refused,
 * with nothing written: a person an admin removed (403 until the ban is lifted), a membership
 * the member-edit rules forbid (409), a newcomer's name that passes for staff's (400).
 */
const acceptInvite = {
  apply(
    ctx: OrgContext,
    { userId, token, displayName }: Extract<OrgCommand, { type: "acceptInvite" }>,
  ): Promise<Accepted> {
    return transact<Accepted>(async () => {
      const kv = ctx.deps.kv;
      const [inviteEntry, memberEntry, userEntry, orgEntry, banEntry] = await kv.getMany<
        [Invite, Member, User, Org, Ban]
      >([
        keys.invite(token),
        keys.orgMember(ctx.orgId, userId),
        keys.user(userId),
        keys.org(ctx.orgId),
        keys.orgBan(ctx.orgId, userId),
      ]);
      const invite = inviteEntry.value;
      if (!invite || invite.orgId !== ctx.orgId || !orgEntry.value) {
        throw notFound("No such invite");
      }
      if (!userEntry.value) throw notFound("No such user");
      if (banEntry.value) throw bannedFromSchool();
      const existing = memberEntry.value;
      const next = ctx.joined(existing, invite, userId);
      const grantsNothing = existing !== null &&
        JSON.stringify(next) === JSON.stringify(existing);
      if (grantsNothing) {
        return {
          op: null,
          result: { orgId: ctx.orgId, roles: existing!.roles, changed: false },
        };
      }
      // A child who leaves after this read is harmless: links are read against the roster.
      const child = invite.childId
        ? (await kv.get<Member>(keys.orgMember(ctx.orgId, invite.childId))).value
        : null;
      assertRolesFit(invite, next, userId, child);
      const state = inviteState(invite, ctx.deps.clock.now());
      if (state !== "usable") throw inviteGone(state);
      const stored = userEntry.value.displayName;
      if (stored === null && displayName === undefined) {
        throw invalidInput("displayName is required to join", "displayName");
      }
      if (existing === null && !policy.isStaff(next.roles)) {
        await assertNameFits(kv, ctx.orgId, userId, { stored, given: displayName });
      }
      const op = kv.atomic().check(inviteEntry, memberEntry, userEntry, banEntry)
        .set(keys.invite(token), { ...invite, uses: invite.uses + 1 }, {
          expireIn: Date.parse(invite.expiresAt) - ctx.deps.clock.now() + 24 * 3600_000,
        })
        .set(keys.orgByUser(userId, ctx.orgId), true);
      if (stored === null) op.set(keys.user(userId), { ...userEntry.value, displayName });
      if (existing === null && invite.role === "admin" && invite.createdBy === null) {
        next.phone = await ctx.applicantPhone(orgEntry.value);
      }
      if (next.roles.includes("admin") && !existing?.roles.includes("admin")) {
        await ctx.changeAdmins(op, 1);
      }
      op.set(keys.orgMember(ctx.orgId, userId), next);
      return { op, result: { orgId: ctx.orgId, roles: next.roles, changed: true } };
    });
  },
};

/** A chat in the school: its members (a class's, for a class chat) join in the same commit. */
const createChatSpec = {
  apply(ctx: OrgContext, { input }: Extract<OrgCommand, { type: "createChat" }>) {
    const { kv, clock, ids, publish = () => {} } = ctx.deps;
    return createChat({ kv, clock, ids, publish }, { ...input, orgId: ctx.orgId });
  },
};

const specs = {
  createChat: createChatSpec,
  updateOrg,
  createClass,
  updateClass,
  updateMember,
  removeMember,
  liftBan,
  createInvite,
  revokeInvite,
  acceptInvite,
} satisfies {
  [T in OrgCommand["type"]]: {
    apply(ctx: OrgContext, c: Extract<OrgCommand, { type: T }>): Promise<unknown>;
  };
};

/** What a command of the type of `C` returns when it succeeds. */
export type OrgCommandResult<C extends OrgCommand> = Awaited<
  ReturnType<(typeof specs)[C["type"]]["apply"]>
>;

/** Runs `command` in `ctx`: validates, authorizes and commits it; returns its result. */
export function applyOrgCommand(ctx: OrgContext, command: OrgCommand): Promise<unknown> {
  const spec = specs[command.type] as { apply(ctx: OrgContext, c: OrgCommand): Promise<unknown> };
  return spec.apply(ctx, command);
}
