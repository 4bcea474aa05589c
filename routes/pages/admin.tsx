/**
 * The school admin console, GET /admin/:orgId: rendered on the server with the school's classes,
 * roster (with contacts), usable invites, settings, reports and the newest moderation log entries
 * (with the chats and former members they name), then kept live by the AdminConsole island.
 * Outsiders get the 404 page (a school's existence is not revealed); members who are not admins
 * get a plain "admins only" page.
 */
import { Hono } from "hono";
import type { AppEnv, Ctx, Deps } from "../context.ts";
import { Island, renderPage } from "./render.tsx";
import { signInRedirect, type Viewer, viewer } from "./context.ts";
import { notFoundPage } from "./public.tsx";
import { t } from "../../shared/i18n.ts";
import type { Org } from "../../shared/model.ts";
import AdminConsole from "../../islands/AdminConsole.tsx";
import { AUDIT_PAGE } from "../../islands/admin/AuditPanel.tsx";

export function adminPages(deps: Deps) {
  const app = new Hono<AppEnv>();

  // The nav's "school admin" entry for people who administer a school; anyone else gets 404.
  app.get("/admin", async (c) => {
    const v = await viewer(c, deps);
    if (!v.user) return signInRedirect(c);
    if (!v.adminOrgId) return notFoundPage(c, v);
    return c.redirect(`/admin/${v.adminOrgId}`, 302);
  });

  app.get("/admin/:orgId", async (c) => {
    const v = await viewer(c, deps);
    if (!v.user) return signInRedirect(c);
    const loaded = await deps.services.school.console(v.user.id, c.req.param("orgId"), AUDIT_PAGE);
    if (loaded.kind === "not_found") return notFoundPage(c, v);
    if (loaded.kind === "forbidden") return adminsOnlyPage(c, v, loaded.org);
    const { org, data } = loaded;
    const { locale } = v;
    c.header("Cache-Control", "no-store");
    return c.html(renderPage({
      title: `${t(locale, "admin.title")}: ${org.name}`,
      locale,
      user: v.user,
      operator: v.operator,
      adminOrgId: org.id,
      wide: true,
      body: (
        <Island
          name="AdminConsole"
          component={AdminConsole}
          props={{
            locale,
            me: v.user.id,
            org: data.org,
            classes: data.classes,
            members: data.members,
            invites: data.invites,
            reports: data.reports,
            audit: { entries: data.audit, more: data.audit.length === AUDIT_PAGE },
            chats: data.chats,
            people: data.people,
            callsConfigured: deps.config.livekit !== null,
            otherSchools: v.orgs
              .filter((o) => o.id !== org.id && o.roles.includes("admin"))
              .map(({ id, name }) => ({ id, name })),
          }}
        />
      ),
    }));
  });

  return app;
}

/** For members of the school who are not its admins: say so, and where to go instead. */
function adminsOnlyPage(c: Ctx, v: Viewer, org: Org) {
  const { locale } = v;
  c.header("Cache-Control", "no-store");
  return c.html(
    renderPage({
      title: t(locale, "admin.deniedTitle"),
      locale,
      user: v.user,
      operator: v.operator,
      adminOrgId: v.adminOrgId,
      body: (
        <section class="card stack">
          <h1>{t(locale, "admin.deniedTitle")}</h1>
          <p>{t(locale, "admin.deniedText", { org: org.name })}</p>
          <p>
            <a class="button" href="/chats">{t(locale, "admin.deniedBack")}</a>
          </p>
        </section>
      ),
    }),
    403,
  );
}
