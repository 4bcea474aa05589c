/** The host's attendance panel during the call: who of the chat is here, loaded on demand. */
import { useState } from "preact/hooks";
import type { Locale } from "../../shared/model.ts";
import { t } from "../../shared/i18n.ts";
import { api, errorText } from "../../shared/api_client.ts";
import {
  type AttendanceEntry,
  type AttendanceRow,
  attendanceRows,
  type MemberLike,
  type Span,
} from "./attendance.ts";
import { AttendanceTable } from "./AttendanceTable.tsx";

export function AttendancePanel(
  { locale, callId, chatId, timeZone }: {
    locale: Locale;
    callId: string;
    chatId: string;
    timeZone: string;
  },
) {
  const [open, setOpen] = useState(false);
  const [rows, setRows] = useState<{ rows: AttendanceRow[]; span: Span } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(false);

  async function load() {
    setLoading(true);
    setError(null);
    try {
      const [view, chat] = await Promise.all([
        api<{ call: { startedAt: string; endedAt?: string }; attendance: AttendanceEntry[] }>(
          "GET",
          `/calls/${callId}`,
        ),
        api<{ chat: { members: MemberLike[] } }>("GET", `/chats/${chatId}`),
      ]);
      const span = {
        start: Date.parse(view.call.startedAt),
        end: view.call.endedAt ? Date.parse(view.call.endedAt) : Date.now(),
      };
      setRows({ rows: attendanceRows(chat.chat.members, view.attendance, span), span });
    } catch (err) {
      setError(errorText(locale, err));
    } finally {
      setLoading(false);
    }
  }

  return (
    <section class="call-panel" aria-labelledby="call-attendance-title">
      <h2 id="call-attendance-title" class="call-panel-title">
        <button
          type="button"
          class="call-disclosure"
          aria-expanded={open}
          aria-controls="call-attendance-body"
          onClick={() => {
            setOpen(!open);
            if (!open) load();
          }}
        >
          {t(locale, "call.attendance.title")}
        </button>
      </h2>
      <div id="call-attendance-body" hidden={!open}>
        {error && <p class="alert alert-error" role="alert">{error}</p>}
        {loading && !rows && <p class="muted">{t(locale, "call.attendance.loading")}</p>}
        {rows && (
          <AttendanceTable
            locale={locale}
            callId={callId}
            rows={rows.rows}
            span={rows.span}
            timeZone={timeZone}
          />
        )}
        <button type="button" class="secondary" disabled={loading} onClick={load}>
          {t(locale, "call.attendance.refresh")}
        </button>
      </div>
    </section>
  );
}
