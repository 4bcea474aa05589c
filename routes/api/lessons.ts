/** Planned lessons and meetings: plan one in a chat, and see what is coming up. */
import { Hono } from "hono";
import type { AppEnv, Deps } from "../context.ts";
import { requireUser } from "../context.ts";
import { readJson } from "../http.ts";
import { scheduleLessonInput } from "../../domain/chat_input.ts";

export function lessonRoutes(deps: Deps) {
  const chats = deps.services.chats;
  const app = new Hono<AppEnv>();

  app.post("/chats/:chatId/lessons", async (c) => {
    const chat = await chats.open(requireUser(c).id, c.req.param("chatId"));
    const input = await readJson(c, scheduleLessonInput);
    return c.json({ lesson: await chat.scheduleLesson(input) }, 201);
  });

  app.get("/me/lessons", async (c) => {
    const user = requireUser(c);
    return c.json({ lessons: await chats.upcomingLessons(user.id) });
  });

  return app;
}
