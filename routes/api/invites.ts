/** Invite links: the public preview, acceptance, revocation. */
import { Hono } from "hono";
import { z } from "zod";
import type { AppEnv, Deps } from "../context.ts";
import { requireUser } from "../context.ts";
import { readJson, readNoInput } from "../http.ts";
import { displayName as displayNameInput } from "../../lib/validate.ts";
import { forbidden, notFound } from "../../lib/errors.ts";
import { getAnyInvite, inviteGone, inviteState, isChatInvite } from "../../lib/invites.ts";
import { getClass, getOrg } from "../../lib/orgs.ts";
import { unwrap } from "../../actors/mailbox.ts";
import type { Invite } from "../../lib/model.ts";
import type { Chat, ChatInvite } from "../../lib/chat_model.ts";
import { keys } from "../../lib/kv_keys.ts";
import { loadChatAccess } from "../../lib/chats.ts";
import { canManageChat } from "../../lib/policy.ts";
import { transact } from "../../lib/kv_util.ts";
import type { UserId } from "../../lib/ids.ts";

export function inviteRoutes(deps: Deps) {
  const { kv } = deps;
  const app = new Hono<AppEnv>();

  async function find(token: string): Promise<Invite | ChatInvite> {
    const invite = await getAnyInvite(kv, token);
    if (!invite) throw notFound("No such invite");
    return invite;
  }

  app.get("/invites/:token", async (c) => {
    const invite = await find(c.req.param("token"));
    const state = inviteState(invite, deps.clock.now());
    if (state !== "usable") throw inviteGone(state);
    const org = await getOrg(kv, invite.orgId);
    if (!org) throw notFound("No such invite");
    if (isChatInvite(invite)) {
      const chat = (await kv.get<Chat>(keys.chat(invite.chatId))).value;
      if (!chat) throw notFound("No such invite");
      return c.json({
        orgName: org.name,
        kind: "chat",
        chatTitle: chat.title,
        expiresAt: invite.expiresAt,
      });
    }
    const cls = invite.classId ? await getClass(kv, invite.orgId, invite.classId) : null;
    return c.json({
      orgName: org.name,
      role: invite.role,
      ...(cls ? { className: cls.name } : {}),
      expiresAt: invite.expiresAt,
    });
  });

  app.post("/invites/:token/accept", async (c) => {
    const user = requireUser(c);
    const { displayName } = await readJson(
      c,
      z.object({ displayName: displayNameInput().optional() }),
    );
    const invite = await find(c.req.param("token"));
    if (isChatInvite(invite)) {
      const joined = await deps.chats.get(invite.chatId).run({
        type: "join",
        actorId: user.id,
        inviteToken: invite.token,
      });
      unwrap(joined);
      const roles = (await loadChatAccess(kv, invite.chatId, user.id)).orgMember?.roles ?? [];
      return c.json({ orgId: invite.orgId, chatId: invite.chatId, roles });
    }
    const accepted = unwrap(
      await deps.orgs.get(invite.orgId).acceptInvite(user.id, invite.token, displayName),
    );
    return c.json({ orgId: accepted.orgId, roles: accepted.roles });
  });

  app.delete("/invites/:token", async (c) => {
    const user = requireUser(c);
    await readNoInput(c);
    const invite = await find(c.req.param("token"));
    if (isChatInvite(invite)) {
      await revokeChatInvite(invite, user.id);
      return c.body(null, 204);
    }
    unwrap(await deps.orgs.get(invite.orgId).revokeInvite(user.id, invite.token));
    return c.body(null, 204);
  });

  /** Its creator, the chat's managers and the school's admins revoke a chat link. */
  async function revokeChatInvite(invite: ChatInvite, userId: UserId) {
    const access = await loadChatAccess(kv, invite.chatId, userId, false);
    if (access.caller.orgRoles === null) throw notFound("No such invite");
    const allowed = invite.createdBy === userId || access.caller.orgRoles.includes("admin") ||
      canManageChat(access.caller, access.chat.kind) === "allow";
    if (!allowed) throw forbidden("Cannot revoke this link: not yours to revoke");
    await transact(async () => {
      const entry = await kv.get<ChatInvite>(keys.invite(invite.token));
      if (!entry.value || entry.value.revokedAt !== null) return { op: null, result: undefined };
      const revoked = { ...entry.value, revokedAt: new Date(deps.clock.now()).toISOString() };
      const op = kv.atomic().check(entry).set(keys.invite(invite.token), revoked, {
        expireIn: 24 * 3600_000,
      });
      return { op, result: undefined };
    });
  }

  return app;
}
