/** The Hono application: security headers and error mapping around the API and the pages. */
import { Hono } from "hono";
import type { AppEnv, Deps } from "./context.ts";
import { authenticate, errorResponse, originCheck, securityHeaders } from "./http.ts";
import { authRoutes } from "./api/auth.ts";
import { applicationRoutes } from "./api/applications.ts";
import { orgRoutes } from "./api/orgs.ts";
import { inviteRoutes } from "./api/invites.ts";
import { chatRoutes } from "./api/chats.ts";
import { pollRoutes } from "./api/polls.ts";
import { moderationRoutes } from "./api/moderation.ts";
import { ackRoutes } from "./api/acks.ts";
import { pushRoutes } from "./api/push.ts";
import { fileRoutes } from "./api/files.ts";
import { callRoutes } from "./api/calls.ts";
import { lessonRoutes } from "./api/lessons.ts";
import { openApiRoutes } from "./api/openapi.ts";
import { realtimeHandler } from "./realtime.ts";
import { webRoutes } from "./web.ts";
import { notFound } from "../shared/errors.ts";

/** The API under `/api/v1`. */
export function apiRoutes(deps: Deps) {
  const api = new Hono<AppEnv>();
  api.get("/realtime", realtimeHandler(deps));
  api.use("*", originCheck(deps.config.appOrigin));
  api.use("*", authenticate(deps));
  api.route("/", authRoutes(deps));
  api.route("/", applicationRoutes(deps));
  api.route("/", orgRoutes(deps));
  api.route("/", inviteRoutes(deps));
  api.route("/", chatRoutes(deps));
  api.route("/", pollRoutes(deps));
  api.route("/", moderationRoutes(deps));
  api.route("/", ackRoutes(deps));
  api.route("/", pushRoutes(deps));
  api.route("/", fileRoutes(deps));
  api.route("/", callRoutes(deps));
  api.route("/", lessonRoutes(deps));
  api.route("/", openApiRoutes(deps.config.appOrigin));
  api.all("*", () => {
    throw notFound("No such route");
  });
  return api;
}

/** The whole application. */
export function createApp(deps: Deps) {
  const app = new Hono<AppEnv>();
  app.use("*", securityHeaders(deps.config.appOrigin));
  app.onError(errorResponse);
  app.notFound((c) => errorResponse(notFound("No such page"), c));
  app.get("/healthz", (c) => c.json({ ok: true }));
  app.route("/api/v1", apiRoutes(deps));
  app.route("/", webRoutes(deps));
  return app;
}
