/** What every page needs to know about the person viewing it. */
import type { Ctx, Deps } from "../context.ts";
import type { Locale, Role, User } from "../../shared/model.ts";
import { LOCALES } from "../../shared/model.ts";
import { getCookie } from "hono/cookie";

export interface Viewer {
  user: User | null;
  locale: Locale;
  operator: boolean;
  orgs: { id: string; name: string; roles: Role[] }[];
  /** The first school this person administers, for the nav link. */
  adminOrgId: string | null;
}

export const LANG_COOKIE = "parta_lang";

/** The viewer of a page: their account, language, schools. */
export async function viewer(c: Ctx, deps: Deps): Promise<Viewer> {
  const user = c.get("user");
  const cookieLang = getCookie(c, LANG_COOKIE);
  const locale: Locale = user?.locale ??
    ((LOCALES as readonly string[]).includes(cookieLang ?? "") ? cookieLang as Locale : "ru");
  const orgs = user ? await deps.services.identity.schoolsOf(user.id) : [];
  return {
    user,
    locale,
    operator: user ? deps.config.operatorEmails.has(user.email) : false,
    orgs,
    adminOrgId: orgs.find((o) => o.roles.includes("admin"))?.id ?? null,
  };
}

/** The redirect to sign-in for a page that needs a session, coming back here afterwards. */
export function signInRedirect(c: Ctx): Response {
  const url = new URL(c.req.url);
  return c.redirect(`/signin?next=${encodeURIComponent(url.pathname + url.search)}`, 302);
}

/** A same-site path to return to after sign-in; anything else becomes /chats. */
export function safeNext(next: string | undefined): string {
  return next && /^\/(?!\/)[\w\-./?=&%]*$/.test(next) ? next : "/";
}
