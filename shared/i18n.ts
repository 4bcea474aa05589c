/**
 * The one message catalogue. Its parts live in shared/messages/, one file per area, each with
 * Russian (the default and the reference) and English holding the same keys, which the type
 * system checks. Browser-safe.
 */
import type { Locale } from "./model.ts";
import * as common from "./messages/common.ts";
import * as messenger from "./messages/messenger.ts";
import * as admin from "./messages/admin.ts";
import * as calls from "./messages/calls.ts";
import * as mail from "./messages/mail.ts";

const ru = {
  "app.name": "Парта",
  ...common.ru,
  ...messenger.ru,
  ...admin.ru,
  ...calls.ru,
  ...mail.ru,
};
export type MessageKey = keyof typeof ru;
const en: Record<MessageKey, string> = {
  "app.name": "Parta",
  ...common.en,
  ...messenger.en,
  ...admin.en,
  ...calls.en,
  ...mail.en,
};

const catalogue: Record<Locale, Record<MessageKey, string>> = { ru, en };

/** The message `key` in `locale`, with `{name}` placeholders filled from `params`. */
export function t(
  locale: Locale,
  key: MessageKey,
  params: Record<string, string | number> = {},
): string {
  const template = catalogue[locale][key] ?? catalogue.ru[key] ?? key;
  return template.replace(
    /\{(\w+)\}/g,
    (whole, name: string) => name in params ? String(params[name]) : whole,
  );
}

const intlLocale = (locale: Locale) => locale === "ru" ? "ru-RU" : "en-GB";

/** A date and time in the locale's words, in the given time zone. */
export function formatDateTime(locale: Locale, iso: string, timeZone = "Europe/Moscow"): string {
  return new Intl.DateTimeFormat(intlLocale(locale), {
    dateStyle: "long",
    timeStyle: "short",
    timeZone,
  }).format(new Date(iso));
}

/**
 * Picks the plural form for `n` by the locale's rules: `forms` maps Intl plural categories
 * ("one", "few", "many", "other") to message keys.
 */
export function plural(
  locale: Locale,
  n: number,
  forms: Partial<Record<Intl.LDMLPluralRule, MessageKey>> & { other: MessageKey },
): string {
  const category = new Intl.PluralRules(intlLocale(locale)).select(n);
  return t(locale, forms[category] ?? forms.other, { n });
}
