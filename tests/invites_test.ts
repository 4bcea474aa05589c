import assert from "node:assert/strict";
import {
  call,
  createSchool,
  joinAs,
  json,
  kvSnapshot,
  ORIGIN,
  type School,
  signIn,
  type TestApp,
  testApp,
} from "./helpers.ts";

type ErrorBody = { error: { code: string; message: string; field?: string } };
type Created = { token: string; url: string; expiresAt: string };
type Listed = Created & { role: string; maxUses: number; uses: number; classId: string | null };
type Roster = { members: Record<string, unknown>[] };

const HOUR = 3600_000;

function assertError(
  res: { status: number; body: unknown },
  status: number,
  code: string,
  field?: string,
  context = "",
) {
  assert.equal(res.status, status, `${context} ${JSON.stringify(res.body)}`);
  const { error } = res.body as ErrorBody;
  assert.equal(error.code, code, context);
  assert.equal(typeof error.message, "string");
  if (field !== undefined) assert.equal(error.field, field, context);
}

async function invite(
  t: TestApp,
  token: string,
  orgId: string,
  body: Record<string, unknown>,
): Promise<Created> {
  const res = await json<Created>(t, "POST", `/orgs/${orgId}/invites`, token, body);
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return res.body;
}

function accept(t: TestApp, userToken: string, inviteToken: string, body: unknown = {}) {
  return json<{ orgId: string; roles: string[] } & ErrorBody>(
    t,
    "POST",
    `/invites/${inviteToken}/accept`,
    userToken,
    body,
  );
}

async function newClass(t: TestApp, school: School, name: string): Promise<string> {
  const res = await json<{ id: string }>(t, "POST", `/orgs/${school.orgId}/classes`, school.admin, {
    name,
  });
  assert.equal(res.status, 201);
  return res.body.id;
}

async function listInvites(t: TestApp, token: string, orgId: string): Promise<Listed[]> {
  const res = await json<{ invites: Listed[] }>(t, "GET", `/orgs/${orgId}/invites`, token);
  assert.equal(res.status, 200);
  return res.body.invites;
}

/** Every KV entry except rate-limit counters and the mail outbox, as comparable text. */
async function myOrgs(t: TestApp, token: string): Promise<string[]> {
  const me = await json<{ orgs: { id: string }[] }>(t, "GET", "/me", token);
  return me.body.orgs.map((o) => o.id);
}

/** A school with a class taught by a verified teacher. */
async function schoolWithTeacher(t: TestApp) {
  const school = await createSchool(t, "Лицей № 2");
  const classA = await newClass(t, school, "5А");
  const teacher = await joinAs(t, school.admin, school.orgId, "teacher", "Иван Сергеевич", {
    classId: classA,
  });
  return { ...school, classA, teacher };
}

Deno.test("an invite preview shows the school, the role and the class, to anyone", async () => {
  await using t = await testApp();
  const school = await schoolWithTeacher(t);
  const withClass = await invite(t, school.admin, school.orgId, {
    role: "student",
    classId: school.classA,
  });
  assert.equal(withClass.url, `${ORIGIN}/invite/${withClass.token}`);
  assert.match(withClass.token, /^[A-Za-z0-9_-]{22,}$/, "at least 128 bits of randomness");
  const preview = await json<Record<string, unknown>>(t, "GET", `/invites/${withClass.token}`);
  assert.equal(preview.status, 200);
  assert.deepEqual(
    { orgName: preview.body.orgName, role: preview.body.role, className: preview.body.className },
    { orgName: "Лицей № 2", role: "student", className: "5А" },
  );

  const noClass = await invite(t, school.admin, school.orgId, { role: "teacher" });
  const plain = await json<Record<string, unknown>>(t, "GET", `/invites/${noClass.token}`);
  assert.equal(plain.status, 200);
  assert.equal(plain.body.orgName, "Лицей № 2");
  assert.equal(plain.body.role, "teacher");
  assert.equal("className" in plain.body, false);
});

