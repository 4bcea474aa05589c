import assert from "node:assert/strict";
import type { ClassId, UserId } from "./ids.ts";
import type { Role } from "./model.ts";
import type { ChatKind, ChatRole } from "./chat_model.ts";
import {
  type Caller,
  callRank,
  canControlCallParticipant,
  canCreateChat,
  canCreateInvite,
  canDeleteMessage,
  canEditMessage,
  canHoldRoles,
  canHostCall,
  canInviteGuest,
  canJoinCall,
  canJoinChatByLink,
  canListInvites,
  canManageChat,
  canManageClasses,
  canManageMembers,
  canOpenDirect,
  canPost,
  canReact,
  canReadChat,
  canRemoveChatMember,
  canRemoveMember,
  canRevokeInvite,
  canSeeAcks,
  canSeeContacts,
  canSeeFamilyLinks,
  canUpdateOrg,
  canViewOrg,
  type ChatCaller,
  conflictingRoles,
  type Decision,
  defaultInviteUses,
  heldByQuietHours,
  isStaff,
  receivesReportNotice,
} from "./policy.ts";

const CLASS_A = "01JCLASSA00000000000000000" as ClassId;
const CLASS_B = "01JCLASSB00000000000000000" as ClassId;

const caller = (
  userId: string,
  roles: Role[],
  classIds: ClassId[] = [],
  childIds: string[] = [],
): Caller => ({
  userId: userId as UserId,
  roles,
  classIds,
  childIds: childIds as UserId[],
});

const admin = caller("admin", ["admin"]);
const teacherA = caller("teacher-a", ["teacher"], [CLASS_A]);
const teacherB = caller("teacher-b", ["teacher"], [CLASS_B]);
const student = caller("student", ["student"], [CLASS_A]);
const parent = caller("parent", ["parent"], [], ["student"]);
const teacherParent = caller("teacher-parent", ["teacher", "parent"], [CLASS_B], ["student"]);

/** Everyone a school-level check meets; the last two are not (or no longer) in the school. */
const PEOPLE = {
  admin,
  "teacher of the class": teacherA,
  "teacher of another class": teacherB,
  student,
  parent,
  "teacher who is also a parent": teacherParent,
  "member of another school": null,
  "removed member": null,
} satisfies Record<string, Caller | null>;

type Person = keyof typeof PEOPLE;
type Table<T> = Record<Person, T>;

/** Runs `decide` for every person and compares with the whole table at once. */
function check<T>(decide: (c: Caller | null) => T, expected: Table<T>): void {
  const actual = Object.fromEntries(
    Object.entries(PEOPLE).map(([name, c]) => [name, decide(c)]),
  );
  assert.deepEqual(actual, expected);
}

/** The same for checks that only make sense for members (`null` callers are not asked). */
function checkMembers<T>(
  decide: (c: Caller) => T,
  expected: Omit<Table<T>, "member of another school" | "removed member">,
): void {
  const actual = Object.fromEntries(
    Object.entries(PEOPLE).flatMap(([name, c]) => c ? [[name, decide(c)]] : []),
  );
  assert.deepEqual(actual, expected);
}

const outsiders = {
  "member of another school": "not_found",
  "removed member": "not_found",
} as const;

Deno.test("policy lets every member view the school and hides it from outsiders", () => {
  check(
    canViewOrg,
    {
      admin: "allow",
      "teacher of the class": "allow",
      "teacher of another class": "allow",
      student: "allow",
      parent: "allow",
      "teacher who is also a parent": "allow",
      ...outsiders,
    } satisfies Table<Decision>,
  );
});

Deno.test("policy lets only admins change the school, its classes and its members", () => {
  const adminsOnly: Table<Decision> = {
    admin: "allow",
    "teacher of the class": "forbidden",
    "teacher of another class": "forbidden",
    student: "forbidden",
    parent: "forbidden",
    "teacher who is also a parent": "forbidden",
    "member of another school": "not_found",
    "removed member": "not_found",
  };
  check(canUpdateOrg, adminsOnly);
  check(canManageClasses, adminsOnly);
  check(canManageMembers, adminsOnly);
});

Deno.test("policy shows contacts to admins only", () => {
  checkMembers(canSeeContacts, {
    admin: true,
    "teacher of the class": false,
    "teacher of another class": false,
    student: false,
    parent: false,
    "teacher who is also a parent": false,
  });
});

