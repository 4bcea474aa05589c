/** What the admin console's parts share: the shapes the API answers with, ordering, errors. */
import type { ComponentChildren } from "preact";
import type { Locale, Role } from "../../shared/model.ts";
import type { AdminClass, AdminMember } from "../../shared/admin_view.ts";
import { type MessageKey, t } from "../../shared/i18n.ts";
import { ApiError, errorText } from "../../shared/api_client.ts";

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

/** A time zone by its city, as the settings list it ("Москва (UTC+3)"), else its IANA name. */
export function zoneName(locale: Locale, timeZone: string): string {
  const key = `tz.${timeZone}` as MessageKey;
  const label = t(locale, key);
  return label === key ? timeZone : label;
}

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
  scheduleUrl: "admin.error.journalUrl",
  "settings.quietHours.start": "admin.error.quietTime",
  "settings.quietHours.end": "admin.error.quietTime",
};

/**
 * The server's refusal as a sentence. A refusal with a `reason` gets the console's sentence for
 * it (or the general one); otherwise `conflict` is what a 409 means in the action at hand.
 */
export function problemOf(locale: Locale, err: unknown, conflict?: MessageKey): Problem {
  if (err instanceof ApiError) {
    if (err.reason) {
      const key = `admin.reason.${err.reason}` as MessageKey;
      const text = t(locale, key);
      return { text: text === key ? errorText(locale, err) : text, field: err.field };
    }
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

/**
 * A message with `{name}` placeholders filled by elements (links, names in bold), for sentences
 * whose parts are not all plain text.
 */
export function fill(
  template: string,
  parts: Record<string, ComponentChildren>,
): ComponentChildren[] {
  return template.split(/(\{\w+\})/).map((piece) => {
    const name = /^\{(\w+)\}$/.exec(piece)?.[1];
    return name !== undefined && name in parts ? parts[name] : piece;
  }).filter((piece) => piece !== "");
}
