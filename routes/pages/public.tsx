/** Pages outside the messenger: start, sign-in, invites, applications, profile, offline. */
import { Hono } from "hono";
import type { AppEnv, Ctx, Deps } from "../context.ts";
import { Island, renderPage } from "./render.tsx";
import { safeNext, signInRedirect, type Viewer, viewer } from "./context.ts";
import { formatDateTime, type MessageKey, t } from "../../shared/i18n.ts";
import { isChatInvite } from "../../domain/invites.ts";
import { splitLinks } from "../../shared/chat_view.ts";
import SignIn from "../../islands/SignIn.tsx";
import InviteAccept from "../../islands/InviteAccept.tsx";
import Profile from "../../islands/Profile.tsx";
import ApplyForm from "../../islands/ApplyForm.tsx";
import OperatorApplications from "../../islands/OperatorApplications.tsx";

/** Renders a page for `v` with the shared chrome (`wide`: the full width, as calls use it). */
export function page(
  c: Ctx,
  v: Viewer,
  title: string,
  body: preact.ComponentChildren,
  status = 200,
  { wide = false }: { wide?: boolean } = {},
) {
  c.header("Cache-Control", "no-store");
  return c.html(
    renderPage({
      title,
      locale: v.locale,
      user: v.user,
      operator: v.operator,
      adminOrgId: v.adminOrgId,
      wide,
      body,
    }),
    status as 200,
  );
}

/** A mail's text with its links clickable and its sign-in codes easy to see (as text, never HTML). */
function MailText({ text }: { text: string }) {
  return (
    <>
      {splitLinks(text).map((part, i) =>
        part.href
          ? <a key={i} href={part.href}>{part.text}</a>
          : part.text.split(/(\b\d{6}\b)/).map((bit, j) =>
            /^\d{6}$/.test(bit) ? <strong key={`${i}-${j}`} class="outbox-code">{bit}</strong> : bit
          )
      )}
    </>
  );
}

/**
 * Where a signed-in person starts: their profile until they have a name; the operator with no
 * school of their own on the schools' applications (their work); everyone else in their chats.
 */
function landing(v: Viewer): string {
  if (v.user!.displayName === null) return "/profile";
  if (v.operator && v.orgs.length === 0) return "/operator";
  return "/chats";
}

