/** Reading chats: access checks, the chat list, history and event pages. */
import type { ChatId, OrgId, UserId } from "../shared/ids.ts";
import { isUlid } from "../shared/ids.ts";
import { keys } from "../platform/kv_keys.ts";
import { getManyChunked, listAll } from "../platform/kv_util.ts";
import type { Chat, ChatEvent, ChatHead, ChatMember, Message } from "../shared/chat_model.ts";
import { DEFAULT_CHAT_SETTINGS } from "../shared/chat_model.ts";
import type { Member } from "../shared/model.ts";
import type { ChatCaller } from "../shared/policy.ts";
import { canReadChat } from "../shared/policy.ts";
import { notFound } from "../shared/errors.ts";
import { getUsers } from "./users.ts";
import { publicMessage } from "./polls.ts";

export interface ChatAccess {
  chat: Chat;
  head: ChatHead;
  chatMember: ChatMember | null;
  orgMember: Member | null;
  caller: ChatCaller;
}

/**
 * The chat and the caller's standing in it and in its school, read strongly. Throws 404 for
 * unknown chats and, with `requireMember`, for callers who may not read it.
 */
export async function loadChatAccess(
  kv: Deno.Kv,
  chatId: string,
  userId: UserId,
  requireMember = true,
): Promise<ChatAccess> {
  if (!isUlid<ChatId>(chatId)) throw notFound("No such chat");
  const id = chatId;
  const [chat, head, chatMember] = await kv.getMany<[Chat, ChatHead, ChatMember]>([
    keys.chat(id),
    keys.chatHead(id),
    keys.chatMember(id, userId),
  ]);
  if (!chat.value || !head.value) throw notFound("No such chat");
  const orgMember = (await kv.get<Member>(keys.orgMember(chat.value.orgId, userId))).value;
  const caller: ChatCaller = {
    userId,
    chatRole: chatMember.value?.chatRole ?? null,
    orgRoles: orgMember?.roles ?? null,
  };
  if (requireMember && canReadChat(caller) !== "allow") throw notFound("No such chat");
  return { chat: chat.value, head: head.value, chatMember: chatMember.value, orgMember, caller };
}

/** The chat as the API shows it. */
export function chatView(chat: Chat, head: ChatHead) {
  return {
    id: chat.id,
    orgId: chat.orgId,
    kind: chat.kind,
    title: chat.title,
    lastSeq: head.seq,
    createdAt: chat.createdAt,
    settings: chat.settings ?? DEFAULT_CHAT_SETTINGS,
    ...(chat.classId ? { classId: chat.classId } : {}),
  };
}

/** Chats up to this size list each member's read marker. */
const READ_SEQS_UP_TO = 200;

/** The chat's members with their names, roles in the school and (small chats) read markers. */
export async function listChatMembers(kv: Deno.Kv, chat: Chat) {
  const members = (await listAll<ChatMember>(kv, keys.chatMembers(chat.id))).map((e) => e.value);
  const withReads = members.length <= READ_SEQS_UP_TO;
  const [users, orgMembers, markers] = await Promise.all([
    getUsers(kv, members.map((m) => m.userId)),
    getManyChunked<Member>(kv, members.map((m) => keys.orgMember(chat.orgId, m.userId))),
    withReads
      ? getManyChunked<number>(kv, members.map((m) => keys.readMarker(chat.id, m.userId)))
      : Promise.resolve([]),
  ]);
  return members.map((m, i) => ({
    userId: m.userId,
    displayName: users[i]?.displayName ?? null,
    roles: orgMembers[i]?.value?.roles ?? [],
    verified: orgMembers[i]?.value?.verified ?? false,
    chatRole: m.chatRole,
    ...(m.mutedUntil ? { mutedUntil: m.mutedUntil } : {}),
    ...(withReads ? { readSeq: markers[i]?.value ?? 0 } : {}),
  }));
}

/** The ids of every chat `userId` belongs to. */
export async function listChatIdsOfUser(kv: Deno.Kv, userId: UserId): Promise<ChatId[]> {
  const entries = await listAll<true>(kv, keys.chatsByUser(userId));
  return entries.map((e) => e.key[2] as ChatId);
}

const UNREAD_CAP = 999;

/** Messages by others after `afterSeq`, not deleted; counted up to 999. */
async function countUnread(kv: Deno.Kv, chatId: ChatId, userId: UserId, afterSeq: number) {
  let n = 0;
  const iter = kv.list<Message>({
    start: keys.message(chatId, afterSeq + 1),
    end: [...keys.messages(chatId), Number.MAX_SAFE_INTEGER],
  }, { limit: UNREAD_CAP * 2, batchSize: 200 });
  for await (const entry of iter) {
    if (entry.value.authorId !== userId && !entry.value.deleted) n++;
    if (n >= UNREAD_CAP) break;
  }
  return n;
}

/** For each direct chat among `chats`, the other person: id and name. */
async function directPeers(kv: Deno.Kv, chats: Chat[], userId: UserId) {
  const direct = chats.filter((c) => c.kind === "direct");
  const pairs = await Promise.all(
    direct.map((c) => listAll<ChatMember>(kv, keys.chatMembers(c.id), { limit: 3 })),
  );
  const otherIds = pairs.map((members) =>
    members.map((e) => e.value.userId).find((id) => id !== userId) ?? null
  );
  const users = await getUsers(kv, otherIds.flatMap((id) => id ? [id] : []));
  const names = new Map(users.flatMap((u) => u ? [[u.id, u.displayName]] : []));
  const out = new Map<ChatId, { userId: UserId; displayName: string | null }>();
  direct.forEach((c, i) => {
    const other = otherIds[i];
    if (other) out.set(c.id, { userId: other, displayName: names.get(other) ?? null });
  });
  return out;
}

