/**
 * The messenger's pages, rendered on the server: GET /chats (the chat list) and
 * GET /chats/:chatId (the list and the open chat's recent messages). Both read without
 * JavaScript; the Messenger island then keeps them live.
 */
import { Hono } from "hono";
import type { AppEnv, Ctx, Deps } from "../context.ts";
import { Island, renderPage } from "./render.tsx";
import { signInRedirect, viewer } from "./context.ts";
import { notFoundPage } from "./public.tsx";
import { t } from "../../lib/i18n.ts";
import type { ChatId, OrgId, UserId } from "../../lib/ids.ts";
import type { ChatMember } from "../../lib/chat_model.ts";
import {
  listChatMembers,
  listChatsOfUser,
  listMessages,
  listOwnReactions,
  loadChatAccess,
} from "../../lib/chats.ts";
import { getOrg, listClasses } from "../../lib/orgs.ts";
import { getUsers } from "../../lib/users.ts";
import { keys } from "../../lib/kv_keys.ts";
import { getManyChunked } from "../../lib/kv_util.ts";
import { AppError } from "../../lib/errors.ts";
import { defaultOrgSettings, orgSettings } from "../../lib/model.ts";
import { quietEndsAt } from "../../lib/quiet.ts";
import { withPollViews } from "../../lib/polls.ts";
import { ownAcks } from "../../lib/acks.ts";
import { listUpcoming } from "../../lib/lessons.ts";
import { type ChatSummary, isVerifiedTeacher, type Person, toView } from "../../lib/chat_view.ts";
import type { UpcomingLesson } from "../../islands/messenger/store.ts";
import Messenger, { type MessengerProps, type OpenChat } from "../../islands/Messenger.tsx";
import { chatTitle } from "../../islands/messenger/names.ts";

/** Messages the open chat shows before scrolling back. */
const PAGE = 50;
/** Upcoming lessons the page brings along. */
const LESSONS = 20;

export function chatPages(deps: Deps) {
  const app = new Hono<AppEnv>();
  app.get("/chats", (c) => show(c, deps, null));
  app.get("/chats/:chatId", (c) => show(c, deps, c.req.param("chatId")));
  return app;
}

/** The other member of each direct chat (first few members listed; a direct chat has two). */
async function directPeers(kv: Deno.Kv, me: UserId, chatIds: ChatId[]) {
  const peers = await Promise.all(chatIds.map(async (chatId) => {
    for await (
      const entry of kv.list<ChatMember>({ prefix: keys.chatMembers(chatId) }, { limit: 3 })
    ) {
      if (entry.value.userId !== me) return entry.value.userId;
    }
    return null;
  }));
  return new Map(chatIds.map((id, i) => [id, peers[i] ?? null]));
}