Deno.test("an unknown invite token is 404 for preview, accept and revoke", async () => {
  await using t = await testApp();
  const school = await schoolWithTeacher(t);
  const user = await signIn(t, "new@school.test", "Новенький");
  for (const token of ["A".repeat(43), "short", "x".repeat(300), "%00%01", "..%2F..%2Fme"]) {
    assertError(await json(t, "GET", `/invites/${token}`), 404, "not_found", undefined, token);
    assertError(await accept(t, user, token), 404, "not_found", undefined, token);
    assertError(
      await json(t, "DELETE", `/invites/${token}`, school.admin),
      404,
      "not_found",
      undefined,
      token,
    );
  }
});

Deno.test("an expired invite is 410 invite_expired for preview and accept", async () => {
  await using t = await testApp();
  const school = await schoolWithTeacher(t);
  const short = await invite(t, school.admin, school.orgId, { role: "student", ttlHours: 2 });
  const user = await signIn(t, "late@school.test", "Опоздавший");
  t.clock.advance(2 * HOUR - 1);
  assert.equal((await json(t, "GET", `/invites/${short.token}`)).status, 200);
  t.clock.advance(1);
  assertError(await json(t, "GET", `/invites/${short.token}`), 410, "invite_expired");
  const before = await myOrgs(t, user);
  assertError(await accept(t, user, short.token), 410, "invite_expired");
  assert.deepEqual(await myOrgs(t, user), before, "the refused accept did not join");
  assert.deepEqual(before, []);
});

Deno.test("a used-up invite is 410 invite_expired for preview and accept", async () => {
  await using t = await testApp();
  const school = await schoolWithTeacher(t);
  const two = await invite(t, school.admin, school.orgId, { role: "parent", maxUses: 2 });
  for (const name of ["Мама", "Папа"]) {
    const user = await signIn(t, `${name}@school.test`.toLowerCase());
    assert.equal((await accept(t, user, two.token, { displayName: name })).status, 200);
  }
  assertError(await json(t, "GET", `/invites/${two.token}`), 410, "invite_expired");
  const third = await signIn(t, "granny@school.test", "Бабушка");
  assertError(await accept(t, third, two.token), 410, "invite_expired");
  assert.deepEqual(await myOrgs(t, third), []);
});

Deno.test("the creator or an admin revokes an invite; a student gets 403 and an outsider 404", async () => {
  await using t = await testApp();
  const school = await schoolWithTeacher(t);
  const other = await createSchool(t, "Гимназия № 5");
  const student = await joinAs(t, school.teacher.token, school.orgId, "student", "Петя", {
    classId: school.classA,
  });
  const byTeacher = await invite(t, school.teacher.token, school.orgId, {
    role: "student",
    classId: school.classA,
  });
  const forAdmin = await invite(t, school.teacher.token, school.orgId, {
    role: "parent",
    classId: school.classA,
  });

  assertError(
    await json(t, "DELETE", `/invites/${byTeacher.token}`, student.token),
    403,
    "forbidden",
  );
  assertError(
    await json(t, "DELETE", `/invites/${byTeacher.token}`, other.admin),
    404,
    "not_found",
  );
  assertError(await json(t, "DELETE", `/invites/${byTeacher.token}`), 401, "unauthenticated");
  assert.equal((await json(t, "GET", `/invites/${byTeacher.token}`)).status, 200, "still usable");

  assert.equal(
    (await call(t, "DELETE", `/invites/${byTeacher.token}`, school.teacher.token)).status,
    204,
  );
  assert.equal((await call(t, "DELETE", `/invites/${forAdmin.token}`, school.admin)).status, 204);
  assert.equal(
    (await call(t, "DELETE", `/invites/${forAdmin.token}`, school.admin)).status,
    204,
    "revoking twice is harmless",
  );

  const user = await signIn(t, "new@school.test", "Новенький");
  for (const revoked of [byTeacher, forAdmin]) {
    assertError(await json(t, "GET", `/invites/${revoked.token}`), 410, "invite_expired");
    assertError(await accept(t, user, revoked.token), 410, "invite_expired");
  }
  assert.deepEqual(await myOrgs(t, user), []);
  const listed = (await listInvites(t, school.admin, school.orgId)).map((i) => i.token);
  assert.equal(listed.includes(byTeacher.token) || listed.includes(forAdmin.token), false);
});

