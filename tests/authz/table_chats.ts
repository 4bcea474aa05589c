/**
 * Expectations for chats, messages, reactions, polls, moderation and announcements: the chat
 * policy functions with the caller's role in the chat and in its school (members of the chat
 * who left the school, and people outside the chat, get 404).
 */
import * as policy from "../../shared/policy.ts";
import type { ChatCaller } from "../../shared/policy.ts";
import type { ChatKind } from "../../shared/chat_model.ts";
import type { UserId } from "../../shared/ids.ts";
import { allowIf, answer, both, type Spec, type X } from "./matrix.ts";
import { type Person, unique } from "./client.ts";
import type { ChatVariant } from "./world.ts";

const KIND: Record<ChatVariant, ChatKind> = {
  group: "group",
  channel: "channel",
  class: "group",
  direct: "direct",
};
const READ = ["group", "channel", "class", "direct"] as const;

/** The variant's chat kind part ("class: student's" → class). */
const variantOf = (x: X) => x.variant.split(":")[0] as ChatVariant;

/** A fresh chat of the variant's shape (direct chats are unique: the shared one). */
async function fresh(x: X) {
  const variant = variantOf(x);
  const id = await x.w.chat(x.s, variant);
  return { id, kind: KIND[variant], c: await x.chat(id) };
}

/** The variant's shared chat, with the caller's standing in it. */
async function shared(x: X) {
  const variant = variantOf(x);
  const chat = x.s.chats[variant];
  return { ...chat, kind: KIND[variant], c: await x.chat(chat.id) };
}

/** A fresh message in `chatId`: the caller's own when the variant says so and they may post. */
async function message(x: X, chatId: string, kind: ChatKind, poll = false) {
  const c = await x.chat(chatId);
  const own = x.variant.endsWith("own") && x.me !== null && policy.canPost(c, kind) === "allow";
  const author: Person = own ? x.me! : x.variant.endsWith("student's") ? x.s.student : x.s.teacher;
  const seq = poll ? await x.w.poll(chatId, author) : await x.w.post(chatId, author);
  return { seq, authorId: author.id as UserId, c };
}

const THUMBS_UP = encodeURIComponent("👍");

/**
 * API.md: "DELETE (author or moderator)", "close (author or moderator)"; docs/api.md: moderators
 * are "the chat's owner and moderators, and school admins in the chat". Stated from the roles
 * alone, apart from policy.
 */
function authorOrModerator(c: ChatCaller, authorId: UserId) {
  if (c.chatRole === null || c.orgRoles === null) return answer("not_found");
  const moderator = c.chatRole !== "member" || c.orgRoles.includes("admin");
  return answer(c.userId === authorId || moderator ? "allow" : "forbidden");
}

