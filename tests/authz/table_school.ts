/**
 * Expectations for schools, classes, members and invites: the org policy functions with the
 * caller's roles in the school of the resource (null when not a member: 404).
 */
import * as policy from "../../shared/policy.ts";
import type { Caller } from "../../shared/policy.ts";
import type { OrgId, UserId } from "../../shared/ids.ts";
import { callerOf, getClass, getMember, getOrg } from "../../domain/orgs.ts";
import { orgSettings, type Role } from "../../shared/model.ts";
import { keys } from "../../platform/kv_keys.ts";
import { answer, type Spec, type X } from "./matrix.ts";
import { must, type Person, unique } from "./client.ts";

/** Whether a school invite would grant `caller` nothing new (then it answers 200 in any state). */
function holdsAll(caller: Caller | null, role: string, classId: string): boolean {
  return caller !== null && caller.roles.includes(role as never) &&
    caller.classIds.includes(classId as never);
}

/** Whether an admin's removal bars the acting person from the school of the case. */
async function banned(x: X): Promise<boolean> {
  if (!x.me) return false;
  const ban = await x.w.t.kv.get(keys.orgBan(x.s.orgId as OrgId, x.me.id as UserId));
  return ban.value !== null;
}

/**
 * The answer to accepting a school invite of `role` into `classId` (org_actor.acceptInvite): 403
 * to someone an admin removed; 200 to a member it grants nothing new, whatever the invite's
 * state; 409 when the caller could not hold the role too (policy.canHoldRoles); else 410 for a
 * revoked invite, 2xx for a usable one.
 */
async function acceptAnswer(x: X, role: Role, classId: string, revoked: boolean) {
  if (await banned(x)) return 403;
  const caller = await x.org();
  if (holdsAll(caller, role, classId)) return "2xx";
  if (!policy.canHoldRoles([...caller?.roles ?? [], role])) return 409;
  return revoked ? 410 : "2xx";
}

/** The decision on opening a direct chat with `other`, as the school's rules stand. */
async function directDecision(x: X, other: Person) {
  const caller = await x.org();
  const first = policy.canCreateChat(caller, "direct");
  if (first !== "allow") return first;
  const { kv } = x.w.t;
  const orgId = x.s.orgId as OrgId;
  const peer = callerOf((await getMember(kv, orgId, other.id as UserId))!);
  const settings = orgSettings((await getOrg(kv, orgId))!);
  const shared = peer.classIds.filter((id) => caller!.classIds.includes(id));
  const classes = await Promise.all(shared.map((id) => getClass(kv, orgId, id)));
  const children = caller!.roles.includes("parent")
    ? await Promise.all(caller!.childIds.map((id) => getMember(kv, orgId, id)))
    : [];
  const rules = {
    studentDirectMessages: settings.studentDirectMessages,
    classesAllowingStudentDirect: classes.flatMap((c) => c?.studentDirectMessages ? [c.id] : []),
  };
  const childClassIds = children.flatMap((c) => c?.classIds ?? []);
  return policy.canOpenDirect(caller!, peer, rules, childClassIds) ? "allow" : "forbidden";
}

