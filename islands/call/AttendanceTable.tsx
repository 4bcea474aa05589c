/** The host's view of attendance: every chat member, present or not, and the CSV download. */
import type { Locale } from "../../shared/model.ts";
import { type MessageKey, t } from "../../shared/i18n.ts";
import type { AttendanceRow } from "./attendance.ts";

export interface AttendanceTableProps {
  locale: Locale;
  callId: string;
  rows: AttendanceRow[];
}

export function AttendanceTable({ locale, callId, rows }: AttendanceTableProps) {
  const present = rows.filter((r) => r.present).length;
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
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr key={r.userId} class={r.present ? "" : "call-absent"}>
                <th scope="row">{r.name ?? t(locale, "call.unnamed")}</th>
                <td>{r.roles.map((role) => t(locale, `role.${role}` as MessageKey)).join(", ")}</td>
                <td>{t(locale, r.present ? "call.attendance.yes" : "call.attendance.no")}</td>
                <td class="num">{r.minutes}</td>
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
