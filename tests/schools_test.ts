import assert from "node:assert/strict";
import {
  call,
  createSchool,
  joinAs,
  json,
  kvSnapshot,
  OPERATOR,
  signIn,
  testApp,
} from "./helpers.ts";

Deno.test("a school goes from application to a teacher, a student and a parent joined by invites", async () => {
  await using t = await testApp();
  const { orgId, admin, adminId } = await createSchool(t, "Лицей № 7");

  const me = await json<{ operator: boolean; orgs: { id: string; roles: string[] }[] }>(
    t,
    "GET",
    "/me",
    admin,
  );
  assert.equal(me.body.operator, false);
  assert.deepEqual(me.body.orgs, [{ id: orgId, name: "Лицей № 7", roles: ["admin"] }]);

  const cls = await json<{ id: string; name: string }>(t, "POST", `/orgs/${orgId}/classes`, admin, {
    name: " 5А ",
  });
  assert.equal(cls.status, 201);
  assert.equal(cls.body.name, "5А");

  const teacher = await joinAs(t, admin, orgId, "teacher", "Иван Сергеевич", {
    classId: cls.body.id,
  });
  const student = await joinAs(t, teacher.token, orgId, "student", "Петя", {
    classId: cls.body.id,
  });
  const parent = await joinAs(t, teacher.token, orgId, "parent", "Мама Пети", {
    classId: cls.body.id,
    childId: student.id,
  });

  const roster = await json<{ members: Record<string, unknown>[] }>(
    t,
    "GET",
    `/orgs/${orgId}/members`,
    student.token,
  );
  assert.equal(roster.status, 200);
  const byId = new Map(roster.body.members.map((m) => [m.userId, m]));
  assert.deepEqual(byId.get(teacher.id), {
    userId: teacher.id,
    displayName: "Иван Сергеевич",
    roles: ["teacher"],
    verified: true,
    classIds: [cls.body.id],
  });
  assert.equal(byId.get(student.id)!.verified, false);
  for (const m of roster.body.members) {
    assert.equal("email" in m, false, "students never see emails");
    assert.equal("phone" in m, false, "students never see phones");
    assert.equal("childIds" in m, false, "students never see family links");
  }

  const adminView = await json<{ members: Record<string, unknown>[] }>(
    t,
    "GET",
    `/orgs/${orgId}/members?role=parent`,
    admin,
  );
  assert.equal(adminView.body.members.length, 1);
  assert.equal(adminView.body.members[0]!.userId, parent.id);
  assert.deepEqual(adminView.body.members[0]!.childIds, [student.id]);
  assert.match(String(adminView.body.members[0]!.email), /@school\.test$/);

  const adminSelf = (await json<{ members: Record<string, unknown>[] }>(
    t,
    "GET",
    `/orgs/${orgId}/members?role=admin`,
    admin,
  )).body.members[0]!;
  assert.equal(adminSelf.userId, adminId);
  assert.equal(adminSelf.phone, "+7 900 123-45-67", "the applicant's phone reaches the admin");

  const inClass = await json<{ members: { userId: string }[] }>(
    t,
    "GET",
    `/orgs/${orgId}/members?classId=${cls.body.id}`,
    teacher.token,
  );
  assert.deepEqual(
    new Set(inClass.body.members.map((m) => m.userId)),
    new Set([teacher.id, student.id, parent.id]),
  );
});

Deno.test("the operator sees pending applications and can reject one; others get 404", async () => {
  await using t = await testApp();
  const applied = await json<{ id: string; status: string }>(t, "POST", "/org-applications", null, {
    schoolName: "Гимназия",
    region: "Казань",
    adminName: "Ольга",
    adminEmail: "olga@school.test",
    adminPhone: "+7 843 000 00 00",
  });
  assert.deepEqual(applied.body, { id: applied.body.id, status: "pending" });

  const stranger = await signIn(t, "someone@school.test", "Кто-то");
  assert.equal((await call(t, "GET", "/org-applications", stranger)).status, 404);
  assert.equal(
    (await call(t, "POST", `/org-applications/${applied.body.id}/approve`, stranger)).status,
    404,
  );
  assert.equal((await call(t, "GET", "/org-applications")).status, 401);

  const operator = await signIn(t, OPERATOR);
  const pending = await json<{ applications: { id: string }[] }>(
    t,
    "GET",
    "/org-applications?status=pending",
    operator,
  );
  assert.deepEqual(pending.body.applications.map((a) => a.id), [applied.body.id]);

  const rejected = await json(t, "POST", `/org-applications/${applied.body.id}/reject`, operator, {
    reason: "Нет подтверждения от школы",
  });
  assert.deepEqual(rejected.body, { id: applied.body.id, status: "rejected" });
  const again = await json<{ error: { code: string } }>(
    t,
    "POST",
    `/org-applications/${applied.body.id}/approve`,
    operator,
  );
  assert.equal(again.status, 409);
  assert.equal(again.body.error.code, "conflict");
  const none = await json<{ applications: unknown[] }>(t, "GET", "/org-applications", operator);
  assert.deepEqual(none.body.applications, []);
});