async function show(c: Ctx, deps: Deps, chatId: string | null) {
  const { kv, gateway } = deps;
  const v = await viewer(c, deps);
  if (!v.user) return signInRedirect(c);
  const me = v.user.id;
  const { locale } = v;

  let access: Awaited<ReturnType<typeof loadChatAccess>> | null = null;
  if (chatId !== null) {
    try {
      access = await loadChatAccess(kv, chatId, me);
    } catch (err) {
      if (err instanceof AppError && err.status === 404) return notFoundPage(c, v);
      throw err;
    }
  }

  const [rows, orgRecords, upcoming, classLists] = await Promise.all([
    listChatsOfUser(kv, me, deps.clock.now()),
    Promise.all(v.orgs.map((o) => getOrg(kv, o.id))),
    listUpcoming(kv, me, deps.clock.now(), LESSONS),
    Promise.all(v.orgs.map((o) => listClasses(kv, o.id as OrgId))),
  ]);
  const lessons: UpcomingLesson[] = upcoming.map((l) => ({
    id: l.id,
    kind: l.kind,
    title: l.title,
    startsAt: l.startsAt,
    durationMinutes: l.durationMinutes,
    chatId: l.chatId,
    chatTitle: l.chatTitle,
  }));
  // Class chats link their class's schedule.
  const schedules: Record<string, string> = {};
  for (const cls of classLists.flat()) if (cls.scheduleUrl) schedules[cls.id] = cls.scheduleUrl;
  const directIds = rows.filter((r) => r.kind === "direct").map((r) => r.id as ChatId);
  const peers = await directPeers(kv, me, directIds);
  const chats: ChatSummary[] = rows.map((r) => ({
    id: r.id,
    orgId: r.orgId,
    kind: r.kind,
    title: r.title,
    lastSeq: r.lastSeq,
    lastReadSeq: r.lastReadSeq,
    unread: r.unread,
    lastActivityAt: r.lastActivityAt,
    lastMessage: r.lastMessage ? toView(r.lastMessage) : null,
    peerId: r.kind === "direct" ? peers.get(r.id as ChatId) ?? null : null,
    settings: r.settings,
    ...(r.classId ? { classId: r.classId } : {}),
  }));

  // Names of everyone the list mentions: direct peers and authors of last messages.
  const mentioned = new Set<UserId>();
  for (const chat of chats) {
    if (chat.peerId) mentioned.add(chat.peerId as UserId);
    if (chat.lastMessage) mentioned.add(chat.lastMessage.authorId as UserId);
  }
  const mentionedIds = [...mentioned];
  const users = await getUsers(kv, mentionedIds);
  const people: Record<string, Person> = {};
  const online: Record<string, boolean> = {};
  mentionedIds.forEach((id, i) => {
    people[id] = { name: users[i]?.displayName ?? null, verified: false };
  });
  for (const chat of chats) {
    if (chat.peerId) online[chat.peerId] = gateway.isOnline(chat.peerId as UserId);
  }

  // How far the other person of each direct chat has read.
  const othersRead: Record<string, number> = {};
  const directs = chats.filter((ch) => ch.peerId);
  const markers = await getManyChunked<number>(
    kv,
    directs.map((ch) => keys.readMarker(ch.id as ChatId, ch.peerId as UserId)),
  );
  directs.forEach((ch, i) => {
    if (markers[i]?.value) othersRead[ch.id] = markers[i]!.value!;
  });

  let open: OpenChat | null = null;
  if (access) {
    const { chat, head } = access;
    const [members, newestFirst] = await Promise.all([
      listChatMembers(kv, chat),
      listMessages(kv, chat.id, head.seq + 1, PAGE),
    ]);
    const [own, views, acked] = await Promise.all([
      listOwnReactions(kv, chat.id, me, newestFirst.map((m) => m.seq)),
      withPollViews(kv, newestFirst, deps.clock.now(), me),
      ownAcks(kv, chat.id, me, newestFirst),
    ]);
    const others = members.filter((m) => m.userId !== me);
    const readMarkers = await getManyChunked<number>(
      kv,
      others.map((m) => keys.readMarker(chat.id, m.userId)),
    );
    const furthest = Math.max(0, ...readMarkers.map((e) => e?.value ?? 0));
    if (furthest) othersRead[chat.id] = Math.max(othersRead[chat.id] ?? 0, furthest);
    for (const m of members) online[m.userId] = gateway.isOnline(m.userId);
    // Writers see when students, in their quiet hours, will be told of new messages.
    const org = orgRecords[v.orgs.findIndex((o) => o.id === chat.orgId)];
    const settings = org ? orgSettings(org) : null;
    const quietEnd = settings && members.some((m) => m.roles.includes("student"))
      ? quietEndsAt(settings.quietHours, settings.timeZone, deps.clock.now())
      : null;
    open = {
      id: chat.id,
      quietUntil: quietEnd === null ? null : new Date(quietEnd).toISOString(),
      members: members.map((m) => ({ ...m, online: online[m.userId] })),
      messages: views.reverse().map((m) =>
        toView({
          ...m,
          myReactions: own.get(m.seq) ?? [],
          ...(m.needsAck ? { myAck: acked.has(m.seq) } : {}),
        })
      ),
      lastSeq: head.seq,
      hasMore: newestFirst.length === PAGE,
    };
    for (const m of members) {
      people[m.userId] = { name: m.displayName, verified: isVerifiedTeacher(m) };
    }
  }

  const orgs = v.orgs.map((o, i) => {
    const record = orgRecords[i];
    return {
      id: o.id,
      name: o.name,
      roles: [...o.roles],
      journalUrl: record?.journalUrl ?? null,
      timeZone: record?.settings.timeZone ?? defaultOrgSettings().timeZone,
    };
  });
  const wanted = c.req.query("org");
  const orgId = orgs.some((o) => o.id === wanted) ? wanted! : null;

  const props: MessengerProps = {
    locale,
    me,
    orgs,
    chats,
    people,
    online,
    othersRead,
    orgId,
    open,
    now: new Date(deps.clock.now()).toISOString(),
    callsEnabled: deps.config.livekit !== null,
    maxUploadBytes: deps.config.maxUploadBytes,
    lessons,
    schedules,
  };
  const unread = chats.reduce((n, ch) => n + ch.unread, 0);
  const openRow = open ? chats.find((ch) => ch.id === open!.id) : undefined;
  const base = openRow ? chatTitle(locale, openRow, people) : t(locale, "chats.title");
  c.header("Cache-Control", "no-store");
  return c.html(renderPage({
    title: `${unread > 0 ? `(${unread}) ` : ""}${base}`,
    locale,
    user: v.user,
    operator: v.operator,
    adminOrgId: v.adminOrgId,
    wide: true,
    body: <Island name="Messenger" component={Messenger} props={props} />,
  }));
}
