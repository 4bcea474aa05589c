/**
 * One caller in one chat: the use cases of a chat the caller may read (messages, reactions,
 * read markers, polls, acknowledgements, invite links, reports), opened by
 * `ChatService.open` so access is read once per request. Also the helpers both share.
 */
import type { ChatId, Clock, Ids, UserId } from "../shared/ids.ts";
import { isUlid } from "../shared/ids.ts";
import type { ChatMember, ChatSettings, Lesson, Message, Poll } from "../shared/chat_model.ts";
import type { CreatePollInput, SendInput } from "../domain/chat_input.ts";
import {
  type ChatAccess,
  chatView,
  listChatMembers,
  listEvents,
  listMessages,
  loadChatAccess,
} from "../domain/chats.ts";
import { ackReport } from "../domain/acks.ts";
import { listVotes, pollView, publicMessage, withPollViews } from "../domain/polls.ts";
import { inviteUrl } from "../domain/invites.ts";
import { keys } from "../platform/kv_keys.ts";
import { canModerate, canSeeAcks } from "../shared/policy.ts";
import { listChatReports } from "../domain/reports.ts";
import { enforce } from "../platform/rate_limit.ts";
import { conflict, forbidden, notFound } from "../shared/errors.ts";
import type { OrgActor } from "../actors/org_actor.ts";
import type { ChatActor } from "../actors/chat_actor.ts";
import type { ChatCommand, CommandResult } from "../actors/chat_commands.ts";
import type { ActorHost } from "../actors/host.ts";
import type { Gateway } from "../actors/gateway.ts";
import { unwrap } from "../actors/mailbox.ts";
import { quietUntil, readerMessages, readMarkers } from "./chat_queries.ts";

export interface ChatServiceDeps {
  kv: Deno.Kv;
  clock: Clock;
  ids: Ids;
  chats: ActorHost<ChatActor>;
  orgs: ActorHost<OrgActor>;
  gateway: Gateway;
  /** Where invite links point (APP_ORIGIN). */
  appOrigin: string;
}

export interface HistoryPage {
  /** Seq below which to read (default: from the newest). */
  before?: number;
  limit: number;
}

export async function command<C extends ChatCommand>(
  d: ChatServiceDeps,
  chatId: ChatId,
  c: C,
): Promise<CommandResult<C>> {
  return unwrap(await d.chats.get(chatId).run(c));
}

export function send(d: ChatServiceDeps, userId: UserId, chatId: ChatId, input: SendInput) {
  return command(d, chatId, {
    type: "send",
    actorId: userId,
    clientId: input.clientId,
    text: input.text,
    replyToSeq: input.replyToSeq,
    needsAck: input.needsAck,
    fileIds: input.fileIds,
    mentions: input.mentions as UserId[] | undefined,
    mentionAll: input.mentionAll,
  });
}

/** Members with their names, roles and whether they are online. */
export async function members(d: ChatServiceDeps, chat: ChatAccess["chat"]) {
  const list = await listChatMembers(d.kv, chat);
  return list.map((m) => ({ ...m, online: d.gateway.isOnline(m.userId) }));
}

/** Reports one member may file in an hour. */
const REPORT_RATE = { bucket: "reports_user", limit: 30, windowMs: 3600_000 };

/** A member named in a request (a path segment): 404 unless it can be one. */
export function memberId(id: string): UserId {
  if (!isUlid<UserId>(id)) throw notFound("No such member in this chat");
  return id;
}

/** One caller in one chat they may read (see {@link ChatService.open}). */
export class ChatScope {
  readonly #d: ChatServiceDeps;
  readonly #userId: UserId;
  readonly access: ChatAccess;

  constructor(deps: ChatServiceDeps, userId: UserId, access: ChatAccess) {
    this.#d = deps;
    this.#userId = userId;
    this.access = access;
  }

