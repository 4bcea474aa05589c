import assert from "node:assert/strict";
import { normalizeTime } from "./SafetyForm.tsx";

Deno.test("quiet hours accept times as people type them and refuse what is not a time", () => {
  const cases: [string, string | null][] = [
    ["21:00", "21:00"],
    ["7:30", "07:30"],
    ["7.30", "07:30"],
    [" 2100 ", "21:00"],
    ["730", "07:30"],
    ["8", "08:00"],
    ["00:00", "00:00"],
    ["23:59", "23:59"],
    ["24:00", null],
    ["12:60", null],
    ["", null],
    ["9 pm", null],
    ["12345", null],
  ];
  for (const [typed, expected] of cases) assert.equal(normalizeTime(typed), expected, typed);
});