Deno.test("accepting again is 200 and changes nothing, even after the invite is used up", async () => {
  await using t = await testApp();
  const school = await schoolWithTeacher(t);
  const two = await invite(t, school.teacher.token, school.orgId, {
    role: "student",
    classId: school.classA,
    maxUses: 2,
  });
  const first = await signIn(t, "first@school.test");
  const joined = await accept(t, first, two.token, { displayName: "Первый" });
  assert.equal(joined.status, 200);
  assert.deepEqual(joined.body, { orgId: school.orgId, roles: ["student"] });

  const before = await kvSnapshot(t.kv);
  const again = await accept(t, first, two.token, { displayName: "Другое имя" });
  assert.equal(again.status, 200);
  assert.deepEqual(again.body, { orgId: school.orgId, roles: ["student"] });
  assert.deepEqual(await kvSnapshot(t.kv), before, "a repeated accept writes nothing");
  const [listed] = await listInvites(t, school.admin, school.orgId);
  assert.equal(listed!.uses, 1);

  const second = await signIn(t, "second@school.test", "Второй");
  assert.equal((await accept(t, second, two.token)).status, 200);
  assertError(await json(t, "GET", `/invites/${two.token}`), 410, "invite_expired");

  const usedUp = await kvSnapshot(t.kv);
  const late = await accept(t, first, two.token);
  assert.equal(late.status, 200);
  assert.deepEqual(late.body, { orgId: school.orgId, roles: ["student"] });
  assert.deepEqual(await kvSnapshot(t.kv), usedUp);
  const me = await json<{ user: { displayName: string } }>(t, "GET", "/me", first);
  assert.equal(me.body.user.displayName, "Первый");
});

Deno.test("accepting needs a display name when the user has none yet", async () => {
  await using t = await testApp();
  const school = await schoolWithTeacher(t);
  const link = await invite(t, school.admin, school.orgId, { role: "parent" });
  const nameless = await signIn(t, "nameless@school.test");
  const before = await kvSnapshot(t.kv);
  assertError(await accept(t, nameless, link.token), 400, "invalid_input", "displayName");
  for (const displayName of ["", "   ", "я".repeat(81), 7, null, "\ud83d"]) {
    assertError(
      await accept(t, nameless, link.token, { displayName }),
      400,
      "invalid_input",
      "displayName",
      JSON.stringify(displayName),
    );
  }
  assert.deepEqual(await kvSnapshot(t.kv), before, "refused accepts change nothing");

  const ok = await accept(t, nameless, link.token, { displayName: " Мама Пети " });
  assert.equal(ok.status, 200);
  const me = await json<{ user: { displayName: string } }>(t, "GET", "/me", nameless);
  assert.equal(me.body.user.displayName, "Мама Пети");

  const named = await signIn(t, "named@school.test", "Папа");
  const link2 = await invite(t, school.admin, school.orgId, { role: "parent" });
  assert.equal((await accept(t, named, link2.token)).status, 200, "a named user needs none");
  assertError(
    await json(t, "POST", `/invites/${link2.token}/accept`, null, {}),
    401,
    "unauthenticated",
  );
});

Deno.test("teachers invite students and parents only into classes they teach", async () => {
  await using t = await testApp();
  const school = await schoolWithTeacher(t);
  const classB = await newClass(t, school, "6Б");
  const teacher = school.teacher.token;
  await invite(t, teacher, school.orgId, { role: "student", classId: school.classA });
  await invite(t, teacher, school.orgId, { role: "parent", classId: school.classA });

  const refused: Record<string, unknown>[] = [
    { role: "student", classId: classB },
    { role: "parent", classId: classB },
    { role: "student" },
    { role: "parent", classId: null },
    { role: "teacher", classId: school.classA },
    { role: "teacher" },
    { role: "admin" },
  ];
  for (const body of refused) {
    const res = await json(t, "POST", `/orgs/${school.orgId}/invites`, teacher, body);
    assertError(res, 403, "forbidden", undefined, JSON.stringify(body));
  }
  const mine = await listInvites(t, teacher, school.orgId);
  assert.equal(mine.length, 2, "only the allowed invites exist");
});