Deno.test("policy shows a parent's children to staff and to that parent only", () => {
  checkMembers((c) => canSeeFamilyLinks(c, parent.userId), {
    admin: true,
    "teacher of the class": true,
    "teacher of another class": true,
    student: false,
    parent: true,
    "teacher who is also a parent": true,
  });
  // A parent does not see another family's links.
  assert.equal(canSeeFamilyLinks(parent, teacherParent.userId), false);
});

Deno.test("policy lets admins invite anyone and teachers invite students and parents to their classes", () => {
  const requests = {
    "student to class A": { role: "student", classId: CLASS_A },
    "parent to class A": { role: "parent", classId: CLASS_A },
    "student to class B": { role: "student", classId: CLASS_B },
    "student to no class": { role: "student", classId: null },
    "teacher to class A": { role: "teacher", classId: CLASS_A },
    "admin": { role: "admin", classId: null },
  } as const;
  const row = (allowed: (keyof typeof requests)[]) =>
    Object.fromEntries(
      Object.keys(requests).map((r) => [
        r,
        allowed.includes(r as keyof typeof requests) ? "allow" : "forbidden",
      ]),
    );
  const nowhere = Object.fromEntries(Object.keys(requests).map((r) => [r, "not_found"]));
  const decideAll = (c: Caller | null) =>
    Object.fromEntries(
      Object.entries(requests).map(([name, request]) => [name, canCreateInvite(c, request)]),
    );
  check(decideAll, {
    admin: row(Object.keys(requests) as (keyof typeof requests)[]),
    "teacher of the class": row(["student to class A", "parent to class A"]),
    "teacher of another class": row(["student to class B"]),
    student: row([]),
    parent: row([]),
    "teacher who is also a parent": row(["student to class B"]),
    "member of another school": nowhere,
    "removed member": nowhere,
  });
  assert.equal(canCreateInvite(teacherParent, { role: "parent", classId: CLASS_B }), "allow");
});

Deno.test("policy lets an invite's creator or an admin revoke it", () => {
  check(
    (c) => canRevokeInvite(c, { createdBy: teacherA.userId }),
    {
      admin: "allow",
      "teacher of the class": "allow",
      "teacher of another class": "forbidden",
      student: "forbidden",
      parent: "forbidden",
      "teacher who is also a parent": "forbidden",
      ...outsiders,
    } satisfies Table<Decision>,
  );
  // An invite the operator made (no creator in the school) is revoked by admins only.
  check(
    (c) => canRevokeInvite(c, { createdBy: null }),
    {
      admin: "allow",
      "teacher of the class": "forbidden",
      "teacher of another class": "forbidden",
      student: "forbidden",
      parent: "forbidden",
      "teacher who is also a parent": "forbidden",
      ...outsiders,
    } satisfies Table<Decision>,
  );
});

Deno.test("policy lets admins and teachers list invites", () => {
  check(
    canListInvites,
    {
      admin: "allow",
      "teacher of the class": "allow",
      "teacher of another class": "allow",
      student: "forbidden",
      parent: "forbidden",
      "teacher who is also a parent": "allow",
      ...outsiders,
    } satisfies Table<Decision>,
  );
});

Deno.test("policy gives staff invites one use and student and parent invites forty", () => {
  const uses = Object.fromEntries(
    (["admin", "teacher", "student", "parent"] as const).map((r) => [r, defaultInviteUses(r)]),
  );
  assert.deepEqual(uses, { admin: 1, teacher: 1, student: 40, parent: 40 });
});

Deno.test("policy lets admins remove anyone and any member leave", () => {
  check(
    (c) => canRemoveMember(c, student.userId),
    {
      admin: "allow",
      "teacher of the class": "forbidden",
      "teacher of another class": "forbidden",
      student: "allow",
      parent: "forbidden",
      "teacher who is also a parent": "forbidden",
      ...outsiders,
    } satisfies Table<Decision>,
  );
  check(
    (c) => canRemoveMember(c, c?.userId ?? ("gone" as UserId)),
    {
      admin: "allow",
      "teacher of the class": "allow",
      "teacher of another class": "allow",
      student: "allow",
      parent: "allow",
      "teacher who is also a parent": "allow",
      ...outsiders,
    } satisfies Table<Decision>,
  );
});

