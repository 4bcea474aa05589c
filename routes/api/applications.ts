/** Schools apply; the platform operator approves or rejects. */
import { Hono } from "hono";
import { z } from "zod";
import type { AppEnv, Ctx, Deps } from "../context.ts";
import { requireUser } from "../context.ts";
import { clientAddress, readJson, readNoInput } from "../http.ts";
import { applicationInput, rejectInput } from "../../lib/api_input.ts";
import {
  approveApplication,
  createApplication,
  listApplications,
  rejectApplication,
} from "../../lib/applications.ts";
import { enforce } from "../../lib/rate_limit.ts";
import { notFound } from "../../lib/errors.ts";
import { createdInvite } from "../../lib/invites.ts";
import { formatDateTime, t } from "../../lib/i18n.ts";
import type { User } from "../../lib/model.ts";

const APPLY_RATE = { bucket: "org_application_addr", limit: 20, windowMs: 3600_000 };

export function applicationRoutes(deps: Deps) {
  const app = new Hono<AppEnv>();

  /** The signed-in operator; anyone else gets 404, as if the route did not exist. */
  function requireOperator(c: Ctx): User {
    const user = requireUser(c);
    if (!deps.config.operatorEmails.has(user.email)) throw notFound();
    return user;
  }

  /** Mail that must not undo a committed decision if it cannot be sent now. */
  async function mailQuietly(to: string, subject: string, body: string) {
    try {
      await deps.mailer.send({ to, subject, text: body });
    } catch (err) {
      console.error(`mail to ${to} not sent:`, err instanceof Error ? err.message : err);
    }
  }

  app.post("/org-applications", async (c) => {
    const input = await readJson(c, applicationInput);
    await enforce(deps.kv, deps.clock, APPLY_RATE, clientAddress(c, deps.config.trustProxy));
    const application = await createApplication(deps, input);
    return c.json({ id: application.id, status: application.status }, 201);
  });

  app.get("/org-applications", async (c) => {
    requireOperator(c);
    const status = z.enum(["pending", "approved", "rejected"]).safeParse(
      c.req.query("status") ?? "pending",
    );
    if (!status.success) {
      return c.json({
        error: {
          code: "invalid_input",
          message: "status must be pending, approved or rejected",
          field: "status",
        },
      }, 400);
    }
    return c.json({ applications: await listApplications(deps.kv, status.data) });
  });

  app.post("/org-applications/:id/approve", async (c) => {
    const operator = requireOperator(c);
    await readNoInput(c);
    const { application, org, adminInvite } = await approveApplication(
      deps,
      c.req.param("id"),
      operator.id,
    );
    const invite = createdInvite(deps.config.appOrigin, adminInvite);
    await mailQuietly(
      application.adminEmail,
      t("ru", "mail.adminInvite.subject", { school: org.name }),
      t("ru", "mail.adminInvite.text", {
        name: application.adminName,
        school: org.name,
        url: invite.url,
        expires: formatDateTime("ru", invite.expiresAt, org.settings.timeZone),
      }),
    );
    return c.json({
      org: { id: org.id, name: org.name },
      adminInvite: { token: invite.token, url: invite.url, expiresAt: invite.expiresAt },
    }, 201);
  });

  app.post("/org-applications/:id/reject", async (c) => {
    const operator = requireOperator(c);
    const { reason } = await readJson(c, rejectInput);
    const application = await rejectApplication(deps, c.req.param("id"), operator.id, reason);
    await mailQuietly(
      application.adminEmail,
      t("ru", "mail.applicationRejected.subject", { school: application.schoolName }),
      t("ru", "mail.applicationRejected.text", {
        name: application.adminName,
        school: application.schoolName,
        reason,
      }),
    );
    return c.json({ id: application.id, status: application.status });
  });

  return app;
}
