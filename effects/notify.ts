/**
 * Notifications of new messages, run as effects written in the messages' own commit (so each
 * commit is notified once, across crashes, workers and machines).
 *
 * Who hears: members of the chat other than the author, who are not looking at it (no visible,
 * focused socket on it anywhere: `keys.viewer`, kept by the gateways) and have not muted it —
 * an announcement to confirm or a mention of them notifies even in a muted chat. Who has no browser
 * to push to is told by mail instead (effects/notify_mail.ts). A student during the school's quiet
 * hours is not notified then: the messages are counted, and one summary follows when the hours
 * end. Each of a person's subscribed browsers gets one push per commit; a push the push service
 * accepted is marked at once, so a second run of the effect (its runner died) sends only what
 * the first did not. A subscription the push service says is gone (404, 410) is deleted; one it
 * cannot take now (429, 5xx) is retried by an effect of its own until the push's TTL runs out.
 */
import { createHash } from "node:crypto";
import type { ChatId, Clock, Ids, OrgId, UserId } from "../shared/ids.ts";
import { keys } from "../platform/kv_keys.ts";
import { commit, getManyChunked, listAll } from "../platform/kv_util.ts";
import type { Chat, ChatMember, Message } from "../shared/chat_model.ts";
import { type Locale, type Member, type Org, orgSettings, type User } from "../shared/model.ts";
import { plural, t } from "../shared/i18n.ts";
import { heldByQuietHours } from "../shared/policy.ts";
import { quietEndsAt } from "../shared/quiet.ts";
import type { PushConfig } from "../platform/config.ts";
import { type PushOptions, sendPush, type Vapid } from "../platform/web_push.ts";
import {
  dropSubscription,
  type NoSubscriptions,
  type PushSubscriptionRecord,
  vapidKeys,
} from "../domain/push.ts";
import type { Mailer } from "../platform/mail.ts";
import { mailNotices } from "./notify_mail.ts";
import type { EffectBody, EffectRecord } from "./outbox.ts";
import { writeEffect } from "./outbox.ts";

export interface NotifyDeps {
  kv: Deno.Kv;
  clock: Clock;
  ids: Ids;
  push: PushConfig;
  /** This isolate's memory of who has no subscription (shared with the subscribe route). */
  unsubscribed: NoSubscriptions;
  mailer: Mailer;
  /** The app's public origin, for links in mail. */
  appOrigin: string;
}

/** Pushes in flight at once from one effect. */
const CONCURRENCY = 16;
/** How long a push waits at the push service for an offline device (s). */
const TTL_MESSAGE = 24 * 3600;
const TTL_ACK = 3 * 24 * 3600;
/** A push marked sent is remembered this long (far past any rerun of its effect). */
const SENT_MARK_MS = 2 * 24 * 3600_000;
/** A subscription's last use is written at most this often. */
const LAST_USE_EVERY_MS = 3600_000;
const PREVIEW_CHARS = 140;

/** What the service worker gets: enough to show the notification and open the chat. */
export interface PushPayload {
  v: 1;
  kind: "message" | "quiet";
  title: string;
  body: string;
  /** Notifications of one chat replace each other (the service worker counts them). */
  tag: string;
  url: string;
  chatId?: string;
  seq?: number;
  /** Messages this push stands for. */
  count: number;
}

type Body<K extends EffectBody["kind"]> = Extract<EffectBody, { kind: K }>;

