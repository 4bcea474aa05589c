/** Announcements that ask for confirmation: confirm, and see who has (author and moderators). */
import { Hono } from "hono";
import type { AppEnv, Ctx, Deps } from "../context.ts";
import { requireUser } from "../context.ts";
import { readNoInput } from "../http.ts";
import { intParam } from "../../domain/chat_input.ts";

export function ackRoutes(deps: Deps) {
  const chats = deps.services.chats;
  const app = new Hono<AppEnv>();

  /** The chat and the announcement's seq named in the path. */
  async function target(c: Ctx) {
    const chat = await chats.open(requireUser(c).id, c.req.param("chatId")!);
    const seq = intParam(c.req.param("seq"), "seq", {
      min: 1,
      max: Number.MAX_SAFE_INTEGER,
      fallback: 0,
    });
    return { chat, seq };
  }

  app.post("/chats/:chatId/messages/:seq/ack", async (c) => {
    const { chat, seq } = await target(c);
    await readNoInput(c);
    return c.json({ message: await chat.acknowledge(seq) });
  });

  app.get("/chats/:chatId/messages/:seq/acks", async (c) => {
    const { chat, seq } = await target(c);
    return c.json(await chat.acknowledgements(seq));
  });

  return app;
}
