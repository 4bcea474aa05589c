import assert from "node:assert/strict";
import { AppError } from "../shared/errors.ts";
import { type OrgId, ulidSource, type UserId } from "../shared/ids.ts";
import { keys } from "../platform/kv_keys.ts";
import { listAll } from "../platform/kv_util.ts";
import type { Invite, Member, OrgClass } from "../shared/model.ts";
import { createSchool, joinAs, json, signIn, type TestApp, testApp } from "../tests/helpers.ts";
import type { Result } from "./mailbox.ts";
import { OrgActor } from "./org_actor.ts";

/** `count` org actors for one school on the test app's KV, as if each lived in its own isolate. */
function isolates(t: TestApp, orgId: string, count: number): OrgActor[] & AsyncDisposable {
  const actors = Array.from(
    { length: count },
    () => new OrgActor(orgId as OrgId, { kv: t.kv, clock: t.clock, ids: ulidSource(t.clock) }),
  );
  return Object.assign(actors, {
    async [Symbol.asyncDispose]() {
      await Promise.all(actors.map((a) => a.stop()));
    },
  });
}

/** A signed-in user with a display name, not yet in any school. */
async function person(t: TestApp, name: string): Promise<{ token: string; id: UserId }> {
  const token = await signIn(t, `${crypto.randomUUID().slice(0, 12)}@school.test`, name);
  const me = await json<{ user: { id: UserId } }>(t, "GET", "/me", token);
  return { token, id: me.body.user.id };
}

async function invite(t: TestApp, admin: string, orgId: string, body: object): Promise<string> {
  const res = await json<{ token: string }>(t, "POST", `/orgs/${orgId}/invites`, admin, body);
  assert.equal(res.status, 201);
  return res.body.token;
}

function errorOf(result: Result<unknown>): AppError {
  assert.equal(result.ok, false, "expected a failure");
  const error = !result.ok && result.error;
  assert.ok(error instanceof AppError, `expected an AppError, got ${error}`);
  return error;
}

async function admins(t: TestApp, orgId: string): Promise<UserId[]> {
  const members = await listAll<Member>(t.kv, keys.orgMembers(orgId as OrgId));
  return members.filter((e) => e.value.roles.includes("admin")).map((e) => e.value.userId);
}

Deno.test("org actor lets only one of two isolates use a single-use invite", async () => {
  await using t = await testApp();
  const { orgId, admin } = await createSchool(t);
  await using actors = isolates(t, orgId, 2);
  // A few rounds, so the two accepts interleave in more than one way.
  for (let round = 0; round < 5; round++) {
    const token = await invite(t, admin, orgId, { role: "teacher", maxUses: 1 });
    const anna = await person(t, "Анна");
    const boris = await person(t, "Борис");
    const results = await Promise.all([
      actors[0]!.acceptInvite(anna.id, token),
      actors[1]!.acceptInvite(boris.id, token),
    ]);
    const winners = results.filter((r) => r.ok);
    assert.equal(winners.length, 1, `round ${round}: exactly one accept succeeds`);
    const loser = results.findIndex((r) => !r.ok);
    const error = errorOf(results[loser]!);
    assert.equal(error.status, 410);
    assert.equal(error.code, "invite_expired");
    const stored = await t.kv.get<Invite>(keys.invite(token));
    assert.equal(stored.value!.uses, 1);
    const loserId = [anna.id, boris.id][loser]!;
    const loserMember = await t.kv.get(keys.orgMember(orgId as OrgId, loserId));
    assert.equal(loserMember.value, null, "the loser did not join");
    const loserIndex = await t.kv.get(keys.orgByUser(loserId, orgId as OrgId));
    assert.equal(loserIndex.value, null);
  }
});