Deno.test("students and parents cannot create invites", async () => {
  await using t = await testApp();
  const school = await schoolWithTeacher(t);
  const student = await joinAs(t, school.teacher.token, school.orgId, "student", "Петя", {
    classId: school.classA,
  });
  const parent = await joinAs(t, school.teacher.token, school.orgId, "parent", "Мама", {
    classId: school.classA,
  });
  for (const who of [student, parent]) {
    for (const role of ["student", "parent", "teacher", "admin"]) {
      const res = await json(t, "POST", `/orgs/${school.orgId}/invites`, who.token, {
        role,
        classId: school.classA,
      });
      assertError(res, 403, "forbidden", undefined, role);
    }
  }
});

Deno.test("invites default to one use for staff, forty for students and parents, and 72 hours", async () => {
  await using t = await testApp();
  const school = await schoolWithTeacher(t);
  const now = t.clock.now();
  for (const [role, uses] of [["admin", 1], ["teacher", 1], ["student", 40], ["parent", 40]]) {
    const created = await invite(t, school.admin, school.orgId, { role });
    assert.equal(Date.parse(created.expiresAt), now + 72 * HOUR, String(role));
    const listed = (await listInvites(t, school.admin, school.orgId)).find((i) =>
      i.token === created.token
    );
    assert.equal(listed?.maxUses, uses, `${role} invites default to ${uses} uses`);
  }
  const longest = await invite(t, school.admin, school.orgId, { role: "student", ttlHours: 720 });
  assert.equal(Date.parse(longest.expiresAt), now + 720 * HOUR);
  for (const ttlHours of [721, 0, -1, 1.5, "72", null]) {
    const res = await json(t, "POST", `/orgs/${school.orgId}/invites`, school.admin, {
      role: "student",
      ttlHours,
    });
    assertError(res, 400, "invalid_input", "ttlHours", JSON.stringify(ttlHours));
  }
  for (const maxUses of [0, 1.5, "2", 1_000_000]) {
    const res = await json(t, "POST", `/orgs/${school.orgId}/invites`, school.admin, {
      role: "student",
      maxUses,
    });
    assertError(res, 400, "invalid_input", "maxUses", JSON.stringify(maxUses));
  }
});

Deno.test("the verified badge goes only to teachers who joined through an admin's invite", async () => {
  await using t = await testApp();
  const school = await schoolWithTeacher(t);
  const student = await joinAs(t, school.admin, school.orgId, "student", "Петя", {
    classId: school.classA,
  });
  const pupil = await joinAs(t, school.teacher.token, school.orgId, "student", "Вася", {
    classId: school.classA,
  });
  const parent = await joinAs(t, school.teacher.token, school.orgId, "parent", "Мама", {
    classId: school.classA,
  });
  const admin2 = await joinAs(t, school.admin, school.orgId, "admin", "Завуч");
  const roster = await json<Roster>(t, "GET", `/orgs/${school.orgId}/members`, pupil.token);
  const verified = new Map(roster.body.members.map((m) => [m.userId, m.verified]));
  assert.equal(verified.get(school.teacher.id), true);
  for (const id of [student.id, pupil.id, parent.id, admin2.id, school.adminId]) {
    assert.equal(verified.get(id), false);
  }
});

Deno.test("admin-only routes are 403 for teachers, students and parents", async () => {
  await using t = await testApp();
  const school = await schoolWithTeacher(t);
  const student = await joinAs(t, school.teacher.token, school.orgId, "student", "Петя", {
    classId: school.classA,
  });
  const parent = await joinAs(t, school.teacher.token, school.orgId, "parent", "Мама", {
    classId: school.classA,
  });
  const before = await kvSnapshot(t.kv);
  for (const who of [school.teacher, student, parent]) {
    const victim = who.id === student.id ? parent.id : student.id;
    const attempts: [string, string, unknown][] = [
      ["PATCH", `/orgs/${school.orgId}`, { name: "Захвачено" }],
      ["POST", `/orgs/${school.orgId}/classes`, { name: "7В" }],
      ["PATCH", `/orgs/${school.orgId}/members/${victim}`, { roles: ["admin"] }],
      ["PATCH", `/orgs/${school.orgId}/members/${who.id}`, { roles: ["admin"] }],
      ["DELETE", `/orgs/${school.orgId}/members/${victim}`, undefined],
      ["DELETE", `/orgs/${school.orgId}/members/${school.adminId}`, undefined],
    ];
    for (const [method, path, body] of attempts) {
      const res = await json(t, method, path, who.token, body);
      assertError(res, 403, "forbidden", undefined, `${method} ${path}`);
    }
  }
  assert.deepEqual(await kvSnapshot(t.kv), before, "refused requests changed nothing");
});

