/** Quiet hours: a daily window in the school's time zone when students are not disturbed. */
import type { QuietHours } from "./model.ts";

const toMinutes = (hhmm: string) => {
  const [h, m] = hhmm.split(":").map(Number);
  return h! * 60 + m!;
};

const formats = new Map<string, Intl.DateTimeFormat>();

/** One formatter per time zone: building them is far dearer than using them. */
function formatIn(timeZone: string): Intl.DateTimeFormat {
  let format = formats.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat("en-GB", {
      timeZone,
      hour: "2-digit",
      minute: "2-digit",
      hourCycle: "h23",
    });
    formats.set(timeZone, format);
  }
  return format;
}

/** Minutes since local midnight at `now` in `timeZone`. */
export function minuteOfDay(now: number, timeZone: string): number {
  const parts = formatIn(timeZone).formatToParts(new Date(now));
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value ?? 0);
  return get("hour") * 60 + get("minute");
}

/** Whether `now` falls in the quiet hours (a window may run past midnight). */
export function isQuiet(quiet: QuietHours, timeZone: string, now: number): boolean {
  if (!quiet.enabled) return false;
  const start = toMinutes(quiet.start);
  const end = toMinutes(quiet.end);
  if (start === end) return false;
  const minute = minuteOfDay(now, timeZone);
  return start < end ? minute >= start && minute < end : minute >= start || minute < end;
}

/** When the current quiet hours end (to the minute), or null when it is not quiet now. */
export function quietEndsAt(quiet: QuietHours, timeZone: string, now: number): number | null {
  if (!isQuiet(quiet, timeZone, now)) return null;
  const minute = minuteOfDay(now, timeZone);
  const wait = (toMinutes(quiet.end) - minute + 24 * 60) % (24 * 60);
  return now - (now % 60_000) + wait * 60_000;
}

/** "HH:MM", 24-hour. */
export const HHMM = /^([01]\d|2[0-3]):[0-5]\d$/;
