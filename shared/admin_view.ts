/**
 * What the school admin API answers with, as the console shows it: the school, its classes, the
 * roster with contacts, invites, reports and the moderation log. Browser-safe: shared by the
 * server (services/school.ts, the admin page) and the AdminConsole island.
 */
import type { z } from "zod";
import type * as wire from "./api_schema.ts";

export type AdminOrg = z.output<typeof wire.orgSchema>;

export type AdminClass = z.output<typeof wire.classSchema>;

/** A report of a message, with the copy of the message kept when it was made. */
export type AdminReport = z.output<typeof wire.reportSchema>;

export type AdminAuditEntry = z.output<typeof wire.auditEntrySchema>;

/** What the console knows of a chat named in reports and the audit log. */
export interface ChatRef {
  title: string | null;
  kind: string;
}

/** A roster entry as admins see it (with contacts and family links). */
export type AdminMember = z.output<typeof wire.rosterEntrySchema>;

export type AdminInvite = z.output<typeof wire.inviteSchema>;
