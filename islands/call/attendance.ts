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

export interface AttendanceRow {
  userId: string;
  name: string | null;
  roles: readonly string[];
  present: boolean;
  minutes: number;
}

/**
 * One row per member: whether they joined and for how many minutes, counting an open entry up
 * to `end` (the call's end, or now). Those present first, then by name.
 */
export function attendanceRows(
  members: readonly MemberLike[],
  attendance: readonly AttendanceEntry[],
  end: number,
): AttendanceRow[] {
  const rows = members.map((m) => {
    const mine = attendance.filter((a) => a.userId === m.userId);
    const ms = mine.reduce((sum, a) => {
      const to = a.leftAt ? Date.parse(a.leftAt) : end;
      return sum + Math.max(0, to - Date.parse(a.joinedAt));
    }, 0);
    return {
      userId: m.userId,
      name: m.displayName,
      roles: m.roles,
      present: mine.length > 0,
      minutes: Math.round(ms / 60_000),
    };
  });
  return rows.sort((a, b) =>
    Number(b.present) - Number(a.present) || (a.name ?? "").localeCompare(b.name ?? "")
  );
}