/**
 * The user's chats with unread counts and last messages (as any member may see them at `now`),
 * most recent activity first.
 */
export async function listChatsOfUser(kv: Deno.Kv, userId: UserId, now: number) {
  const open = await openChatsOfUser(kv, userId);
  const [markers, memberships] = await Promise.all([
    getManyChunked<number>(kv, open.map(({ chat }) => keys.readMarker(chat.id, userId))),
    getManyChunked<ChatMember>(kv, open.map(({ chat }) => keys.chatMember(chat.id, userId))),
  ]);
  const rows = open.map(({ chat, head }, i) => ({
    chat,
    head,
    lastReadSeq: Math.min(markers[i]!.value ?? 0, head.seq),
  }));
  const lastMessages = await getManyChunked<Message>(
    kv,
    rows.map((r) => keys.message(r.chat.id, r.head.lastMessageSeq)),
  );
  const [unread, peers] = await Promise.all([
    Promise.all(
      rows.map((r) =>
        r.head.lastMessageSeq > r.lastReadSeq
          ? countUnread(kv, r.chat.id, userId, r.lastReadSeq)
          : 0
      ),
    ),
    directPeers(kv, rows.map((r) => r.chat), userId),
  ]);
  return rows.map((r, i) => ({
    ...chatView(r.chat, r.head),
    lastReadSeq: r.lastReadSeq,
    unread: unread[i]!,
    notifications: notificationsOf(memberships[i]!.value ?? { notifyMutedUntil: undefined }, now),
    lastActivityAt: r.head.lastActivityAt,
    ...(lastMessages[i]!.value ? { lastMessage: publicMessage(lastMessages[i]!.value!, now) } : {}),
    ...(peers.has(r.chat.id) ? { peer: peers.get(r.chat.id) } : {}),
  })).sort((a, b) => b.lastActivityAt.localeCompare(a.lastActivityAt));
}

/** History page: messages with seq below `before`, newest first. */
export async function listMessages(
  kv: Deno.Kv,
  chatId: ChatId,
  before: number,
  limit: number,
): Promise<Message[]> {
  const out: Message[] = [];
  const iter = kv.list<Message>(
    { prefix: keys.messages(chatId), end: keys.message(chatId, before) },
    { reverse: true, limit, batchSize: Math.min(limit, 500) },
  );
  for await (const entry of iter) out.push(entry.value);
  return out;
}

/** Events with seq above `after`, in ascending order. */
export async function listEvents(
  kv: Deno.Kv,
  chatId: ChatId,
  after: number,
  limit: number,
): Promise<ChatEvent[]> {
  const entries: ChatEvent[] = [];
  const iter = kv.list<ChatEvent>({
    start: keys.event(chatId, after + 1),
    end: [...keys.events(chatId), Number.MAX_SAFE_INTEGER],
  }, { limit, batchSize: Math.min(limit, 500) });
  for await (const entry of iter) entries.push(entry.value);
  return entries;
}

/** The caller's reactions to the given messages. */
export async function listOwnReactions(
  kv: Deno.Kv,
  chatId: ChatId,
  userId: UserId,
  seqs: readonly number[],
): Promise<Map<number, string[]>> {
  const entries = await getManyChunked<string[]>(
    kv,
    seqs.map((seq) => keys.reactionsOf(chatId, seq, userId)),
  );
  return new Map(seqs.flatMap((seq, i) => entries[i]!.value ? [[seq, entries[i]!.value!]] : []));
}

/** The user's chats in schools they still belong to, with each chat's head and school. */
export async function listChatHeadsOfUser(
  kv: Deno.Kv,
  userId: UserId,
): Promise<Map<ChatId, ChatHead & { orgId: OrgId }>> {
  const open = await openChatsOfUser(kv, userId);
  return new Map(open.map(({ chat, head }) => [chat.id, { ...head, orgId: chat.orgId }]));
}

/**
 * The chats `userId` belongs to in schools they still belong to (leaving a school closes its
 * chats to them at once, whatever the chat's own roster still says), with their heads.
 */
async function openChatsOfUser(kv: Deno.Kv, userId: UserId) {
  const chatIds = await listChatIdsOfUser(kv, userId);
  const [chats, heads] = await Promise.all([
    getManyChunked<Chat>(kv, chatIds.map((id) => keys.chat(id))),
    getManyChunked<ChatHead>(kv, chatIds.map((id) => keys.chatHead(id))),
  ]);
  const orgIds = [...new Set(chats.flatMap((c) => c.value ? [c.value.orgId] : []))];
  const orgMembers = await getManyChunked<Member>(
    kv,
    orgIds.map((orgId) => keys.orgMember(orgId, userId)),
  );
  const inOrg = new Set(orgIds.filter((_, i) => orgMembers[i]!.value !== null));
  return chatIds.flatMap((_, i) => {
    const chat = chats[i]!.value;
    const head = heads[i]!.value;
    return chat && head && inOrg.has(chat.orgId) ? [{ chat, head }] : [];
  });
}

/** A member's notifications of a chat at `now`. */
export function notificationsOf(
  member: Pick<ChatMember, "notifyMutedUntil">,
  now: number,
): { muted: boolean; mutedUntil: string | null } {
  const until = member.notifyMutedUntil;
  if (until === null) return { muted: true, mutedUntil: null };
  if (until !== undefined && Date.parse(until) > now) return { muted: true, mutedUntil: until };
  return { muted: false, mutedUntil: null };
}
