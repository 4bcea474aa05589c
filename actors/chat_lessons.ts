/** Planning lessons and meetings in a chat: a message everyone sees, and the plan for the list. */
import type { UserId } from "../shared/ids.ts";
import { keys } from "../platform/kv_keys.ts";
import type { Lesson, LessonSummary } from "../shared/chat_model.ts";
import { forbidden, invalidInput } from "../shared/errors.ts";
import * as policy from "../shared/policy.ts";
import { assertAllowed, type Cost, type Needs, type Round } from "./chat_round.ts";
import { postMessage } from "./chat_messages.ts";

export type ScheduleLessonCommand = {
  type: "scheduleLesson";
  actorId: UserId;
  id: string;
  kind: "lesson" | "meeting";
  title: string;
  startsAt: string;
  durationMinutes: number;
};

export const schedule = {
  needs(c: ScheduleLessonCommand, n: Needs) {
    n.clientId(c.actorId, `lesson:${c.id}`);
  },
  cost: (): Cost => [7, 4000, 0],
  apply(r: Round, c: ScheduleLessonCommand): Lesson {
    const caller = r.caller(c.actorId);
    assertAllowed(policy.canPost(caller, r.chat.kind), "plan a lesson here");
    const roles = caller.orgRoles ?? [];
    if (!roles.includes("teacher") && !roles.includes("admin")) {
      throw forbidden("Lessons and meetings are planned by teachers and admins");
    }
    if (Date.parse(c.startsAt) <= r.now) {
      throw invalidInput("startsAt must be in the future", "startsAt");
    }
    const summary: LessonSummary = {
      id: c.id,
      kind: c.kind,
      title: c.title,
      startsAt: c.startsAt,
      durationMinutes: c.durationMinutes,
    };
    const { message } = postMessage(
      r,
      { actorId: c.actorId, clientId: `lesson:${c.id}` },
      { kind: "system", text: c.title, lesson: summary },
      1000,
    );
    const lesson: Lesson = {
      ...summary,
      chatId: r.chatId,
      orgId: r.chat.orgId,
      createdBy: c.actorId,
      messageSeq: message.seq,
    };
    r.plan.set(keys.lesson(c.id), lesson, 1000);
    r.plan.set(keys.chatLesson(r.chatId, Date.parse(c.startsAt), c.id), true);
    return lesson;
  },
};
