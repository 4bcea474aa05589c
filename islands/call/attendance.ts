/** Attendance of a call against the chat's members; browser-safe, shared with the page. */

export interface AttendanceEntry {
  userId: string;
  joinedAt: string;
  leftAt?: string;
}

export interface MemberLike {
  userId: string;
  displayName: string | null;
  roles: readonly string[];
}

/** One stay in the call: its times, and where it falls on the call's span (0 to 1). */
export interface Visit {
  joinedAt: string;
  /** Null while they are still in the call. */
  leftAt: string | null;
  from: number;
  to: number;
}

export interface AttendanceRow {
  userId: string;
  name: string | null;
  roles: readonly string[];
  present: boolean;
  minutes: number;
  visits: Visit[];
}

/** The call's span: from its start to its end (or now, while it goes on), in milliseconds. */
export interface Span {
  start: number;
  end: number;
}

/**
 * One row per member: whether they joined, for how many minutes and when, counting an open
 * entry up to the span's end. Those present first, then by name.
 */
export function attendanceRows(
  members: readonly MemberLike[],
  attendance: readonly AttendanceEntry[],
  span: Span,
): AttendanceRow[] {
  const length = Math.max(1, span.end - span.start);
  const at = (ms: number) => Math.min(1, Math.max(0, (ms - span.start) / length));
  const rows = members.map((m) => {
    const mine = attendance.filter((a) => a.userId === m.userId);
    const ms = mine.reduce((sum, a) => {
      const to = a.leftAt ? Date.parse(a.leftAt) : span.end;
      return sum + Math.max(0, to - Date.parse(a.joinedAt));
    }, 0);
    return {
      userId: m.userId,
      name: m.displayName,
      roles: m.roles,
      present: mine.length > 0,
      minutes: Math.round(ms / 60_000),
      visits: mine.map((a) => ({
        joinedAt: a.joinedAt,
        leftAt: a.leftAt ?? null,
        from: at(Date.parse(a.joinedAt)),
        to: at(a.leftAt ? Date.parse(a.leftAt) : span.end),
      })),
    };
  });
  return rows.sort((a, b) =>
    Number(b.present) - Number(a.present) || (a.name ?? "").localeCompare(b.name ?? "")
  );
}
