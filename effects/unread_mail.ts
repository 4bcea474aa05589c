/**
 * The e-mail about unread messages: which chats have new messages and the latest of each, a link
 * into the app, and a one-click unsubscribe (RFC 8058: `List-Unsubscribe` with
 * `List-Unsubscribe-Post`). Plain text and the same as HTML, every text in the HTML escaped.
 */
import type { Locale } from "../shared/model.ts";
import { plural, t } from "../shared/i18n.ts";
import type { Mail } from "../platform/mail.ts";

export interface UnreadChat {
  title: string;
  unread: number;
  /** The newest message, as "Имя: текст". */
  last: string | null;
}

/** Chats named in one e-mail; the rest are counted. */
const SHOWN = 5;
const LINE_CHARS = 160;

const escape = (s: string) =>
  s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

const clip = (s: string) => s.length > LINE_CHARS ? `${s.slice(0, LINE_CHARS - 1)}…` : s;

export function unreadMail(
  locale: Locale,
  to: { email: string; name: string | null },
  chats: readonly UnreadChat[],
  links: { app: string; profile: string; unsubscribe: string },
): Mail {
  const total = chats.reduce((n, c) => n + c.unread, 0);
  const subject = plural(locale, total, {
    one: "notify.mail.subject.one",
    few: "notify.mail.subject.few",
    many: "notify.mail.subject.many",
    other: "notify.mail.subject.other",
  });
  const hello = to.name
    ? t(locale, "notify.mail.hello", { name: to.name })
    : t(locale, "notify.mail.helloNoName");
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
  const text = [
    hello,
    "",
    t(locale, "notify.mail.lead"),
    "",
    ...shown.flatMap((c) => [
      `• ${c.title} — ${count(c.unread)}`,
      ...(c.last ? [`  ${clip(c.last)}`] : []),
    ]),
    ...(more ? [more] : []),
    "",
    t(locale, "notify.mail.open", { url: links.app }),
    "",
    t(locale, "notify.mail.why", { url: links.profile }),
    t(locale, "notify.mail.stop", { url: links.unsubscribe }),
    "",
    "— " + t(locale, "app.name"),
  ].join("\n");
  const html = `<!doctype html><html lang="${locale}"><body style="font-family:sans-serif">` +
    `<p>${escape(hello)}</p><p>${escape(t(locale, "notify.mail.lead"))}</p><ul>` +
    shown.map((c) =>
      `<li><strong>${escape(c.title)}</strong> — ${escape(count(c.unread))}` +
      (c.last ? `<br>${escape(clip(c.last))}` : "") + "</li>"
    ).join("") + "</ul>" +
    (more ? `<p>${escape(more)}</p>` : "") +
    `<p><a href="${escape(links.app)}">${escape(t(locale, "notify.mail.openLink"))}</a></p>` +
    `<p style="color:#555;font-size:small">${escape(t(locale, "notify.mail.whyHtml"))} ` +
    `<a href="${escape(links.profile)}">${escape(t(locale, "notify.mail.profileLink"))}</a>. ` +
    `<a href="${escape(links.unsubscribe)}">${escape(t(locale, "notify.mail.stopLink"))}</a></p>` +
    "</body></html>";
  return {
    to: to.email,
    subject,
    text,
    html,
    headers: {
      "List-Unsubscribe": `<${links.unsubscribe}>`,
      "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    },
  };
}
