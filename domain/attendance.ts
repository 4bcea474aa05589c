/** Attendance of calls, fed by LiveKit's webhooks, and its CSV export. */
import type { WebhookEvent } from "livekit-server-sdk";
import type { Clock, Ids, UserId } from "../shared/ids.ts";
import { isUlid } from "../shared/ids.ts";
import { keys } from "../platform/kv_keys.ts";
import { commit, listAll, transact } from "../platform/kv_util.ts";
import type { Attendance, Call } from "./calls.ts";
import { writeEffect } from "../effects/outbox.ts";

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
  if (event.event === "participant_joined" && identity && isUlid<UserId>(identity)) {
    const removal = await kv.get(keys.callRemoval(call.id, identity));
    if (removal.versionstamp !== null) {
      // Back with a token from before a host removed them: out again, and not counted present.
      const op = once().check(removal);
      const body = { kind: "call.evict", room, userId: identity } as const;
      const { id } = writeEffect(op, deps.ids.ulid(), body, deps.clock.now());
      return { effectIds: (await commit(op)).ok ? [id] : [] };
    }
    const entry: Attendance = { userId: identity, joinedAt: at };
    await commit(once().set(keys.callAttendanceEntry(call.id, deps.ids.ulid()), entry));
  } else if (event.event === "participant_left" && identity) {
    await transact(async () => {
      // Seen already (or just now, by a delivery racing this one): nothing to do.
      if (seen && (await kv.get(seen)).versionstamp !== null) {
        return { op: null, result: undefined };
      }
      const entries = await listAll<Attendance>(kv, keys.callAttendance(call.id));
      const open = entries.filter((e) => e.value.userId === identity && !e.value.leftAt).at(-1);
      const op = once();
      if (open) op.check(open).set(open.key, { ...open.value, leftAt: at });
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

const cell = (s: string) => /[",\n\r;]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;

/**
 * Attendance against the chat's members, one row each: minutes present, first join, last leave.
 * Formula-like cells are defused so spreadsheets show them as text.
 */
export function attendanceCsv(
  call: Call,
  members: { userId: UserId; displayName: string | null; roles: readonly string[] }[],
  attendance: Attendance[],
  now: number,
): string {
  const end = call.endedAt ? Date.parse(call.endedAt) : now;
  const rows = [["name", "roles", "attended", "minutes", "first_joined", "last_left"]];
  for (const m of members) {
    const mine = attendance.filter((a) => a.userId === m.userId);
    const ms = mine.reduce(
      (sum, a) =>
        sum + Math.max(0, (a.leftAt ? Date.parse(a.leftAt) : end) - Date.parse(a.joinedAt)),
      0,
    );
    const name = (m.displayName ?? "").replace(/^[=+\-@\t\r]/, "'$&");
    rows.push([
      name,
      m.roles.join(" "),
      mine.length > 0 ? "yes" : "no",
      String(Math.round(ms / 60_000)),
      mine[0]?.joinedAt ?? "",
      mine.at(-1)?.leftAt ?? "",
    ]);
  }
  return rows.map((r) => r.map(cell).join(",")).join("\r\n") + "\r\n";
}
