/** What the admin console's parts share: the shapes the API answers with, ordering, errors. */
import type { Locale, Role } from "../../lib/model.ts";
import { type MessageKey, t } from "../../lib/i18n.ts";
import { ApiError, errorText } from "../../lib/api_client.ts";

export interface AdminOrg {
  id: string;
  name: string;
  region: string;
  journalUrl: string | null;
  settings: { timeZone: string; studentDirectMessages: boolean };
}

export interface AdminClass {
  id: string;
  name: string;
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

/** Roles in the order the console lists them. */
export const ROLE_ORDER: readonly Role[] = ["admin", "teacher", "student", "parent"];

const collator = new Intl.Collator("ru", { numeric: true, sensitivity: "base" });

/** Classes in natural order of their names ("5 А" before "10 Б"), as the server lists them. */
export function sortClasses(classes: AdminClass[]): AdminClass[] {
  return [...classes].sort((a, b) => collator.compare(a.name, b.name));
}

/** The roster in name order, as the server lists it. */
export function sortMembers(members: AdminMember[]): AdminMember[] {
  return [...members].sort((a, b) => collator.compare(a.displayName ?? "", b.displayName ?? ""));
}

export const roleName = (locale: Locale, role: Role) => t(locale, `role.${role}` as MessageKey);

export const personName = (locale: Locale, m: AdminMember | undefined) =>
  m?.displayName ?? t(locale, "admin.noName");

/** What went wrong, for the person at the screen; `field` names the input to mark, if any. */
export interface Problem {
  text: string;
  field?: string;
}

/** Sentences for refusals the API answers with a field, where the generic text says too little. */
const FIELD_TEXT: Record<string, MessageKey> = {
  name: "admin.error.name",
  journalUrl: "admin.error.journalUrl",
  "settings.timeZone": "admin.error.timeZone",
  phone: "admin.error.phone",
  childIds: "admin.error.childIds",
  childId: "admin.error.childId",
  classId: "admin.error.classId",
  classIds: "admin.error.classIds",
  maxUses: "admin.error.maxUses",
  ttlHours: "admin.error.ttlHours",
  roles: "admin.error.roles",
};

/**
 * The server's refusal as a sentence. `conflict` is what a 409 means in the action at hand
 * (the API answers every conflict with the same code).
 */
export function problemOf(locale: Locale, err: unknown, conflict?: MessageKey): Problem {
  if (err instanceof ApiError) {
    if (err.status === 409 && conflict) return { text: t(locale, conflict) };
    if (err.code === "invalid_input" && err.field && FIELD_TEXT[err.field]) {
      return { text: t(locale, FIELD_TEXT[err.field]!), field: err.field };
    }
    return { text: errorText(locale, err), field: err.field };
  }
  return { text: errorText(locale, err) };
}

/** Reads an input's value in an event handler. */
export const valueOf = (e: Event) => (e.target as HTMLInputElement).value;