Deno.test("admin-only routes are 404 for another school's admin and for a removed member", async () => {
  await using t = await testApp();
  const school = await schoolWithTeacher(t);
  const other = await createSchool(t, "Гимназия № 5");
  const removedAdmin = await joinAs(t, school.admin, school.orgId, "admin", "Бывший завуч");
  assert.equal(
    (await call(t, "DELETE", `/orgs/${school.orgId}/members/${removedAdmin.id}`, school.admin))
      .status,
    204,
  );
  const before = await kvSnapshot(t.kv);
  for (const token of [other.admin, removedAdmin.token]) {
    const attempts: [string, string, unknown][] = [
      ["GET", `/orgs/${school.orgId}`, undefined],
      ["PATCH", `/orgs/${school.orgId}`, { name: "Захвачено" }],
      ["POST", `/orgs/${school.orgId}/classes`, { name: "7В" }],
      ["PATCH", `/orgs/${school.orgId}/members/${school.teacher.id}`, { roles: ["parent"] }],
      ["DELETE", `/orgs/${school.orgId}/members/${school.teacher.id}`, undefined],
      ["POST", `/orgs/${school.orgId}/invites`, { role: "admin" }],
    ];
    for (const [method, path, body] of attempts) {
      const res = await json(t, method, path, token, body);
      assertError(res, 404, "not_found", undefined, `${method} ${path}`);
    }
  }
  assert.deepEqual(await kvSnapshot(t.kv), before, "refused requests changed nothing");
});

Deno.test("a removed member loses the school at once", async () => {
  await using t = await testApp();
  const school = await schoolWithTeacher(t);
  const student = await joinAs(t, school.teacher.token, school.orgId, "student", "Петя", {
    classId: school.classA,
  });
  assert.deepEqual(await myOrgs(t, student.token), [school.orgId]);
  assert.equal((await call(t, "GET", `/orgs/${school.orgId}`, student.token)).status, 200);

  const removed = await call(
    t,
    "DELETE",
    `/orgs/${school.orgId}/members/${student.id}`,
    school.admin,
  );
  assert.equal(removed.status, 204);
  for (const path of [`/orgs/${school.orgId}`, `/orgs/${school.orgId}/members`]) {
    assertError(await json(t, "GET", path, student.token), 404, "not_found", undefined, path);
  }
  assertError(
    await json(t, "GET", `/orgs/${school.orgId}/classes`, student.token),
    404,
    "not_found",
  );
  assert.deepEqual(await myOrgs(t, student.token), []);
  const roster = await json<Roster>(t, "GET", `/orgs/${school.orgId}/members`, school.admin);
  assert.equal(roster.body.members.some((m) => m.userId === student.id), false);
  assertError(
    await json(t, "DELETE", `/orgs/${school.orgId}/members/${student.id}`, school.admin),
    404,
    "not_found",
    undefined,
    "removing twice",
  );
});

