/** Moderation: chat settings (freeze, slow mode), muting, moderators, reports, the audit log. */
import { Hono } from "hono";
import type { AppEnv, Ctx, Deps } from "../context.ts";
import { requireUser } from "../context.ts";
import { readJson } from "../http.ts";
import {
  chatRoleInput,
  chatSettingsInput,
  intParam,
  muteInput,
  reportInput,
} from "../../domain/chat_input.ts";
import { memberId } from "../../services/chats.ts";

export function moderationRoutes(deps: Deps) {
  const { chats, moderation } = deps.services;
  const app = new Hono<AppEnv>();

  const open = (c: Ctx) => chats.open(requireUser(c).id, c.req.param("chatId")!);
  const school = (c: Ctx) => moderation.open(requireUser(c).id, c.req.param("orgId")!);

  app.patch("/chats/:chatId/settings", async (c) => {
    const chat = await open(c);
    const settings = await readJson(c, chatSettingsInput);
    return c.json({ settings: await chat.setSettings(settings) });
  });

  app.post("/chats/:chatId/members/:userId/mute", async (c) => {
    const chat = await open(c);
    const userId = memberId(c.req.param("userId"));
    const { minutes } = await readJson(c, muteInput);
    return c.json({ member: await chat.mute(userId, minutes) });
  });

  app.patch("/chats/:chatId/members/:userId", async (c) => {
    const chat = await open(c);
    const userId = memberId(c.req.param("userId"));
    const { chatRole } = await readJson(c, chatRoleInput);
    return c.json({ member: await chat.setRole(userId, chatRole) });
  });

  app.post("/chats/:chatId/messages/:seq/report", async (c) => {
    const chat = await open(c);
    const seq = intParam(c.req.param("seq"), "seq", {
      min: 1,
      max: Number.MAX_SAFE_INTEGER,
      fallback: 0,
    });
    const { reason } = await readJson(c, reportInput);
    return c.json({ report: await chat.report(seq, reason) }, 201);
  });

  app.get("/chats/:chatId/reports", async (c) => {
    const chat = await open(c);
    return c.json({ reports: await chat.reports() });
  });

  app.get("/orgs/:orgId/reports", async (c) => {
    return c.json(await (await school(c)).reports());
  });

  app.get("/orgs/:orgId/audit", async (c) => {
    const admin = await school(c);
    const limit = intParam(c.req.query("limit"), "limit", { min: 1, max: 200, fallback: 50 });
    return c.json(await admin.audit(limit, c.req.query("before")));
  });

  return app;
}
