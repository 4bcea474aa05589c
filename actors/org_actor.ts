/**
 * The organization actor: one per school per isolate. It owns the school's roster, classes,
 * invites and settings; every change is a command (actors/org_commands.ts) run through its
 * mailbox, one at a time, and commits atomically with checks on what it read, so concurrent
 * activations on other isolates stay consistent.
 */
import type { OrgId, UserId } from "../shared/ids.ts";
import type { Invite, Member, Org, OrgClass } from "../shared/model.ts";
import {
  type Accepted,
  applyOrgCommand,
  type ClassPatch,
  type InviteInput,
  type MemberPatch,
  type OrgCommand,
  type OrgCommandResult,
  type OrgPatch,
} from "./org_commands.ts";
import { type OrgActorDeps, OrgContext } from "./org_context.ts";
import { MailboxActor, type Result } from "./mailbox.ts";
import type { Activation } from "./host.ts";

export class OrgActor extends MailboxActor<OrgCommand> implements Activation {
  readonly orgId: OrgId;
  readonly #deps: OrgActorDeps;

  constructor(orgId: OrgId, deps: OrgActorDeps) {
    super(deps.clock, { maxBatch: 1, maxQueue: 1000 });
    this.orgId = orgId;
    this.#deps = deps;
  }

  protected async handle([command]: OrgCommand[]): Promise<Result<unknown>[]> {
    const ctx = new OrgContext(this.orgId, this.#deps);
    try {
      const value = await applyOrgCommand(ctx, command!);
      if (ctx.effects.length > 0) await this.#deps.onEffects?.(ctx.effects);
      return [{ ok: true, value }];
    } catch (error) {
      return [{ ok: false, error }];
    }
  }

  /** Runs `command` through the mailbox; its result is typed by the command's spec. */
  run<C extends OrgCommand>(command: C): Promise<Result<OrgCommandResult<C>>> {
    return this.ask<OrgCommandResult<C>>(command);
  }

  /** Changes the school's name, gradebook link or settings (admins). */
  updateOrg(callerId: UserId, patch: OrgPatch): Promise<Result<Org>> {
    return this.run({ type: "updateOrg", callerId, patch });
  }

  /** Creates a class; names are unique in the school, ignoring case. */
  createClass(callerId: UserId, name: string): Promise<Result<OrgClass>> {
    return this.run({ type: "createClass", callerId, name });
  }

  /**
   * Changes a class: its name (admins), its schedule link and whether its students may write to
   * each other directly (admins and the class's teachers).
   */
  updateClass(callerId: UserId, classId: string, patch: ClassPatch): Promise<Result<OrgClass>> {
    return this.run({ type: "updateClass", callerId, classId, patch });
  }

  /** Changes a member's roles, classes, children or phone (admins). */
  updateMember(callerId: UserId, userId: UserId, patch: MemberPatch): Promise<Result<Member>> {
    return this.run({ type: "updateMember", callerId, userId, patch });
  }

  /**
   * Removes a member from the school (admins, or the member themself). Takes effect at once. An
   * admin's removal of someone else is also a ban, written in the same commit: no invite of the
   * school lets them back until an admin lifts it. Leaving oneself is not a ban.
   */
  removeMember(callerId: UserId, userId: UserId): Promise<Result<void>> {
    return this.run({ type: "removeMember", callerId, userId });
  }

  /** Lets a person an admin removed join again (admins); 404 when there is no such ban. */
  liftBan(callerId: UserId, userId: UserId): Promise<Result<void>> {
    return this.run({ type: "liftBan", callerId, userId });
  }

  /** Creates an invite link; admins invite any role, teachers students and parents. */
  createInvite(callerId: UserId, input: InviteInput): Promise<Result<Invite>> {
    return this.run({ type: "createInvite", callerId, input });
  }

  /** Revokes an invite (its creator or an admin); revoking twice is harmless. */
  revokeInvite(callerId: UserId, token: string): Promise<Result<void>> {
    return this.run({ type: "revokeInvite", callerId, token });
  }

  /**
   * Joins `userId` to the school through the invite. A member who already has all the invite
   * grants gets their roles back and nothing changes, whatever state the invite is in. Refused,
   * with nothing written: a person an admin removed (403 until the ban is lifted), a membership
   * the member-edit rules forbid (409), a newcomer's name that passes for staff's (400).
   */
  acceptInvite(userId: UserId, token: string, displayName?: string): Promise<Result<Accepted>> {
    return this.run({ type: "acceptInvite", userId, token, displayName });
  }
}
