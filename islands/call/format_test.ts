import assert from "node:assert/strict";
import { formatDuration, peerInfo } from "./format.ts";
import { attendanceRows } from "./attendance.ts";

Deno.test("a participant's badge comes from the metadata, not the Russian name suffix", () => {
  const meta = JSON.stringify({ roles: ["teacher"], verified: true, host: true });
  assert.deepEqual(peerInfo("Мария Ивановна (учитель ✓)", meta), {
    name: "Мария Ивановна",
    roles: ["teacher"],
    verified: true,
    host: true,
  });
  assert.deepEqual(peerInfo("Петя (не роль)", "not json"), {
    name: "Петя (не роль)",
    roles: [],
    verified: false,
    host: false,
  });
  const odd = JSON.stringify({ roles: ["student", "pirate"], host: "yes" });
  assert.deepEqual(peerInfo("Коля (ученик)", odd), {
    name: "Коля",
    roles: ["student"],
    verified: false,
    host: false,
  });
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
  ], t0 + 30 * 60_000);
  assert.deepEqual(rows.map((r) => [r.name, r.present, r.minutes]), [
    ["Анна", true, 2],
    ["Яна", true, 20],
    ["Борис", false, 0],
  ]);
});
