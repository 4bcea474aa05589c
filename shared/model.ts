/** Stored records of identity and schools, as they sit in Deno KV. */
import type { ApplicationId, ClassId, OrgId, UserId } from "./ids.ts";

export const ROLES = ["admin", "teacher", "student", "parent"] as const;
export type Role = typeof ROLES[number];

export const LOCALES = ["ru", "en"] as const;
export type Locale = typeof LOCALES[number];

export interface User {
  id: UserId;
  email: string;
  displayName: string | null;
  locale: Locale;
  createdAt: string;
  /** E-mail about unread messages: the person's own choice; absent: their school's default. */
  unreadEmail?: UnreadEmail;
}

/**
 * When Parta e-mails someone about unread messages: never; once 15 minutes after one came while
 * they had no notifications in a browser and were not in the app; or a digest once a day at 18:00
 * in the school's time zone (for parents, per child).
 */
export const UNREAD_EMAIL = ["off", "15m", "daily"] as const;
export type UnreadEmail = typeof UNREAD_EMAIL[number];

export interface Session {
  userId: UserId;
  createdAt: string;
  expiresAt: string;
}

/** A pending sign-in code (rules in domain/login_codes.ts). Records without `kdf` are void. */
export interface LoginCode {
  /** How `hash` was made: PBKDF2-HMAC-SHA256 of the code with `salt`, `iterations` rounds. */
  kdf: "pbkdf2-sha256";
  iterations: number;
  hash: string;
  salt: string;
  /** Wrong guesses at this code from every address. */
  attempts: number;
  /** Wrong guesses at this code by client address. */
  wrongBy: Record<string, number>;
  /** The client address that asked for it. */
  requestedBy: string;
  /** Whether it was mailed to an email without an account (counted as such until used). */
  newAccount: boolean;
  expiresAt: number;
}

export type ApplicationStatus = "pending" | "approved" | "rejected";

export interface OrgApplication {
  id: ApplicationId;
  schoolName: string;
  region: string;
  adminName: string;
  adminEmail: string;
  adminPhone: string;
  status: ApplicationStatus;
  createdAt: string;
  decidedAt?: string;
  decidedBy?: UserId;
  reason?: string;
  orgId?: OrgId;
}

/** Rules a school's admins set; defaults in {@link defaultOrgSettings}. */
export interface OrgSettings {
  /** IANA time zone, for quiet hours and dates. */
  timeZone: string;
  /** Whether students may open direct chats with other students. */
  studentDirectMessages: boolean;
  /**
   * Quiet hours in the school's time zone ("HH:MM", may wrap midnight): nothing notifies students
   * then (no push, no mail); they get one summary when the hours end. An open app shows
   * everything as it comes.
   */
  quietHours: QuietHours;
  /** During quiet hours, class chats are read-only for students. */
  quietReadOnlyForStudents: boolean;
  /** Whether students' notifications show the message's text (else only that one came). */
  studentPushPreviews: boolean;
  /** Unread-message e-mail for those who did not choose themselves. */
  unreadEmail: UnreadEmail;
}

export interface QuietHours {
  enabled: boolean;
  start: string;
  end: string;
}

export function defaultOrgSettings(): OrgSettings {
  return {
    timeZone: "Europe/Moscow",
    studentDirectMessages: false,
    quietHours: { enabled: true, start: "21:00", end: "08:00" },
    quietReadOnlyForStudents: false,
    studentPushPreviews: true,
    unreadEmail: "15m",
  };
}

/** The school's settings, with defaults for anything set before it existed. */
export function orgSettings(org: Org): OrgSettings {
  return { ...defaultOrgSettings(), ...org.settings };
}

export interface Org {
  id: OrgId;
  name: string;
  region: string;
  journalUrl: string | null;
  settings: OrgSettings;
  createdAt: string;
  applicationId: ApplicationId | null;
}

export interface OrgClass {
  id: ClassId;
  name: string;
  createdAt: string;
  /** The class's timetable, shown to its members. */
  scheduleUrl?: string | null;
  /** The class teacher lets students of this class write to each other directly. */
  studentDirectMessages?: boolean;
}

export interface Member {
  userId: UserId;
  roles: Role[];
  /** A teacher whose role was granted by a school admin. */
  verified: boolean;
  classIds: ClassId[];
  /** For parents: the students they are the guardian of. */
  childIds: UserId[];
  phone: string | null;
  joinedAt: string;
}

export interface Invite {
  id: string;
  token: string;
  orgId: OrgId;
  role: Role;
  classId: ClassId | null;
  childId: UserId | null;
  maxUses: number;
  uses: number;
  expiresAt: string;
  createdBy: UserId | null;
  /** Issued by a school admin or the operator: a teacher joining through it is verified. */
  byAdmin: boolean;
  createdAt: string;
  revokedAt: string | null;
}
