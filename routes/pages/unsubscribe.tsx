/**
 * The unsubscribe link of notification mail, without signing in. Opening it asks (a link checker
 * or a mail preview that fetches it changes nothing); the button — or a mail program's one-click
 * POST (RFC 8058) — turns that person's unread e-mail off, and nothing else.
 */
import { Hono } from "hono";
import type { AppEnv, Deps } from "../context.ts";
import { t } from "../../shared/i18n.ts";
import { viewer } from "./context.ts";
import { page } from "./public.tsx";
import { readCapped } from "../http.ts";

export function unsubscribePages(deps: Deps) {
  const notifications = deps.services.notifications;
  const app = new Hono<AppEnv>();

  app.get("/unsubscribe/:token", async (c) => {
    const v = await viewer(c, deps);
    const title = t(v.locale, "notify.unsubscribe.title");
    const known = await notifications.unsubscribeTarget(c.req.param("token"));
    if (!known) {
      return page(
        c,
        v,
        title,
        <Note title={title} text={t(v.locale, "notify.unsubscribe.bad")} />,
        404,
      );
    }
    return page(
      c,
      v,
      title,
      <section class="card stack" aria-labelledby="unsubscribe-title">
        <h1 id="unsubscribe-title">{title}</h1>
        <p>{t(v.locale, "notify.unsubscribe.ask")}</p>
        <form method="post">
          <button type="submit">{t(v.locale, "notify.unsubscribe.button")}</button>
        </form>
      </section>,
    );
  });

  app.post("/unsubscribe/:token", async (c) => {
    // The body is `List-Unsubscribe=One-Click` or an empty form: read (bounded), not needed.
    const body = c.req.raw.body;
    if (body) await readCapped(body, 1024).catch(() => null);
    const v = await viewer(c, deps);
    const title = t(v.locale, "notify.unsubscribe.title");
    const done = await notifications.unsubscribe(c.req.param("token"));
    const text = t(v.locale, done ? "notify.unsubscribe.done" : "notify.unsubscribe.bad");
    return page(c, v, title, <Note title={title} text={text} />, done ? 200 : 404);
  });

  return app;
}

function Note({ title, text }: { title: string; text: string }) {
  return (
    <section class="card stack" aria-labelledby="unsubscribe-title">
      <h1 id="unsubscribe-title">{title}</h1>
      <p role="status">{text}</p>
    </section>
  );
}