Deno.test("policy lets a pupil hold no other role, and staff be parents and admins teachers", () => {
  const combos: [Role[], readonly [Role, Role] | null][] = [
    [["student"], null],
    [["parent"], null],
    [["teacher"], null],
    [["admin"], null],
    [["teacher", "parent"], null],
    [["admin", "teacher"], null],
    [["admin", "parent"], null],
    [["admin", "teacher", "parent"], null],
    [["student", "parent"], ["student", "parent"]],
    [["parent", "student"], ["student", "parent"]],
    [["student", "teacher"], ["student", "teacher"]],
    [["admin", "student"], ["student", "admin"]],
    [["teacher", "parent", "student"], ["student", "teacher"]],
  ];
  for (const [roles, clash] of combos) {
    assert.deepEqual(conflictingRoles(roles), clash, roles.join("+"));
    assert.equal(canHoldRoles(roles), clash === null, roles.join("+"));
  }
  assert.deepEqual(
    (["admin", "teacher", "student", "parent"] as Role[]).map((r) => isStaff([r])),
    [true, true, false, false],
  );
  assert.equal(isStaff(["teacher", "parent"]), true);
});

Deno.test("policy admits to a class chat by link only its class and the school's admins", () => {
  const group = { kind: "group" as const };
  const classChat = { kind: "group" as const, classId: CLASS_A };
  const direct = { kind: "direct" as const };
  check(
    (c) => [
      canJoinChatByLink(c, group),
      canJoinChatByLink(c, classChat),
      canJoinChatByLink(c, direct),
    ],
    {
      admin: ["allow", "allow", "forbidden"],
      "teacher of the class": ["allow", "allow", "forbidden"],
      "teacher of another class": ["allow", "forbidden", "forbidden"],
      student: ["allow", "allow", "forbidden"],
      parent: ["allow", "forbidden", "forbidden"],
      "teacher who is also a parent": ["allow", "forbidden", "forbidden"],
      "member of another school": ["not_found", "not_found", "not_found"],
      "removed member": ["not_found", "not_found", "not_found"],
    } satisfies Table<Decision[]>,
  );
});

Deno.test("policy lets staff create groups and channels and anyone ask for a direct chat", () => {
  const kinds: ChatKind[] = ["group", "channel", "direct"];
  const row = (group: Decision, channel: Decision, direct: Decision) => ({
    group,
    channel,
    direct,
  });
  check((c) => Object.fromEntries(kinds.map((k) => [k, canCreateChat(c, k)])), {
    admin: row("allow", "allow", "allow"),
    "teacher of the class": row("allow", "allow", "allow"),
    "teacher of another class": row("allow", "allow", "allow"),
    student: row("forbidden", "forbidden", "allow"),
    parent: row("forbidden", "forbidden", "allow"),
    "teacher who is also a parent": row("allow", "allow", "allow"),
    "member of another school": row("not_found", "not_found", "not_found"),
    "removed member": row("not_found", "not_found", "not_found"),
  });
});

Deno.test("policy applies the school's direct-message rules to each pair of members", () => {
  const classmate = caller("classmate", ["student"], [CLASS_A]);
  const otherStudent = caller("other-student", ["student"], [CLASS_B]);
  const strict = { studentDirectMessages: false };
  const open = { studentDirectMessages: true };
  const cases: [string, Caller, Caller, typeof strict, ClassId[], boolean][] = [
    ["nobody writes to themself", admin, admin, open, [], false],
    ["an admin writes to a student", admin, student, strict, [], true],
    ["a teacher writes to a student of another class", teacherB, student, strict, [], true],
    ["a teacher who is a parent writes to a parent", teacherParent, parent, strict, [], true],
    ["a student writes to their class's teacher", student, teacherA, strict, [], true],
    ["a student does not write to another class's teacher", student, teacherB, strict, [], false],
    ["a student does not write to an admin", student, admin, strict, [], false],
    ["a student does not write to a classmate by default", student, classmate, strict, [], false],
    ["a student writes to a classmate when allowed", student, classmate, open, [], true],
    ["a student never writes to another class's student", student, otherStudent, open, [], false],
    ["a student does not write to a parent", student, parent, open, [], false],
    ["a parent writes to their child's teacher", parent, teacherA, strict, [CLASS_A], true],
    ["a parent does not write to another teacher", parent, teacherB, strict, [CLASS_A], false],
    [
      "a parent without children's classes writes to no teacher",
      parent,
      teacherA,
      strict,
      [],
      false,
    ],
    ["a parent does not write to a student", parent, student, open, [CLASS_A], false],
    ["a parent does not write to an admin", parent, admin, strict, [CLASS_A], false],
  ];
  for (const [name, from, to, rules, childClassIds, expected] of cases) {
    assert.equal(canOpenDirect(from, to, rules, childClassIds), expected, name);
  }
});

