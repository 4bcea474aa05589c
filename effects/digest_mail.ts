/**
 * The daily digest as an e-mail: per child the day's announcements (confirmed or not), what is
 * coming in the next days, the lessons missed; then the teachers' messages (the rest is every
 * notification mail's: effects/notification_mail.ts).
 */
import type { Locale } from "../shared/model.ts";
import { formatDateTime, t } from "../shared/i18n.ts";
import type { Mail } from "../platform/mail.ts";
import type { Digest } from "../domain/digest.ts";
import { clip, escape, type MailLinks, notificationMail } from "./notification_mail.ts";

/** A section: a heading and its lines. */
type Block = { heading: string; lines: string[] };

export function digestMail(
  locale: Locale,
  to: { email: string; name: string | null },
  digest: Digest,
  day: string,
  timeZone: string,
  links: MailLinks,
): Mail {
  const when = (iso: string) => formatDateTime(locale, iso, timeZone);
  const blocks: { title: string | null; parts: Block[] }[] = digest.children.map((c) => ({
    title: c.name,
    parts: [
      {
        heading: t(locale, "digest.announcements"),
        lines: c.announcements.map((a) =>
          t(locale, a.confirmed ? "digest.confirmed" : "digest.notConfirmed", {
            chat: a.chat,
            text: clip(a.text),
          })
        ),
      },
      {
        heading: t(locale, "digest.upcoming"),
        lines: c.upcoming.map((u) =>
          t(locale, u.kind === "meeting" ? "digest.meeting" : "digest.lesson", {
            title: u.title,
            when: when(u.startsAt),
          })
        ),
      },
      {
        heading: t(locale, "digest.missed"),
        lines: c.missed.map((m) =>
          t(locale, "digest.missedLesson", {
            title: m.title,
            when: when(m.startedAt),
          })
        ),
      },
    ].filter((b) => b.lines.length > 0),
  }));
  if (digest.teachers.length > 0) {
    blocks.push({
      title: null,
      parts: [{
        heading: t(locale, "digest.teachers"),
        lines: digest.teachers.map((m) =>
          t(locale, "digest.teacherSaid", { chat: m.chat, name: m.author, text: clip(m.text) })
        ),
      }],
    });
  }
  const lead = t(locale, "digest.lead", { day });
  return notificationMail(locale, to, {
    subject: t(locale, "digest.subject", { day }),
    text: [
      lead,
      ...blocks.flatMap((b) => [
        "",
        ...(b.title ? [b.title] : []),
        ...b.parts.flatMap((p) => {
          const pad = b.title ? "  " : "";
          return [`${pad}${p.heading}:`, ...p.lines.map((l) => `${pad}• ${l}`)];
        }),
      ]),
    ],
    html: `<p>${escape(lead)}</p>` +
      blocks.map((b) =>
        (b.title ? `<h2 style="font-size:1.1em">${escape(b.title)}</h2>` : "") +
        b.parts.map((p) =>
          `<h3 style="font-size:1em">${escape(p.heading)}</h3><ul>` +
          p.lines.map((l) => `<li>${escape(l)}</li>`).join("") + "</ul>"
        ).join("")
      ).join(""),
    why: "digest.why",
    whyHtml: "digest.whyHtml",
  }, links);
}
