/** A school: its record, classes, members, bans and invites (services/school.ts). */
import { Hono } from "hono";
import { z } from "zod";
import type { AppEnv, Ctx, Deps } from "../context.ts";
import { requireUser } from "../context.ts";
import { readJson, readNoInput } from "../http.ts";
import { httpUrl, line, ulidString } from "../../lib/validate.ts";
import type { ClassId, UserId } from "../../lib/ids.ts";
import { isUlid } from "../../lib/ids.ts";
import { type Role, ROLES } from "../../lib/model.ts";
import { invalidInput } from "../../lib/errors.ts";
import { MAX_TTL_HOURS, MAX_USES } from "../../lib/invites.ts";
import { HHMM } from "../../lib/quiet.ts";

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

export function orgRoutes(deps: Deps) {
  const schools = deps.services.school;
  const app = new Hono<AppEnv>();

  /** The school of the path as the caller may use it; 404 for outsiders. */
  const open = (c: Ctx) => schools.open(requireUser(c).id, c.req.param("orgId")!);

  app.get("/orgs/:orgId", async (c) => {
    return c.json((await open(c)).view());
  });

  app.patch("/orgs/:orgId", async (c) => {
    const school = await open(c);
    const patch = await readJson(c, orgPatch);
    return c.json(await school.update(patch));
  });

  app.get("/orgs/:orgId/classes", async (c) => {
    return c.json({ classes: await (await open(c)).classes() });
  });

  app.post("/orgs/:orgId/classes", async (c) => {
    const school = await open(c);
    const created = await school.createClass(() => readJson(c, z.object({ name: line(1, 60) })));
    return c.json(created, 201);
  });

  app.patch("/orgs/:orgId/classes/:classId", async (c) => {
    const school = await open(c);
    const patch = await readJson(
      c,
      z.object({
        name: line(1, 60).optional(),
        scheduleUrl: httpUrl().nullable().optional(),
        studentDirectMessages: z.boolean().optional(),
      }),
    );
    return c.json(await school.updateClass(c.req.param("classId"), patch));
  });

  app.get("/orgs/:orgId/members", async (c) => {
    const school = await open(c);
    const role = c.req.query("role");
    const classId = c.req.query("classId");
    if (role !== undefined && role !== "" && !(ROLES as readonly string[]).includes(role)) {
      throw invalidInput("role is not a role", "role");
    }
    if (classId !== undefined && classId !== "" && !isUlid(classId)) {
      throw invalidInput("classId must be an id", "classId");
    }
    const members = await school.members({
      role: role ? role as Role : undefined,
      classId: classId ? classId as ClassId : undefined,
    });
    return c.json({ members });
  });

  app.patch("/orgs/:orgId/members/:userId", async (c) => {
    const school = await open(c);
    const member = await school.updateMember(c.req.param("userId"), async () => {
      const patch = await readJson(c, memberPatch);
      return {
        roles: patch.roles,
        classIds: patch.classIds as ClassId[] | undefined,
        childIds: patch.childIds as UserId[] | undefined,
        phone: patch.phone,
      };
    });
    return c.json({ member });
  });

  app.delete("/orgs/:orgId/members/:userId", async (c) => {
    const school = await open(c);
    await school.removeMember(c.req.param("userId"), () => readNoInput(c));
    return c.body(null, 204);
  });

  app.get("/orgs/:orgId/bans", async (c) => {
    return c.json({ bans: await (await open(c)).bans() });
  });

  app.delete("/orgs/:orgId/bans/:userId", async (c) => {
    const school = await open(c);
    await school.liftBan(c.req.param("userId"), () => readNoInput(c));
    return c.body(null, 204);
  });

  app.post("/orgs/:orgId/invites", async (c) => {
    const school = await open(c);
    const input = await readJson(c, inviteInput);
    const invite = await school.createInvite({
      role: input.role,
      classId: (input.classId ?? null) as ClassId | null,
      childId: (input.childId ?? null) as UserId | null,
      maxUses: input.maxUses,
      ttlHours: input.ttlHours,
    });
    return c.json(invite, 201);
  });

  app.get("/orgs/:orgId/invites", async (c) => {
    return c.json({ invites: await (await open(c)).invites() });
  });

  return app;
}
