/**
 * Notifications by e-mail, for people a message reaches who have no browser to push to: one
 * e-mail 15 minutes later if they still have not come by (once per absence), or the day's digest
 * at 18:00 — as they chose, or their school. Both wait as effects written with a pending record,
 * one at a time per person.
 */
import type { Clock, Ids, OrgId, UserId } from "../shared/ids.ts";
import { keys } from "../platform/kv_keys.ts";
import { commit, getManyChunked, listAll } from "../platform/kv_util.ts";
import {
  type Member,
  type Org,
  orgSettings,
  type UnreadEmail,
  type User,
} from "../shared/model.ts";
import { t } from "../shared/i18n.ts";
import { heldByQuietHours } from "../shared/policy.ts";
import { quietEndsAt } from "../shared/quiet.ts";
import type { Mailer } from "../platform/mail.ts";
import { listChatsOfUser } from "../domain/chats.ts";
import { unsubscribeToken } from "../domain/mail_links.ts";
import { digestIsEmpty, gatherDigest, scheduleDigest } from "../domain/digest.ts";
import { unreadMail } from "./unread_mail.ts";
import { digestMail } from "./digest_mail.ts";
import type { EffectBody } from "./outbox.ts";
import { writeEffect } from "./outbox.ts";

export interface MailNoticeDeps {
  kv: Deno.Kv;
  clock: Clock;
  ids: Ids;
  mailer: Mailer;
  /** The app's public origin, for links in mail. */
  appOrigin: string;
}

/** How long after a message the unread e-mail waits for the person to come by. */
const EMAIL_AFTER_MS = 15 * 60_000;
/** Another unread e-mail before they came back only after this long. */
const EMAIL_AGAIN_MS = 24 * 3600_000;

type Body<K extends EffectBody["kind"]> = Extract<EffectBody, { kind: K }>;

