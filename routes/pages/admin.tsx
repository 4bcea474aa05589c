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
import { t } from "../../lib/i18n.ts";
import type { Invite, Org } from "../../lib/model.ts";
import type { Chat } from "../../lib/chat_model.ts";
import type { ChatId, UserId } from "../../lib/ids.ts";
import { listAudit, listOrgReports } from "../../lib/reports.ts";
import { getUsers } from "../../lib/users.ts";
import {
  callerOf,
  getMember,
  getOrg,
  listClasses,
  listMembers,
  publicOrg,
} from "../../lib/orgs.ts";
import { canManageMembers } from "../../lib/policy.ts";
import { createdInvite, inviteState } from "../../lib/invites.ts";
import { keys } from "../../lib/kv_keys.ts";
import { getManyChunked, listAll } from "../../lib/kv_util.ts";
import AdminConsole from "../../islands/AdminConsole.tsx";
import type { AdminInvite, AdminMember, ChatRef } from "../../islands/admin/shared.ts";
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
    const org = await getOrg(deps.kv, c.req.param("orgId"));
    const member = org ? await getMember(deps.kv, org.id, v.user.id) : null;
    if (!org || !member) return notFoundPage(c, v);
    const caller = callerOf(member);
    if (canManageMembers(caller) !== "allow") return adminsOnlyPage(c, v, org);

    const [classes, members, invites, reports, audit] = await Promise.all([
      listClasses(deps.kv, org.id),
      listMembers(deps.kv, org.id, caller),
      usableInvites(deps, org),
      listOrgReports(deps.kv, org.id),
      listAudit(deps.kv, org.id, AUDIT_PAGE),
    ]);
    const roster = new Set(members.map((m) => m.userId as string));
    const [chats, people] = await Promise.all([
      chatRefs(deps.kv, [...reports.map((r) => r.chatId), ...audit.map((e) => e.chatId)]),
      formerMembers(
        deps.kv,
        [
          ...reports.flatMap((r) => [r.reporterId, r.message.authorId]),
          ...audit.flatMap((e) => [e.actorId, ...(e.targetUserId ? [e.targetUserId] : [])]),
        ].filter((id) => !roster.has(id)),
      ),
    ]);
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
            org: publicOrg(org),
            classes: classes.map((c) => ({
              id: c.id,
              name: c.name,
              scheduleUrl: c.scheduleUrl ?? null,
              studentDirectMessages: c.studentDirectMessages ?? false,
            })),
            members: members as unknown as AdminMember[],
            invites,
            reports,
            audit: { entries: audit, more: audit.length === AUDIT_PAGE },
            chats,
            people,
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

/** The school's invites that can still be accepted, newest first (as GET /orgs/:id/invites). */
async function usableInvites(deps: Deps, org: Org): Promise<AdminInvite[]> {
  const index = await listAll<string>(deps.kv, keys.orgInvites(org.id), {
    reverse: true,
    limit: 500,
  });
  const entries = await getManyChunked<Invite>(deps.kv, index.map((e) => keys.invite(e.value)));
  const now = deps.clock.now();
  return entries.flatMap((e) => e.value && inviteState(e.value, now) === "usable" ? [e.value] : [])
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
}

/** Titles and kinds of the chats of `ids` (chats that no longer exist are left out). */
async function chatRefs(kv: Deno.Kv, ids: ChatId[]): Promise<Record<string, ChatRef>> {
  const unique = [...new Set(ids)];
  const entries = await getManyChunked<Chat>(kv, unique.map((id) => keys.chat(id)));
  return Object.fromEntries(
    entries.flatMap((e) =>
      e.value ? [[e.value.id, { title: e.value.title, kind: e.value.kind }]] : []
    ),
  );
}

/** Names of people who have left the school but are named in its reports or log. */
async function formerMembers(
  kv: Deno.Kv,
  ids: UserId[],
): Promise<Record<string, string | null>> {
  const unique = [...new Set(ids)];
  const users = await getUsers(kv, unique);
  return Object.fromEntries(
    users.flatMap((u) => u ? [[u.id, u.displayName]] : []),
  );
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
