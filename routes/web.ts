/** The web app's pages and static files (everything outside /api/v1). */
import { Hono } from "hono";
import type { AppEnv, Deps } from "./context.ts";
import { authenticate, errorResponse } from "./http.ts";
import { notFound } from "../shared/errors.ts";
import { staticRoutes } from "./static.ts";
import { notFoundPage, publicPages } from "./pages/public.tsx";
import { viewer } from "./pages/context.ts";
import { chatPages } from "./pages/chats.tsx";
import { adminPages } from "./pages/admin.tsx";
import { callPages } from "./pages/call.tsx";
import { unsubscribePages } from "./pages/unsubscribe.tsx";

export function webRoutes(deps: Deps) {
  const web = new Hono<AppEnv>();
  web.route("/", staticRoutes());
  web.use("*", authenticate(deps));
  web.route("/", publicPages(deps));
  web.route("/", chatPages(deps));
  web.route("/", adminPages(deps));
  web.route("/", callPages(deps));
  web.route("/", unsubscribePages(deps));
  web.get("*", async (c) => {
    // Odd paths under /api (such as /api/v1/%2e%2e) get the API's JSON answer, not a page.
    if (c.req.path.startsWith("/api/") || c.req.path === "/api") {
      return errorResponse(notFound("No such route"), c);
    }
    return notFoundPage(c, await viewer(c, deps));
  });
  return web;
}