Deno.test("the last admin can be neither removed nor demoted", async () => {
  await using t = await testApp();
  const school = await schoolWithTeacher(t);
  const before = await kvSnapshot(t.kv);
  const attempts: [string, unknown][] = [
    ["DELETE", undefined],
    ["PATCH", { roles: ["teacher"] }],
    ["PATCH", { roles: ["parent", "teacher"] }],
  ];
  for (const [method, body] of attempts) {
    const res = await json(
      t,
      method,
      `/orgs/${school.orgId}/members/${school.adminId}`,
      school.admin,
      body,
    );
    assertError(res, 409, "conflict", undefined, `${method} ${JSON.stringify(body)}`);
  }
  assert.deepEqual(await kvSnapshot(t.kv), before);
  const still = await json(t, "PATCH", `/orgs/${school.orgId}`, school.admin, {
    name: "Лицей № 3",
  });
  assert.equal(still.status, 200);

  const second = await joinAs(t, school.admin, school.orgId, "admin", "Завуч");
  const demoted = await json<{ member: { roles: string[] } }>(
    t,
    "PATCH",
    `/orgs/${school.orgId}/members/${school.adminId}`,
    school.admin,
    { roles: ["teacher"] },
  );
  assert.equal(demoted.status, 200);
  assert.deepEqual(demoted.body.member.roles, ["teacher"]);
  assertError(
    await json(t, "DELETE", `/orgs/${school.orgId}/members/${second.id}`, second.token),
    409,
    "conflict",
    undefined,
    "the new last admin cannot leave",
  );
});

Deno.test("emails and phones appear only in the admin's view of the members", async () => {
  await using t = await testApp();
  const school = await schoolWithTeacher(t);
  const student = await joinAs(t, school.teacher.token, school.orgId, "student", "Петя", {
    classId: school.classA,
  });
  const parent = await joinAs(t, school.teacher.token, school.orgId, "parent", "Мама", {
    classId: school.classA,
    childId: student.id,
  });
  for (const who of [school.teacher, student, parent]) {
    const roster = await json<Roster>(t, "GET", `/orgs/${school.orgId}/members`, who.token);
    assert.equal(roster.status, 200);
    assert.equal(roster.body.members.length, 4);
    for (const m of roster.body.members) {
      assert.equal("email" in m, false);
      assert.equal("phone" in m, false);
      assert.equal(JSON.stringify(m).includes("@"), false, "no address leaks elsewhere");
    }
  }
  const adminView = await json<Roster>(t, "GET", `/orgs/${school.orgId}/members`, school.admin);
  assert.equal(adminView.body.members.length, 4);
  for (const m of adminView.body.members) {
    assert.match(String(m.email), /@school\.test$/);
    assert.ok("phone" in m);
  }
  const admin = adminView.body.members.find((m) => m.userId === school.adminId)!;
  assert.equal(admin.phone, "+7 900 123-45-67");
});

Deno.test("two isolates accepting the last use of an invite at once let exactly one join", async () => {
  await using t = await testApp();
  await using other = await testApp({ kv: t.kv });
  const school = await schoolWithTeacher(t);
  const once = await invite(t, school.admin, school.orgId, {
    role: "teacher",
    classId: school.classA,
  });
  const a = await signIn(t, "a@school.test", "Анна");
  const b = await signIn(t, "b@school.test", "Борис");
  const [first, second] = await Promise.all([
    accept(t, a, once.token),
    accept(other, b, once.token),
  ]);
  assert.deepEqual([first.status, second.status].sort(), [200, 410]);
  const roster = await json<Roster>(
    t,
    "GET",
    `/orgs/${school.orgId}/members?role=teacher`,
    school.admin,
  );
  assert.equal(roster.body.members.length, 2, "the first teacher and exactly one newcomer");
});

// ── Issue 10: roles that cannot be combined, removal as a ban, look-alike names ──────────────

type Bans = {
  bans: { userId: string; displayName: string | null; bannedAt: string; bannedBy: string }[];
};

async function rolesOf(t: TestApp, admin: string, orgId: string, userId: string) {
  const roster = await json<Roster>(t, "GET", `/orgs/${orgId}/members`, admin);
  return roster.body.members.find((m) => m.userId === userId)?.roles;
}