// ── Chats ──────────────────────────────────────────────────────────────────────────────────

const ME = "me" as UserId;
const OTHER = "other" as UserId;

const chatCaller = (chatRole: ChatRole | null, orgRoles: Role[] | null): ChatCaller => ({
  userId: ME,
  chatRole,
  orgRoles,
});

/** Everyone a chat-level check meets; the last two may not learn that the chat exists. */
const CHAT_PEOPLE = {
  owner: chatCaller("owner", ["teacher"]),
  moderator: chatCaller("moderator", ["student"]),
  member: chatCaller("member", ["parent"]),
  "school member outside the chat": chatCaller(null, ["admin"]),
  "chat member removed from the school": chatCaller("member", null),
} satisfies Record<string, ChatCaller>;

type ChatTable<T> = Record<keyof typeof CHAT_PEOPLE, T>;

function checkChat<T>(decide: (c: ChatCaller) => T, expected: ChatTable<T>): void {
  const actual = Object.fromEntries(
    Object.entries(CHAT_PEOPLE).map(([name, c]) => [name, decide(c)]),
  );
  assert.deepEqual(actual, expected);
}

const hidden = {
  "school member outside the chat": "not_found",
  "chat member removed from the school": "not_found",
} as const;

const byKind = (decide: (kind: ChatKind) => Decision) => ({
  group: decide("group"),
  channel: decide("channel"),
  direct: decide("direct"),
});

const everyKind = (d: Decision) => ({ group: d, channel: d, direct: d });

Deno.test("chat policy lets members still in the school read and react, and hides the chat from others", () => {
  const expected: ChatTable<Decision> = {
    owner: "allow",
    moderator: "allow",
    member: "allow",
    ...hidden,
  };
  checkChat(canReadChat, expected);
  checkChat(canReact, expected);
});

Deno.test("chat policy lets everyone post in groups and direct chats but only managers in channels", () => {
  checkChat((c) => byKind((k) => canPost(c, k)), {
    owner: everyKind("allow"),
    moderator: everyKind("allow"),
    member: { group: "allow", channel: "forbidden", direct: "allow" },
    "school member outside the chat": everyKind("not_found"),
    "chat member removed from the school": everyKind("not_found"),
  });
});

Deno.test("chat policy lets only authors edit their messages", () => {
  const own = { own: "allow", "someone else's": "forbidden" } as const;
  checkChat((c) => ({ own: canEditMessage(c, ME), "someone else's": canEditMessage(c, OTHER) }), {
    owner: own,
    moderator: own,
    member: own,
    "school member outside the chat": { own: "not_found", "someone else's": "not_found" },
    "chat member removed from the school": { own: "not_found", "someone else's": "not_found" },
  });
});

Deno.test("chat policy lets authors delete their messages and managers delete any", () => {
  checkChat(
    (c) => ({ own: canDeleteMessage(c, ME), "someone else's": canDeleteMessage(c, OTHER) }),
    {
      owner: { own: "allow", "someone else's": "allow" },
      moderator: { own: "allow", "someone else's": "allow" },
      member: { own: "allow", "someone else's": "forbidden" },
      "school member outside the chat": { own: "not_found", "someone else's": "not_found" },
      "chat member removed from the school": { own: "not_found", "someone else's": "not_found" },
    },
  );
});

