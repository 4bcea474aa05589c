/** A school: its record, classes, members and invites. Writes go through the org actor. */
import { Hono } from "hono";
import { z } from "zod";
import type { AppEnv, Ctx, Deps } from "../context.ts";
import { requireUser } from "../context.ts";
import { readJson, readNoInput } from "../http.ts";
import { httpUrl, line, ulidString } from "../../lib/validate.ts";
import type { ClassId, OrgId, UserId } from "../../lib/ids.ts";
import { isUlid } from "../../lib/ids.ts";
import { ROLES } from "../../lib/model.ts";
import * as policy from "../../lib/policy.ts";
import { forbidden, notFound } from "../../lib/errors.ts";
import { listBans, listClasses, listMembers, loadOrgForCaller, publicOrg } from "../../lib/orgs.ts";
import { createdInvite, inviteState, MAX_TTL_HOURS, MAX_USES } from "../../lib/invites.ts";
import { keys } from "../../lib/kv_keys.ts";
import { HHMM } from "../../lib/quiet.ts";
import { getManyChunked, listAll } from "../../lib/kv_util.ts";
import type { Invite, OrgClass } from "../../lib/model.ts";
import { unwrap } from "../../actors/mailbox.ts";

const timeZone = () =>
  line(1, 64).refine((tz) => {
    try {
      new Intl.DateTimeFormat("en", { timeZone: tz });
      return true;
    } catch {
      return false;
    }
  }, { message: "must be an IANA time zone such as Europe/Moscow" });

const orgPatch = z.object({
  name: line(2, 200).optional(),
  journalUrl: httpUrl().nullable().optional(),
  settings: z.object({
    timeZone: timeZone().optional(),
    studentDirectMessages: z.boolean().optional(),
    quietHours: z.object({
      enabled: z.boolean(),
      start: z.string().regex(HHMM, "must be a time like 21:00"),
      end: z.string().regex(HHMM, "must be a time like 08:00"),
    }).optional(),
    quietReadOnlyForStudents: z.boolean().optional(),
  }).optional(),
});

const uniqueIds = <T extends z.ZodType>(item: T, max: number) =>
  z.array(item).max(max).refine((a) => new Set(a).size === a.length, {
    message: "must not repeat an id",
  });

const memberPatch = z.object({
  roles: z.array(z.enum(ROLES)).min(1).max(4)
    .refine((a) => new Set(a).size === a.length, { message: "must not repeat a role" })
    .optional(),
  classIds: uniqueIds(ulidString(), 100).optional(),
  childIds: uniqueIds(ulidString(), 20).optional(),
  phone: line(5, 32).nullable().optional(),
});

const inviteInput = z.object({
  role: z.enum(ROLES),
  classId: ulidString().nullable().optional(),
  childId: ulidString().nullable().optional(),
  maxUses: z.number().int().min(1).max(MAX_USES).optional(),
  ttlHours: z.number().int().min(1).max(MAX_TTL_HOURS).optional(),
});

const classView = (c: OrgClass) => ({
  id: c.id,
  name: c.name,
  scheduleUrl: c.scheduleUrl ?? null,
  studentDirectMessages: c.studentDirectMessages ?? false,
});

function assertAllowed(decision: policy.Decision, message: string) {
  if (decision === "not_found") throw notFound("No such school");
  if (decision === "forbidden") throw forbidden(message);
}

