/**
 * The one message catalogue. Russian is the default and the reference: every key exists in
 * Russian, and English must have the same keys (checked by the type system). Browser-safe.
 */
import type { Locale } from "./model.ts";

const ru = {
  "app.name": "Парта",
  "mail.code.subject": "Код для входа в Парту",
  "mail.code.text":
    "Здравствуйте!\n\nВаш код для входа в Парту: {code}\n\nКод действует 10 минут. Если вы не запрашивали код, просто проигнорируйте это письмо.\n\n— Парта",
  "mail.adminInvite.subject": "Школа «{school}» подключена к Парте",
  "mail.adminInvite.text":
    "Здравствуйте, {name}!\n\nЗаявка школы «{school}» одобрена. Вы назначены администратором школы.\n\nЧтобы начать, перейдите по ссылке:\n{url}\n\nСсылка действует до {expires}.\n\n— Парта",
  "mail.applicationRejected.subject": "Заявка школы «{school}» отклонена",
  "mail.applicationRejected.text":
    "Здравствуйте, {name}!\n\nК сожалению, заявка школы «{school}» отклонена.\nПричина: {reason}\n\n— Парта",
} as const;

export type MessageKey = keyof typeof ru;

const en: Record<MessageKey, string> = {
  "app.name": "Parta",
  "mail.code.subject": "Your Parta sign-in code",
  "mail.code.text":
    "Hello!\n\nYour Parta sign-in code: {code}\n\nThe code is valid for 10 minutes. If you did not ask for it, ignore this email.\n\n— Parta",
  "mail.adminInvite.subject": "{school} is now on Parta",
  "mail.adminInvite.text":
    "Hello, {name}!\n\nThe application of {school} is approved, and you are the school's administrator.\n\nTo begin, open this link:\n{url}\n\nThe link is valid until {expires}.\n\n— Parta",
  "mail.applicationRejected.subject": "The application of {school} was declined",
  "mail.applicationRejected.text":
    "Hello, {name}!\n\nUnfortunately, the application of {school} was declined.\nReason: {reason}\n\n— Parta",
};

const catalogue: Record<Locale, Record<MessageKey, string>> = { ru, en };

/** The message `key` in `locale`, with `{name}` placeholders filled from `params`. */
export function t(
  locale: Locale,
  key: MessageKey,
  params: Record<string, string | number> = {},
): string {
  const template = catalogue[locale][key];
  return template.replace(
    /\{(\w+)\}/g,
    (whole, name: string) => name in params ? String(params[name]) : whole,
  );
}

/** A date and time in the locale's words, in the given time zone. */
export function formatDateTime(locale: Locale, iso: string, timeZone = "Europe/Moscow"): string {
  return new Intl.DateTimeFormat(locale === "ru" ? "ru-RU" : "en-GB", {
    dateStyle: "long",
    timeStyle: "short",
    timeZone,
  }).format(new Date(iso));
}