Deno.test("a student cannot become a parent through an invite, not even their own, and the invites stay unused", async () => {
  await using t = await testApp();
  const school = await schoolWithTeacher(t);
  const student = await joinAs(t, school.teacher.token, school.orgId, "student", "Петя", {
    classId: school.classA,
  });
  const ofThemselves = await invite(t, school.teacher.token, school.orgId, {
    role: "parent",
    classId: school.classA,
    childId: student.id,
  });
  const links = [
    ofThemselves,
    await invite(t, school.admin, school.orgId, { role: "parent" }),
    await invite(t, school.admin, school.orgId, { role: "teacher", classId: school.classA }),
    await invite(t, school.admin, school.orgId, { role: "admin" }),
  ];
  const before = await kvSnapshot(t.kv);
  for (const link of links) {
    const res = await accept(t, student.token, link.token);
    assertError(res, 409, "conflict", undefined, link.token);
    assert.match(res.body.error.message, /^Cannot join as an? (parent|teacher|admin)/);
  }
  assert.deepEqual(await kvSnapshot(t.kv), before, "nothing changes; no invite's uses move");
  assert.deepEqual(await rolesOf(t, school.admin, school.orgId, student.id), ["student"]);
  const parentsChat = await json<{ chat: { id: string } }>(
    t,
    "POST",
    `/orgs/${school.orgId}/chats`,
    school.teacher.token,
    { kind: "group", title: "Родители 5А", classId: school.classA, classRoles: ["parent"] },
  );
  assert.equal(
    (await json(t, "GET", `/chats/${parentsChat.body.chat.id}`, student.token)).status,
    404,
    "the parents' class chat stays closed to the student",
  );
});

Deno.test("parents, teachers and admins cannot also become students through an invite", async () => {
  await using t = await testApp();
  const school = await schoolWithTeacher(t);
  const parent = await joinAs(t, school.teacher.token, school.orgId, "parent", "Мама", {
    classId: school.classA,
  });
  const link = await invite(t, school.admin, school.orgId, {
    role: "student",
    classId: school.classA,
  });
  const before = await kvSnapshot(t.kv);
  for (const who of [parent.token, school.teacher.token, school.admin]) {
    assertError(await accept(t, who, link.token), 409, "conflict");
  }
  assert.deepEqual(await kvSnapshot(t.kv), before);
  const parentInvite = await invite(t, school.admin, school.orgId, { role: "parent" });
  const both = await accept(t, school.teacher.token, parentInvite.token);
  assert.equal(both.status, 200, "a teacher may also be a parent");
  assert.deepEqual(both.body.roles, ["teacher", "parent"]);
});

Deno.test("a parent invite naming the person who accepts it as the child is refused", async () => {
  await using t = await testApp();
  const school = await schoolWithTeacher(t);
  const pupil = await joinAs(t, school.teacher.token, school.orgId, "student", "Коля", {
    classId: school.classA,
  });
  const ofPupil = await invite(t, school.admin, school.orgId, {
    role: "parent",
    childId: pupil.id,
  });
  // The pupil turns out to be a member of staff, then tries the invite that names them.
  const promoted = await json(
    t,
    "PATCH",
    `/orgs/${school.orgId}/members/${pupil.id}`,
    school.admin,
    { roles: ["teacher"] },
  );
  assert.equal(promoted.status, 200);
  const before = await kvSnapshot(t.kv);
  const res = await accept(t, pupil.token, ofPupil.token);
  assertError(res, 409, "conflict");
  assert.match(res.body.error.message, /own child|no longer a student/);
  assert.deepEqual(await kvSnapshot(t.kv), before);
  assert.deepEqual(await rolesOf(t, school.admin, school.orgId, pupil.id), ["teacher"]);
});

