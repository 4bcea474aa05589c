/** Attendance of calls, fed by LiveKit's webhooks, and its CSV export. */
import type { WebhookEvent } from "livekit-server-sdk";
import type { Clock, Ids, UserId } from "../shared/ids.ts";
import { isUlid } from "../shared/ids.ts";
import { keys } from "../platform/kv_keys.ts";
import { commit, listAll, transact } from "../platform/kv_util.ts";
import type { Attendance, Call } from "./calls.ts";
import type { Locale, Role } from "../shared/model.ts";
import { t } from "../shared/i18n.ts";
import { writeEffect } from "../effects/outbox.ts";
import { type CallGuest, guestIdOf, guestUsable } from "./call_guests.ts";

const DAY_MS = 24 * 3600_000;

/**
 * Applies one verified LiveKit webhook: joins open an attendance entry, leaves close it, a
 * finished room ends the call (as an effect). Each webhook id is handled once: the mark that it
 * was seen is written in the same commit as what it changes, so a crash between the two cannot
 * lose a join (LiveKit's retry of it would find the mark and stop). Returns the effects it wrote.
 */
export async function recordWebhook(
  deps: { kv: Deno.Kv; clock: Clock; ids: Ids },
  event: WebhookEvent,
): Promise<{ effectIds: string[] }> {
  const { kv } = deps;
  const none = { effectIds: [] };
  const room = event.room?.name;
  if (!room) return none;
  const callId = (await kv.get<string>(keys.callByRoom(room))).value;
  const call = callId ? (await kv.get<Call>(keys.call(callId))).value : null;
  if (!call) return none;
  const seen = event.id ? keys.webhookEvent(event.id) : null;
  /** A commit that also marks the webhook seen, and fails if it was seen already. */
  const once = () => {
    const op = kv.atomic();
    if (seen) op.check({ key: seen, versionstamp: null }).set(seen, true, { expireIn: DAY_MS });
    return op;
  };
  const at = new Date(
    event.createdAt ? Number(event.createdAt) * 1000 : deps.clock.now(),
  ).toISOString();
  const identity = event.participant?.identity;
  const sid = event.participant?.sid || undefined;
  const guestId = identity ? guestIdOf(identity) : null;
  if (event.event === "participant_joined" && guestId) {
    // A guest is no member: not counted; back on a revoked or expired link, taken out again.
    const guest = await kv.get<CallGuest>(keys.callGuest(call.id, guestId));
    if (guest.value && guestUsable(guest.value, deps.clock.now())) return none;
    const op = once().check(guest);
    const body = { kind: "call.evict", room, userId: identity! } as const;
    const { id } = writeEffect(op, deps.ids.ulid(), body, deps.clock.now());
    return { effectIds: (await commit(op)).ok ? [id] : [] };
  }
  if (event.event === "participant_joined" && identity && isUlid<UserId>(identity)) {
    const removal = await kv.get(keys.callRemoval(call.id, identity));
    if (removal.versionstamp !== null) {
      // Back with a token from before a host removed them: out again, and not counted present.
      const op = once().check(removal);
      const body = { kind: "call.evict", room, userId: identity } as const;
      const { id } = writeEffect(op, deps.ids.ulid(), body, deps.clock.now());
      return { effectIds: (await commit(op)).ok ? [id] : [] };
    }
    const entryKey = keys.callAttendanceEntry(call.id, deps.ids.ulid());
    await transact(async () => {
      if (seen && (await kv.get(seen)).versionstamp !== null) {
        return { op: null, result: undefined };
      }
      // Its leave may have come first (LiveKit's webhooks are not ordered): then it is closed.
      const early = await kv.get<string>(keys.callEarlyLeave(call.id, sid ?? identity));
      const leftFirst = early.value !== null && early.value >= at;
      const entry: Attendance = {
        userId: identity,
        joinedAt: at,
        ...(leftFirst ? { leftAt: early.value! } : {}),
        ...(sid ? { sid } : {}),
      };
      const op = once().check(early).set(entryKey, entry);
      if (leftFirst) op.delete(early.key);
      return { op, result: undefined };
    });
  } else if (event.event === "participant_left" && identity) {
    await transact(async () => {
      // Seen already (or just now, by a delivery racing this one): nothing to do.
      if (seen && (await kv.get(seen)).versionstamp !== null) {
        return { op: null, result: undefined };
      }
      const entries = await listAll<Attendance>(kv, keys.callAttendance(call.id));
      // The visit this leave ends: the one of its connection, or (without one) the latest open.
      const open = entries.filter((e) =>
        e.value.userId === identity && !e.value.leftAt && (!sid || e.value.sid === sid)
      ).at(-1);
      const op = once();
      if (open) op.check(open).set(open.key, { ...open.value, leftAt: at });
      // No join to close yet: it may still be on its way; kept for it (a day at most).
      else op.set(keys.callEarlyLeave(call.id, sid ?? identity), at, { expireIn: DAY_MS });
      return { op, result: undefined };
    });
  } else if (event.event === "room_finished" && !call.endedAt) {
    const op = once();
    const body = { kind: "call.finished", chatId: call.chatId, callId: call.id } as const;
    const { id } = writeEffect(op, deps.ids.ulid(), body, deps.clock.now());
    return { effectIds: (await commit(op)).ok ? [id] : [] };
  }
  return none;
}