  get #chatId(): ChatId {
    return this.access.chat.id;
  }

  #command<C extends ChatCommand>(c: C): Promise<CommandResult<C>> {
    return command(this.#d, this.#chatId, c);
  }

  #asReader(messages: Message[]) {
    return readerMessages(this.#d.kv, this.#d.clock.now(), this.#chatId, this.#userId, messages);
  }

  /** The chat with its members, and when its students' quiet hours end if they are on. */
  async view() {
    const { chat, head } = this.access;
    const list = await members(this.#d, chat);
    const until = await quietUntil(this.#d.kv, this.#d.clock.now(), chat, list);
    return {
      ...chatView(chat, head),
      members: list,
      ...(until !== null ? { quietUntil: new Date(until).toISOString() } : {}),
    };
  }

  async rename(title: string) {
    await this.#command({ type: "rename", actorId: this.#userId, title });
    const fresh = await loadChatAccess(this.#d.kv, this.#chatId, this.#userId);
    return chatView(fresh.chat, fresh.head);
  }

  addMembers(userIds: string[]) {
    return this.#command({
      type: "addMembers",
      actorId: this.#userId,
      userIds: userIds as UserId[],
    });
  }

  async removeMember(targetId: string): Promise<void> {
    await this.#command({
      type: "removeMember",
      actorId: this.#userId,
      userId: memberId(targetId),
    });
  }

  /** Sends a message; idempotent by `clientId` (`created` is false for a repeat). */
  async send(input: SendInput) {
    const outcome = await send(this.#d, this.#userId, this.#chatId, input);
    return {
      message: publicMessage(outcome.message, this.#d.clock.now()),
      created: outcome.created,
    };
  }

  /** A page of history, newest first, below `before` (default: from the newest). */
  async messages(page: HistoryPage) {
    const { head } = this.access;
    const list = await listMessages(
      this.#d.kv,
      this.#chatId,
      page.before ?? head.seq + 1,
      page.limit,
    );
    return { messages: await this.#asReader(list), lastSeq: head.seq };
  }

  /**
   * What the messenger shows of an open chat: members (online or not), the newest `limit`
   * messages as the caller sees them (oldest first), whether there are older ones, how far the
   * furthest other member has read, and when students' quiet hours end.
   */
  async opening(limit: number) {
    const { chat, head } = this.access;
    const [list, newestFirst] = await Promise.all([
      members(this.#d, chat),
      listMessages(this.#d.kv, this.#chatId, head.seq + 1, limit),
    ]);
    const others = list.filter((m) => m.userId !== this.#userId);
    const [messages, read, until] = await Promise.all([
      this.#asReader(newestFirst),
      readMarkers(this.#d.kv, others.map((m) => ({ chatId: this.#chatId, userId: m.userId }))),
      quietUntil(this.#d.kv, this.#d.clock.now(), chat, list),
    ]);
    return {
      members: list,
      messages: messages.reverse(),
      lastSeq: head.seq,
      hasMore: newestFirst.length === limit,
      othersReadSeq: Math.max(0, ...read),
      quietUntil: until === null ? null : new Date(until).toISOString(),
    };
  }

  /** The event log after `after`. */
  async events(after: number, limit: number) {
    const events = await listEvents(this.#d.kv, this.#chatId, after, limit);
    return { events, lastSeq: this.access.head.seq };
  }

  edit(seq: number, text: string): Promise<Message> {
    return this.#command({ type: "edit", actorId: this.#userId, seq, text });
  }

  /** Deletes a message; its commit also schedules its files' purge (effects). */
  async delete(seq: number): Promise<void> {
    await this.#command({ type: "delete", actorId: this.#userId, seq });
  }

  async react(seq: number, emoji: string, add: boolean) {
    const message = await this.#command({
      type: "react",
      actorId: this.#userId,
      seq,
      emoji,
      add,
    });
    const [view] = await this.#asReader([message]);
    return view!;
  }

  /** Moves the caller's read marker forward and tells the chat's sockets. */
  async markRead(seq: number): Promise<void> {
    const moved = await this.#command({ type: "markRead", actorId: this.#userId, seq });
    if (moved !== null) this.#d.gateway.read(this.#chatId, this.#userId, moved);
  }

  /** Turns the caller's notifications of the chat off for a while, for good, or on again. */
  setNotifications(mute: "none" | "1h" | "8h" | "forever") {
    const now = this.#d.clock.now();
    const hours = { "1h": 1, "8h": 8 } as const;
    return this.#command({
      type: "setNotifications",
      actorId: this.#userId,
      mute: mute === "none"
        ? "on"
        : { until: mute === "forever" ? null : now + hours[mute] * 3600_000 },
    });
  }

  /** A link that lets school members join the chat (its owners and moderators make them). */
  async createInvite(input: { maxUses?: number; ttlHours?: number }) {
    const invite = await this.#command({ type: "createLink", actorId: this.#userId, ...input });
    return {
      token: invite.token,
      url: inviteUrl(this.#d.appOrigin, invite.token),
      expiresAt: invite.expiresAt,
    };
  }

  // Polls

  async createPoll(input: CreatePollInput) {
    const { closesAt, ...poll } = input;
    const outcome = await this.#command({
      type: "createPoll",
      actorId: this.#userId,
      ...poll,
      closesAt: closesAt === undefined ? undefined : new Date(closesAt).toISOString(),
    });
    const now = this.#d.clock.now();
    const [message] = await withPollViews(this.#d.kv, [outcome.message], now, this.#userId);
    return { message: message!, created: outcome.created };
  }

  async vote(seq: number, options: number[]) {
    const poll = await this.#command({ type: "vote", actorId: this.#userId, seq, options });
    return await this.#pollView(seq, poll);
  }

  async closePoll(seq: number) {
    const poll = await this.#command({ type: "closePoll", actorId: this.#userId, seq });
    return await this.#pollView(seq, poll);
  }

  async #pollView(seq: number, poll: Poll) {
    const votes = await listVotes(this.#d.kv, this.#chatId, seq);
    return pollView(poll, this.#d.clock.now(), votes, this.#userId);
  }

  // Announcements that ask for confirmation

  async acknowledge(seq: number) {
    const message = await this.#command({ type: "ack", actorId: this.#userId, seq });
    return { ...message, myAck: true };
  }

  /** Who has confirmed an announcement and who not yet (its author and moderators). */
  async acknowledgements(seq: number) {
    const message = (await this.#d.kv.get<Message>(keys.message(this.#chatId, seq))).value;
    if (!message || !message.needsAck) throw notFound("No such announcement");
    if (canSeeAcks(this.access.caller, message.authorId) !== "allow") {
      throw forbidden("Only the author and moderators see who has confirmed");
    }
    return await ackReport(this.#d.kv, this.#chatId, message);
  }

  // Moderation in the chat

  setSettings(settings: Partial<ChatSettings>): Promise<ChatSettings> {
    return this.#command({ type: "setSettings", actorId: this.#userId, settings });
  }

  mute(userId: UserId, minutes: number): Promise<ChatMember> {
    return this.#command({
      type: "mute",
      actorId: this.#userId,
      userId,
      minutes,
    });
  }

  setRole(userId: UserId, chatRole: "moderator" | "member"): Promise<ChatMember> {
    return this.#command({
      type: "setRole",
      actorId: this.#userId,
      userId,
      chatRole,
    });
  }

  /**
   * Reports a message to the chat's moderators and the school's admins: the report keeps a copy
   * of the message; the notice to those online is an effect of the same commit.
   */
  async report(seq: number, reason: string): Promise<{ id: string; at: string }> {
    const { kv, clock } = this.#d;
    // What the API has always answered first: no such message, or one already deleted.
    const message = (await kv.get<Message>(keys.message(this.#chatId, seq))).value;
    if (!message) throw notFound("No such message");
    if (message.deleted) throw conflict("The message was already deleted");
    await enforce(kv, clock, REPORT_RATE, this.#userId);
    const report = await this.#command({ type: "report", actorId: this.#userId, seq, reason });
    return { id: report.id, at: report.at };
  }

  /** The chat's reports (its moderators). */
  async reports() {
    if (canModerate(this.access.caller) !== "allow") {
      throw forbidden("Only moderators see reports");
    }
    return await listChatReports(this.#d.kv, this.access.chat.orgId, this.#chatId);
  }

  // Planned lessons and meetings

  scheduleLesson(
    input: { kind: "lesson" | "meeting"; title: string; startsAt: string; durationMinutes: number },
  ): Promise<Lesson> {
    return this.#command({
      type: "scheduleLesson",
      actorId: this.#userId,
      id: this.#d.ids.ulid(),
      kind: input.kind,
      title: input.title,
      startsAt: new Date(input.startsAt).toISOString(),
      durationMinutes: input.durationMinutes,
    });
  }
}