export const schoolSpecs: Spec[] = [
  {
    route: "GET /api/v1/orgs/:orgId",
    rule: "canViewOrg",
    build: async (x) => ({
      path: `/orgs/${x.s.orgId}`,
      expect: answer(policy.canViewOrg(await x.org())),
    }),
  },
  {
    route: "PATCH /api/v1/orgs/:orgId",
    rule: "canUpdateOrg",
    build: async (x) => ({
      path: `/orgs/${x.s.orgId}`,
      body: { journalUrl: `https://journal.example/${unique("j")}` },
      expect: answer(policy.canUpdateOrg(await x.org())),
    }),
  },
  {
    route: "GET /api/v1/orgs/:orgId/classes",
    rule: "canViewOrg",
    build: async (x) => ({
      path: `/orgs/${x.s.orgId}/classes`,
      expect: answer(policy.canViewOrg(await x.org())),
    }),
  },
  {
    route: "POST /api/v1/orgs/:orgId/classes",
    rule: "canManageClasses",
    build: async (x) => ({
      path: `/orgs/${x.s.orgId}/classes`,
      body: { name: unique("7В") },
      expect: answer(policy.canManageClasses(await x.org())),
    }),
  },
  {
    route: "PATCH /api/v1/orgs/:orgId/classes/:classId",
    rule: "canConfigureClass(classId) for the schedule; canManageClasses to rename",
    variants: ["schedule of the teacher's class", "schedule of another class", "rename"],
    async build(x) {
      const caller = await x.org();
      const classId = x.variant === "schedule of another class" ? x.s.classB : x.s.classA;
      const rename = x.variant === "rename";
      return {
        path: `/orgs/${x.s.orgId}/classes/${classId}`,
        body: rename ? { name: unique("5А") } : { scheduleUrl: "https://school.example/plan" },
        expect: answer(
          rename
            ? policy.canManageClasses(caller)
            : policy.canConfigureClass(caller, classId as never),
        ),
      };
    },
  },
  {
    route: "GET /api/v1/orgs/:orgId/members",
    rule: "canViewOrg; contacts only for canSeeContacts, children for canSeeFamilyLinks",
    async build(x) {
      const caller = await x.org();
      return {
        path: `/orgs/${x.s.orgId}/members`,
        expect: answer(policy.canViewOrg(caller)),
        verify(body) {
          const members = (body as { members: Record<string, unknown>[] }).members;
          const contacts = policy.canSeeContacts(caller!);
          const wrong = members.filter((m) =>
            ("email" in m || "phone" in m) !== contacts ||
            (m.roles as string[]).includes("parent") &&
              ("childIds" in m) !== policy.canSeeFamilyLinks(caller!, m.userId as UserId)
          );
          return wrong.length ? `shows or hides contacts or children of ${wrong.length}` : null;
        },
      };
    },
  },
  {
    route: "PATCH /api/v1/orgs/:orgId/members/:userId",
    rule: "canManageMembers",
    build: async (x) => ({
      path: `/orgs/${x.s.orgId}/members/${x.s.bystander.id}`,
      body: { phone: "+7 900 000-00-01" },
      expect: answer(policy.canManageMembers(await x.org())),
    }),
  },
  {
    route: "DELETE /api/v1/orgs/:orgId/members/:userId",
    rule: "canRemoveMember(target: a fresh member)",
    async build(x) {
      const target = await x.w.member(x.s);
      return {
        path: `/orgs/${x.s.orgId}/members/${target.id}`,
        expect: answer(policy.canRemoveMember(await x.org(), target.id as UserId)),
      };
    },
  },
  {
    route: "DELETE /api/v1/orgs/:orgId/members/:userId",
    rule: "canRemoveMember(target: themself) — leaving the school, sent by a twin",
    as: "twin",
    build: async (x) => ({
      path: `/orgs/${x.s.orgId}/members/${x.me?.id ?? x.s.bystander.id}`,
      expect: answer(policy.canRemoveMember(await x.org(), (x.me?.id ?? "") as UserId)),
    }),
  },
  {
    route: "GET /api/v1/orgs/:orgId/bans",
    rule: "canManageMembers",
    async build(x) {
      const caller = await x.org();
      return {
        path: `/orgs/${x.s.orgId}/bans`,
        expect: answer(policy.canManageMembers(caller)),
        verify(body) {
          const bans = (body as { bans: Record<string, unknown>[] }).bans;
          const removed = bans.some((b) => b.userId === x.s.removed.id);
          const shaped = bans.every((b) =>
            Object.keys(b).sort().join() === "bannedAt,bannedBy,displayName,userId"
          );
          return removed && shaped ? null : "does not list the removed member as {userId, ...}";
        },
      };
    },
  },
  {
    route: "DELETE /api/v1/orgs/:orgId/bans/:userId",
    rule: "canManageMembers (target: a fresh member the admin removed)",
    async build(x) {
      const target = await x.w.member(x.s);
      await must(x.w.t, "DELETE", `/orgs/${x.s.orgId}/members/${target.id}`, x.s.admin.token);
      return {
        path: `/orgs/${x.s.orgId}/bans/${target.id}`,
        expect: answer(policy.canManageMembers(await x.org())),
      };
    },
  },
  {
    route: "POST /api/v1/orgs/:orgId/invites",
    rule: "canCreateInvite({role, classId})",
    variants: ["student to class A", "parent to class B", "teacher", "admin"],
    async build(x) {
      const [role, classId] = {
        "student to class A": ["student", x.s.classA],
        "parent to class B": ["parent", x.s.classB],
        "teacher": ["teacher", null],
        "admin": ["admin", null],
      }[x.variant]!;
      return {
        path: `/orgs/${x.s.orgId}/invites`,
        body: { role, ...(classId ? { classId } : {}) },
        expect: answer(
          policy.canCreateInvite(await x.org(), { role: role as never, classId: classId as never }),
        ),
      };
    },
  },
  {
    route: "GET /api/v1/orgs/:orgId/invites",
    rule: "canListInvites; teachers see only their own (docs/api.md)",
    async build(x) {
      const caller = await x.org();
      return {
        path: `/orgs/${x.s.orgId}/invites`,
        expect: answer(policy.canListInvites(caller)),
        verify(body) {
          const invites = (body as { invites: { createdBy: string }[] }).invites;
          const others = invites.filter((i) => i.createdBy !== x.me!.id);
          return caller!.roles.includes("admin") || others.length === 0
            ? null
            : `lists ${others.length} invites of others`;
        },
      };
    },
  },
  {
    route: "GET /api/v1/orgs/:orgId/reports",
    rule: "canUpdateOrg (school admins)",
    build: async (x) => ({
      path: `/orgs/${x.s.orgId}/reports`,
      expect: answer(policy.canUpdateOrg(await x.org())),
    }),
  },
  {
    route: "GET /api/v1/orgs/:orgId/audit",
    rule: "canUpdateOrg (school admins)",
    build: async (x) => ({
      path: `/orgs/${x.s.orgId}/audit`,
      expect: answer(policy.canUpdateOrg(await x.org())),
    }),
  },
  {
    route: "POST /api/v1/orgs/:orgId/chats",
    rule: "canCreateChat(kind) / canCreateClassChat(kind, classId) / canOpenDirect",
    variants: ["group", "channel", "class chat", "direct to a class teacher", "direct to class B"],
    async build(x) {
      const caller = await x.org();
      const path = `/orgs/${x.s.orgId}/chats`;
      const title = unique("чат");
      switch (x.variant) {
        case "group":
        case "channel":
          return {
            path,
            body: { kind: x.variant, title, memberIds: [x.s.bystander.id] },
            expect: answer(policy.canCreateChat(caller, x.variant)),
          };
        case "class chat":
          return {
            path,
            body: { kind: "channel", title, classId: x.s.classA },
            expect: answer(policy.canCreateClassChat(caller, "channel", x.s.classA as never)),
          };
        default: {
          const other = x.variant === "direct to a class teacher" ? x.s.teacher2 : x.s.student2;
          return {
            path,
            body: { kind: "direct", memberIds: [other.id] },
            expect: answer(await directDecision(x, other)),
          };
        }
      }
    },
  },

  // ── Invites by token ──────────────────────────────────────────────────────────────────
  {
    route: "GET /api/v1/invites/:token",
    rule: "public preview; 410 once revoked (API.md)",
    access: "public",
    variants: ["school invite", "chat link", "revoked invite"],
    async build(x) {
      const { w, s } = x;
      const token = x.variant === "chat link"
        ? await w.chatInvite(s.chats.group.id, s.teacher)
        : await w.invite(s, s.teacher, "student", s.classA);
      if (x.variant === "revoked invite") {
        await must(w.t, "DELETE", `/invites/${token}`, s.teacher.token);
      }
      return { path: `/invites/${token}`, expect: x.variant === "revoked invite" ? 410 : "2xx" };
    },
  },
  {
    route: "POST /api/v1/invites/:token/accept",
    rule: "any signed-in user joins by a school invite, but not one an admin removed (403) nor " +
      "into roles a person cannot hold together (409, canHoldRoles); a revoked one is 410 " +
      "unless it grants nothing new (docs/api.md); chat links only for members of the chat's " +
      "school, else 404, and into a class chat canJoinChatByLink",
    as: "twin",
    variants: ["school invite", "parent invite", "revoked invite", "chat link", "class chat link"],
    async build(x) {
      const { w, s } = x;
      if (x.variant === "chat link") {
        const token = await w.chatInvite(await w.chat(s, "group"), s.teacher);
        return {
          path: `/invites/${token}/accept`,
          body: { displayName: "Гость" },
          expect: (await x.org()) ? "2xx" : 404,
        };
      }
      if (x.variant === "class chat link") {
        // A class chat whose roster is empty (class A has no admins), made by the admin: reading
        // class A's roster would race with the twins that join and leave it meanwhile.
        const made = await must<{ chat: { id: string } }>(
          w.t,
          "POST",
          `/orgs/${s.orgId}/chats`,
          s.admin.token,
          { kind: "group", title: unique("5А"), classId: s.classA, classRoles: ["admin"] },
        );
        const chatId = made.chat.id;
        const token = await w.chatInvite(chatId, s.admin);
        const c = await x.chat(chatId);
        const decision = c.chatRole !== null && c.orgRoles !== null
          ? "allow"
          : policy.canJoinChatByLink(await x.org(), { kind: "group", classId: s.classA as never });
        return { path: `/invites/${token}/accept`, body: {}, expect: answer(decision) };
      }
      const role = x.variant === "parent invite" ? "parent" : "student";
      const token = await w.invite(s, s.admin, role, s.classA);
      const revoked = x.variant === "revoked invite";
      if (revoked) await must(w.t, "DELETE", `/invites/${token}`, s.admin.token);
      return {
        path: `/invites/${token}/accept`,
        body: { displayName: "Новенький" },
        expect: await acceptAnswer(x, role, s.classA, revoked),
      };
    },
  },
  {
    route: "DELETE /api/v1/invites/:token",
    rule: "canRevokeInvite (creator or admin); chat links: creator, school admin or " +
      "canManageChat, 403 to other school members, 404 outside the school (docs/api.md)",
    variants: [
      "teacher's student invite",
      "admin's teacher invite",
      "group link by its owner (teacher)",
      "class chat link by its owner (admin; teacher moderates)",
    ],
    async build(x) {
      const { w, s } = x;
      if (x.variant.includes("link")) {
        const group = x.variant.startsWith("group");
        const chatId = await w.chat(s, group ? "group" : "class");
        const creator = group ? s.teacher : s.admin;
        const token = await w.chatInvite(chatId, creator);
        const c = await x.chat(chatId);
        const mayRevoke = x.me?.id === creator.id || !!c.orgRoles?.includes("admin") ||
          policy.canManageChat(c, "group") === "allow";
        const decision = c.orgRoles === null ? "not_found" : mayRevoke ? "allow" : "forbidden";
        return { path: `/invites/${token}`, expect: answer(decision) };
      }
      const byTeacher = x.variant === "teacher's student invite";
      const creator = byTeacher ? s.teacher : s.admin;
      const token = byTeacher
        ? await w.invite(s, creator, "student", s.classA)
        : await w.invite(s, creator, "teacher");
      return {
        path: `/invites/${token}`,
        expect: answer(policy.canRevokeInvite(await x.org(), { createdBy: creator.id as UserId })),
      };
    },
  },
];
