/** Input schemas for chat commands, shared by the HTTP routes and the realtime gateway. */
import { z } from "zod";
import { invalidInput } from "../shared/errors.ts";
import { line, text, ulidString } from "./validate.ts";
import { ROLES } from "../shared/model.ts";
import {
  CALL_KINDS,
  CHAT_KINDS,
  MAX_MESSAGE_CHARS,
  MAX_POLL_OPTIONS,
} from "../shared/chat_model.ts";

const clientId = () => line(1, 64);
/** People one message may mention by name. */
export const MAX_MENTIONS = 50;
const seq = () => z.number().int().min(1).max(Number.MAX_SAFE_INTEGER);

export const sendInput = z.object({
  clientId: clientId(),
  text: text(0, MAX_MESSAGE_CHARS).default(""),
  replyToSeq: seq().optional(),
  needsAck: z.boolean().optional(),
  fileIds: z.array(ulidString()).max(10).optional(),
  /** Members named with `@` (each a member of the chat). */
  mentions: z.array(ulidString()).max(MAX_MENTIONS)
    .refine((a) => new Set(a).size === a.length, { message: "must not repeat a person" })
    .optional(),
  /** `@все`: everyone in the chat (teachers and admins). */
  mentionAll: z.boolean().optional(),
}).transform((input, ctx) => {
  if (input.text === "" && !input.fileIds?.length) {
    ctx.addIssue({ code: "custom", message: "must not be empty", path: ["text"] });
    return z.NEVER;
  }
  return input;
});

export type SendInput = z.output<typeof sendInput>;

export const editInput = z.object({ text: text(1, MAX_MESSAGE_CHARS) });

export const createChatInput = z.object({
  kind: z.enum(CHAT_KINDS),
  title: line(1, 100).nullable().optional(),
  memberIds: z.array(ulidString()).max(300).default([]),
  classId: ulidString().optional(),
  classRoles: z.array(z.enum(ROLES)).min(1).max(4).optional(),
});

export const renameInput = z.object({ title: line(1, 100) });
export const addMembersInput = z.object({ userIds: z.array(ulidString()).min(1).max(300) });
export const readInput = z.object({ seq: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER) });

export const chatInviteInput = z.object({
  ttlHours: z.number().int().min(1).max(720).optional(),
  maxUses: z.number().int().min(1).max(1000).optional(),
});

const EMOJI = /^[\p{Extended_Pictographic}\p{Emoji_Component}\u200d\ufe0f\u20e3]{1,32}$/u;
const PICTURE = /\p{Extended_Pictographic}|\p{Regional_Indicator}|^[#*0-9]\ufe0f?\u20e3$/u;
const GRAPHEMES = new Intl.Segmenter("en", { granularity: "grapheme" });

/** Whether `s` is one emoji (possibly with modifiers, joiners, or a flag), or a keycap. */
export function isEmoji(s: string): boolean {
  return s.isWellFormed() && EMOJI.test(s) && PICTURE.test(s) && [...s].length <= 10 &&
    [...GRAPHEMES.segment(s)].length === 1;
}

/** Parses a positive integer query/path value, or throws 400 naming `field`. */
export function intParam(
  raw: string | undefined,
  field: string,
  { min, max, fallback }: { min: number; max: number; fallback: number },
): number {
  if (raw === undefined || raw === "") return fallback;
  if (!/^\d{1,16}$/.test(raw)) throw invalidInput(`${field} must be a whole number`, field);
  const n = Number(raw);
  if (n < min || n > max) throw invalidInput(`${field} must be between ${min} and ${max}`, field);
  return n;
}

export const createPollInput = z.object({
  clientId: clientId(),
  question: text(1, 300),
  options: z.array(line(1, 100)).min(2).max(MAX_POLL_OPTIONS),
  multiple: z.boolean().default(false),
  anonymous: z.boolean().default(false),
  closesAt: z.iso.datetime({ offset: true }).optional(),
});

export type CreatePollInput = z.output<typeof createPollInput>;

export const voteInput = z.object({
  options: z.array(z.number().int().min(0).max(MAX_POLL_OPTIONS - 1)).max(MAX_POLL_OPTIONS),
});

export const chatSettingsInput = z.object({
  frozen: z.boolean().optional(),
  slowModeSeconds: z.number().int().min(0).max(3600).optional(),
});

/** One's notifications of a chat: on, off for an hour or eight, or off until turned on. */
export const NOTIFICATION_MUTES = ["none", "1h", "8h", "forever"] as const;
export const notificationsInput = z.object({ mute: z.enum(NOTIFICATION_MUTES) });
export const muteInput = z.object({ minutes: z.number().int().min(0).max(7 * 24 * 60) });
export const chatRoleInput = z.object({ chatRole: z.enum(["moderator", "member"]) });
export const reportInput = z.object({ reason: text(1, 1000) });

export const startCallInput = z.object({
  kind: z.enum(CALL_KINDS),
  title: line(1, 200).nullable().optional(),
  screenShareForAll: z.boolean().optional(),
  /** Participants wait until a host lets them in (default: on for meetings, off otherwise). */
  lobby: z.boolean().optional(),
});

export const muteParticipantInput = z.object({
  source: z.enum(["microphone", "camera", "all"]).default("all"),
});

export const scheduleLessonInput = z.object({
  kind: z.enum(["lesson", "meeting"]),
  title: line(1, 200),
  startsAt: z.iso.datetime({ offset: true }),
  durationMinutes: z.number().int().min(5).max(600).default(45),
});