export function orgRoutes(deps: Deps) {
  const { kv } = deps;
  const app = new Hono<AppEnv>();

  /** The school of the path and the caller's place in it; 404 for outsiders. */
  async function load(c: Ctx) {
    const user = requireUser(c);
    const loaded = await loadOrgForCaller(kv, c.req.param("orgId")!, user.id);
    assertAllowed(policy.canViewOrg(loaded.caller), "");
    return { user, ...loaded, caller: loaded.caller! };
  }

  const actor = (orgId: OrgId) => deps.orgs.get(orgId);

  app.get("/orgs/:orgId", async (c) => {
    const { org } = await load(c);
    return c.json(publicOrg(org));
  });

  app.patch("/orgs/:orgId", async (c) => {
    const { user, org } = await load(c);
    const patch = await readJson(c, orgPatch);
    const updated = unwrap(await actor(org.id).updateOrg(user.id, patch));
    return c.json(publicOrg(updated));
  });

  app.get("/orgs/:orgId/classes", async (c) => {
    const { org } = await load(c);
    const classes = await listClasses(kv, org.id);
    return c.json({ classes: classes.map(classView) });
  });

  app.post("/orgs/:orgId/classes", async (c) => {
    const { user, org, caller } = await load(c);
    assertAllowed(policy.canManageClasses(caller), "Cannot create a class: admins only");
    const { name } = await readJson(c, z.object({ name: line(1, 60) }));
    const cls = unwrap(await actor(org.id).createClass(user.id, name));
    return c.json({ id: cls.id, name: cls.name }, 201);
  });

  app.patch("/orgs/:orgId/classes/:classId", async (c) => {
    const { user, org } = await load(c);
    const patch = await readJson(
      c,
      z.object({
        name: line(1, 60).optional(),
        scheduleUrl: httpUrl().nullable().optional(),
        studentDirectMessages: z.boolean().optional(),
      }),
    );
    const cls = unwrap(await actor(org.id).updateClass(user.id, c.req.param("classId"), patch));
    return c.json(classView(cls));
  });

  app.get("/orgs/:orgId/members", async (c) => {
    const { org, caller } = await load(c);
    const role = c.req.query("role");
    const classId = c.req.query("classId");
    if (role !== undefined && role !== "" && !(ROLES as readonly string[]).includes(role)) {
      return c.json({
        error: { code: "invalid_input", message: "role is not a role", field: "role" },
      }, 400);
    }
    if (classId !== undefined && classId !== "" && !isUlid(classId)) {
      return c.json({
        error: { code: "invalid_input", message: "classId must be an id", field: "classId" },
      }, 400);
    }
    const members = await listMembers(kv, org.id, caller, {
      role: role ? role as typeof ROLES[number] : undefined,
      classId: classId ? classId as ClassId : undefined,
    });
    return c.json({ members });
  });

  app.patch("/orgs/:orgId/members/:userId", async (c) => {
    const { user, org, caller } = await load(c);
    assertAllowed(policy.canManageMembers(caller), "Cannot change members: admins only");
    const patch = await readJson(c, memberPatch);
    const target = c.req.param("userId");
    if (!isUlid(target)) throw notFound("No such member");
    const member = unwrap(
      await actor(org.id).updateMember(user.id, target as UserId, {
        roles: patch.roles,
        classIds: patch.classIds as ClassId[] | undefined,
        childIds: patch.childIds as UserId[] | undefined,
        phone: patch.phone,
      }),
    );
    const [view] = (await listMembers(kv, org.id, caller)).filter((m) =>
      m.userId === member.userId
    );
    return c.json({ member: view });
  });

  app.delete("/orgs/:orgId/members/:userId", async (c) => {
    const { user, org, caller } = await load(c);
    const target = c.req.param("userId");
    assertAllowed(
      policy.canRemoveMember(caller, target as UserId),
      "Cannot remove members: admins only",
    );
    await readNoInput(c);
    if (!isUlid(target)) throw notFound("No such member");
    unwrap(await actor(org.id).removeMember(user.id, target as UserId));
    return c.body(null, 204);
  });

  app.get("/orgs/:orgId/bans", async (c) => {
    const { org, caller } = await load(c);
    assertAllowed(policy.canManageMembers(caller), "Cannot see removed members: admins only");
    return c.json({ bans: await listBans(kv, org.id) });
  });

  app.delete("/orgs/:orgId/bans/:userId", async (c) => {
    const { user, org, caller } = await load(c);
    assertAllowed(policy.canManageMembers(caller), "Cannot let members back: admins only");
    await readNoInput(c);
    const target = c.req.param("userId");
    if (!isUlid(target)) throw notFound("No such ban");
    unwrap(await actor(org.id).liftBan(user.id, target as UserId));
    return c.body(null, 204);
  });

  app.post("/orgs/:orgId/invites", async (c) => {
    const { user, org } = await load(c);
    const input = await readJson(c, inviteInput);
    const invite = unwrap(
      await actor(org.id).createInvite(user.id, {
        role: input.role,
        classId: (input.classId ?? null) as ClassId | null,
        childId: (input.childId ?? null) as UserId | null,
        maxUses: input.maxUses,
        ttlHours: input.ttlHours,
      }),
    );
    return c.json(createdInvite(deps.config.appOrigin, invite), 201);
  });

  app.get("/orgs/:orgId/invites", async (c) => {
    const { user, org, caller } = await load(c);
    assertAllowed(policy.canListInvites(caller), "Cannot list invites for your role");
    const index = await listAll<string>(kv, keys.orgInvites(org.id), { reverse: true, limit: 500 });
    const entries = await getManyChunked<Invite>(kv, index.map((e) => keys.invite(e.value)));
    const now = deps.clock.now();
    const invites = entries.flatMap((e) => e.value ? [e.value] : [])
      .filter((i) => caller.roles.includes("admin") || i.createdBy === user.id)
      .filter((i) => inviteState(i, now) === "usable")
      .map((i) => ({
        ...createdInvite(deps.config.appOrigin, i),
        role: i.role,
        classId: i.classId,
        childId: i.childId,
        maxUses: i.maxUses,
        uses: i.uses,
        createdBy: i.createdBy,
        createdAt: i.createdAt,
      }));
    return c.json({ invites });
  });

  return app;
}
