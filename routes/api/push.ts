/** Web Push: the server's public key, and the caller's subscribed browsers. */
import { Hono } from "hono";
import type { AppEnv, Ctx, Deps } from "../context.ts";
import { requireUser } from "../context.ts";
import { readJson, readNoInput } from "../http.ts";
import { pushSubscriptionInput } from "../../domain/push.ts";
import { unauthenticated } from "../../shared/errors.ts";

export function pushRoutes(deps: Deps) {
  const notifications = deps.services.notifications;
  const app = new Hono<AppEnv>();

  /** The caller and the session they came with (a subscription belongs to it). */
  async function caller(c: Ctx) {
    const user = requireUser(c);
    const token = c.get("token");
    const live = token ? await deps.services.identity.session(token) : null;
    if (!live) throw unauthenticated();
    return { user, session: { tokenHash: live.tokenHash, expiresAt: live.session.expiresAt } };
  }

  app.get("/push/vapid-public-key", async (c) => c.json(await notifications.vapidPublicKey()));

  app.post("/push-subscriptions", async (c) => {
    const { user, session } = await caller(c);
    const input = await readJson(c, pushSubscriptionInput);
    const { subscription, created } = await notifications.subscribe(
      user,
      session,
      input,
      c.req.header("user-agent"),
    );
    return c.json({ subscription }, created ? 201 : 200);
  });

  app.get("/push-subscriptions", async (c) => {
    const { user, session } = await caller(c);
    return c.json(await notifications.list(user, session));
  });

  app.delete("/push-subscriptions/:id", async (c) => {
    const user = requireUser(c);
    await readNoInput(c);
    await notifications.remove(user, c.req.param("id"));
    return c.body(null, 204);
  });

  return app;
}
