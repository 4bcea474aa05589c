/**
 * The whole catalogue, both locales, as the server holds it. Its parts live beside this file, one
 * per area, each with Russian (the default and the reference) and English holding the same keys,
 * which the type system checks.
 *
 * Browser bundles never include this module: scripts/build.ts maps it to ./in_page.ts, which reads
 * the one locale the page loaded (a separate, cached script per locale, written by scripts/build.ts),
 * so a page ships its own language's strings and not the other's.
 */
import type { Locale } from "../model.ts";
import * as common from "./common.ts";
import * as messenger from "./messenger.ts";
import * as admin from "./admin.ts";
import * as calls from "./calls.ts";
import * as mail from "./mail.ts";
import * as notify from "./notify.ts";

const ru = { ...common.ru, ...messenger.ru, ...admin.ru, ...calls.ru, ...mail.ru, ...notify.ru };
export type MessageKey = keyof typeof ru;
const en: Record<MessageKey, string> = {
  ...common.en,
  ...messenger.en,
  ...admin.en,
  ...calls.en,
  ...mail.en,
  ...notify.en,
};

const catalogues: Record<Locale, Record<MessageKey, string>> = { ru, en };

/** The messages of `locale` (every key is there). */
export function messagesOf(locale: Locale): Partial<Record<MessageKey, string>> {
  return catalogues[locale];
}
