/**
 * The call page, GET /calls/:callId: the call's title, kind and chat, then either the CallPage
 * island (pre-join check and the call itself), the ended call (with attendance for hosts), or a
 * plain word that calls are not set up on this server. Only members of the call's chat see it.
 */
import { Hono } from "hono";
import type { ComponentChildren } from "preact";
import type { AppEnv, Ctx, Deps } from "../context.ts";
import { pageCsp } from "../http.ts";
import { Island } from "./render.tsx";
import { signInRedirect, type Viewer, viewer } from "./context.ts";
import { notFoundPage, page } from "./public.tsx";
import { AppError } from "../../shared/errors.ts";
import { formatDateTime, t } from "../../shared/i18n.ts";
import { callMembers } from "../../domain/calls.ts";
import CallPage from "../../islands/CallPage.tsx";
import { AttendanceTable } from "../../islands/call/AttendanceTable.tsx";
import { attendanceRows } from "../../islands/call/attendance.ts";
import { formatDuration, kindLabel } from "../../islands/call/format.ts";

/**
 * Where the browser talks to a LiveKit server at `url`: its WebSocket and HTTP origins. LiveKit
 * Cloud moves a client to regional hosts of its own, so any of those is allowed for it.
 */
export function liveKitSources(url: string): string[] {
  const u = new URL(url);
  const secure = u.protocol === "wss:" || u.protocol === "https:";
  const sources = [
    `${secure ? "wss" : "ws"}://${u.host}`,
    `${secure ? "https" : "http"}://${u.host}`,
  ];
  for (const cloud of ["livekit.cloud", "livekit.run"]) {
    if (u.hostname.endsWith(`.${cloud}`)) sources.push(`wss://*.${cloud}`, `https://*.${cloud}`);
  }
  return sources;
}

export function callPages(deps: Deps) {
  const app = new Hono<AppEnv>();
  app.get("/calls/:callId", async (c) => {
    const v = await viewer(c, deps);
    if (!v.user) return signInRedirect(c);
    const page = await deps.services.calls.page(v.user.id, c.req.param("callId"));
    if (!page) return notFoundPage(c, v);
    return show(c, deps, v, page);
  });
  app.get("/guest/:token", (c) => guestPage(c, deps));
  return app;
}

/** A page of the call pages: the shared chrome, full width, around the call's head and body. */
function callHtml(c: Ctx, v: Viewer, title: string, content: ComponentChildren, status = 200) {
  return page(c, v, title, <div class="call-page">{content}</div>, status, { wide: true });
}

/**
 * A guest's page, GET /guest/:token: no session, nothing of the school. The call's kind and
 * title, who they come as, until when, then the CallPage island in guest mode; a plain word when
 * the link no longer works.
 */
async function guestPage(c: Ctx, deps: Deps) {
  const v = await viewer(c, deps);
  const { locale } = v;
  const token = c.req.param("token")!;
  let page: Awaited<ReturnType<Deps["services"]["calls"]["guestPage"]>>;
  try {
    page = await deps.services.calls.guestPage(token);
  } catch (err) {
    if (!(err instanceof AppError) || (err.status !== 404 && err.status !== 410)) throw err;
    return callHtml(
      c,
      v,
      t(locale, "call.guest.gone.title"),
      <section class="card stack call-outcome">
        <h1>{t(locale, "call.guest.gone.title")}</h1>
        <p>{t(locale, "call.guest.gone.text")}</p>
      </section>,
      err.status,
    );
  }
  const kind = kindLabel(locale, page.call.kind);
  const title = page.call.title ?? kind;
  let body: ComponentChildren;
  if (!page.livekitUrl) {
    body = <p class="alert alert-warn" role="alert">{t(locale, "call.unconfigured.text")}</p>;
  } else {
    c.header("Content-Security-Policy", pageCsp(liveKitSources(page.livekitUrl)));
    body = (
      <Island
        name="CallPage"
        component={CallPage}
        props={{
          locale,
          callId: "",
          chatId: "",
          host: false,
          timeZone: page.timeZone,
          lobby: false,
          members: [],
          guest: { token },
        }}
      />
    );
  }
  return callHtml(
    c,
    v,
    title,
    <>
      <header class="call-head">
        <p class="call-kind">
          <span class="badge">{kind}</span>{" "}
          <span class="badge call-badge-guest">{t(locale, "call.guest.badge")}</span>
        </p>
        <h1>{title}</h1>
        <p>{t(locale, "call.guest.as", { name: page.guest.name })}</p>
        <p class="muted">
          {t(locale, "call.guest.privacy")} {t(locale, "call.guest.validUntil", {
            time: formatDateTime(locale, page.guest.expiresAt, page.timeZone),
          })}
        </p>
      </header>
      {body}
    </>,
  );
}

