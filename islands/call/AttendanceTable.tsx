/**
 * The host's view of attendance: every chat member, present or not, with a timeline of when
 * each was in the call, and the CSV download.
 */
import type { Locale } from "../../shared/model.ts";
import { type MessageKey, t } from "../../shared/i18n.ts";
import { formatTime } from "../../shared/chat_view.ts";
import type { AttendanceRow, Span, Visit } from "./attendance.ts";

export interface AttendanceTableProps {
  locale: Locale;
  callId: string;
  rows: AttendanceRow[];
  span: Span;
  /** The school's time zone, for the times. */
  timeZone: string;
}

/** A stay as words: `09:00–09:25`, or `с 09:30` while it goes on. */
function visitText(locale: Locale, v: Visit, timeZone: string): string {
  const from = formatTime(locale, v.joinedAt, timeZone);
  return v.leftAt === null
    ? t(locale, "call.attendance.since", { time: from })
    : `${from}–${formatTime(locale, v.leftAt, timeZone)}`;
}

/**
 * A row's timeline: the call's span as a bar, each stay drawn on it. Drawn with SVG attributes
 * (the page's CSP allows no inline styles); its label says the same in words.
 */
function Timeline({ locale, visits, timeZone }: {
  locale: Locale;
  visits: Visit[];
  timeZone: string;
}) {
  const label = visits.length === 0
    ? t(locale, "call.attendance.absent")
    : visits.map((v) => visitText(locale, v, timeZone)).join(", ");
  return (
    <svg
      class="call-timeline"
      viewBox="0 0 100 8"
      preserveAspectRatio="none"
      role="img"
      aria-label={label}
    >
      <title>{label}</title>
      <rect class="call-timeline-track" x="0" y="0" width="100" height="8" rx="2" />
      {visits.map((v) => (
        <rect
          key={v.joinedAt}
          class="call-timeline-visit"
          x={(v.from * 100).toFixed(2)}
          y="0"
          width={Math.max(1, (v.to - v.from) * 100).toFixed(2)}
          height="8"
          rx="2"
        />
      ))}
    </svg>
  );
}

export function AttendanceTable({ locale, callId, rows, span, timeZone }: AttendanceTableProps) {
  const present = rows.filter((r) => r.present).length;
  const spanText = `${formatTime(locale, new Date(span.start).toISOString(), timeZone)}–${
    formatTime(locale, new Date(span.end).toISOString(), timeZone)
  }`;
  return (
    <div class="call-attendance stack">
      <p>{t(locale, "call.attendance.summary", { present, total: rows.length })}</p>
      <div
        class="call-table-wrap"
        role="region"
        aria-label={t(locale, "call.attendance.title")}
        tabIndex={0}
      >
        <table class="call-table">
          <thead>
            <tr>
              <th scope="col">{t(locale, "call.attendance.person")}</th>
              <th scope="col">{t(locale, "call.attendance.roles")}</th>
              <th scope="col">{t(locale, "call.attendance.present")}</th>
              <th scope="col" class="num">{t(locale, "call.attendance.minutes")}</th>
              <th scope="col" class="call-timeline-head">
                {t(locale, "call.attendance.when")} <span class="muted">{spanText}</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr key={r.userId} class={r.present ? "" : "call-absent"}>
                <th scope="row">{r.name ?? t(locale, "call.unnamed")}</th>
                <td>{r.roles.map((role) => t(locale, `role.${role}` as MessageKey)).join(", ")}</td>
                <td>{t(locale, r.present ? "call.attendance.yes" : "call.attendance.no")}</td>
                <td class="num">{r.minutes}</td>
                <td>
                  <Timeline locale={locale} visits={r.visits} timeZone={timeZone} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <p>
        <a class="button secondary" href={`/api/v1/calls/${callId}/attendance.csv`} download>
          {t(locale, "call.attendance.csv")}
        </a>
      </p>
    </div>
  );
}
