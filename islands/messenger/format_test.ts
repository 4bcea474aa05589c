import assert from "node:assert/strict";
import { formatDuration, formatWait, typeLabel, zonedParts, zonedToIso } from "./format.ts";
import { roleIn } from "./roles.ts";

Deno.test("a wall-clock time in the school's zone becomes the right instant, across DST", () => {
  assert.equal(zonedToIso("2025-03-12", "14:05", "Europe/Moscow"), "2025-03-12T11:05:00.000Z");
  assert.equal(zonedToIso("2025-01-10", "09:00", "Asia/Vladivostok"), "2025-01-09T23:00:00.000Z");
  // Berlin: winter (+1) and summer (+2) time on either side of the change.
  assert.equal(zonedToIso("2025-03-29", "10:00", "Europe/Berlin"), "2025-03-29T09:00:00.000Z");
  assert.equal(zonedToIso("2025-03-31", "10:00", "Europe/Berlin"), "2025-03-31T08:00:00.000Z");
  assert.equal(zonedToIso("2025-3-1", "10:00", "Europe/Moscow"), null);
  assert.equal(zonedToIso("2025-03-01", "", "Europe/Moscow"), null);
  assert.deepEqual(zonedParts(Date.parse("2025-03-12T22:30:00Z"), "Europe/Moscow"), {
    date: "2025-03-13",
    time: "01:30",
  });
});

Deno.test("durations, waits and file types read as people say them", () => {
  assert.equal(formatDuration("ru", 20), "меньше минуты");
  assert.equal(formatDuration("ru", 12 * 60 + 10), "12 мин");
  assert.equal(formatDuration("ru", 90 * 60), "1 ч 30 мин");
  assert.equal(formatDuration("en", 12 * 60), "12 mins");
  assert.equal(formatWait("ru", 25), "25 с");
  assert.equal(formatWait("ru", 125), "3 мин");
  assert.equal(formatWait("ru", 3600), "1 ч");
  assert.equal(typeLabel("application/pdf", "Расписание.pdf"), "PDF");
  assert.equal(typeLabel("application/pdf", "README"), "PDF");
  assert.equal(typeLabel("application/octet-stream", "data"), "FILE");
});

Deno.test("the viewer's standing in a chat follows the server's policy", () => {
  const member = (userId: string, chatRole: string) => ({
    userId,
    displayName: null,
    roles: [],
    verified: false,
    chatRole,
  });
  const members = [member("owner", "owner"), member("mod", "moderator"), member("kid", "member")];
  const kid = roleIn("kid", members, ["student"], "group");
  assert.deepEqual([kid.manager, kid.moderator, kid.setsRoles, kid.staff], [
    false,
    false,
    false,
    false,
  ]);
  const mod = roleIn("mod", members, ["teacher"], "group");
  assert.deepEqual([mod.manager, mod.moderator, mod.setsRoles, mod.staff], [
    true,
    true,
    false,
    true,
  ]);
  const owner = roleIn("owner", members, ["teacher"], "channel");
  assert.deepEqual([owner.manager, owner.setsRoles], [true, true]);
  // A school admin who is a plain member moderates and names moderators, but does not manage.
  const admin = roleIn("kid", members, ["admin"], "group");
  assert.deepEqual([admin.manager, admin.moderator, admin.setsRoles], [false, true, true]);
  // Direct chats have no managers; nobody outside the chat moderates it.
  assert.equal(roleIn("owner", members, ["teacher"], "direct").manager, false);
  assert.equal(roleIn("stranger", members, ["admin"], "group").moderator, false);
});
