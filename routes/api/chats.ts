/** Chats, their members, messages, reactions, read markers and the event log. */
import { Hono } from "hono";
import type { AppEnv, Ctx, Deps } from "../context.ts";
import { requireUser } from "../context.ts";
import { readJson, readNoInput } from "../http.ts";
import type { ChatId, ClassId, UserId } from "../../lib/ids.ts";
import { isUlid } from "../../lib/ids.ts";
import {
  addMembersInput,
  chatInviteInput,
  createChatInput,
  editInput,
  intParam,
  isEmoji,
  readInput,
  renameInput,
  sendInput,
} from "../../lib/chat_input.ts";
import {
  chatView,
  listChatMembers,
  listChatsOfUser,
  listEvents,
  listMessages,
  listOwnReactions,
  loadChatAccess,
  markRead,
} from "../../lib/chats.ts";
import { conflict, forbidden, invalidInput, notFound } from "../../lib/errors.ts";
import { inviteUrl, newChatInvite } from "../../lib/invites.ts";
import { keys } from "../../lib/kv_keys.ts";
import { commit } from "../../lib/kv_util.ts";
import { canManageChat } from "../../lib/policy.ts";
import type { Message } from "../../lib/chat_model.ts";
import { createChat } from "../../actors/chat_create.ts";
import { publicMessage, withPollViews } from "../../lib/polls.ts";
import { getOrg } from "../../lib/orgs.ts";
import { orgSettings } from "../../lib/model.ts";
import { quietEndsAt } from "../../lib/quiet.ts";
import { ownAcks } from "../../lib/acks.ts";
import type { SendOutcome } from "../../actors/chat_actor.ts";
import { unwrap } from "../../actors/mailbox.ts";