Deno.test("org actor lets many isolates fill a multi-use invite exactly to its limit", async () => {
  await using t = await testApp();
  const { orgId, admin } = await createSchool(t);
  const cls = await json<{ id: string }>(t, "POST", `/orgs/${orgId}/classes`, admin, {
    name: "5А",
  });
  const token = await invite(t, admin, orgId, {
    role: "student",
    classId: cls.body.id,
    maxUses: 3,
  });
  await using actors = isolates(t, orgId, 6);
  const people = await Promise.all(actors.map((_, i) => person(t, `Ученик ${i}`)));
  const results = await Promise.all(actors.map((a, i) => a.acceptInvite(people[i]!.id, token)));
  assert.equal(results.filter((r) => r.ok).length, 3);
  for (const failed of results.filter((r) => !r.ok)) {
    assert.equal(errorOf(failed).code, "invite_expired");
  }
  assert.equal((await t.kv.get<Invite>(keys.invite(token))).value!.uses, 3);
  const students = await listAll<Member>(t.kv, keys.orgMembers(orgId as OrgId));
  assert.equal(students.filter((e) => e.value.roles.includes("student")).length, 3);
});

Deno.test("org actor keeps an admin when two admins on two isolates demote each other at once", async () => {
  await using t = await testApp();
  const { orgId, admin, adminId } = await createSchool(t);
  const second = await joinAs(t, admin, orgId, "admin", "Борис Иванович");
  assert.deepEqual((await admins(t, orgId)).sort(), [adminId, second.id].sort());
  await using actors = isolates(t, orgId, 2);
  const results = await Promise.all([
    actors[0]!.updateMember(adminId as UserId, second.id as UserId, { roles: ["teacher"] }),
    actors[1]!.updateMember(second.id as UserId, adminId as UserId, { roles: ["teacher"] }),
  ]);
  assert.equal(results.filter((r) => r.ok).length, 1, "exactly one demotion goes through");
  // The loser is refused either as no longer an admin (403) or, when it saw the roster after
  // its own demotion, for trying to demote the last admin (409).
  const error = errorOf(results.find((r) => !r.ok)!);
  assert.ok([403, 409].includes(error.status), `refused with ${error.status}`);
  assert.equal((await admins(t, orgId)).length, 1);
});

Deno.test("org actor keeps an admin when two admins on two isolates step down at once", async () => {
  await using t = await testApp();
  const { orgId, admin, adminId } = await createSchool(t);
  const second = await joinAs(t, admin, orgId, "admin", "Борис Иванович");
  await using actors = isolates(t, orgId, 2);
  const results = await Promise.all([
    actors[0]!.updateMember(adminId as UserId, adminId as UserId, { roles: ["teacher"] }),
    actors[1]!.updateMember(second.id as UserId, second.id as UserId, { roles: ["teacher"] }),
  ]);
  assert.equal(results.filter((r) => r.ok).length, 1, "exactly one steps down");
  const error = errorOf(results.find((r) => !r.ok)!);
  assert.equal(error.status, 409);
  assert.equal(error.code, "conflict");
  assert.equal((await admins(t, orgId)).length, 1);
});

Deno.test("org actor keeps an admin when two admins on two isolates remove each other at once", async () => {
  await using t = await testApp();
  const { orgId, admin, adminId } = await createSchool(t);
  const second = await joinAs(t, admin, orgId, "admin", "Борис Иванович");
  await using actors = isolates(t, orgId, 2);
  const results = await Promise.all([
    actors[0]!.removeMember(adminId as UserId, second.id as UserId),
    actors[1]!.removeMember(second.id as UserId, adminId as UserId),
  ]);
  assert.equal(results.filter((r) => r.ok).length, 1, "exactly one removal goes through");
  // The loser is refused either as no longer in the school (404) or, when it saw the roster
  // after its own removal, for trying to remove the last admin (409).
  const error = errorOf(results.find((r) => !r.ok)!);
  assert.ok([404, 409].includes(error.status), `refused with ${error.status}`);
  assert.equal((await admins(t, orgId)).length, 1);
});