export function mailNotices(deps: MailNoticeDeps) {
  const { kv, clock, ids } = deps;

  /**
   * Whose unread e-mail and whose digest is already waiting, until when (this isolate's memory,
   * so a busy chat's commits do not read each person's pending record again; KV decides).
   */
  const emailWaiting = new Map<UserId, number>();
  const digestWaiting = new Map<UserId, number>();
  const remember = (memory: Map<UserId, number>, userId: UserId, due: number) => {
    if (memory.size > 100_000) memory.clear();
    memory.set(userId, due);
  };

  /** The day's digest at the next 18:00, unless one is waiting already. */
  async function digestLater(userId: UserId, timeZone: string): Promise<void> {
    if ((digestWaiting.get(userId) ?? 0) > clock.now()) return;
    remember(digestWaiting, userId, await scheduleDigest(deps, userId, timeZone));
  }

  /** An unread e-mail 15 minutes from now, unless one is waiting already. */
  async function emailLater(userId: UserId): Promise<void> {
    const now = clock.now();
    if ((emailWaiting.get(userId) ?? 0) > now) return;
    const key = keys.unreadEmailPending(userId);
    const entry = await kv.get<{ since: number }>(key);
    const due = entry.value ? entry.value.since + EMAIL_AFTER_MS : now + EMAIL_AFTER_MS;
    if (!entry.value) {
      const op = kv.atomic().check(entry).set(key, { since: now });
      writeEffect(op, ids.ulid(), { kind: "notify.email", userId }, now, due);
      if (!(await commit(op)).ok) return; // another isolate scheduled it at this moment
    }
    remember(emailWaiting, userId, due);
  }

  /** Which unread e-mail `user` gets, by their choice or their school's. */
  function emailChoice(user: User | undefined, org: Org): UnreadEmail {
    return user?.unreadEmail ?? orgSettings(org).unreadEmail;
  }
  const wantsEmail = (user: User | undefined, org: Org) => emailChoice(user, org) === "15m";

  /** By mail for someone with no push: in 15 minutes, or in the day's digest. */
  function byMail(user: User | undefined, org: Org): Promise<unknown> | undefined {
    if (!user) return;
    const choice = emailChoice(user, org);
    if (choice === "15m") return emailLater(user.id);
    if (choice === "daily") return digestLater(user.id, orgSettings(org).timeZone);
  }

  /** The links every notification mail carries. */
  async function links(userId: UserId) {
    const origin = deps.appOrigin;
    return {
      app: `${origin}/chats`,
      profile: `${origin}/profile`,
      unsubscribe: `${origin}/unsubscribe/${await unsubscribeToken(kv, userId)}`,
    };
  }

  return {
    byMail,
    handlers: {
      async "notify.email"({ userId }: Body<"notify.email">) {
        const now = clock.now();
        const [pending, seenEntry, sentEntry, userEntry] = await kv.getMany<
          [{ since: number }, { at: number; open: boolean }, number, User]
        >([
          keys.unreadEmailPending(userId),
          keys.lastSeen(userId),
          keys.unreadEmailSent(userId),
          keys.user(userId),
        ]);
        if (!pending.value) return;
        const done = async (sent = false) => {
          const op = kv.atomic().check(pending).delete(pending.key);
          if (sent) op.set(keys.unreadEmailSent(userId), now);
          await commit(op);
          emailWaiting.delete(userId);
        };
        const user = userEntry.value;
        const seen = seenEntry.value;
        // Back in the app since (or never gone): they have seen it.
        if (!user || (seen && (seen.open || seen.at >= pending.value.since))) return await done();
        // One e-mail per absence, or per day at most.
        const sent = sentEntry.value;
        if (sent !== null && (!seen || sent > seen.at) && now - sent < EMAIL_AGAIN_MS) {
          return await done();
        }
        // Notifications turned on in a browser since: those tell them.
        if ((await listAll(kv, keys.pushSubscriptions(userId), { limit: 1 })).length > 0) {
          return await done();
        }
        const rows = (await listChatsOfUser(kv, userId, now))
          .filter((c) => c.unread > 0 && !c.notifications.muted);
        const orgIds = [...new Set(rows.map((c) => c.orgId))];
        const [orgs, roles] = await Promise.all([
          getManyChunked<Org>(kv, orgIds.map((id) => keys.org(id as OrgId))),
          getManyChunked<Member>(kv, orgIds.map((id) => keys.orgMember(id as OrgId, userId))),
        ]);
        const schools = new Map(
          orgIds.map((id, i) => [id, { org: orgs[i]!.value, member: roles[i]!.value }]),
        );
        // Chats of schools whose rules say no e-mail for them, or where it is a student's night.
        const told = rows.filter((c) => {
          const school = schools.get(c.orgId);
          if (!school?.org || !school.member || !wantsEmail(user, school.org)) return false;
          const settings = orgSettings(school.org);
          const student = heldByQuietHours({
            userId,
            chatRole: null,
            orgRoles: school.member.roles,
          });
          return !(student && quietEndsAt(settings.quietHours, settings.timeZone, now) !== null);
        });
        if (told.length === 0) return await done();
        const authorIds = [
          ...new Set(told.flatMap((c) => c.lastMessage ? [c.lastMessage.authorId] : [])),
        ];
        const authors = await getManyChunked<User>(
          kv,
          authorIds.map((id) => keys.user(id as UserId)),
        );
        const authorName = new Map(
          authors.flatMap((e) => e.value ? [[e.value.id, e.value.displayName]] : []),
        );
        const locale = user.locale;
        const chats = told.map((c) => {
          const last = c.lastMessage;
          const who = last
            ? authorName.get(last.authorId as UserId) ?? t(locale, "chats.unknownPerson")
            : "";
          return {
            title: c.title ?? c.peer?.displayName ?? t(locale, "chats.unknownPerson"),
            unread: c.unread,
            last: last && !last.deleted
              ? t(locale, "notify.from", {
                name: who,
                text: last.text || t(locale, "notify.newMessage"),
              })
              : null,
          };
        });
        const to = { email: user.email, name: user.displayName };
        await deps.mailer.send(unreadMail(locale, to, chats, await links(userId)));
        await done(true);
      },

      async "notify.digest"({ userId }: Body<"notify.digest">) {
        const [pending, userEntry] = await kv.getMany<[{ dueAt: number }, User]>([
          keys.digestPending(userId),
          keys.user(userId),
        ]);
        if (!pending.value) return;
        const user = userEntry.value;
        const orgIds = (await listAll<true>(kv, keys.orgsByUser(userId))).map((e) =>
          e.key[2] as OrgId
        );
        const org = orgIds.length ? (await kv.get<Org>(keys.org(orgIds[0]!))).value : null;
        const done = () => commit(kv.atomic().check(pending).delete(pending.key));
        if (!user || !org || emailChoice(user, org) !== "daily") return void await done();
        const now = clock.now();
        const { timeZone } = orgSettings(org);
        const since = pending.value.dueAt - 24 * 3600_000;
        const digest = await gatherDigest(kv, userId, since, now);
        if (!digestIsEmpty(digest)) {
          const day = new Intl.DateTimeFormat(user.locale === "ru" ? "ru-RU" : "en-GB", {
            day: "numeric",
            month: "long",
            timeZone,
          }).format(new Date(pending.value.dueAt - 60_000));
          await deps.mailer.send(
            digestMail(
              user.locale,
              { email: user.email, name: user.displayName },
              digest,
              day,
              timeZone,
              await links(userId),
            ),
          );
        }
        // Sent (or nothing to say): the next day's comes at its 18:00.
        if ((await done()).ok) {
          remember(digestWaiting, userId, await scheduleDigest(deps, userId, timeZone));
        }
      },
    },
  };
}
