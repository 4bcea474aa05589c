/** Polls in chats: create, vote, close. Results are live through `poll.updated` events. */
import { Hono } from "hono";
import type { AppEnv, Ctx, Deps } from "../context.ts";
import { requireUser } from "../context.ts";
import { readJson, readNoInput } from "../http.ts";
import { createPollInput, intParam, voteInput } from "../../domain/chat_input.ts";

export function pollRoutes(deps: Deps) {
  const chats = deps.services.chats;
  const app = new Hono<AppEnv>();

  const open = (c: Ctx) => chats.open(requireUser(c).id, c.req.param("chatId")!);
  const seqOf = (c: Ctx) =>
    intParam(c.req.param("seq"), "seq", { min: 1, max: Number.MAX_SAFE_INTEGER, fallback: 0 });

  app.post("/chats/:chatId/polls", async (c) => {
    const chat = await open(c);
    const input = await readJson(c, createPollInput);
    const { message, created } = await chat.createPoll(input);
    return c.json({ message }, created ? 201 : 200);
  });

  app.put("/chats/:chatId/polls/:seq/vote", async (c) => {
    const chat = await open(c);
    const seq = seqOf(c);
    const { options } = await readJson(c, voteInput);
    return c.json({ poll: await chat.vote(seq, options) });
  });

  app.post("/chats/:chatId/polls/:seq/close", async (c) => {
    const chat = await open(c);
    const seq = seqOf(c);
    await readNoInput(c);
    return c.json({ poll: await chat.closePoll(seq) });
  });

  return app;
}
