/** Announcements that ask for confirmation: confirm, and see who has (author and moderators). */
import { Hono } from "hono";
import type { AppEnv, Ctx, Deps } from "../context.ts";
import { requireUser } from "../context.ts";
import { readNoInput } from "../http.ts";
import { loadChatAccess } from "../../lib/chats.ts";
import { intParam } from "../../lib/chat_input.ts";
import { ackReport } from "../../lib/acks.ts";
import { keys } from "../../lib/kv_keys.ts";
import type { Message } from "../../lib/chat_model.ts";
import { forbidden, notFound } from "../../lib/errors.ts";
import { canModerate } from "../../lib/policy.ts";
import { unwrap } from "../../actors/mailbox.ts";

export function ackRoutes(deps: Deps) {
  const { kv } = deps;
  const app = new Hono<AppEnv>();

  async function target(c: Ctx) {
    const user = requireUser(c);
    const access = await loadChatAccess(kv, c.req.param("chatId")!, user.id);
    const seq = intParam(c.req.param("seq"), "seq", {
      min: 1,
      max: Number.MAX_SAFE_INTEGER,
      fallback: 0,
    });
    return { user, seq, ...access };
  }

  app.post("/chats/:chatId/messages/:seq/ack", async (c) => {
    const { user, chat, seq } = await target(c);
    await readNoInput(c);
    const message = unwrap(
      await deps.chats.get(chat.id).run<Message>({ type: "ack", actorId: user.id, seq }),
    );
    return c.json({ message: { ...message, myAck: true } });
  });

  app.get("/chats/:chatId/messages/:seq/acks", async (c) => {
    const { user, chat, seq, caller } = await target(c);
    const message = (await kv.get<Message>(keys.message(chat.id, seq))).value;
    if (!message || !message.needsAck) throw notFound("No such announcement");
    if (message.authorId !== user.id && canModerate(caller) !== "allow") {
      throw forbidden("Only the author and moderators see who has confirmed");
    }
    return c.json(await ackReport(kv, chat.id, message));
  });

  return app;
}
