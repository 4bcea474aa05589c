/** Invite links: the public preview, acceptance, revocation. */
import { Hono } from "hono";
import { z } from "zod";
import type { AppEnv, Deps } from "../context.ts";
import { requireUser } from "../context.ts";
import { readJson, readNoInput } from "../http.ts";
import { line } from "../../lib/validate.ts";
import { notFound } from "../../lib/errors.ts";
import { getInvite, inviteGone, inviteState } from "../../lib/invites.ts";
import { getClass, getOrg } from "../../lib/orgs.ts";
import { unwrap } from "../../actors/mailbox.ts";
import type { Invite } from "../../lib/model.ts";

export function inviteRoutes(deps: Deps) {
  const { kv } = deps;
  const app = new Hono<AppEnv>();

  async function find(token: string): Promise<Invite> {
    const invite = await getInvite(kv, token);
    if (!invite) throw notFound("No such invite");
    return invite;
  }

  app.get("/invites/:token", async (c) => {
    const invite = await find(c.req.param("token"));
    const state = inviteState(invite, deps.clock.now());
    if (state !== "usable") throw inviteGone(state);
    const org = await getOrg(kv, invite.orgId);
    if (!org) throw notFound("No such invite");
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
    const { displayName } = await readJson(c, z.object({ displayName: line(1, 80).optional() }));
    const invite = await find(c.req.param("token"));
    const accepted = unwrap(
      await deps.orgs.get(invite.orgId).acceptInvite(user.id, invite.token, displayName),
    );
    return c.json({ orgId: accepted.orgId, roles: accepted.roles });
  });

  app.delete("/invites/:token", async (c) => {
    const user = requireUser(c);
    await readNoInput(c);
    const invite = await find(c.req.param("token"));
    unwrap(await deps.orgs.get(invite.orgId).revokeInvite(user.id, invite.token));
    return c.body(null, 204);
  });

  return app;
}