Deno.test("chat policy shows who confirmed an announcement to its author, managers and admins in the chat", () => {
  checkChat(
    (c) => ({ own: canSeeAcks(c, ME), "someone else's": canSeeAcks(c, OTHER) }),
    {
      owner: { own: "allow", "someone else's": "allow" },
      moderator: { own: "allow", "someone else's": "allow" },
      member: { own: "allow", "someone else's": "forbidden" },
      "school member outside the chat": { own: "not_found", "someone else's": "not_found" },
      "chat member removed from the school": { own: "not_found", "someone else's": "not_found" },
    },
  );
  assert.equal(canSeeAcks(chatCaller("member", ["admin"]), OTHER), "allow");
});

Deno.test("chat policy lets school admins in the chat delete any message, as its moderators", () => {
  const adminInChat = chatCaller("member", ["admin"]);
  assert.equal(canDeleteMessage(adminInChat, OTHER), "allow");
  assert.equal(canDeleteMessage(chatCaller(null, ["admin"]), OTHER), "not_found");
});

Deno.test("chat policy lets managers manage groups and channels and nobody manage a direct chat", () => {
  const managerRow = { group: "allow", channel: "allow", direct: "forbidden" } as const;
  checkChat((c) => byKind((k) => canManageChat(c, k)), {
    owner: managerRow,
    moderator: managerRow,
    member: everyKind("forbidden"),
    "school member outside the chat": everyKind("not_found"),
    "chat member removed from the school": everyKind("not_found"),
  });
});

Deno.test("chat policy lets members leave, managers remove others, and nobody leave a direct chat", () => {
  const leaving = (c: ChatCaller) => byKind((k) => canRemoveChatMember(c, k, ME));
  const removing = (c: ChatCaller) => byKind((k) => canRemoveChatMember(c, k, OTHER));
  const notDirect = { group: "allow", channel: "allow", direct: "forbidden" } as const;
  checkChat(leaving, {
    owner: notDirect,
    moderator: notDirect,
    member: notDirect,
    "school member outside the chat": everyKind("not_found"),
    "chat member removed from the school": everyKind("not_found"),
  });
  checkChat(removing, {
    owner: notDirect,
    moderator: notDirect,
    member: everyKind("forbidden"),
    "school member outside the chat": everyKind("not_found"),
    "chat member removed from the school": everyKind("not_found"),
  });
});

// ── Calls ──────────────────────────────────────────────────────────────────────────────────

const STARTER = "starter" as UserId;

const inCall = (userId: string, chatRole: ChatRole | null, orgRoles: Role[] | null) => ({
  userId: userId as UserId,
  chatRole,
  orgRoles,
});

/** Everyone a call started by a student (STARTER) meets. */
const CALL_PEOPLE = {
  admin: inCall("admin", "member", ["admin"]),
  teacher: inCall("teacher", "owner", ["teacher"]),
  "another teacher": inCall("teacher-2", "member", ["teacher"]),
  "student moderator of the chat": inCall("moderator", "moderator", ["student"]),
  "student who started the call": inCall(STARTER, "member", ["student"]),
  student: inCall("student", "member", ["student"]),
  parent: inCall("parent", "member", ["parent"]),
  "starter since removed from the school": inCall(STARTER, "member", null),
  "teacher outside the chat": inCall("outsider", null, ["teacher"]),
} satisfies Record<string, ChatCaller>;

type CallPerson = keyof typeof CALL_PEOPLE;
const CALL_NAMES = Object.keys(CALL_PEOPLE) as CallPerson[];

function checkCall<T>(decide: (c: ChatCaller) => T, expected: Record<CallPerson, T>): void {
  const actual = Object.fromEntries(CALL_NAMES.map((n) => [n, decide(CALL_PEOPLE[n])]));
  assert.deepEqual(actual, expected);
}

Deno.test("call policy ranks the school's staff over the chat's moderators over the starter", () => {
  checkCall((c) => callRank(c, STARTER), {
    admin: "staff",
    teacher: "staff",
    "another teacher": "staff",
    "student moderator of the chat": "moderator",
    "student who started the call": "starter",
    student: "participant",
    parent: "participant",
    "starter since removed from the school": "participant",
    "teacher outside the chat": "participant",
  });
});

