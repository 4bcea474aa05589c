/**
 * What every notification e-mail shares: the greeting, the link into the app, why it came, the
 * one-click unsubscribe (RFC 8058: `List-Unsubscribe` with `List-Unsubscribe-Post`), plain text
 * and the same as HTML. The callers give the middle; every text in the HTML is escaped here or by
 * them with {@link escape}.
 */
import type { Locale } from "../shared/model.ts";
import { type MessageKey, t } from "../shared/i18n.ts";
import type { Mail } from "../platform/mail.ts";

export const escape = (s: string) =>
  s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

/** `s` cut to `n` characters, with an ellipsis when cut. */
export const clip = (s: string, n = 160) => s.length > n ? `${s.slice(0, n - 1)}…` : s;

export interface MailLinks {
  app: string;
  profile: string;
  unsubscribe: string;
}

export function notificationMail(
  locale: Locale,
  to: { email: string; name: string | null },
  content: {
    subject: string;
    /** The middle as lines of text, and as HTML. */
    text: string[];
    html: string;
    /** Why it came: with `{url}` of the profile (text), and the words before its link (HTML). */
    why: MessageKey;
    whyHtml: MessageKey;
  },
  links: MailLinks,
): Mail {
  const hello = to.name
    ? t(locale, "notify.mail.hello", { name: to.name })
    : t(locale, "notify.mail.helloNoName");
  const text = [
    hello,
    "",
    ...content.text,
    "",
    t(locale, "notify.mail.open", { url: links.app }),
    "",
    t(locale, content.why, { url: links.profile }),
    t(locale, "notify.mail.stop", { url: links.unsubscribe }),
    "",
    "— " + t(locale, "app.name"),
  ].join("\n");
  const html = `<!doctype html><html lang="${locale}"><body style="font-family:sans-serif">` +
    `<p>${escape(hello)}</p>${content.html}` +
    `<p><a href="${escape(links.app)}">${escape(t(locale, "notify.mail.openLink"))}</a></p>` +
    `<p style="color:#555;font-size:small">${escape(t(locale, content.whyHtml))} ` +
    `<a href="${escape(links.profile)}">${escape(t(locale, "notify.mail.profileLink"))}</a>. ` +
    `<a href="${escape(links.unsubscribe)}">${escape(t(locale, "notify.mail.stopLink"))}</a></p>` +
    "</body></html>";
  return {
    to: to.email,
    subject: content.subject,
    text,
    html,
    headers: {
      "List-Unsubscribe": `<${links.unsubscribe}>`,
      "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    },
  };
}
