/**
 * Words and numbers of class life, as pure functions: durations, sizes, dates of lessons and
 * polls in the school's time zone, and wall-clock input turned into an instant. Browser-safe.
 */
import type { Locale } from "../../shared/model.ts";
import { t } from "../../shared/i18n.ts";

const intlLocale = (locale: Locale) => locale === "ru" ? "ru-RU" : "en-GB";

/** "12 мин": how long a call lasted (under a minute says so). */
export function formatDuration(locale: Locale, seconds: number): string {
  if (seconds < 60) return t(locale, "chatCall.underMinute");
  const minutes = Math.round(seconds / 60);
  const unit = (value: number, unit: string) =>
    new Intl.NumberFormat(intlLocale(locale), { style: "unit", unit, unitDisplay: "short" })
      .format(value);
  if (minutes < 60) return unit(minutes, "minute");
  const hours = Math.floor(minutes / 60);
  const rest = minutes % 60;
  return rest ? `${unit(hours, "hour")} ${unit(rest, "minute")}` : unit(hours, "hour");
}

/** "25 с" or "59 мин": how long to wait before writing again. */
export function formatWait(locale: Locale, seconds: number): string {
  const [value, unit] = seconds < 60
    ? [seconds, "second"]
    : seconds >= 3600 && seconds % 3600 === 0
    ? [seconds / 3600, "hour"]
    : [Math.ceil(seconds / 60), "minute"];
  return new Intl.NumberFormat(intlLocale(locale), { style: "unit", unit, unitDisplay: "short" })
    .format(value);
}

/** "вс, 29 ноября, 14:00": a lesson's or a poll's moment in the school's time zone. */
export function formatWhen(locale: Locale, iso: string, timeZone: string): string {
  return new Intl.DateTimeFormat(intlLocale(locale), {
    weekday: "short",
    day: "numeric",
    month: "long",
    hour: "2-digit",
    minute: "2-digit",
    timeZone,
  }).format(new Date(iso));
}

/** "40 %": a share of votes. */
export function formatPercent(locale: Locale, share: number): string {
  return new Intl.NumberFormat(intlLocale(locale), { style: "percent" }).format(share);
}

/** The offset of `timeZone` from UTC at instant `ms`, in ms. */
function offsetAt(ms: number, timeZone: string): number {
  const parts = new Intl.DateTimeFormat("en-US", {
    timeZone,
    hourCycle: "h23",
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
  }).formatToParts(new Date(ms));
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value ?? 0);
  const wall = Date.UTC(
    get("year"),
    get("month") - 1,
    get("day"),
    get("hour"),
    get("minute"),
    get("second"),
  );
  return wall - Math.floor(ms / 1000) * 1000;
}

/**
 * The instant a wall-clock date ("2025-03-12") and time ("14:05") mean in `timeZone`, as an ISO
 * string; null when they do not parse.
 */
export function zonedToIso(date: string, time: string, timeZone: string): string | null {
  const d = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  const m = /^(\d{2}):(\d{2})$/.exec(time);
  if (!d || !m) return null;
  const wall = Date.UTC(+d[1]!, +d[2]! - 1, +d[3]!, +m[1]!, +m[2]!);
  if (Number.isNaN(wall)) return null;
  // Two passes settle the offset around a change of daylight saving time.
  let ms = wall - offsetAt(wall, timeZone);
  ms = wall - offsetAt(ms, timeZone);
  return new Date(ms).toISOString();
}

/** The wall-clock date ("YYYY-MM-DD") and time ("HH:MM") of an instant in `timeZone`. */
export function zonedParts(ms: number, timeZone: string): { date: string; time: string } {
  const local = new Date(ms + offsetAt(ms, timeZone)).toISOString();
  return { date: local.slice(0, 10), time: local.slice(11, 16) };
}

/** A short label for a file's type: "PDF", "DOCX", or the kind from its MIME type. */
export function typeLabel(type: string, name: string): string {
  const ext = /\.([a-z0-9]{1,8})$/i.exec(name)?.[1];
  if (ext) return ext.toUpperCase();
  const sub = type.split("/")[1]?.split(/[.+;-]/).pop();
  return (sub && sub !== "octet" && sub !== "stream" ? sub : "file").toUpperCase();
}
