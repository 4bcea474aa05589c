import assert from "node:assert/strict";
import { isQuiet, quietEndsAt } from "./quiet.ts";

const NIGHT = { enabled: true, start: "21:00", end: "08:00" };
const at = (iso: string) => Date.parse(iso);

Deno.test("quiet hours wrap midnight in the school's time zone", () => {
  // Moscow is UTC+3.
  assert.equal(isQuiet(NIGHT, "Europe/Moscow", at("2026-09-01T17:59:00Z")), false); // 20:59
  assert.equal(isQuiet(NIGHT, "Europe/Moscow", at("2026-09-01T18:00:00Z")), true); // 21:00
  assert.equal(isQuiet(NIGHT, "Europe/Moscow", at("2026-09-01T23:30:00Z")), true); // 02:30
  assert.equal(isQuiet(NIGHT, "Europe/Moscow", at("2026-09-02T04:59:00Z")), true); // 07:59
  assert.equal(isQuiet(NIGHT, "Europe/Moscow", at("2026-09-02T05:00:00Z")), false); // 08:00
  assert.equal(isQuiet(NIGHT, "Asia/Vladivostok", at("2026-09-01T11:30:00Z")), true); // 21:30
  assert.equal(
    isQuiet({ ...NIGHT, enabled: false }, "Europe/Moscow", at("2026-09-01T20:00:00Z")),
    false,
  );
  assert.equal(
    isQuiet({ enabled: true, start: "13:00", end: "14:00" }, "UTC", at("2026-09-01T13:30:00Z")),
    true,
  );
});

Deno.test("quiet hours tell when they end", () => {
  assert.equal(
    quietEndsAt(NIGHT, "Europe/Moscow", at("2026-09-01T19:10:30Z")),
    at("2026-09-02T05:00:00Z"),
  );
  assert.equal(quietEndsAt(NIGHT, "Europe/Moscow", at("2026-09-01T09:00:00Z")), null);
});
