/**
 * Messages in the reader's language, from the one catalogue (shared/messages/catalogue.ts; in the
 * browser, the page's locale only). Browser-safe.
 */
import type { Locale } from "./model.ts";
import { type MessageKey, messagesOf } from "./messages/catalogue.ts";

export type { MessageKey };

/** The message `key` in `locale`, with `{name}` placeholders filled from `params`. */
export function t(
  locale: Locale,
  key: MessageKey,
  params: Record<string, string | number> = {},
): string {
  const template = messagesOf(locale)[key] ?? messagesOf("ru")[key] ?? key;
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
