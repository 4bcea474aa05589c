/**
 * The catalogue as a browser page has it: the strings of the page's locale, set by the locale
 * script the page loads before its islands (written by scripts/build.ts). Stands in for ./catalogue.ts
 * in browser bundles (scripts/build.ts).
 */
import type { Locale } from "../model.ts";
import type { MessageKey } from "./catalogue.ts";

type Loaded = Partial<Record<Locale, Partial<Record<MessageKey, string>>>>;

/** The messages of `locale` this page loaded; none if it loaded another locale's. */
export function messagesOf(locale: Locale): Partial<Record<MessageKey, string>> {
  return (globalThis as { partaMessages?: Loaded }).partaMessages?.[locale] ?? {};
}
