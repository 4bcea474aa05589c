/**
 * Server rendering of pages with islands. A page renders fully on the server; each island is
 * rendered there too, inside a `data-island` element, with its props as JSON in a
 * non-executable `<script type="application/json">` beside it. The page links only the island
 * bundles it uses (content-hashed files built by scripts/build.ts).
 */
import { type ComponentChildren, type ComponentType, createContext } from "preact";
import { useContext } from "preact/hooks";
import { renderToString } from "preact-render-to-string";
import type { Locale, User } from "../../shared/model.ts";
import { t } from "../../shared/i18n.ts";
import { assetUrl } from "./assets.ts";

interface RenderState {
  islands: Set<string>;
  next: number;
}

const State = createContext<RenderState | null>(null);

/** Serializes props for a JSON script element: `<` is escaped, so no text can end the element. */
export function propsJson(props: unknown): string {
  return JSON.stringify(props).replace(/</g, "\\u003c").replace(
    /\u2028|\u2029/g,
    (c) => c === "\u2028" ? "\\u2028" : "\\u2029",
  );
}

/** Renders `component` as an island named `name` (its file in islands/). */
// deno-lint-ignore no-explicit-any
export function Island<P extends Record<string, any>>(
  { name, component: Component, props }: { name: string; component: ComponentType<P>; props: P },
) {
  const state = useContext(State);
  if (!state) throw new Error("Island rendered outside renderPage");
  state.islands.add(name);
  const id = `props-${name}-${state.next++}`;
  return (
    <>
      <div data-island={name} data-props={id} class="island">
        <Component {...props} />
      </div>
      <script
        type="application/json"
        id={id}
        dangerouslySetInnerHTML={{ __html: propsJson(props) }}
      />
    </>
  );
}

export interface PageOptions {
  title: string;
  locale: Locale;
  user: User | null;
  /** Whether the signed-in user is a platform operator (shows the applications link). */
  operator?: boolean;
  /** The school whose admin console the nav links to, if the user administers one. */
  adminOrgId?: string | null;
  /** Wider main area for the messenger. */
  wide?: boolean;
  body: ComponentChildren;
}

function Header({ locale, user, operator, adminOrgId }: Omit<PageOptions, "title" | "body">) {
  return (
    <header class="topbar">
      <a class="brand" href="/">{t(locale, "app.name")}</a>
      {user && (
        <nav aria-label={t(locale, "nav.label")}>
          <ul>
            <li>
              <a href="/chats">{t(locale, "nav.chats")}</a>
            </li>
            {adminOrgId && (
              <li>
                <a href={`/admin/${adminOrgId}`}>{t(locale, "nav.admin")}</a>
              </li>
            )}
            {operator && (
              <li>
                <a href="/operator">{t(locale, "nav.operator")}</a>
              </li>
            )}
            <li>
              <a href="/profile">{user.displayName ?? t(locale, "nav.profile")}</a>
            </li>
          </ul>
        </nav>
      )}
    </header>
  );
}

/** The whole HTML document for a page. */
export function renderPage(options: PageOptions): string {
  const state: RenderState = { islands: new Set(), next: 0 };
  const body = renderToString(
    <State.Provider value={state}>
      <a class="skip-link" href="#main">{t(options.locale, "nav.skip")}</a>
      <Header {...options} />
      <main id="main" class={options.wide ? "main main-wide" : "main"} tabIndex={-1}>
        {options.body}
      </main>
    </State.Provider>,
  );
  const title = `${options.title} · ${t(options.locale, "app.name")}`;
  return "<!doctype html>" +
    renderToString(
      <html lang={options.locale}>
        <head>
          <meta charset="utf-8" />
          <meta name="viewport" content="width=device-width, initial-scale=1" />
          <meta name="theme-color" content="#1f5fbf" />
          <title>{title}</title>
          <link rel="stylesheet" href={assetUrl("app.css")} />
          <link rel="manifest" href="/manifest.webmanifest" />
          <link rel="icon" href="/static/icon.svg" type="image/svg+xml" />
          <link rel="apple-touch-icon" href="/static/icon-192.png" />
          {/* The page's strings first: module scripts run in order, so before any island. */}
          {state.islands.size > 0 && (
            <script type="module" src={assetUrl(`messages-${options.locale}`)} />
          )}
          {[...state.islands].map((name) => (
            <script
              key={name}
              type="module"
              src={assetUrl(name)}
            />
          ))}
        </head>
        {/* The body was rendered above by Preact, which escaped every text in it. */}
        <body dangerouslySetInnerHTML={{ __html: body }} />
      </html>,
    );
}
