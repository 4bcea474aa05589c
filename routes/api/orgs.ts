/** A school: its record, classes, members, bans and invites (services/school.ts). */
import { Hono } from "hono";
import type { AppEnv, Ctx, Deps } from "../context.ts";
import { requireUser } from "../context.ts";
import { readJson, readNoInput } from "../http.ts";
import {
  classInput,
  classPatch,
  inviteInput,
  memberPatch,
  orgPatch,
} from "../../domain/api_input.ts";
import type { ClassId, UserId } from "../../shared/ids.ts";
import { isUlid } from "../../shared/ids.ts";
import { type Role, ROLES } from "../../shared/model.ts";
import { invalidInput } from "../../shared/errors.ts";

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
    const created = await school.createClass(() => readJson(c, classInput));
    return c.json(created, 201);
  });

  app.patch("/orgs/:orgId/classes/:classId", async (c) => {
    const school = await open(c);
    const patch = await readJson(c, classPatch);
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
