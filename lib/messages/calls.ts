/** Strings of calls, lessons and meetings; part of the one catalogue assembled in lib/i18n.ts. */
export const ru = {};

export const en: Record<keyof typeof ru, string> = {};
