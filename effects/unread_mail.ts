/** The e-mail about unread messages: which chats have new messages, and the latest of each. */
import type { Locale } from "../shared/model.ts";
import { plural, t } from "../shared/i18n.ts";
import type { Mail } from "../platform/mail.ts";
import { clip, escape, type MailLinks, notificationMail } from "./notification_mail.ts";

export interface UnreadChat {
  title: string;
  unread: number;
  /** The newest message, as "Имя: текст". */
  last: string | null;
}

/** Chats named in one e-mail; the rest are counted. */
const SHOWN = 5;

export function unreadMail(
  locale: Locale,
  to: { email: string; name: string | null },
  chats: readonly UnreadChat[],
  links: MailLinks,
): Mail {
  const total = chats.reduce((n, c) => n + c.unread, 0);
  const shown = chats.slice(0, SHOWN);
  const count = (n: number) =>
    plural(locale, n, {
      one: "notify.mail.count.one",
      few: "notify.mail.count.few",
      many: "notify.mail.count.many",
      other: "notify.mail.count.other",
    });
  const more = chats.length > SHOWN
    ? t(locale, "notify.mail.more", { n: chats.length - SHOWN })
    : null;
  const lead = t(locale, "notify.mail.lead");
  return notificationMail(locale, to, {
    subject: plural(locale, total, {
      one: "notify.mail.subject.one",
      few: "notify.mail.subject.few",
      many: "notify.mail.subject.many",
      other: "notify.mail.subject.other",
    }),
    text: [
      lead,
      "",
      ...shown.flatMap((c) => [
        `• ${c.title} — ${count(c.unread)}`,
        ...(c.last ? [`  ${clip(c.last)}`] : []),
      ]),
      ...(more ? [more] : []),
    ],
    html: `<p>${escape(lead)}</p><ul>` +
      shown.map((c) =>
        `<li><strong>${escape(c.title)}</strong> — ${escape(count(c.unread))}` +
        (c.last ? `<br>${escape(clip(c.last))}` : "") + "</li>"
      ).join("") + "</ul>" +
      (more ? `<p>${escape(more)}</p>` : ""),
    why: "notify.mail.why",
    whyHtml: "notify.mail.whyHtml",
  }, links);
}