export function notifyHandlers(deps: NotifyDeps) {
  const { kv, clock, ids } = deps;
  let vapid: Promise<Vapid> | null = null;
  const keysOnce = () =>
    vapid ??= vapidKeys(kv, deps.push).then((k) => ({ ...k, subject: deps.push.subject }));

  /** Sends one push; marks it sent, or schedules its retry, or forgets a gone subscription. */
  async function deliver(
    effectId: string,
    sub: PushSubscriptionRecord,
    payload: PushPayload,
    options: PushOptions,
  ): Promise<void> {
    const now = clock.now();
    if (Date.parse(sub.sessionExpiresAt) <= now) return await dropSubscription(kv, sub);
    const text = JSON.stringify(payload);
    const outcome = await sendPush(await keysOnce(), sub, text, options);
    const mark = keys.pushSent(effectId, sub.id);
    if (outcome.kind === "gone") return await dropSubscription(kv, sub);
    const op = kv.atomic().set(mark, outcome.kind, { expireIn: SENT_MARK_MS });
    if (outcome.kind === "retry") {
      const wait = Math.max(outcome.retryAfterMs ?? 0, 5_000);
      writeEffect(
        op,
        ids.ulid(),
        {
          kind: "notify.retry",
          userId: sub.userId,
          subscriptionId: sub.id,
          payload: text,
          ttl: options.ttl,
          urgency: options.urgency === "high" ? "high" : "normal",
          expiresAt: now + options.ttl * 1000,
        },
        now,
        now + wait,
      );
    } else if (outcome.kind === "refused") {
      console.error(`push refused by ${new URL(sub.endpoint).host}: ${outcome.status}`);
    }
    await commit(op);
    if (outcome.kind === "sent") await touch(sub, now);
  }

  /** Notes the subscription's last use (at most hourly: it is shown in the profile). */
  async function touch(sub: PushSubscriptionRecord, now: number): Promise<void> {
    if (sub.lastUsedAt && now - Date.parse(sub.lastUsedAt) < LAST_USE_EVERY_MS) return;
    const entry = await kv.get<PushSubscriptionRecord>(keys.pushSubscription(sub.userId, sub.id));
    if (!entry.value) return;
    await commit(
      kv.atomic().check(entry).set(entry.key, {
        ...entry.value,
        lastUsedAt: new Date(now).toISOString(),
      }),
    );
  }

  /**
   * Holds messages from a student in quiet hours: counted (once per effect, marked like a push),
   * and one summary when they end.
   */
  async function hold(
    effectId: string,
    userId: UserId,
    orgId: OrgId,
    chatId: ChatId,
    n: number,
    endsAt: number,
  ) {
    const key = keys.quietHeld(userId, orgId);
    const mark = keys.pushSent(effectId, `held-${userId}`);
    for (let attempt = 0; attempt < 20; attempt++) {
      const [entry, marked] = await kv.getMany<[QuietHeld, string]>([key, mark]);
      if (marked.value) return;
      const held: QuietHeld = entry.value ?? { chats: {}, endsAt };
      held.chats[chatId] = (held.chats[chatId] ?? 0) + n;
      const op = kv.atomic().check(entry).check(marked).set(key, held)
        .set(mark, "held", { expireIn: SENT_MARK_MS });
      // The summary is written with the first message held, so there is one per night.
      if (!entry.value) {
        writeEffect(op, ids.ulid(), { kind: "notify.quiet", userId, orgId }, clock.now(), endsAt);
      }
      if ((await commit(op)).ok) return;
    }
    throw new Error("quiet-hours count kept changing");
  }

  const mail = mailNotices(deps);
  const { byMail } = mail;

  return {
    ...mail.handlers,

    async "notify.messages"({ chatId, seqs }: Body<"notify.messages">, record: EffectRecord) {
      const chat = (await kv.get<Chat>(keys.chat(chatId))).value;
      if (!chat) return;
      const [found, members, viewers, orgEntry, sent] = await Promise.all([
        getManyChunked<Message>(kv, seqs.map((seq) => keys.message(chatId, seq))),
        listAll<ChatMember>(kv, keys.chatMembers(chatId)),
        listAll<{ until: number }>(kv, keys.viewers(chatId)),
        kv.get<Org>(keys.org(chat.orgId)),
        listAll<string>(kv, keys.pushSentOf(record.id)),
      ]);
      const messages = found.flatMap((e) => e.value && !e.value.deleted ? [e.value] : []);
      const org = orgEntry.value;
      if (messages.length === 0 || !org) return;
      const now = clock.now();
      const looking = new Set(
        viewers.filter((v) => v.value.until > now).map((v) => v.key[2] as UserId),
      );
      const done = new Set(sent.map((e) => e.key[2] as string));
      const recipients = members.map((e) => e.value).flatMap((member) => {
        const theirs = messages.filter((m) => m.authorId !== member.userId);
        if (theirs.length === 0 || looking.has(member.userId)) return [];
        const muted = member.notifyMutedUntil === null ||
          (member.notifyMutedUntil !== undefined && Date.parse(member.notifyMutedUntil) > now);
        const heard = muted
          ? theirs.filter((m) => m.needsAck || mentioned(m, member.userId))
          : theirs;
        return heard.length > 0 ? [{ userId: member.userId, messages: heard }] : [];
      });
      if (recipients.length === 0) return;
      const authorIds = [...new Set(messages.map((m) => m.authorId))];
      const [users, roles] = await Promise.all([
        getManyChunked<User>(kv, [...authorIds, ...recipients.map((r) => r.userId)].map(keys.user)),
        getManyChunked<Member>(kv, recipients.map((r) => keys.orgMember(chat.orgId, r.userId))),
      ]);
      const names = new Map(users.flatMap((e) => e.value ? [[e.value.id, e.value]] : []));
      const settings = orgSettings(org);
      const quietEnd = quietEndsAt(settings.quietHours, settings.timeZone, now);
      const jobs: (() => Promise<void>)[] = [];
      await Promise.all(recipients.map(async (r, i) => {
        const member = roles[i]!.value;
        if (!member) return; // left the school; the chats follow
        const student = heldByQuietHours({
          userId: r.userId,
          chatRole: null,
          orgRoles: member.roles,
        });
        if (student && quietEnd !== null) {
          return await hold(record.id, r.userId, chat.orgId, chatId, r.messages.length, quietEnd);
        }
        // No browser to push to: an e-mail later, if they want one and do not come by.
        const mail = () => byMail(names.get(r.userId), org);
        if (deps.unsubscribed.known(r.userId, now)) return void await mail();
        const all = await listAll<PushSubscriptionRecord>(kv, keys.pushSubscriptions(r.userId));
        if (all.length === 0) {
          deps.unsubscribed.note(r.userId, now);
          return void await mail();
        }
        const subs = all.map((e) => e.value).filter((s) => !done.has(s.id));
        if (subs.length === 0) return;
        const locale = names.get(r.userId)?.locale ?? "ru";
        const payload = messagePayload(locale, chat, r.messages, names, {
          preview: !student || settings.studentPushPreviews,
        });
        const direct = chat.kind === "direct";
        const ack = r.messages.some((m) => m.needsAck);
        const named = r.messages.some((m) => mentioned(m, r.userId));
        const options: PushOptions = {
          ttl: ack ? TTL_ACK : TTL_MESSAGE,
          urgency: direct || ack || named ? "high" : "normal",
          topic: topicOf(chatId, payload.seq!),
        };
        for (const sub of subs) jobs.push(() => deliver(record.id, sub, payload, options));
      }));
      await pool(jobs, CONCURRENCY);
    },

    async "notify.retry"(body: Body<"notify.retry">) {
      const now = clock.now();
      if (now >= body.expiresAt) return; // the push would be stale: let it go
      const entry = await kv.get<PushSubscriptionRecord>(
        keys.pushSubscription(body.userId, body.subscriptionId),
      );
      const sub = entry.value;
      if (!sub || Date.parse(sub.sessionExpiresAt) <= now) return;
      const outcome = await sendPush(await keysOnce(), sub, body.payload, {
        ttl: Math.max(1, Math.floor((body.expiresAt - now) / 1000)),
        urgency: body.urgency,
      });
      if (outcome.kind === "gone") return await dropSubscription(kv, sub);
      // Thrown: the runner tries again later, waiting longer each time.
      if (outcome.kind === "retry") throw new Error(`push service answered ${outcome.status}`);
      if (outcome.kind === "sent") await touch(sub, now);
    },

    async "notify.quiet"({ userId, orgId }: Body<"notify.quiet">, record: EffectRecord) {
      const entry = await kv.get<QuietHeld>(keys.quietHeld(userId, orgId));
      if (!entry.value) return;
      const chats = Object.values(entry.value.chats);
      const total = chats.reduce((a, b) => a + b, 0);
      const user = (await kv.get<User>(keys.user(userId))).value;
      const member = (await kv.get<Member>(keys.orgMember(orgId, userId))).value;
      if (user && member && total > 0) {
        const subs = (await listAll<PushSubscriptionRecord>(kv, keys.pushSubscriptions(userId)))
          .map((e) => e.value);
        const sent = new Set(
          (await listAll(kv, keys.pushSentOf(record.id))).map((e) => e.key[2] as string),
        );
        if (subs.length === 0) {
          const org = (await kv.get<Org>(keys.org(orgId))).value;
          if (org) await byMail(user, org);
        }
        const payload = quietPayload(user.locale, total, chats.length);
        await pool(
          subs.filter((s) => !sent.has(s.id)).map((sub) => () =>
            deliver(record.id, sub, payload, { ttl: 12 * 3600, urgency: "normal", topic: "quiet" })
          ),
          CONCURRENCY,
        );
      }
      await commit(kv.atomic().check(entry).delete(entry.key));
    },
  };
}