export function chatRoutes(deps: Deps) {
  const { kv } = deps;
  const app = new Hono<AppEnv>();
  const publish = deps.gateway.publishEvents.bind(deps.gateway);

  async function access(c: Ctx) {
    const user = requireUser(c);
    return { user, ...await loadChatAccess(kv, c.req.param("chatId")!, user.id) };
  }

  function seqParam(c: Ctx): number {
    return intParam(c.req.param("seq"), "seq", {
      min: 1,
      max: Number.MAX_SAFE_INTEGER,
      fallback: 0,
    });
  }

  async function withMembers(chat: Parameters<typeof listChatMembers>[1]) {
    const members = await listChatMembers(kv, chat);
    return members.map((m) => ({ ...m, online: deps.gateway.isOnline(m.userId) }));
  }

  app.post("/orgs/:orgId/chats", async (c) => {
    const user = requireUser(c);
    const input = await readJson(c, createChatInput);
    if (input.kind !== "direct" && !input.title) {
      throw invalidInput("title is required for groups and channels", "title");
    }
    const orgId = c.req.param("orgId");
    if (!isUlid(orgId)) throw notFound("No such school");
    const { chat, head, created } = await createChat({ ...deps, publish }, {
      orgId,
      kind: input.kind,
      title: input.title ?? null,
      creatorId: user.id,
      memberIds: input.memberIds as UserId[],
      classId: input.classId as ClassId | undefined,
      classRoles: input.classRoles,
    });
    return c.json(
      { chat: { ...chatView(chat, head), members: await withMembers(chat) } },
      created ? 201 : 200,
    );
  });

  app.get("/chats", async (c) => {
    const user = requireUser(c);
    return c.json({ chats: await listChatsOfUser(kv, user.id, deps.clock.now()) });
  });

  app.get("/chats/:chatId", async (c) => {
    const { chat, head } = await access(c);
    const members = await withMembers(chat);
    // Writers see when students, in their quiet hours, will be told of new messages.
    const org = await getOrg(kv, chat.orgId);
    const settings = org ? orgSettings(org) : null;
    const until = settings && members.some((m) => m.roles.includes("student"))
      ? quietEndsAt(settings.quietHours, settings.timeZone, deps.clock.now())
      : null;
    return c.json({
      chat: {
        ...chatView(chat, head),
        members,
        ...(until !== null ? { quietUntil: new Date(until).toISOString() } : {}),
      },
    });
  });

  app.patch("/chats/:chatId", async (c) => {
    const { user, chat } = await access(c);
    const { title } = await readJson(c, renameInput);
    unwrap(await deps.chats.get(chat.id).run({ type: "rename", actorId: user.id, title }));
    const fresh = await loadChatAccess(kv, chat.id, user.id);
    return c.json({ chat: chatView(fresh.chat, fresh.head) });
  });

  app.post("/chats/:chatId/members", async (c) => {
    const { user, chat } = await access(c);
    const { userIds } = await readJson(c, addMembersInput);
    const result = unwrap(
      await deps.chats.get(chat.id).run<{ added: UserId[] }>({
        type: "addMembers",
        actorId: user.id,
        userIds: userIds as UserId[],
      }),
    );
    return c.json(result);
  });

  app.delete("/chats/:chatId/members/:userId", async (c) => {
    const { user, chat } = await access(c);
    await readNoInput(c);
    const target = c.req.param("userId");
    if (!isUlid(target)) throw notFound("No such member in this chat");
    unwrap(
      await deps.chats.get(chat.id).run({
        type: "removeMember",
        actorId: user.id,
        userId: target as UserId,
      }),
    );
    return c.body(null, 204);
  });

  app.post("/chats/:chatId/messages", async (c) => {
    const { user, chat } = await access(c);
    const input = await readJson(c, sendInput);
    const outcome = unwrap(
      await deps.chats.get(chat.id).send(user.id, {
        clientId: input.clientId,
        text: input.text,
        replyToSeq: input.replyToSeq,
        needsAck: input.needsAck,
        fileIds: input.fileIds,
      }),
    ) as SendOutcome;
    return c.json(
      { message: publicMessage(outcome.message, deps.clock.now()) },
      outcome.created ? 201 : 200,
    );
  });

  /** Messages as `userId` sees them: their own reactions marked, polls with their results. */
  async function withOwnReactions(chatId: ChatId, userId: UserId, messages: Message[]) {
    // Only a message with reactions (or a tombstone, which keeps the reader's emojis but no
    // counts) can have the reader's own: a page of plain history costs no per-message reads
    // (the counts and the reader's emojis change in the same commit).
    const reacted = messages.filter((m) => m.deleted || Object.keys(m.reactions).length > 0);
    const [own, withPolls, acked] = await Promise.all([
      listOwnReactions(kv, chatId, userId, reacted.map((m) => m.seq)),
      withPollViews(kv, messages, deps.clock.now(), userId),
      ownAcks(kv, chatId, userId, messages),
    ]);
    return withPolls.map((m) => ({
      ...m,
      myReactions: own.get(m.seq) ?? [],
      ...(m.needsAck ? { myAck: acked.has(m.seq) } : {}),
    }));
  }

  app.get("/chats/:chatId/messages", async (c) => {
    const { user, chat, head } = await access(c);
    const limit = intParam(c.req.query("limit"), "limit", { min: 1, max: 200, fallback: 50 });
    const before = intParam(c.req.query("before"), "before", {
      min: 1,
      max: Number.MAX_SAFE_INTEGER,
      fallback: head.seq + 1,
    });
    const messages = await listMessages(kv, chat.id, before, limit);
    return c.json({
      messages: await withOwnReactions(chat.id, user.id, messages),
      lastSeq: head.seq,
    });
  });

  app.get("/chats/:chatId/events", async (c) => {
    const { chat, head } = await access(c);
    const limit = intParam(c.req.query("limit"), "limit", { min: 1, max: 200, fallback: 50 });
    const after = intParam(c.req.query("after"), "after", {
      min: 0,
      max: Number.MAX_SAFE_INTEGER,
      fallback: 0,
    });
    return c.json({ events: await listEvents(kv, chat.id, after, limit), lastSeq: head.seq });
  });

  app.patch("/chats/:chatId/messages/:seq", async (c) => {
    const { user, chat } = await access(c);
    const seq = seqParam(c);
    const { text } = await readJson(c, editInput);
    const message = unwrap(
      await deps.chats.get(chat.id).run<Message>({ type: "edit", actorId: user.id, seq, text }),
    );
    return c.json({ message });
  });

  app.delete("/chats/:chatId/messages/:seq", async (c) => {
    const { user, chat } = await access(c);
    const seq = seqParam(c);
    await readNoInput(c);
    // The deletion's commit also schedules its files' purge (the sweeper frees the space).
    unwrap(await deps.chats.get(chat.id).run({ type: "delete", actorId: user.id, seq }));
    return c.body(null, 204);
  });

  for (const [method, add] of [["put", true], ["delete", false]] as const) {
    app[method]("/chats/:chatId/messages/:seq/reactions/:emoji", async (c) => {
      const { user, chat } = await access(c);
      const seq = seqParam(c);
      const emoji = c.req.param("emoji");
      if (!isEmoji(emoji)) throw invalidInput("emoji must be a single emoji", "emoji");
      await readNoInput(c);
      const message = unwrap(
        await deps.chats.get(chat.id).run<Message>({
          type: "react",
          actorId: user.id,
          seq,
          emoji,
          add,
        }),
      );
      const [view] = await withOwnReactions(chat.id, user.id, [message]);
      return c.json({ message: view });
    });
  }

  app.post("/chats/:chatId/invites", async (c) => {
    const { user, chat, caller } = await access(c);
    const input = await readJson(c, chatInviteInput);
    if (canManageChat(caller, chat.kind) !== "allow") {
      throw forbidden("Cannot make an invite link: only the chat's owners and moderators can");
    }
    const invite = newChatInvite(deps.clock, deps.ids, {
      chatId: chat.id,
      orgId: chat.orgId,
      createdBy: user.id,
      maxUses: input.maxUses,
      ttlHours: input.ttlHours,
    });
    const expireIn = Date.parse(invite.expiresAt) - deps.clock.now() + 24 * 3600_000;
    const stored = await commit(
      kv.atomic()
        .check({ key: keys.invite(invite.token), versionstamp: null })
        .set(keys.invite(invite.token), invite, { expireIn }),
    );
    if (!stored.ok) throw conflict("Could not make the link; try again");
    return c.json({
      token: invite.token,
      url: inviteUrl(deps.config.appOrigin, invite.token),
      expiresAt: invite.expiresAt,
    }, 201);
  });

  app.post("/chats/:chatId/read", async (c) => {
    const { user, chat, head } = await access(c);
    const { seq } = await readJson(c, readInput);
    const moved = await markRead(kv, chat.id, user.id, seq, head.seq);
    if (moved !== null) deps.gateway.read(chat.id, user.id, moved);
    return c.body(null, 204);
  });

  return app;
}
