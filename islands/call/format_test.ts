import assert from "node:assert/strict";
import { type CallMember, formatDuration, peerInfo, peerLabel, roleBadges } from "./format.ts";
import { attendanceRows } from "./attendance.ts";

const TEACHER_ID = "01JTEACHER0000000000000000";
const STUDENT_ID = "01JSTUDENT0000000000000000";
const MEMBERS = new Map<string, CallMember>([
  [TEACHER_ID, {
    userId: TEACHER_ID,
    displayName: "Мария Ивановна",
    roles: ["teacher"],
    verified: true,
    host: true,
    canControl: false,
  }],
  [STUDENT_ID, {
    userId: STUDENT_ID,
    displayName: "Коля",
    roles: ["student"],
    verified: false,
    host: false,
    canControl: true,
  }],
]);

Deno.test("a participant is shown as Parta lists their identity, whatever their name and metadata claim", () => {
  // What a student with `canUpdateOwnMetadata` could have set on themselves in the room.
  const impostor = {
    identity: STUDENT_ID,
    name: "Мария Ивановна (учитель ✓)",
    metadata: JSON.stringify({ roles: ["teacher"], verified: true, host: true }),
    attributes: { roles: "teacher", host: "true" },
  };
  const shown = peerInfo(MEMBERS, impostor, { host: true });
  assert.deepEqual(shown, {
    known: true,
    name: "Коля",
    roles: ["student"],
    verified: false,
    host: false,
    canControl: true,
    guest: false,
  });
  assert.deepEqual(roleBadges("ru", shown), ["ученик"]);
  assert.equal(peerLabel("ru", shown), "Коля");
});

Deno.test("a guest is named as Parta signed their token, without roles; hosts control them", () => {
  const guest = { identity: "guest-01JGUEST0000000000000000000", name: "Ирина Олеговна" };
  const forHost = peerInfo(MEMBERS, guest, { host: true });
  assert.deepEqual(forHost, {
    known: true,
    name: "Ирина Олеговна",
    roles: [],
    verified: false,
    host: false,
    canControl: true,
    guest: true,
  });
  assert.equal(peerInfo(MEMBERS, guest, { host: false }).canControl, false);
});

Deno.test("a participant Parta does not know is shown as unknown, without badges", () => {
  const stranger = {
    identity: "01JSTRANGER000000000000000",
    name: "Директор (администратор ✓)",
    metadata: JSON.stringify({ roles: ["admin"], verified: true, host: true }),
  };
  const shown = peerInfo(MEMBERS, stranger, { host: true });
  assert.deepEqual(shown, {
    known: false,
    name: "",
    roles: [],
    verified: false,
    host: false,
    canControl: false,
    guest: false,
  });
  assert.deepEqual(roleBadges("ru", shown), []);
  assert.equal(peerLabel("ru", shown), "Неизвестный участник");
  assert.equal(peerLabel("en", shown), "Unknown participant");
  const unnamed = new Map([[STUDENT_ID, { ...MEMBERS.get(STUDENT_ID)!, displayName: null }]]);
  assert.equal(
    peerLabel("ru", peerInfo(unnamed, { identity: STUDENT_ID }, { host: false })),
    "Участник",
  );
});

Deno.test("call durations read in hours and minutes", () => {
  assert.equal(formatDuration("ru", 20), "меньше минуты");
  assert.equal(formatDuration("ru", 95), "2 мин");
  assert.equal(formatDuration("ru", 3900), "1 ч 5 мин");
  assert.equal(formatDuration("en", 3600), "1 h 0 min");
});

Deno.test("attendance counts every member, open entries up to the end, present first", () => {
  const members = [
    { userId: "a", displayName: "Яна", roles: ["student"] },
    { userId: "b", displayName: "Борис", roles: ["student"] },
    { userId: "c", displayName: "Анна", roles: ["teacher"] },
  ];
  const t0 = Date.parse("2026-01-01T10:00:00Z");
  const at = (min: number) => new Date(t0 + min * 60_000).toISOString();
  const rows = attendanceRows(members, [
    { userId: "a", joinedAt: at(0), leftAt: at(10) },
    { userId: "a", joinedAt: at(20) },
    { userId: "c", joinedAt: at(5), leftAt: at(7) },
  ], { start: t0, end: t0 + 40 * 60_000 });
  assert.deepEqual(rows.map((r) => [r.name, r.present, r.minutes]), [
    ["Анна", true, 2],
    ["Яна", true, 30],
    ["Борис", false, 0],
  ]);
  // The timeline: each stay where it falls on the call's forty minutes; an open one runs to the end.
  assert.deepEqual(rows[1]!.visits.map((v) => [v.from, v.to, v.leftAt]), [
    [0, 0.25, at(10)],
    [0.5, 1, null],
  ]);
  assert.deepEqual(rows[2]!.visits, []);
});