export const chatSpecs: Spec[] = [
  {
    route: "GET /api/v1/chats/:chatId",
    rule: "canReadChat",
    variants: READ,
    build: async (x) => {
      const { id, c } = await shared(x);
      return { path: `/chats/${id}`, expect: answer(policy.canReadChat(c)) };
    },
  },
  {
    route: "PATCH /api/v1/chats/:chatId",
    rule: "canManageChat(kind)",
    variants: ["group", "channel", "direct"],
    build: async (x) => {
      const { id, kind, c } = await fresh(x);
      return {
        path: `/chats/${id}`,
        body: { title: unique("Новое имя") },
        expect: answer(policy.canManageChat(c, kind)),
      };
    },
  },
  {
    route: "POST /api/v1/chats/:chatId/members",
    rule: "canManageChat(kind)",
    variants: ["group", "channel", "direct"],
    build: async (x) => {
      const { id, kind, c } = await fresh(x);
      return {
        path: `/chats/${id}/members`,
        body: { userIds: [x.s.student2.id] },
        expect: answer(policy.canManageChat(c, kind)),
      };
    },
  },
  {
    route: "DELETE /api/v1/chats/:chatId/members/:userId",
    rule: "canRemoveChatMember(kind, target)",
    variants: ["group: bystander", "group: self", "class: bystander", "direct: self"],
    build: async (x) => {
      const { id, kind, c } = await fresh(x);
      const target = x.variant.endsWith("self") && x.me ? x.me.id : x.s.bystander.id;
      return {
        path: `/chats/${id}/members/${target}`,
        expect: answer(policy.canRemoveChatMember(c, kind, target as UserId)),
      };
    },
  },
  {
    route: "POST /api/v1/chats/:chatId/messages",
    rule: "canPost(kind); an announcement (needsAck) also canModerate",
    variants: [...READ, "group: announcement"],
    build: async (x) => {
      const { id, kind, c } = await shared(x);
      const announce = x.variant.endsWith("announcement");
      return {
        path: `/chats/${id}/messages`,
        body: { clientId: unique("c"), text: "Завтра экскурсия", needsAck: announce },
        expect: answer(
          announce ? both(policy.canModerate(c), policy.canPost(c, kind)) : policy.canPost(c, kind),
        ),
      };
    },
  },
  {
    route: "GET /api/v1/chats/:chatId/messages",
    rule: "canReadChat",
    variants: READ,
    build: async (x) => {
      const { id, c } = await shared(x);
      return { path: `/chats/${id}/messages?limit=10`, expect: answer(policy.canReadChat(c)) };
    },
  },
  {
    route: "GET /api/v1/chats/:chatId/events",
    rule: "canReadChat",
    variants: READ,
    build: async (x) => {
      const { id, c } = await shared(x);
      return { path: `/chats/${id}/events?after=0`, expect: answer(policy.canReadChat(c)) };
    },
  },
  {
    route: "PATCH /api/v1/chats/:chatId/messages/:seq",
    rule: "canEditMessage(author)",
    variants: ["group: teacher's", "group: own", "channel: teacher's"],
    build: async (x) => {
      const { id, kind } = await fresh(x);
      const { seq, authorId, c } = await message(x, id, kind);
      return {
        path: `/chats/${id}/messages/${seq}`,
        body: { text: "Исправлено" },
        expect: answer(policy.canEditMessage(c, authorId)),
      };
    },
  },
  {
    route: "DELETE /api/v1/chats/:chatId/messages/:seq",
    rule: "canDeleteMessage(author); contract: author or moderator (API.md)",
    variants: ["group: teacher's", "group: own", "class: student's"],
    build: async (x) => {
      const { id, kind } = await fresh(x);
      const { seq, authorId, c } = await message(x, id, kind);
      return {
        path: `/chats/${id}/messages/${seq}`,
        expect: answer(policy.canDeleteMessage(c, authorId)),
        contract: authorOrModerator(c, authorId),
      };
    },
  },
  ...(["PUT", "DELETE"] as const).map((method): Spec => ({
    route: `${method} /api/v1/chats/:chatId/messages/:seq/reactions/:emoji`,
    rule: "canReact",
    variants: ["group", "channel"],
    build: async (x) => {
      const { id, message, c } = await shared(x);
      return {
        path: `/chats/${id}/messages/${message}/reactions/${THUMBS_UP}`,
        expect: answer(policy.canReact(c)),
      };
    },
  })),
  {
    route: "POST /api/v1/chats/:chatId/invites",
    rule: "canManageChat(kind)",
    variants: ["group", "channel", "direct"],
    build: async (x) => {
      const { id, kind, c } = await shared(x);
      return {
        path: `/chats/${id}/invites`,
        body: { ttlHours: 24 },
        expect: answer(policy.canManageChat(c, kind)),
      };
    },
  },
  {
    route: "POST /api/v1/chats/:chatId/read",
    rule: "canReadChat",
    variants: READ,
    build: async (x) => {
      const { id, c } = await shared(x);
      return { path: `/chats/${id}/read`, body: { seq: 1 }, expect: answer(policy.canReadChat(c)) };
    },
  },
  {
    route: "PUT /api/v1/chats/:chatId/notifications",
    rule: "canReadChat (one's own notifications of the chat)",
    variants: READ,
    build: async (x) => {
      const { id, c } = await shared(x);
      return {
        path: `/chats/${id}/notifications`,
        body: { mute: "1h" },
        expect: answer(policy.canReadChat(c)),
      };
    },
  },
  {
    route: "POST /api/v1/chats/:chatId/polls",
    rule: "canPost(kind)",
    variants: ["group", "channel"],
    build: async (x) => {
      const { id, kind, c } = await shared(x);
      return {
        path: `/chats/${id}/polls`,
        body: { clientId: unique("poll"), question: "Куда поедем?", options: ["Музей", "Парк"] },
        expect: answer(policy.canPost(c, kind)),
      };
    },
  },
  {
    route: "PUT /api/v1/chats/:chatId/polls/:seq/vote",
    rule: "canReadChat (every member votes, channels included)",
    variants: ["group", "channel"],
    build: async (x) => {
      const { id, poll, c } = await shared(x);
      return {
        path: `/chats/${id}/polls/${poll}/vote`,
        body: { options: [1] },
        expect: answer(policy.canReadChat(c)),
      };
    },
  },
  {
    route: "POST /api/v1/chats/:chatId/polls/:seq/close",
    rule: "canDeleteMessage(author); contract: author or moderator (API.md)",
    variants: ["group: teacher's", "group: own"],
    build: async (x) => {
      const { id, kind } = await fresh(x);
      const { seq, authorId, c } = await message(x, id, kind, true);
      return {
        path: `/chats/${id}/polls/${seq}/close`,
        expect: answer(policy.canDeleteMessage(c, authorId)),
        contract: authorOrModerator(c, authorId),
      };
    },
  },
  {
    route: "PATCH /api/v1/chats/:chatId/settings",
    rule: "canModerate; direct chats have no settings (403)",
    variants: ["group", "class", "direct"],
    build: async (x) => {
      const { id, kind, c } = await fresh(x);
      return {
        path: `/chats/${id}/settings`,
        body: { slowModeSeconds: 30 },
        expect: answer(both(policy.canModerate(c), allowIf(kind !== "direct"))),
      };
    },
  },
  {
    route: "POST /api/v1/chats/:chatId/members/:userId/mute",
    rule: "canModerate (target: a plain member)",
    variants: ["group", "class"],
    build: async (x) => {
      const { id, c } = await fresh(x);
      return {
        path: `/chats/${id}/members/${x.s.bystander.id}/mute`,
        body: { minutes: 5 },
        expect: answer(policy.canModerate(c)),
      };
    },
  },
  {
    route: "PATCH /api/v1/chats/:chatId/members/:userId",
    rule: "canSetChatRole; direct chats have no moderators (403)",
    variants: ["group", "class", "direct"],
    build: async (x) => {
      const { id, kind, c } = await fresh(x);
      const target = kind === "direct" ? x.s.student : x.s.bystander;
      return {
        path: `/chats/${id}/members/${target.id}`,
        body: { chatRole: "moderator" },
        expect: answer(both(policy.canSetChatRole(c), allowIf(kind !== "direct"))),
      };
    },
  },
  {
    route: "POST /api/v1/chats/:chatId/messages/:seq/report",
    rule: "canReadChat (any member reports)",
    variants: ["group", "channel"],
    build: async (x) => {
      const { id, message, c } = await shared(x);
      return {
        path: `/chats/${id}/messages/${message}/report`,
        body: { reason: "Грубость" },
        expect: answer(policy.canReadChat(c)),
      };
    },
  },
  {
    route: "GET /api/v1/chats/:chatId/reports",
    rule: "canModerate",
    variants: ["group", "class"],
    build: async (x) => {
      const { id, c } = await shared(x);
      return { path: `/chats/${id}/reports`, expect: answer(policy.canModerate(c)) };
    },
  },
  {
    route: "POST /api/v1/chats/:chatId/messages/:seq/ack",
    rule: "canReadChat (every member confirms)",
    variants: ["group", "channel"],
    build: async (x) => {
      const { id, announcement, c } = await shared(x);
      return {
        path: `/chats/${id}/messages/${announcement}/ack`,
        expect: answer(policy.canReadChat(c)),
      };
    },
  },
  {
    route: "GET /api/v1/chats/:chatId/messages/:seq/acks",
    rule: "canReadChat, then the author or canModerate (docs/api.md)",
    variants: ["group", "channel"],
    build: async (x) => {
      const { id, announcement, c } = await shared(x);
      const author = x.me?.id === x.s.teacher.id;
      return {
        path: `/chats/${id}/messages/${announcement}/acks`,
        expect: answer(
          both(policy.canReadChat(c), author ? "allow" : policy.canModerate(c)),
        ),
      };
    },
  },
];