type ErrorBody = { error: { code: string; message: string; field?: string } };

/** Every KV entry except rate-limit counters and the mail outbox, as comparable text. */
Deno.test("an admin cannot give a student a role a pupil cannot hold; staff may combine roles", async () => {
  await using t = await testApp();
  const { orgId, admin } = await createSchool(t, "Лицей № 7");
  const teacher = await joinAs(t, admin, orgId, "teacher", "Иван Сергеевич");
  const student = await joinAs(t, admin, orgId, "student", "Петя");
  const before = await kvSnapshot(t.kv);
  for (const roles of [["student", "parent"], ["student", "teacher"], ["admin", "student"]]) {
    const res = await json<ErrorBody>(t, "PATCH", `/orgs/${orgId}/members/${student.id}`, admin, {
      roles,
    });
    assert.equal(res.status, 409, JSON.stringify(roles));
    assert.equal(res.body.error.code, "conflict");
    assert.match(res.body.error.message, /^Cannot change roles: a student cannot also be/);
    const onTeacher = await json<ErrorBody>(
      t,
      "PATCH",
      `/orgs/${orgId}/members/${teacher.id}`,
      admin,
      { roles },
    );
    assert.equal(onTeacher.status, 409, `teacher ${JSON.stringify(roles)}`);
  }
  assert.deepEqual(await kvSnapshot(t.kv), before, "refused edits change nothing");
  for (const roles of [["teacher", "parent"], ["admin", "teacher", "parent"], ["parent"]]) {
    const res = await json(t, "PATCH", `/orgs/${orgId}/members/${teacher.id}`, admin, { roles });
    assert.equal(res.status, 200, JSON.stringify(roles));
  }
});

Deno.test("a pupil cannot take a teacher's name, a look-alike of it, or a badge", async () => {
  await using t = await testApp();
  const { orgId, admin } = await createSchool(t, "Лицей № 7");
  const teacher = await joinAs(t, admin, orgId, "teacher", "Мария Ивановна");
  const student = await joinAs(t, admin, orgId, "student", "Петя");
  const parent = await joinAs(t, admin, orgId, "parent", "Мама Пети");
  const refused = [
    "Мария Ивановна",
    "мария ивановна",
    " Мария   Ивановна ",
    "Мария\u200b Ивановна",
    "Мaрия Ивaновнa", // Latin a
    "MАРИЯ ИВАНОВНА", // Latin M
    "Мария Ивановна.",
    "Анна Петровна", // the school's admin
    "Петя (учитель ✓)",
    "Петя (учитель)",
    "Петя (Учительница)",
    "Петя [teacher]",
    "Петя (администратор)",
    "Петя (admin)",
    "Петя (yчитель)", // Latin y
    "Петя ✓",
    "Петя ✔",
    "☑ Петя",
    "Петя ✅",
    "Петя 🗸",
  ];
  for (const who of [student.token, parent.token]) {
    for (const displayName of refused) {
      const res = await json<ErrorBody>(t, "PATCH", "/me", who, { displayName });
      assert.equal(res.status, 400, `${JSON.stringify(displayName)} ${JSON.stringify(res.body)}`);
      assert.equal(res.body.error.code, "invalid_input");
      assert.equal(res.body.error.field, "displayName");
    }
  }
  const me = await json<{ user: { displayName: string } }>(t, "GET", "/me", student.token);
  assert.equal(me.body.user.displayName, "Петя");

  const fine = await json<{ user: { displayName: string } }>(t, "PATCH", "/me", student.token, {
    displayName: "Мария\u200b  Петрова\ufeff",
  });
  assert.equal(fine.status, 200);
  assert.equal(fine.body.user.displayName, "Мария Петрова", "invisible characters go");
  const locale = await json(t, "PATCH", "/me", teacher.token, {
    displayName: "Мария Ивановна",
    locale: "en",
  });
  assert.equal(locale.status, 200, "the teacher keeps her own name");
  const elsewhere = await createSchool(t, "Школа № 2");
  const stranger = await joinAs(t, elsewhere.admin, elsewhere.orgId, "student", "Вася");
  const other = await json(t, "PATCH", "/me", stranger.token, { displayName: "Мария Ивановна" });
  assert.equal(other.status, 200, "a teacher of another school is no one's to imitate here");
});
