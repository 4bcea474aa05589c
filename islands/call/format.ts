/** How calls and their people are named on screen; browser-safe, shared with the page. */
import type { Locale, Role } from "../../shared/model.ts";
import { type MessageKey, t } from "../../shared/i18n.ts";
import type { CallKind } from "../../shared/chat_model.ts";

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

/**
 * A member of the call's chat as Parta's server describes them (`members` of GET /calls/:callId
 * and of the call page's props; domain/calls.ts builds it), keyed by the user id that is their
 * LiveKit identity.
 */
export interface CallMember {
  userId: string;
  displayName: string | null;
  roles: readonly Role[];
  verified: boolean;
  host: boolean;
  /** Whether the viewer may mute or remove them. */
  canControl: boolean;
}

/** What the page shows of a participant: only what Parta's server says of their identity. */
export interface PeerInfo {
  /** Whether the identity is a member Parta knows; unknown ones get no name and no badges. */
  known: boolean;
  name: string;
  roles: Role[];
  verified: boolean;
  host: boolean;
  canControl: boolean;
  /** A guest a host let in by a link: named by Parta's server in their token. */
  guest: boolean;
}

const UNKNOWN: PeerInfo = {
  known: false,
  name: "",
  roles: [],
  verified: false,
  host: false,
  canControl: false,
  guest: false,
};

/** Whether a LiveKit identity is a guest's (`guest-…`), not a member's user id. */
export const isGuestIdentity = (identity: string) => identity.startsWith("guest-");

/**
 * Who a LiveKit participant is, looked up by their identity (the user id their token is signed
 * for) in Parta's member list. Their own `name`, `metadata` and `attributes` are theirs to say
 * and are never read here.
 */
export function peerInfo(
  members: ReadonlyMap<string, CallMember>,
  participant: { identity: string; name?: string },
  viewer: { host: boolean },
): PeerInfo {
  if (isGuestIdentity(participant.identity)) {
    // A guest's name is the one exception: Parta's server signed it into their token, which
    // lets nobody change it. Any host may mute or remove a guest.
    return {
      ...UNKNOWN,
      known: true,
      name: (participant.name ?? "").trim(),
      canControl: viewer.host,
      guest: true,
    };
  }
  const m = members.get(participant.identity);
  if (!m) return UNKNOWN;
  return {
    known: true,
    name: (m.displayName ?? "").trim(),
    roles: [...m.roles],
    verified: m.verified,
    host: m.host,
    canControl: m.canControl,
    guest: false,
  };
}

/** A participant's name for the page: "Участник" without one, "Неизвестный участник" if unknown. */
export function peerLabel(locale: Locale, info: PeerInfo): string {
  if (!info.known) return t(locale, "call.unknown");
  return info.name || t(locale, "call.unnamed");
}

/** The badges of a participant, in the viewer's language. */
export function roleBadges(locale: Locale, info: PeerInfo): string[] {
  return info.roles.map((r) => t(locale, `role.${r}` as MessageKey));
}

/** The first letter of a name, for the tile of someone without video. */
export function initial(name: string): string {
  return ([...name.trim()][0] ?? "?").toLocaleUpperCase();
}
