/** Invite links: the public preview, acceptance, revocation. */
import { Hono } from "hono";
import type { AppEnv, Deps } from "../context.ts";
import { requireUser } from "../context.ts";
import { readJson, readNoInput } from "../http.ts";
import { acceptInviteInput } from "../../domain/api_input.ts";

export function inviteRoutes(deps: Deps) {
  const invites = deps.services.invites;
  const app = new Hono<AppEnv>();

  app.get("/invites/:token", async (c) => {
    return c.json(await invites.preview(c.req.param("token")));
  });

  app.post("/invites/:token/accept", async (c) => {
    const user = requireUser(c);
    const { displayName } = await readJson(c, acceptInviteInput);
    return c.json(await invites.accept(user.id, c.req.param("token"), displayName));
  });

  app.delete("/invites/:token", async (c) => {
    const user = requireUser(c);
    await readNoInput(c);
    await invites.revoke(user.id, c.req.param("token"));
    return c.body(null, 204);
  });

  return app;
}
