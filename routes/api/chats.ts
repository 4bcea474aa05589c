/** Chats, their members, messages, reactions, read markers, invite links and the event log. */
import { Hono } from "hono";
import type { AppEnv, Ctx, Deps } from "../context.ts";
import { requireUser } from "../context.ts";
import { readJson, readNoInput } from "../http.ts";
import {
  addMembersInput,
  chatInviteInput,
  createChatInput,
  editInput,
  intParam,
  isEmoji,
  notificationsInput,
  readInput,
  renameInput,
  sendInput,
} from "../../domain/chat_input.ts";
import { invalidInput } from "../../shared/errors.ts";

export function chatRoutes(deps: Deps) {
  const chats = deps.services.chats;
  const app = new Hono<AppEnv>();

  /** The chat named in the path, as the caller may use it (404 otherwise). */
  const open = (c: Ctx) => chats.open(requireUser(c).id, c.req.param("chatId")!);

  const seqParam = (c: Ctx) =>
    intParam(c.req.param("seq"), "seq", { min: 1, max: Number.MAX_SAFE_INTEGER, fallback: 0 });

  app.post("/orgs/:orgId/chats", async (c) => {
    const user = requireUser(c);
    const input = await readJson(c, createChatInput);
    const { chat, created } = await chats.create(user.id, c.req.param("orgId"), input);
    return c.json({ chat }, created ? 201 : 200);
  });

  app.get("/chats", async (c) => {
    const user = requireUser(c);
    return c.json({ chats: await chats.list(user.id) });
  });

  app.get("/chats/:chatId", async (c) => {
    const chat = await open(c);
    return c.json({ chat: await chat.view() });
  });

  app.patch("/chats/:chatId", async (c) => {
    const chat = await open(c);
    const { title } = await readJson(c, renameInput);
    return c.json({ chat: await chat.rename(title) });
  });

  app.post("/chats/:chatId/members", async (c) => {
    const chat = await open(c);
    const { userIds } = await readJson(c, addMembersInput);
    return c.json(await chat.addMembers(userIds));
  });

  app.delete("/chats/:chatId/members/:userId", async (c) => {
    const chat = await open(c);
    await readNoInput(c);
    await chat.removeMember(c.req.param("userId"));
    return c.body(null, 204);
  });

  app.post("/chats/:chatId/messages", async (c) => {
    const chat = await open(c);
    const input = await readJson(c, sendInput);
    const { message, created } = await chat.send(input);
    return c.json({ message }, created ? 201 : 200);
  });

  app.get("/chats/:chatId/messages", async (c) => {
    const chat = await open(c);
    const limit = intParam(c.req.query("limit"), "limit", { min: 1, max: 200, fallback: 50 });
    const before = intParam(c.req.query("before"), "before", {
      min: 1,
      max: Number.MAX_SAFE_INTEGER,
      fallback: chat.access.head.seq + 1,
    });
    return c.json(await chat.messages({ before, limit }));
  });

  app.get("/chats/:chatId/events", async (c) => {
    const chat = await open(c);
    const limit = intParam(c.req.query("limit"), "limit", { min: 1, max: 200, fallback: 50 });
    const after = intParam(c.req.query("after"), "after", {
      min: 0,
      max: Number.MAX_SAFE_INTEGER,
      fallback: 0,
    });
    return c.json(await chat.events(after, limit));
  });

  app.patch("/chats/:chatId/messages/:seq", async (c) => {
    const chat = await open(c);
    const seq = seqParam(c);
    const { text } = await readJson(c, editInput);
    return c.json({ message: await chat.edit(seq, text) });
  });

  app.delete("/chats/:chatId/messages/:seq", async (c) => {
    const chat = await open(c);
    const seq = seqParam(c);
    await readNoInput(c);
    await chat.delete(seq);
    return c.body(null, 204);
  });

  for (const [method, add] of [["put", true], ["delete", false]] as const) {
    app[method]("/chats/:chatId/messages/:seq/reactions/:emoji", async (c) => {
      const chat = await open(c);
      const seq = seqParam(c);
      const emoji = c.req.param("emoji");
      if (!isEmoji(emoji)) throw invalidInput("emoji must be a single emoji", "emoji");
      await readNoInput(c);
      return c.json({ message: await chat.react(seq, emoji, add) });
    });
  }

  app.post("/chats/:chatId/invites", async (c) => {
    const chat = await open(c);
    const input = await readJson(c, chatInviteInput);
    return c.json(await chat.createInvite(input), 201);
  });

  app.post("/chats/:chatId/read", async (c) => {
    const chat = await open(c);
    const { seq } = await readJson(c, readInput);
    await chat.markRead(seq);
    return c.body(null, 204);
  });

  app.put("/chats/:chatId/notifications", async (c) => {
    const chat = await open(c);
    const { mute } = await readJson(c, notificationsInput);
    return c.json({ notifications: await chat.setNotifications(mute) });
  });

  return app;
}
