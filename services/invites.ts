/**
 * Invite links, school and chat alike: the public preview, acceptance and revocation. A school
 * invite is the org actor's to honour and revoke; a chat link is the chat actor's (join,
 * revokeLink), by shared/policy.ts.
 */
import type { Clock, UserId } from "../shared/ids.ts";
import { keys } from "../platform/kv_keys.ts";
import type { Chat, ChatInvite } from "../shared/chat_model.ts";
import type { Invite } from "../shared/model.ts";
import { notFound } from "../shared/errors.ts";
import { getAnyInvite, inviteGone, inviteState, isChatInvite } from "../domain/invites.ts";
import { getClass, getOrg } from "../domain/orgs.ts";
import { loadChatAccess } from "../domain/chats.ts";
import type { ActorHost } from "../actors/host.ts";
import type { OrgActor } from "../actors/org_actor.ts";
import type { ChatActor } from "../actors/chat_actor.ts";
import { unwrap } from "../actors/mailbox.ts";

export interface InviteServiceDeps {
  kv: Deno.Kv;
  clock: Clock;
  orgs: ActorHost<OrgActor>;
  chats: ActorHost<ChatActor>;
}

export class InviteService {
  readonly #d: InviteServiceDeps;

  constructor(deps: InviteServiceDeps) {
    this.#d = deps;
  }

  async #find(token: string): Promise<Invite | ChatInvite> {
    const invite = await getAnyInvite(this.#d.kv, token);
    if (!invite) throw notFound("No such invite");
    return invite;
  }

  /**
   * An invite with what it leads to (school, class or chat) and whether it can still be
   * accepted; null when there is no such invite or its school is gone. The invite page shows it.
   */
  async describe(token: string) {
    const { kv, clock } = this.#d;
    const invite = await getAnyInvite(kv, token);
    const org = invite ? await getOrg(kv, invite.orgId) : null;
    if (!invite || !org) return null;
    const state = inviteState(invite, clock.now());
    if (isChatInvite(invite)) {
      const chat = (await kv.get<Chat>(keys.chat(invite.chatId))).value;
      return { invite, org, state, chat, cls: null };
    }
    const cls = invite.classId ? await getClass(kv, invite.orgId, invite.classId) : null;
    return { invite, org, state, chat: null, cls };
  }

  /** What the API shows of a usable invite before anyone signs in: the school, class or chat. */
  async preview(token: string) {
    const found = await this.describe(token);
    if (!found) throw notFound("No such invite");
    const { invite, org, state, chat, cls } = found;
    if (state !== "usable") throw inviteGone(state);
    if (isChatInvite(invite)) {
      if (!chat) throw notFound("No such invite");
      return {
        orgName: org.name,
        kind: "chat" as const,
        chatTitle: chat.title,
        expiresAt: invite.expiresAt,
      };
    }
    return {
      orgName: org.name,
      role: invite.role,
      ...(cls ? { className: cls.name } : {}),
      expiresAt: invite.expiresAt,
    };
  }

  /** Joins the school (with the given name) or the chat the invite is for. */
  async accept(userId: UserId, token: string, displayName?: string) {
    const invite = await this.#find(token);
    if (isChatInvite(invite)) {
      const joined = await this.#d.chats.get(invite.chatId).run({
        type: "join",
        actorId: userId,
        inviteToken: invite.token,
      });
      unwrap(joined);
      const access = await loadChatAccess(this.#d.kv, invite.chatId, userId);
      return { orgId: invite.orgId, chatId: invite.chatId, roles: access.orgMember?.roles ?? [] };
    }
    const accepted = unwrap(
      await this.#d.orgs.get(invite.orgId).acceptInvite(userId, invite.token, displayName),
    );
    return { orgId: accepted.orgId, roles: accepted.roles };
  }

  /** Revokes an invite: a school invite by the org actor's rules, a chat link by policy. */
  async revoke(userId: UserId, token: string): Promise<void> {
    const invite = await this.#find(token);
    if (isChatInvite(invite)) return await this.#revokeChatInvite(invite, userId);
    unwrap(await this.#d.orgs.get(invite.orgId).revokeInvite(userId, invite.token));
  }

  async #revokeChatInvite(invite: ChatInvite, userId: UserId): Promise<void> {
    const command = { type: "revokeLink", actorId: userId, token: invite.token } as const;
    unwrap(await this.#d.chats.get(invite.chatId).run(command));
  }
}
