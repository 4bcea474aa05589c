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
import { t } from "../../shared/i18n.ts";
import type { OrgId, UserId } from "../../shared/ids.ts";
import { AppError } from "../../shared/errors.ts";
import type { ChatScope } from "../../services/chats.ts";
import {
  type ChatSummary,
  isVerifiedTeacher,
  type Person,
  toView,
} from "../../shared/chat_view.ts";
import type { UpcomingLesson } from "../../shared/chat_view.ts";
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

async function show(c: Ctx, deps: Deps, chatId: string | null) {
  const { chats: service } = deps.services;
  const v = await viewer(c, deps);
  if (!v.user) return signInRedirect(c);
  const me = v.user.id;
  const { locale } = v;

  let scope: ChatScope | null = null;
  if (chatId !== null) {
    try {
      scope = await service.open(me, chatId);
    } catch (err) {
      if (err instanceof AppError && err.status === 404) return notFoundPage(c, v);
      throw err;
    }
  }

  const [rows, briefs, upcoming, opening] = await Promise.all([
    service.overview(me),
    deps.services.school.briefs(v.orgs.map((o) => o.id as OrgId)),
    service.upcomingLessons(me, LESSONS),
    scope ? scope.opening(PAGE) : Promise.resolve(null),
  ]);
  const lessons: UpcomingLesson[] = upcoming;
  // Class chats link their class's schedule.
  const schedules = Object.assign({}, ...briefs.map((b) => b.schedules));
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
    peerId: r.peerId,
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
  const names = await service.names(mentionedIds);
  const people: Record<string, Person> = {};
  const online: Record<string, boolean> = {};
  mentionedIds.forEach((id, i) => {
    people[id] = { name: names[i]!, verified: false };
  });
  for (const chat of chats) {
    if (chat.peerId) online[chat.peerId] = deps.gateway.isOnline(chat.peerId as UserId);
  }

  // How far the other person of each direct chat has read.
  const othersRead: Record<string, number> = {};
  for (const r of rows) if (r.peerReadSeq) othersRead[r.id] = r.peerReadSeq;

  let open: OpenChat | null = null;
  if (scope && opening) {
    const id = scope.access.chat.id;
    if (opening.othersReadSeq) {
      othersRead[id] = Math.max(othersRead[id] ?? 0, opening.othersReadSeq);
    }
    for (const m of opening.members) online[m.userId] = m.online;
    open = {
      id,
      quietUntil: opening.quietUntil,
      members: opening.members,
      messages: opening.messages.map(toView),
      lastSeq: opening.lastSeq,
      hasMore: opening.hasMore,
    };
    for (const m of opening.members) {
      people[m.userId] = { name: m.displayName, verified: isVerifiedTeacher(m) };
    }
  }

  const orgs = v.orgs.map((o, i) => ({
    id: o.id,
    name: o.name,
    roles: [...o.roles],
    journalUrl: briefs[i]!.journalUrl,
    timeZone: briefs[i]!.timeZone,
  }));
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
