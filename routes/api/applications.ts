/** Schools apply; the platform operator approves or rejects. */
import { Hono } from "hono";
import { z } from "zod";
import type { AppEnv, Deps } from "../context.ts";
import { requireUser } from "../context.ts";
import { clientAddress, readJson, readNoInput } from "../http.ts";
import { applicationInput, rejectInput } from "../../domain/api_input.ts";
import { invalidInput } from "../../shared/errors.ts";

export function applicationRoutes(deps: Deps) {
  const applications = deps.services.applications;
  const app = new Hono<AppEnv>();

  app.post("/org-applications", async (c) => {
    const input = await readJson(c, applicationInput);
    const created = await applications.apply(input, clientAddress(c, deps.config.trustProxy));
    return c.json(created, 201);
  });

  app.get("/org-applications", async (c) => {
    const status = () => {
      const parsed = z.enum(["pending", "approved", "rejected"]).safeParse(
        c.req.query("status") ?? "pending",
      );
      if (!parsed.success) {
        throw invalidInput("status must be pending, approved or rejected", "status");
      }
      return parsed.data;
    };
    return c.json(await applications.list(requireUser(c), status));
  });

  app.post("/org-applications/:id/approve", async (c) => {
    const read = () => readNoInput(c);
    return c.json(await applications.approve(requireUser(c), c.req.param("id"), read), 201);
  });

  app.post("/org-applications/:id/reject", async (c) => {
    const read = () => readJson(c, rejectInput);
    return c.json(await applications.reject(requireUser(c), c.req.param("id"), read));
  });

  return app;
}
