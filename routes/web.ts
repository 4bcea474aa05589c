/** The web app's pages and static files (everything outside /api/v1). */
import { Hono } from "hono";
import type { AppEnv, Deps } from "./context.ts";
import { authenticate } from "./http.ts";
import { staticRoutes } from "./static.ts";
import { notFoundPage, publicPages } from "./pages/public.tsx";
import { viewer } from "./pages/context.ts";

export function webRoutes(deps: Deps) {
  const web = new Hono<AppEnv>();
  web.route("/", staticRoutes());
  web.use("*", authenticate(deps));
  web.route("/", publicPages(deps));
  web.get("*", async (c) => notFoundPage(c, await viewer(c, deps)));
  return web;
}
