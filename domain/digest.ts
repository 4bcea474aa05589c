/**
 * What a day's digest tells a person. For a parent, per child: the class's announcements of the
 * day and whether the child has confirmed each, the lessons and meetings of the next three days,
 * and the lessons of the day the child missed (a lesson call the child never joined); for anyone,
 * the teachers' messages of the day in their own chats. Read with the child's and the person's
 * own access: chats they are members of, in schools they belong to now. It goes out at 18:00 in the
 * school's time zone, one pending at a time per person, then again the next day.
 */
import type { ChatId, Clock, Ids, OrgId, UserId } from "../shared/ids.ts";
import { keys } from "../platform/kv_keys.ts";
import { commit, getManyChunked, listAll } from "../platform/kv_util.ts";
import { writeEffect } from "../effects/outbox.ts";
import { minuteOfDay } from "../shared/quiet.ts";
import type { Chat, Message } from "../shared/chat_model.ts";
import type { Attendance } from "./calls.ts";
import type { Member, User } from "../shared/model.ts";
import { isStaff } from "../shared/policy.ts";
import { listChatIdsOfUser } from "./chats.ts";
import { listUpcoming } from "./lessons.ts";

export interface ChildDigest {
  name: string;
  announcements: { chat: string; text: string; confirmed: boolean }[];
  upcoming: { kind: "lesson" | "meeting"; title: string; startsAt: string }[];
  missed: { title: string; startedAt: string }[];
}

export interface Digest {
  children: ChildDigest[];
  /** Teachers' and admins' messages of the day in the person's own chats, newest first. */
  teachers: { chat: string; author: string; text: string }[];
}

/** Messages of one chat since `since` (ms), newest first, at most `limit`. */
async function recent(kv: Deno.Kv, chatId: ChatId, since: number, limit = 200) {
  const out: Message[] = [];
  const iter = kv.list<Message>({ prefix: keys.messages(chatId) }, { reverse: true, limit });
  for await (const e of iter) {
    if (Date.parse(e.value.createdAt) < since) break;
    if (!e.value.deleted) out.push(e.value);
  }
  return out;
}

/** The chats of `userId` in `orgId`. */
async function chatsIn(kv: Deno.Kv, userId: UserId, orgId: OrgId): Promise<Chat[]> {
  const ids = await listChatIdsOfUser(kv, userId);
  const chats = await getManyChunked<Chat>(kv, ids.map((id) => keys.chat(id)));
  return chats.flatMap((e) => e.value && e.value.orgId === orgId ? [e.value] : []);
}

const UPCOMING_DAYS = 3;
const TEACHER_MESSAGES = 10;

async function childDigest(
  kv: Deno.Kv,
  orgId: OrgId,
  childId: UserId,
  since: number,
  now: number,
): Promise<ChildDigest | null> {
  const [child, member] = await kv.getMany<[User, Member]>([
    keys.user(childId),
    keys.orgMember(orgId, childId),
  ]);
  if (!child.value || !member.value) return null;
  const digest: ChildDigest = {
    name: child.value.displayName ?? "",
    announcements: [],
    upcoming: [],
    missed: [],
  };
  for (const chat of await chatsIn(kv, childId, orgId)) {
    const title = chat.title ?? "";
    for (const m of await recent(kv, chat.id, since)) {
      if (m.needsAck) {
        const ack = await kv.get(keys.ack(chat.id, m.seq, childId));
        digest.announcements.push({ chat: title, text: m.text, confirmed: ack.value !== null });
      }
      const call = m.call;
      if (call?.kind === "lesson" && call.endedAt && Date.parse(call.endedAt) >= since) {
        const visits = await listAll<Attendance>(kv, keys.callAttendance(call.id));
        if (!visits.some((v) => v.value.userId === childId)) {
          digest.missed.push({ title: call.title ?? title, startedAt: call.startedAt });
        }
      }
    }
  }
  const until = now + UPCOMING_DAYS * 24 * 3600_000;
  for (const lesson of await listUpcoming(kv, childId, now, 20)) {
    if (Date.parse(lesson.startsAt) > until || Date.parse(lesson.startsAt) < now) continue;
    digest.upcoming.push({ kind: lesson.kind, title: lesson.title, startsAt: lesson.startsAt });
  }
  digest.announcements.reverse();
  digest.missed.reverse();
  return digest;
}