Deno.test("an admin's removal is a ban: the removed student cannot rejoin until an admin lets them back", async () => {
  await using t = await testApp();
  const school = await schoolWithTeacher(t);
  const link = await invite(t, school.teacher.token, school.orgId, {
    role: "student",
    classId: school.classA,
  });
  const student = await signIn(t, "petya@school.test", "Петя");
  assert.equal((await accept(t, student, link.token)).status, 200);
  const studentId = (await json<{ user: { id: string } }>(t, "GET", "/me", student)).body.user.id;
  assert.equal(
    (await call(t, "DELETE", `/orgs/${school.orgId}/members/${studentId}`, school.admin)).status,
    204,
  );

  const fresh = await invite(t, school.admin, school.orgId, { role: "parent" });
  const other = await createSchool(t, "Гимназия № 5");
  const before = await kvSnapshot(t.kv);
  for (const held of [link, fresh]) {
    const res = await accept(t, student, held.token);
    assertError(res, 403, "forbidden");
    assert.match(res.body.error.message, /^Cannot join this school: an admin removed you/);
  }
  assert.deepEqual(await kvSnapshot(t.kv), before, "no invite's uses move");
  assert.deepEqual(await myOrgs(t, student), []);

  const bans = await json<Bans>(t, "GET", `/orgs/${school.orgId}/bans`, school.admin);
  assert.equal(bans.status, 200);
  assert.deepEqual(bans.body.bans, [{
    userId: studentId,
    displayName: "Петя",
    bannedAt: new Date(t.clock.now()).toISOString(),
    bannedBy: school.adminId,
  }]);
  for (const [token, status] of [[school.teacher.token, 403], [student, 404], [other.admin, 404]]) {
    assert.equal(
      (await call(t, "GET", `/orgs/${school.orgId}/bans`, token as string)).status,
      status,
    );
    assert.equal(
      (await call(t, "DELETE", `/orgs/${school.orgId}/bans/${studentId}`, token as string))
        .status,
      status,
    );
  }
  assert.deepEqual(await kvSnapshot(t.kv), before, "refused lifts change nothing");

  const lifted = await call(t, "DELETE", `/orgs/${school.orgId}/bans/${studentId}`, school.admin);
  assert.equal(lifted.status, 204);
  assert.equal(
    (await call(t, "DELETE", `/orgs/${school.orgId}/bans/${studentId}`, school.admin)).status,
    404,
    "there is no ban to lift any more",
  );
  assert.deepEqual(
    (await json<Bans>(t, "GET", `/orgs/${school.orgId}/bans`, school.admin)).body.bans,
    [],
  );
  assert.equal((await accept(t, student, link.token)).status, 200, "back once let in");
  assert.deepEqual(await myOrgs(t, student), [school.orgId]);
});

Deno.test("leaving a school oneself is not a ban", async () => {
  await using t = await testApp();
  const school = await schoolWithTeacher(t);
  const link = await invite(t, school.admin, school.orgId, { role: "parent" });
  const parent = await signIn(t, "mama@school.test", "Мама");
  assert.equal((await accept(t, parent, link.token)).status, 200);
  const id = (await json<{ user: { id: string } }>(t, "GET", "/me", parent)).body.user.id;
  assert.equal(
    (await call(t, "DELETE", `/orgs/${school.orgId}/members/${id}`, parent)).status,
    204,
  );
  assert.deepEqual(
    (await json<Bans>(t, "GET", `/orgs/${school.orgId}/bans`, school.admin)).body.bans,
    [],
  );
  assert.equal((await accept(t, parent, link.token)).status, 200);
});

Deno.test("joining with a name that looks like a teacher's of the school is refused, the invite unused", async () => {
  await using t = await testApp();
  const school = await schoolWithTeacher(t); // the teacher is "Иван Сергеевич"
  const link = await invite(t, school.teacher.token, school.orgId, {
    role: "student",
    classId: school.classA,
  });
  // Latin a, e, p, C and a zero-width space: a look-alike, set while in no school.
  const named = await signIn(t, "fake@school.test", "Ивaн Cеpгeевич\u200b");
  const nameless = await signIn(t, "nameless@school.test");
  const before = await kvSnapshot(t.kv);
  const existing = await accept(t, named, link.token);
  assertError(existing, 400, "invalid_input", "displayName");
  assert.match(existing.body.error.message, /change your name/i);
  for (const displayName of ["иван сергеевич", "Иван  Сергеевич", "Иван Cергеевич ✓"]) {
    const res = await accept(t, nameless, link.token, { displayName });
    assertError(res, 400, "invalid_input", "displayName", displayName);
  }
  assert.deepEqual(
    await kvSnapshot(t.kv),
    before,
    "nothing changes; the invite's uses do not move",
  );
  const own = await accept(t, nameless, link.token, { displayName: "Ваня Петров" });
  assert.equal(own.status, 200, "a name of one's own is fine");
});