Deno.test("call policy lets the chat's members join, and keeps students out of meetings", () => {
  const everyone = {
    admin: "allow",
    teacher: "allow",
    "another teacher": "allow",
    "student moderator of the chat": "allow",
    "student who started the call": "allow",
    student: "allow",
    parent: "allow",
    "starter since removed from the school": "not_found",
    "teacher outside the chat": "not_found",
  } as const;
  checkCall((c) => canJoinCall(c, "call"), everyone);
  checkCall((c) => canJoinCall(c, "lesson"), everyone);
  checkCall((c) => canJoinCall(c, "meeting"), {
    ...everyone,
    "student moderator of the chat": "forbidden",
    "student who started the call": "forbidden",
    student: "forbidden",
  });
});

Deno.test("call policy lets only the school's staff bring in guests", () => {
  checkCall((c) => canInviteGuest(c, STARTER), {
    admin: "allow",
    teacher: "allow",
    "another teacher": "allow",
    "student moderator of the chat": "forbidden",
    "student who started the call": "forbidden",
    student: "forbidden",
    parent: "forbidden",
    "starter since removed from the school": "not_found",
    "teacher outside the chat": "not_found",
  });
});

Deno.test("call policy makes every rank above a plain participant a host", () => {
  checkCall((c) => canHostCall(c, STARTER), {
    admin: "allow",
    teacher: "allow",
    "another teacher": "allow",
    "student moderator of the chat": "allow",
    "student who started the call": "allow",
    student: "forbidden",
    parent: "forbidden",
    "starter since removed from the school": "not_found",
    "teacher outside the chat": "not_found",
  });
});

Deno.test("call policy lets a host mute or remove only lower ranks, and staff one another", () => {
  /** A row: the targets `actor` may control; every other target in the chat is forbidden. */
  const row = (...allowed: CallPerson[]): Record<CallPerson, Decision> =>
    Object.fromEntries(
      CALL_NAMES.map((n) => [
        n,
        n === "teacher outside the chat"
          ? "not_found"
          : allowed.includes(n)
          ? "allow"
          : "forbidden",
      ]),
    ) as Record<CallPerson, Decision>;
  const every = (d: Decision) =>
    Object.fromEntries(CALL_NAMES.map((n) => [n, d])) as Record<CallPerson, Decision>;
  const everyoneInTheChat: CallPerson[] = [
    "admin",
    "teacher",
    "another teacher",
    "student moderator of the chat",
    "student who started the call",
    "student",
    "parent",
    "starter since removed from the school",
  ];
  const expected: Record<CallPerson, Record<CallPerson, Decision>> = {
    admin: row(...everyoneInTheChat),
    teacher: row(...everyoneInTheChat),
    "another teacher": row(...everyoneInTheChat),
    "student moderator of the chat": row(
      "student who started the call",
      "student",
      "parent",
      "starter since removed from the school",
    ),
    "student who started the call": row(
      "student",
      "parent",
      "starter since removed from the school",
    ),
    student: every("forbidden"),
    parent: every("forbidden"),
    "starter since removed from the school": every("not_found"),
    "teacher outside the chat": every("not_found"),
  };
  checkCall(
    (actor) =>
      Object.fromEntries(
        CALL_NAMES.map((n) => [n, canControlCallParticipant(actor, CALL_PEOPLE[n], STARTER)]),
      ),
    expected,
  );
});

Deno.test("policy holds students, and only students who are not staff, to a class chat's quiet hours", () => {
  const table: [Role[], boolean][] = [
    [["student"], true],
    [["student", "teacher"], false],
    [["student", "admin"], false],
    [["teacher"], false],
    [["parent"], false],
    [["admin"], false],
  ];
  for (const [roles, held] of table) {
    assert.equal(heldByQuietHours(chatCaller("member", roles)), held, roles.join("+"));
  }
  assert.equal(heldByQuietHours(chatCaller("member", null)), false, "outside the school");
});

Deno.test("policy tells a chat's owners and moderators and the school's admins of a report", () => {
  const table: [ChatRole | null, readonly Role[], boolean][] = [
    ["owner", ["teacher"], true],
    ["moderator", ["student"], true],
    ["member", ["teacher"], false],
    ["member", ["admin"], true],
    [null, ["admin"], true],
    [null, ["teacher"], false],
    ["member", ["parent"], false],
  ];
  for (const [chatRole, roles, told] of table) {
    assert.equal(receivesReportNotice(chatRole, roles), told, `${chatRole} ${roles.join("+")}`);
  }
});
