/** Moderation: chat settings (freeze, slow mode), muting, moderators, reports, the audit log. */
import { Hono } from "hono";
import type { AppEnv, Ctx, Deps } from "../context.ts";
import { requireUser } from "../context.ts";
import { readJson } from "../http.ts";
import type { UserId } from "../../lib/ids.ts";
import { isUlid } from "../../lib/ids.ts";
import { loadChatAccess } from "../../lib/chats.ts";
import {
  chatRoleInput,
  chatSettingsInput,
  intParam,
  muteInput,
  reportInput,
} from "../../lib/chat_input.ts";
import { conflict, forbidden, notFound } from "../../lib/errors.ts";
import { keys } from "../../lib/kv_keys.ts";
import { getManyChunked } from "../../lib/kv_util.ts";
import { getUsers } from "../../lib/users.ts";
import type { Chat, ChatMember, ChatSettings, Message } from "../../lib/chat_model.ts";
import { canModerate, canUpdateOrg } from "../../lib/policy.ts";
import { createReport, listAudit, listChatReports, listOrgReports } from "../../lib/reports.ts";
import { loadOrgForCaller } from "../../lib/orgs.ts";
import { enforce } from "../../lib/rate_limit.ts";
import { unwrap } from "../../actors/mailbox.ts";

const REPORT_RATE = { bucket: "reports_user", limit: 30, windowMs: 3600_000 };

export function moderationRoutes(deps: Deps) {
  const { kv } = deps;
  const app = new Hono<AppEnv>();

  async function access(c: Ctx) {
    const user = requireUser(c);
    return { user, ...await loadChatAccess(kv, c.req.param("chatId")!, user.id) };
  }

  function targetId(c: Ctx): UserId {
    const id = c.req.param("userId")!;
    if (!isUlid(id)) throw notFound("No such member in this chat");
    return id as UserId;
  }

  app.patch("/chats/:chatId/settings", async (c) => {
    const { user, chat } = await access(c);
    const settings = await readJson(c, chatSettingsInput);
    const result = unwrap(
      await deps.chats.get(chat.id).run<ChatSettings>({
        type: "setSettings",
        actorId: user.id,
        settings,
      }),
    );
    return c.json({ settings: result });
  });

  app.post("/chats/:chatId/members/:userId/mute", async (c) => {
    const { user, chat } = await access(c);
    const userId = targetId(c);
    const { minutes } = await readJson(c, muteInput);
    const member = unwrap(
      await deps.chats.get(chat.id).run<ChatMember>({
        type: "mute",
        actorId: user.id,
        userId,
        minutes,
      }),
    );
    return c.json({ member });
  });

  app.patch("/chats/:chatId/members/:userId", async (c) => {
    const { user, chat } = await access(c);
    const userId = targetId(c);
    const { chatRole } = await readJson(c, chatRoleInput);
    const member = unwrap(
      await deps.chats.get(chat.id).run<ChatMember>({
        type: "setRole",
        actorId: user.id,
        userId,
        chatRole,
      }),
    );
    return c.json({ member });
  });

  app.post("/chats/:chatId/messages/:seq/report", async (c) => {
    const { user, chat } = await access(c);
    const seq = intParam(c.req.param("seq"), "seq", {
      min: 1,
      max: Number.MAX_SAFE_INTEGER,
      fallback: 0,
    });
    const { reason } = await readJson(c, reportInput);
    const message = (await kv.get<Message>(keys.message(chat.id, seq))).value;
    if (!message) throw notFound("No such message");
    if (message.deleted) throw conflict("The message was already deleted");
    await enforce(kv, deps.clock, REPORT_RATE, user.id);
    const report = await createReport(deps, chat.orgId, message, user.id, reason);
    deps.effects.poke(); // the notice to moderators online
    return c.json({ report: { id: report.id, at: report.at } }, 201);
  });

  app.get("/chats/:chatId/reports", async (c) => {
    const { chat, caller } = await access(c);
    if (canModerate(caller) !== "allow") throw forbidden("Only moderators see reports");
    return c.json({ reports: await listChatReports(kv, chat.orgId, chat.id) });
  });

  async function adminOf(c: Ctx) {
    const user = requireUser(c);
    const { org, caller } = await loadOrgForCaller(kv, c.req.param("orgId")!, user.id);
    const decision = canUpdateOrg(caller);
    if (decision === "not_found") throw notFound("No such school");
    if (decision === "forbidden") throw forbidden("Only school admins see this");
    return org;
  }

  /** Adds the chats' titles and people's names, so a list reads without more requests. */
  async function withNames<T extends { chatId: string }>(
    items: T[],
    people: (item: T) => (string | undefined)[],
  ) {
    const chatIds = [...new Set(items.map((i) => i.chatId))];
    const userIds = [...new Set(items.flatMap((i) => people(i).filter((id) => id !== undefined)))];
    const [chats, users] = await Promise.all([
      getManyChunked<Chat>(kv, chatIds.map((id) => keys.chat(id as Chat["id"]))),
      getUsers(kv, userIds as UserId[]),
    ]);
    const titles = Object.fromEntries(chatIds.map((id, i) => [id, chats[i]!.value?.title ?? null]));
    const names = Object.fromEntries(
      userIds.map((id, i) => [id!, users[i]?.displayName ?? null]),
    );
    return { items, chatTitles: titles, names };
  }

  app.get("/orgs/:orgId/reports", async (c) => {
    const org = await adminOf(c);
    const reports = await listOrgReports(kv, org.id);
    const { chatTitles, names } = await withNames(
      reports,
      (r) => [r.reporterId, r.message.authorId],
    );
    return c.json({ reports, chatTitles, names });
  });

  app.get("/orgs/:orgId/audit", async (c) => {
    const org = await adminOf(c);
    const limit = intParam(c.req.query("limit"), "limit", { min: 1, max: 200, fallback: 50 });
    const before = c.req.query("before");
    if (before !== undefined && !isUlid(before)) {
      return c.json({
        error: { code: "invalid_input", message: "before must be an id", field: "before" },
      }, 400);
    }
    const entries = await listAudit(kv, org.id, limit, before);
    const { chatTitles, names } = await withNames(entries, (e) => [e.actorId, e.targetUserId]);
    return c.json({ entries, chatTitles, names });
  });

  return app;
}