/**
 * The push's RFC 8030 topic: one per message. A copy sent again after a crash (its first may have
 * reached the push service just before) replaces the first while it waits for an offline device,
 * and a delivered one is shown once by the service worker (same tag and seq).
 */
export function topicOf(chatId: ChatId, seq: number): string {
  return createHash("sha256").update(`${chatId}:${seq}`).digest("base64url").slice(0, 32);
}

/** Whether a message names `userId` (or everyone). */
function mentioned(m: Message, userId: UserId): boolean {
  return m.mentionsAll === true || (m.mentions?.includes(userId) ?? false);
}

/** Messages held for a student during quiet hours: how many per chat, and when the hours end. */
interface QuietHeld {
  chats: Record<string, number>;
  endsAt: number;
}

/** Runs the jobs, at most `limit` at a time. */
async function pool(jobs: (() => Promise<void>)[], limit: number): Promise<void> {
  let next = 0;
  const failures: unknown[] = [];
  const worker = async () => {
    while (next < jobs.length) {
      const job = jobs[next++]!;
      await job().catch((err) => failures.push(err));
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, jobs.length) }, worker));
  // Pushes done are marked; a failure makes the effect run again for the rest.
  if (failures.length > 0) throw failures[0];
}

/** What a message says in a notification: its text, or what it is. */
function preview(locale: Locale, m: Message): string {
  const text = m.text.length > PREVIEW_CHARS ? `${m.text.slice(0, PREVIEW_CHARS - 1)}…` : m.text;
  if (m.needsAck) return t(locale, "notify.ack", { text });
  if (m.poll) return t(locale, "notify.poll", { question: m.poll.question });
  if (m.lesson) {
    return t(locale, m.lesson.kind === "meeting" ? "notify.meeting" : "notify.lesson", {
      title: m.lesson.title,
    });
  }
  if (m.call) return t(locale, "notify.call");
  if (text.trim() !== "") return text;
  const file = m.files?.[0];
  if (file) {
    return file.kind === "image"
      ? t(locale, "notify.image")
      : t(locale, "notify.file", { name: file.name });
  }
  return t(locale, "notify.newMessage");
}

