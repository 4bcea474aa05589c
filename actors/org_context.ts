/**
 * What an org actor's command works with: the school's address, the actor's dependencies, and
 * the reads and checks several commands share. One context per command.
 */
import type { ChatId, ClassId, Clock, Ids, OrgId, UserId } from "../shared/ids.ts";
import type { ChatEvent } from "../shared/chat_model.ts";
import { keys } from "../platform/kv_keys.ts";
import { getManyChunked, listAll, transact } from "../platform/kv_util.ts";
import type { Invite, Member, Org, OrgApplication, OrgClass } from "../shared/model.ts";
import { conflict, invalidInput, notFound } from "../shared/errors.ts";
import * as policy from "../shared/policy.ts";
import { callerOf } from "../domain/orgs.ts";

/** Throws 404 (the school is hidden) or 403 naming `action` unless `decision` allows. */
export function assertAllowed(decision: policy.Decision, action: string): void {
  policy.assertAllowed(decision, "No such school", `Cannot ${action}: not allowed for your role`);
}

export interface OrgActorDeps {
  kv: Deno.Kv;
  clock: Clock;
  ids: Ids;
  /**
   * Given the effects a commit wrote, right after it; the command answers once this resolves
   * (a removal's chats are left by then).
   */
  onEffects?: (effectIds: string[]) => Promise<void>;
  /** Hands a new chat's first events to the gateway, right after its commit. */
  publish?: (chatId: ChatId, events: ChatEvent[]) => void;
}

const union = <T>(a: readonly T[], b: readonly T[]) => [...new Set([...a, ...b])];

export class OrgContext {
  /** Effects the command's commit wrote; the actor runs them before it answers. */
  readonly effects: string[] = [];

  constructor(readonly orgId: OrgId, readonly deps: OrgActorDeps) {}

  now(): string {
    return new Date(this.deps.clock.now()).toISOString();
  }

  /** Reads the school and the caller's membership; 404 when the school is gone. */
  async load(callerId: UserId) {
    const [org, member] = await this.deps.kv.getMany<[Org, Member]>([
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

  /**
   * One command's transaction as `callerId`: every attempt reads the school and the caller's
   * membership afresh (see {@link load}) and hands `build` an operation that already checks the
   * membership, so a caller removed meanwhile cannot act; a conflict is retried. `build` decides,
   * reads what else it needs, adds its writes and checks, and returns the result (with
   * `write: false` when there is nothing to commit).
   */
  asCaller<T>(
    callerId: UserId,
    build: (
      read: Awaited<ReturnType<OrgContext["load"]>> & { op: Deno.AtomicOperation },
    ) => { result: T; write?: boolean } | Promise<{ result: T; write?: boolean }>,
  ): Promise<T> {
    return transact(async () => {
      const read = await this.load(callerId);
      const op = this.deps.kv.atomic().check(read.member);
      const { result, write = true } = await build({ ...read, op });
      return { op: write ? op : null, result };
    });
  }

  /** Reads classes by id, failing with 400 naming `field` if one is not in this school. */
  async requireClasses(classIds: readonly ClassId[], field: string) {
    const entries = await getManyChunked<OrgClass>(
      this.deps.kv,
      classIds.map((id) => keys.orgClass(this.orgId, id)),
    );
    if (entries.some((e) => !e.value)) throw invalidInput(`${field} names an unknown class`, field);
    return entries;
  }

  /** Reads students of this school by id, failing with 400 naming `field` otherwise. */
  async requireStudents(userIds: readonly UserId[], field: string) {
    const entries = await getManyChunked<Member>(
      this.deps.kv,
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
  async changeAdmins(op: Deno.AtomicOperation, delta: number): Promise<void> {
    const key = keys.orgAdminCount(this.orgId);
    const entry = await this.deps.kv.get<number>(key);
    // Schools from before the counter get it counted once.
    const count = entry.value ?? (await listAll<Member>(this.deps.kv, keys.orgMembers(this.orgId)))
      .filter((e) => e.value.roles.includes("admin")).length;
    if (count + delta < 1) throw conflict("The school must keep at least one admin");
    op.check(entry).set(key, count + delta);
  }

  /** The membership `existing` becomes after accepting `invite`. */
  joined(existing: Member | null, invite: Invite, userId: UserId): Member {
    const base: Member = existing ?? {
      userId,
      roles: [],
      verified: false,
      classIds: [],
      childIds: [],
      phone: null,
      joinedAt: this.now(),
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
  async applicantPhone(org: Org): Promise<string | null> {
    if (!org.applicationId) return null;
    const app = await this.deps.kv.get<OrgApplication>(keys.application(org.applicationId));
    return app.value?.adminPhone ?? null;
  }
}
