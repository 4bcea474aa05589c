/**
 * Request schemas of the HTTP API outside the chats (domain/chat_input.ts has those): sign-in, the
 * profile, school applications, schools, classes, members and invites. Routes parse with them and
 * the OpenAPI document (routes/api/openapi.ts) describes them, so the two cannot drift apart.
 */
import { z } from "zod";
import { displayName, email, httpUrl, line, text, ulidString } from "./validate.ts";
import { LOCALES, ROLES, UNREAD_EMAIL } from "../shared/model.ts";
import { MAX_TTL_HOURS, MAX_USES } from "./invites.ts";
import { HHMM } from "../shared/quiet.ts";

export const codeRequestInput = z.object({ email: email() });
export const verifyInput = z.object({ email: email(), code: z.string().max(100) });
export const profilePatch = z.object({
  displayName: displayName().optional(),
  locale: z.enum(LOCALES).optional(),
  /** Null: as the school chose. */
  unreadEmail: z.enum(UNREAD_EMAIL).nullable().optional(),
});

const phone = () =>
  line(5, 32).refine((s) => /^\+?[0-9 ()\-]+$/.test(s) && s.replace(/\D/g, "").length >= 7, {
    message: "must be a phone number",
  });

export const applicationInput = z.object({
  schoolName: line(2, 200),
  region: line(2, 100),
  adminName: line(2, 100),
  adminEmail: email(),
  adminPhone: phone(),
});

export const rejectInput = z.object({ reason: text(1, 1000) });

const timeZone = () =>
  line(1, 64).refine((tz) => {
    try {
      new Intl.DateTimeFormat("en", { timeZone: tz });
      return true;
    } catch {
      return false;
    }
  }, { message: "must be an IANA time zone such as Europe/Moscow" });

export const orgPatch = z.object({
  name: line(2, 200).optional(),
  journalUrl: httpUrl().nullable().optional(),
  settings: z.object({
    timeZone: timeZone().optional(),
    studentDirectMessages: z.boolean().optional(),
    quietHours: z.object({
      enabled: z.boolean(),
      start: z.string().regex(HHMM, "must be a time like 21:00"),
      end: z.string().regex(HHMM, "must be a time like 08:00"),
    }).optional(),
    quietReadOnlyForStudents: z.boolean().optional(),
    studentPushPreviews: z.boolean().optional(),
    unreadEmail: z.enum(UNREAD_EMAIL).optional(),
  }).optional(),
});

const uniqueIds = <T extends z.ZodType>(item: T, max: number) =>
  z.array(item).max(max).refine((a) => new Set(a).size === a.length, {
    message: "must not repeat an id",
  });

export const memberPatch = z.object({
  roles: z.array(z.enum(ROLES)).min(1).max(4)
    .refine((a) => new Set(a).size === a.length, { message: "must not repeat a role" })
    .optional(),
  classIds: uniqueIds(ulidString(), 100).optional(),
  childIds: uniqueIds(ulidString(), 20).optional(),
  phone: line(5, 32).nullable().optional(),
});

export const inviteInput = z.object({
  role: z.enum(ROLES),
  classId: ulidString().nullable().optional(),
  childId: ulidString().nullable().optional(),
  maxUses: z.number().int().min(1).max(MAX_USES).optional(),
  ttlHours: z.number().int().min(1).max(MAX_TTL_HOURS).optional(),
});

export const classInput = z.object({ name: line(1, 60) });
export const classPatch = z.object({
  name: line(1, 60).optional(),
  scheduleUrl: httpUrl().nullable().optional(),
  studentDirectMessages: z.boolean().optional(),
});

export const acceptInviteInput = z.object({ displayName: displayName().optional() });
