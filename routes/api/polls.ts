/** Polls in chats: create, vote, close. Results are live through `poll.updated` events. */
import { Hono } from "hono";
import type { AppEnv, Ctx, Deps } from "../context.ts";
import { requireUser } from "../context.ts";
import { readJson, readNoInput } from "../http.ts";
import { loadChatAccess } from "../../lib/chats.ts";
import { createPollInput, intParam, voteInput } from "../../lib/chat_input.ts";
import { listVotes, pollView, withPollViews } from "../../lib/polls.ts";
import type { Poll } from "../../lib/chat_model.ts";
import type { ChatId, UserId } from "../../lib/ids.ts";
import type { SendOutcome } from "../../actors/chat_actor.ts";
import { unwrap } from "../../actors/mailbox.ts";

export function pollRoutes(deps: Deps) {
  const { kv } = deps;
  const app = new Hono<AppEnv>();

  async function access(c: Ctx) {
    const user = requireUser(c);
    return { user, ...await loadChatAccess(kv, c.req.param("chatId")!, user.id) };
  }

  const seqOf = (c: Ctx) =>
    intParam(c.req.param("seq"), "seq", { min: 1, max: Number.MAX_SAFE_INTEGER, fallback: 0 });

  async function view(chatId: ChatId, seq: number, poll: Poll, reader: UserId) {
    return pollView(poll, deps.clock.now(), await listVotes(kv, chatId, seq), reader);
  }

  app.post("/chats/:chatId/polls", async (c) => {
    const { user, chat } = await access(c);
    const input = await readJson(c, createPollInput);
    const outcome = unwrap(
      await deps.chats.get(chat.id).run<SendOutcome>({
        type: "createPoll",
        actorId: user.id,
        clientId: input.clientId,
        question: input.question,
        options: input.options,
        multiple: input.multiple,
        anonymous: input.anonymous,
        closesAt: input.closesAt === undefined ? undefined : new Date(input.closesAt).toISOString(),
      }),
    );
    const [message] = await withPollViews(kv, [outcome.message], deps.clock.now(), user.id);
    return c.json({ message }, outcome.created ? 201 : 200);
  });

  app.put("/chats/:chatId/polls/:seq/vote", async (c) => {
    const { user, chat } = await access(c);
    const seq = seqOf(c);
    const { options } = await readJson(c, voteInput);
    const poll = unwrap(
      await deps.chats.get(chat.id).run<Poll>({ type: "vote", actorId: user.id, seq, options }),
    );
    return c.json({ poll: await view(chat.id, seq, poll, user.id) });
  });

  app.post("/chats/:chatId/polls/:seq/close", async (c) => {
    const { user, chat } = await access(c);
    const seq = seqOf(c);
    await readNoInput(c);
    const poll = unwrap(
      await deps.chats.get(chat.id).run<Poll>({ type: "closePoll", actorId: user.id, seq }),
    );
    return c.json({ poll: await view(chat.id, seq, poll, user.id) });
  });

  return app;
}