Deno.test("org actor keeps an admin when two admins on two isolates leave at once", async () => {
  await using t = await testApp();
  const { orgId, admin, adminId } = await createSchool(t);
  const second = await joinAs(t, admin, orgId, "admin", "Борис Иванович");
  await using actors = isolates(t, orgId, 2);
  const results = await Promise.all([
    actors[0]!.removeMember(adminId as UserId, adminId as UserId),
    actors[1]!.removeMember(second.id as UserId, second.id as UserId),
  ]);
  assert.equal(results.filter((r) => r.ok).length, 1, "exactly one leaves");
  assert.equal(errorOf(results.find((r) => !r.ok)!).status, 409);
  assert.equal((await admins(t, orgId)).length, 1);
});

Deno.test("org actor treats accepting the same invite twice as harmless, even once it is used up", async () => {
  await using t = await testApp();
  const { orgId, admin } = await createSchool(t);
  const token = await invite(t, admin, orgId, { role: "teacher", maxUses: 1 });
  const anna = await person(t, "Анна");
  await using actors = isolates(t, orgId, 2);
  const first = await actors[0]!.acceptInvite(anna.id, token);
  assert.deepEqual(first, { ok: true, value: { orgId, roles: ["teacher"], changed: true } });
  const memberBefore = await t.kv.get<Member>(keys.orgMember(orgId as OrgId, anna.id));
  const again = await actors[1]!.acceptInvite(anna.id, token);
  assert.deepEqual(again, { ok: true, value: { orgId, roles: ["teacher"], changed: false } });
  const memberAfter = await t.kv.get<Member>(keys.orgMember(orgId as OrgId, anna.id));
  assert.equal(memberAfter.versionstamp, memberBefore.versionstamp, "the member was not rewritten");
  assert.equal((await t.kv.get<Invite>(keys.invite(token))).value!.uses, 1);
});

Deno.test("org actor joins a person once when they accept one invite on two isolates at once", async () => {
  await using t = await testApp();
  const { orgId, admin } = await createSchool(t);
  const cls = await json<{ id: string }>(t, "POST", `/orgs/${orgId}/classes`, admin, {
    name: "7Б",
  });
  const token = await invite(t, admin, orgId, { role: "student", classId: cls.body.id });
  const anna = await person(t, "Анна");
  await using actors = isolates(t, orgId, 2);
  const results = await Promise.all(actors.map((a) => a.acceptInvite(anna.id, token)));
  const accepted = results.map((r) => {
    assert.ok(r.ok, "both clicks succeed");
    return r.value;
  });
  assert.deepEqual(accepted.map((a) => a.changed).sort(), [false, true]);
  assert.equal((await t.kv.get<Invite>(keys.invite(token))).value!.uses, 1);
  const member = await t.kv.get<Member>(keys.orgMember(orgId as OrgId, anna.id));
  assert.deepEqual(member.value!.classIds, [cls.body.id]);
});

Deno.test("org actor refuses a class whose name differs from another only in case, across isolates", async () => {
  await using t = await testApp();
  const { orgId, adminId } = await createSchool(t);
  await using actors = isolates(t, orgId, 2);
  const results = await Promise.all([
    actors[0]!.createClass(adminId as UserId, "5А"),
    actors[1]!.createClass(adminId as UserId, "5а"),
  ]);
  assert.equal(results.filter((r) => r.ok).length, 1);
  const error = errorOf(results.find((r) => !r.ok)!);
  assert.equal(error.status, 409);
  assert.equal(error.code, "conflict");
  const classes = await listAll<OrgClass>(t.kv, keys.orgClasses(orgId as OrgId));
  assert.equal(classes.length, 1);

  const later = errorOf(await actors[0]!.createClass(adminId as UserId, "5А".toLowerCase()));
  assert.equal(later.status, 409, "also when the second comes later");
  const latin = await actors[1]!.createClass(adminId as UserId, "10B");
  assert.equal(latin.ok, true);
  assert.equal(errorOf(await actors[0]!.createClass(adminId as UserId, "10b")).status, 409);
});
