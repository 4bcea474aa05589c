/** Planned lessons and meetings: plan one in a chat, and see what is coming up. */
import { Hono } from "hono";
import type { AppEnv, Deps } from "../context.ts";
import { requireUser } from "../context.ts";
import { readJson } from "../http.ts";
import { loadChatAccess } from "../../lib/chats.ts";
import { scheduleLessonInput } from "../../lib/chat_input.ts";
import { listUpcoming } from "../../lib/lessons.ts";
import type { Lesson } from "../../lib/chat_model.ts";
import { unwrap } from "../../actors/mailbox.ts";

export function lessonRoutes(deps: Deps) {
  const app = new Hono<AppEnv>();

  app.post("/chats/:chatId/lessons", async (c) => {
    const user = requireUser(c);
    const { chat } = await loadChatAccess(deps.kv, c.req.param("chatId"), user.id);
    const input = await readJson(c, scheduleLessonInput);
    const lesson = unwrap(
      await deps.chats.get(chat.id).run<Lesson>({
        type: "scheduleLesson",
        actorId: user.id,
        id: deps.ids.ulid(),
        kind: input.kind,
        title: input.title,
        startsAt: new Date(input.startsAt).toISOString(),
        durationMinutes: input.durationMinutes,
      }),
    );
    return c.json({ lesson }, 201);
  });

  app.get("/me/lessons", async (c) => {
    const user = requireUser(c);
    return c.json({ lessons: await listUpcoming(deps.kv, user.id, deps.clock.now()) });
  });

  return app;
}
