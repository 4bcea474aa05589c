/**
 * What the school admin API answers with, as the console shows it: the school, its classes, the
 * roster with contacts, invites, reports and the moderation log. Browser-safe: shared by the
 * server (services/school.ts, the admin page) and the AdminConsole island.
 */
import type { OrgSettings, Role } from "./model.ts";

export interface AdminOrg {
  id: string;
  name: string;
  region: string;
  journalUrl: string | null;
  settings: OrgSettings;
}

export interface AdminClass {
  id: string;
  name: string;
  /** The class's timetable, shown to its members. */
  scheduleUrl: string | null;
  /** The class teacher lets students of this class write to each other directly. */
  studentDirectMessages: boolean;
}

/** A report of a message, with the copy of the message kept when it was made. */
export interface AdminReport {
  id: string;
  chatId: string;
  messageSeq: number;
  reporterId: string;
  reason: string;
  at: string;
  message: {
    authorId: string;
    kind: string;
    text: string | null;
    createdAt: string;
    editedAt?: string;
  };
}

/** A moderation step from the school's audit log. */
export interface AdminAuditEntry {
  id: string;
  at: string;
  actorId: string;
  action: string;
  chatId: string;
  targetUserId?: string;
  messageSeq?: number;
  details?: Record<string, unknown>;
}

/** What the console knows of a chat named in reports and the audit log. */
export interface ChatRef {
  title: string | null;
  kind: string;
}

/** A roster entry as admins see it (with contacts and family links). */
export interface AdminMember {
  userId: string;
  displayName: string | null;
  roles: Role[];
  verified: boolean;
  classIds: string[];
  childIds?: string[];
  email?: string | null;
  phone?: string | null;
}

export interface AdminInvite {
  id: string;
  token: string;
  url: string;
  expiresAt: string;
  role: Role;
  classId: string | null;
  childId: string | null;
  maxUses: number;
  uses: number;
  createdBy: string | null;
  createdAt: string;
}