/** What the CSV is read with: the reader's language and the school's time zone. */
export interface CsvReader {
  locale: Locale;
  timeZone: string;
}

/**
 * The CSV's separator: a spreadsheet opened in Russian (where the comma is the decimal mark)
 * splits columns at semicolons, one in English at commas.
 */
const SEPARATOR: Record<Locale, string> = { ru: ";", en: "," };

/** A date and time a spreadsheet reads as one: `03.12.2026 14:05`, or `2026-12-03 14:05`. */
function spreadsheetTime(iso: string, { locale, timeZone }: CsvReader): string {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat("en-GB", {
      timeZone,
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      hourCycle: "h23",
    }).formatToParts(new Date(iso)).map((p) => [p.type, p.value]),
  );
  const { year, month, day, hour, minute } = parts;
  return locale === "ru"
    ? `${day}.${month}.${year} ${hour}:${minute}`
    : `${year}-${month}-${day} ${hour}:${minute}`;
}

/**
 * Attendance against the chat's members, one row each: present or not, minutes present, first
 * join and last leave in the school's time zone. Written for the spreadsheet the reader opens it
 * in: a byte-order mark so it is read as UTF-8, headers and roles in the reader's language,
 * the separator their spreadsheet expects. Formula-like cells are defused so spreadsheets show
 * them as text.
 */
export function attendanceCsv(
  call: Call,
  members: { userId: UserId; displayName: string | null; roles: readonly Role[] }[],
  attendance: Attendance[],
  now: number,
  reader: CsvReader,
): string {
  const { locale } = reader;
  const sep = SEPARATOR[locale];
  const cell = (s: string) =>
    s.includes(sep) || /["\n\r]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
  const end = call.endedAt ? Date.parse(call.endedAt) : now;
  const rows = [[
    t(locale, "call.attendance.person"),
    t(locale, "call.attendance.roles"),
    t(locale, "call.attendance.present"),
    t(locale, "call.attendance.minutes"),
    t(locale, "call.attendance.firstJoined"),
    t(locale, "call.attendance.lastLeft"),
  ]];
  for (const m of members) {
    const mine = attendance.filter((a) => a.userId === m.userId);
    const ms = mine.reduce(
      (sum, a) =>
        sum + Math.max(0, (a.leftAt ? Date.parse(a.leftAt) : end) - Date.parse(a.joinedAt)),
      0,
    );
    const name = (m.displayName ?? "").replace(/^[=+\-@\t\r]/, "'$&");
    const lastLeft = mine.at(-1)?.leftAt;
    rows.push([
      name,
      m.roles.map((r) => t(locale, `role.${r}`)).join(", "),
      t(locale, mine.length > 0 ? "call.attendance.yes" : "call.attendance.no"),
      String(Math.round(ms / 60_000)),
      mine[0] ? spreadsheetTime(mine[0].joinedAt, reader) : "",
      lastLeft ? spreadsheetTime(lastLeft, reader) : "",
    ]);
  }
  return "\uFEFF" + rows.map((r) => r.map(cell).join(sep)).join("\r\n") + "\r\n";
}