type CallPageData = NonNullable<Awaited<ReturnType<Deps["services"]["calls"]["page"]>>>;

function show(c: Ctx, deps: Deps, v: Viewer, page: CallPageData) {
  const { locale } = v;
  const { config } = deps;
  const { call, access, host, members, timeZone } = page;
  /** The school's time zone, or the server's when the school is gone. */
  const zone = timeZone ?? Intl.DateTimeFormat().resolvedOptions().timeZone;
  const chatName = access.chat.kind === "direct"
    ? members.find((m) => m.userId !== v.user!.id)?.displayName ?? t(locale, "call.unnamed")
    : access.chat.title ?? t(locale, "call.unnamed");
  const kind = kindLabel(locale, call.kind);
  const title = call.title ?? kind;
  const chatHref = `/chats/${call.chatId}`;

  const head = (
    <header class="call-head">
      <p class="call-kind">
        <span class="badge">{kind}</span>{" "}
        <span class="muted">{t(locale, "call.inChat", { chat: chatName })}</span>
      </p>
      <h1>{title}</h1>
      <p class="muted">
        {t(locale, "call.startedAt", {
          date: formatDateTime(locale, call.startedAt, timeZone),
        })}
      </p>
      <p>
        <a href={chatHref}>
          <span aria-hidden="true">←</span> {t(locale, "call.backToChat")}
        </a>
      </p>
    </header>
  );

  let body: ComponentChildren;
  let status = 200;
  if (call.endedAt) {
    const span = { start: Date.parse(call.startedAt), end: Date.parse(call.endedAt) };
    const rows = host ? attendanceRows(members, page.attendance, span) : null;
    status = 410;
    body = (
      <section class="call-outcome card stack" aria-labelledby="call-ended-title">
        <h2 id="call-ended-title">{t(locale, "call.ended.title")}</h2>
        <p>
          {t(locale, "call.ended.duration", {
            duration: formatDuration(locale, call.durationSeconds ?? 0),
          })}
        </p>
        {rows && (
          <>
            <h3>{t(locale, "call.attendance.title")}</h3>
            <AttendanceTable
              locale={locale}
              callId={call.id}
              rows={rows}
              span={span}
              timeZone={zone}
            />
          </>
        )}
        <p>
          <a class="button" href={chatHref}>{t(locale, "call.backToChat")}</a>
        </p>
      </section>
    );
  } else if (!page.joinable) {
    status = 403;
    body = (
      <section class="call-outcome card stack" aria-labelledby="call-adults-title">
        <h2 id="call-adults-title">{t(locale, "call.adultsOnly.title")}</h2>
        <p>{t(locale, "call.adultsOnly.text")}</p>
        <p>
          <a class="button" href={chatHref}>{t(locale, "call.backToChat")}</a>
        </p>
      </section>
    );
  } else if (!config.livekit) {
    body = (
      <section class="call-outcome card stack" aria-labelledby="call-off-title">
        <h2 id="call-off-title">{t(locale, "call.unconfigured.title")}</h2>
        <p class="alert alert-warn" role="alert">{t(locale, "call.unconfigured.text")}</p>
        <p>
          <a class="button" href={chatHref}>{t(locale, "call.backToChat")}</a>
        </p>
      </section>
    );
  } else {
    // The island talks to the LiveKit server: this page alone may connect there. It names and
    // badges people from Parta's own list, never from what they carry in the room.
    c.header("Content-Security-Policy", pageCsp(liveKitSources(config.livekit.url)));
    body = (
      <Island
        name="CallPage"
        component={CallPage}
        props={{
          locale,
          callId: call.id,
          chatId: call.chatId,
          host,
          timeZone: zone,
          lobby: call.lobby === true,
          members: callMembers(call, members, access.caller),
        }}
      />
    );
  }

  return callHtml(
    c,
    v,
    title,
    <>
      {head}
      {body}
    </>,
    status,
  );
}