/** The digest of `userId` for the time since `since` (ms). */
export async function gatherDigest(
  kv: Deno.Kv,
  userId: UserId,
  since: number,
  now: number,
): Promise<Digest> {
  const orgIds = (await listAll<true>(kv, keys.orgsByUser(userId))).map((e) => e.key[2] as OrgId);
  const digest: Digest = { children: [], teachers: [] };
  for (const orgId of orgIds) {
    const me = (await kv.get<Member>(keys.orgMember(orgId, userId))).value;
    if (!me) continue;
    if (me.roles.includes("parent")) {
      for (const childId of me.childIds) {
        const child = await childDigest(kv, orgId, childId, since, now);
        if (child) digest.children.push(child);
      }
    }
    const said: { chat: string; authorId: UserId; text: string; at: string }[] = [];
    for (const chat of await chatsIn(kv, userId, orgId)) {
      for (const m of await recent(kv, chat.id, since)) {
        if (m.authorId !== userId && m.text && m.kind !== "system") {
          said.push({
            chat: chat.title ?? "",
            authorId: m.authorId,
            text: m.text,
            at: m.createdAt,
          });
        }
      }
    }
    const authorIds = [...new Set(said.map((s) => s.authorId))];
    const [authors, roles] = await Promise.all([
      getManyChunked<User>(kv, authorIds.map((id) => keys.user(id))),
      getManyChunked<Member>(kv, authorIds.map((id) => keys.orgMember(orgId, id))),
    ]);
    const staff = new Map(authorIds.map((id, i) => [id, {
      name: authors[i]!.value?.displayName ?? "",
      staff: isStaff(roles[i]!.value?.roles ?? []),
    }]));
    digest.teachers.push(
      ...said.filter((s) => staff.get(s.authorId)?.staff)
        .sort((a, b) => b.at.localeCompare(a.at))
        .map((s) => ({ chat: s.chat, author: staff.get(s.authorId)!.name, text: s.text })),
    );
  }
  digest.teachers = digest.teachers.slice(0, TEACHER_MESSAGES);
  return digest;
}

/** Whether the digest has anything to say. */
export function digestIsEmpty(d: Digest): boolean {
  return d.teachers.length === 0 &&
    d.children.every((c) =>
      c.announcements.length === 0 && c.upcoming.length === 0 && c.missed.length === 0
    );
}

/** The digest goes out at this hour, in the school's time zone. */
const DIGEST_MINUTE = 18 * 60;

/** The next 18:00 in `timeZone` after `now` (ms). */
export function nextDigestAt(now: number, timeZone: string): number {
  const wait = (DIGEST_MINUTE - minuteOfDay(now, timeZone) + 24 * 60) % (24 * 60) || 24 * 60;
  return now - (now % 60_000) + wait * 60_000;
}

/**
 * Makes sure `userId` has a digest coming at the next 18:00 (one at a time: a pending record and
 * its effect are written together, once). Returns when it is due.
 */
export async function scheduleDigest(
  deps: { kv: Deno.Kv; clock: Clock; ids: Ids },
  userId: UserId,
  timeZone: string,
): Promise<number> {
  const { kv, clock, ids } = deps;
  const key = keys.digestPending(userId);
  for (let attempt = 0; attempt < 10; attempt++) {
    const entry = await kv.get<{ dueAt: number }>(key);
    if (entry.value) return entry.value.dueAt;
    const now = clock.now();
    const dueAt = nextDigestAt(now, timeZone);
    const op = kv.atomic().check(entry).set(key, { dueAt });
    writeEffect(op, ids.ulid(), { kind: "notify.digest", userId }, now, dueAt);
    if ((await commit(op)).ok) return dueAt;
  }
  throw new Error("digest schedule kept changing");
}

/**
 * The school's default became the daily digest: everyone who has not chosen for themselves gets
 * theirs scheduled now (not only once a message reaches them).
 */
export async function scheduleSchoolDigests(
  deps: { kv: Deno.Kv; clock: Clock; ids: Ids },
  orgId: OrgId,
  timeZone: string,
): Promise<number> {
  const members = await listAll<Member>(deps.kv, keys.orgMembers(orgId));
  const users = await getManyChunked<User>(deps.kv, members.map((m) => keys.user(m.value.userId)));
  const undecided = users.flatMap((e) =>
    e.value && e.value.unreadEmail === undefined ? [e.value.id] : []
  );
  for (let i = 0; i < undecided.length; i += 8) {
    await Promise.all(undecided.slice(i, i + 8).map((id) => scheduleDigest(deps, id, timeZone)));
  }
  return undecided.length;
}