/** The push for a recipient of one commit's messages in a chat (the latest shown). */
export function messagePayload(
  locale: Locale,
  chat: Chat,
  messages: readonly Message[],
  users: ReadonlyMap<UserId, User>,
  options: { preview: boolean },
): PushPayload {
  const last = messages.at(-1)!;
  const author = users.get(last.authorId)?.displayName ?? t(locale, "chats.unknownPerson");
  const direct = chat.kind === "direct";
  const title = direct || !chat.title ? author : chat.title;
  const said = options.preview ? preview(locale, last) : t(locale, "notify.newMessage");
  const body = direct ? said : t(locale, "notify.from", { name: author, text: said });
  return {
    v: 1,
    kind: "message",
    title,
    body: messages.length > 1 ? `${body}\n${plural(locale, messages.length, countForms)}` : body,
    tag: `chat-${chat.id}`,
    url: `/chats/${chat.id}`,
    chatId: chat.id,
    seq: last.seq,
    count: messages.length,
  };
}

const countForms = {
  one: "notify.count.one",
  few: "notify.count.few",
  many: "notify.count.many",
  other: "notify.count.other",
} as const;

/** The one push after quiet hours. */
export function quietPayload(locale: Locale, messages: number, chats: number): PushPayload {
  return {
    v: 1,
    kind: "quiet",
    title: t(locale, "notify.quietTitle"),
    body: t(locale, "notify.quietBody", {
      messages: plural(locale, messages, {
        one: "notify.quietMessages.one",
        few: "notify.quietMessages.few",
        many: "notify.quietMessages.many",
        other: "notify.quietMessages.other",
      }),
      chats: plural(locale, chats, {
        one: "notify.quietChats.one",
        other: "notify.quietChats.other",
      }),
    }),
    tag: "quiet",
    url: "/chats",
    count: messages,
  };
}
