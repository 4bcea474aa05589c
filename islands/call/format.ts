/** How calls and their people are named on screen; browser-safe, shared with the page. */
import type { Locale } from "../../lib/model.ts";
import { type MessageKey, t } from "../../lib/i18n.ts";
import type { CallKind } from "../../lib/chat_model.ts";

/** "Онлайн-урок", "Собрание", "Звонок". */
export function kindLabel(locale: Locale, kind: CallKind): string {
  return t(locale, `call.kind.${kind}` as MessageKey);
}

/** A call's length in hours and minutes ("1 ч 5 мин", "меньше минуты"). */
export function formatDuration(locale: Locale, seconds: number): string {
  const minutes = Math.round(seconds / 60);
  if (minutes < 1) return t(locale, "call.duration.lessThanMinute");
  if (minutes < 60) return t(locale, "call.duration.m", { m: minutes });
  return t(locale, "call.duration.hm", { h: Math.floor(minutes / 60), m: minutes % 60 });
}

const ROLES = ["admin", "teacher", "student", "parent"] as const;
type KnownRole = typeof ROLES[number];

/** What a participant's token says of them: the metadata Parta's server puts there. */
export interface PeerInfo {
  name: string;
  roles: KnownRole[];
  verified: boolean;
  host: boolean;
}

/**
 * Reads a participant's name and metadata. The token's name carries a Russian role badge,
 * "Мария Ивановна (учитель ✓)"; the badge is dropped here and shown from the metadata's roles,
 * in the viewer's language.
 */
export function peerInfo(name: string | undefined, metadata: string | undefined): PeerInfo {
  let meta: { roles?: unknown; verified?: unknown; host?: unknown } = {};
  try {
    const parsed = metadata ? JSON.parse(metadata) : {};
    if (parsed && typeof parsed === "object") meta = parsed;
  } catch { /* not Parta's metadata: no badges */ }
  const roles = Array.isArray(meta.roles)
    ? ROLES.filter((r) => (meta.roles as unknown[]).includes(r))
    : [];
  const full = (name ?? "").trim();
  const bare = roles.length > 0 ? full.replace(/\s*\([^()]*\)$/, "") : full;
  return { name: bare, roles, verified: meta.verified === true, host: meta.host === true };
}

/** The badges of a participant, in the viewer's language. */
export function roleBadges(locale: Locale, info: PeerInfo): string[] {
  return info.roles.map((r) => t(locale, `role.${r}` as MessageKey));
}

/** The first letter of a name, for the tile of someone without video. */
export function initial(name: string): string {
  return ([...name.trim()][0] ?? "?").toLocaleUpperCase();
}