export function publicPages(deps: Deps) {
  const app = new Hono<AppEnv>();
  const sso = deps.oidc !== null;

  app.get("/", async (c) => {
    const v = await viewer(c, deps);
    if (v.user) return c.redirect(landing(v), 302);
    const { locale } = v;
    return page(
      c,
      v,
      t(locale, "home.title"),
      <section class="hero">
        <h1>{t(locale, "home.title")}</h1>
        <p class="muted">{t(locale, "home.lead")}</p>
        <div class="row">
          <a class="button" href="/signin">{t(locale, "home.signin")}</a>
          <a class="button secondary" href="/apply">{t(locale, "home.apply")}</a>
        </div>
      </section>,
    );
  });

  // Development only (DEV_OUTBOX=1): the mail Parta kept instead of sending, to read and click.
  app.get("/dev/outbox", async (c) => {
    const v = await viewer(c, deps);
    if (!deps.config.devOutbox) return notFoundPage(c, v);
    const to = c.req.query("to")?.slice(0, 320) || null;
    const { messages } = await deps.services.identity.devOutbox(() => to);
    const { locale } = v;
    return page(
      c,
      v,
      t(locale, "outbox.title"),
      <section class="stack">
        <h1>{t(locale, "outbox.title")}</h1>
        <p class="muted">{t(locale, to ? "outbox.hintTo" : "outbox.hint", { to: to ?? "" })}</p>
        {messages.length === 0 && <p>{t(locale, "outbox.empty")}</p>}
        {[...messages].reverse().map((m, i) => (
          <article key={i} class="card stack outbox-mail">
            <h2>{m.subject}</h2>
            <p class="muted">
              {t(locale, "outbox.meta", {
                to: m.to,
                at: formatDateTime(locale, m.sentAt),
              })}
            </p>
            <p class="outbox-text">
              <MailText text={m.text} />
            </p>
          </article>
        ))}
      </section>,
    );
  });

  app.get("/signin", async (c) => {
    const v = await viewer(c, deps);
    const next = safeNext(c.req.query("next"));
    if (v.user) return c.redirect(next, 302);
    const { locale } = v;
    return page(
      c,
      v,
      t(locale, "signin.title"),
      <section class="card">
        <h1>{t(locale, "signin.title")}</h1>
        <noscript>
          <p class="alert alert-warn">{t(locale, "signin.noJs")}</p>
        </noscript>
        <Island
          name="SignIn"
          component={SignIn}
          props={{ locale, next, sso, ssoFailed: c.req.query("error") === "sso_failed" }}
        />
      </section>,
    );
  });

  app.get("/invite/:token", async (c) => {
    const v = await viewer(c, deps);
    const { locale } = v;
    const found = await deps.services.invites.describe(c.req.param("token"));
    if (!found) {
      return page(
        c,
        v,
        t(locale, "invite.title"),
        <section class="card">
          <h1>{t(locale, "invite.title")}</h1>
          <p class="alert alert-error" role="alert">{t(locale, "invite.unknown")}</p>
        </section>,
        404,
      );
    }
    const { invite, org, chat, cls } = found;
    const usable = found.state === "usable";
    const chatInvite = isChatInvite(invite) ? invite : null;
    return page(
      c,
      v,
      t(locale, "invite.title"),
      <section class="card stack">
        <h1>{t(locale, "invite.to", { org: org.name })}</h1>
        <ul class="list-plain">
          {chat ? <li>{t(locale, "invite.chat", { chat: chat.title ?? "" })}</li> : !isChatInvite(
            invite,
          ) && (
            <li>
              {t(locale, "invite.role", { role: t(locale, `role.${invite.role}` as MessageKey) })}
            </li>
          )}
          {cls && <li>{t(locale, "invite.class", { class: cls.name })}</li>}
          {usable && (
            <li class="muted">
              {t(locale, "invite.expires", {
                date: formatDateTime(locale, invite.expiresAt, org.settings.timeZone),
              })}
            </li>
          )}
        </ul>
        {usable
          ? (
            <Island
              name="InviteAccept"
              component={InviteAccept}
              props={{
                locale,
                token: invite.token,
                orgName: org.name,
                chatId: chatInvite?.chatId ?? null,
                signedIn: v.user !== null,
                needsName: v.user?.displayName === null,
                sso,
              }}
            />
          )
          : <p class="alert alert-error" role="alert">{t(locale, "invite.gone")}</p>}
      </section>,
      usable ? 200 : 410,
    );
  });

  app.get("/apply", async (c) => {
    const v = await viewer(c, deps);
    const { locale } = v;
    return page(
      c,
      v,
      t(locale, "apply.title"),
      <section class="stack">
        <h1>{t(locale, "apply.title")}</h1>
        <p>{t(locale, "apply.lead")}</p>
        <Island name="ApplyForm" component={ApplyForm} props={{ locale }} />
      </section>,
    );
  });

  app.get("/profile", async (c) => {
    const v = await viewer(c, deps);
    if (!v.user) return signInRedirect(c);
    const { locale, user } = v;
    return page(
      c,
      v,
      t(locale, "profile.title"),
      <section class="stack">
        <h1>{t(locale, "profile.title")}</h1>
        <Island
          name="Profile"
          component={Profile}
          props={{
            locale,
            displayName: user.displayName,
            email: user.email,
            unreadEmail: user.unreadEmail ?? null,
          }}
        />
        <h2>{t(locale, "profile.schools")}</h2>
        {v.orgs.length === 0 ? <p class="muted">{t(locale, "profile.noSchools")}</p> : (
          <ul>
            {v.orgs.map((o) => (
              <li key={o.id}>
                {o.name} — {o.roles.map((r) => t(locale, `role.${r}` as MessageKey)).join(", ")}
              </li>
            ))}
          </ul>
        )}
      </section>,
    );
  });

  app.get("/operator", async (c) => {
    const v = await viewer(c, deps);
    if (!v.user) return signInRedirect(c);
    if (!v.operator) return notFoundPage(c, v);
    const { applications } = await deps.services.applications.list(v.user, () => "pending");
    return page(
      c,
      v,
      t(v.locale, "operator.title"),
      <section class="stack">
        <h1>{t(v.locale, "operator.title")}</h1>
        <Island
          name="OperatorApplications"
          component={OperatorApplications}
          props={{ locale: v.locale, applications }}
        />
      </section>,
    );
  });

  app.get("/offline", async (c) => {
    const v = { ...(await viewer(c, deps)), user: null };
    return page(
      c,
      v,
      t(v.locale, "offline.title"),
      <section class="card">
        <h1>{t(v.locale, "common.offline")}</h1>
        <p>{t(v.locale, "common.offlineHint")}</p>
        <a class="button" href="/chats">{t(v.locale, "common.retry")}</a>
      </section>,
    );
  });

  return app;
}

/** The 404 page. */
export function notFoundPage(c: Ctx, v: Viewer) {
  return page(
    c,
    v,
    t(v.locale, "notfound.title"),
    <section class="card">
      <h1>{t(v.locale, "notfound.title")}</h1>
      <p>{t(v.locale, "notfound.text")}</p>
      <a href="/">{t(v.locale, "app.name")}</a>
    </section>,
    404,
  );
}
