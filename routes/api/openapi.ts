/**
 * The API described as OpenAPI 3.1, served at `GET /api/v1/openapi.json`. Request bodies come from
 * the same zod schemas the routes parse with (domain/chat_input.ts, domain/api_input.ts), answers
 * from the wire schemas the browser's types are inferred from (shared/api_schema.ts), all turned
 * into JSON Schema by zod. Every route of the API has its entry here, which tests/openapi_test.ts
 * checks against the routes the app really has; the test app checks every answer it gets against
 * its entry. docs/api.md stays the prose reference.
 */
import { Hono } from "hono";
import { z } from "zod";
import type { AppEnv } from "../context.ts";
import * as chat from "../../domain/chat_input.ts";
import * as api from "../../domain/api_input.ts";
import { handInput } from "../../domain/calls.ts";
import { guestInput } from "../../domain/call_guests.ts";
import { pushSubscriptionInput } from "../../domain/push.ts";
import * as w from "../../shared/api_schema.ts";

type Method = "get" | "post" | "put" | "patch" | "delete";

interface QueryParam {
  name: string;
  description: string;
  type: "string" | "integer";
}

export type Reply = string | [description: string, body: z.ZodType | string];

/** One operation: what it does, its input, and what it answers when it succeeds. */
export interface Operation {
  method: Method;
  /** As Hono writes it: `/chats/:chatId`. */
  path: string;
  summary: string;
  tag: string;
  body?: z.ZodType;
  /** A body that is not JSON (multipart upload, a signed webhook). */
  rawBody?: { type: string; description: string };
  query?: QueryParam[];
  /**
   * Success statuses: a description alone (no body), with the schema of the JSON answer, or with
   * the media type of an answer that is not JSON described by a schema.
   */
  ok: Record<number, Reply>;
  /** Works without a session (sign-in, previews, webhooks). */
  public?: true;
}

const limit: QueryParam = { name: "limit", type: "integer", description: "Page size (1–200)" };

/** Every route under /api/v1, by domain. (A table: one operation a line.) */
// deno-fmt-ignore
export const OPERATIONS: Operation[] = [
  // identity
  { method: "post", path: "/auth/code", tag: "identity", summary: "Mail a sign-in code", body: api.codeRequestInput, ok: { 202: ["Accepted: the code is on its way", w.acceptedReply] }, public: true },
  { method: "post", path: "/auth/verify", tag: "identity", summary: "Sign in with the mailed code; sets the session cookie", body: api.verifyInput, ok: { 200: ["The person and the session token", w.signedInReply] }, public: true },
  { method: "post", path: "/auth/logout", tag: "identity", summary: "End this session; its sockets close with 4401", ok: { 204: "Signed out" } },
  { method: "get", path: "/auth/providers", tag: "identity", summary: "Which single sign-on providers are set up", ok: { 200: ["Whether OpenID Connect is set up", w.providersReply] }, public: true },
  { method: "get", path: "/auth/oidc/start", tag: "identity", summary: "Start OpenID Connect sign-in (redirect)", ok: { 302: "To the provider" }, public: true },
  { method: "get", path: "/auth/oidc/callback", tag: "identity", summary: "The provider's return (redirect into the app)", query: [{ name: "code", type: "string", description: "From the provider" }, { name: "state", type: "string", description: "From the provider" }], ok: { 302: "Into the app, or back to sign-in" }, public: true },
  { method: "get", path: "/me", tag: "identity", summary: "The signed-in person and their schools", ok: { 200: ["The person, whether they are an operator, and their schools with roles", w.meReply] } },
  { method: "patch", path: "/me", tag: "identity", summary: "Change one's display name or language", body: api.profilePatch, ok: { 200: ["The person as changed", w.userReply] } },
  { method: "get", path: "/dev/outbox", tag: "identity", summary: "Mail kept instead of sent (DEV_OUTBOX only)", query: [{ name: "to", type: "string", description: "Only mail to this address" }], ok: { 200: ["The kept mail, oldest first", w.outboxReply] }, public: true },
  { method: "get", path: "/me/lessons", tag: "chats", summary: "Lessons and meetings ahead across one's chats", ok: { 200: ["Planned lessons and meetings, soonest first", w.upcomingReply] } },

  // schools
  { method: "post", path: "/org-applications", tag: "schools", summary: "A school applies for its space", body: api.applicationInput, ok: { 201: ["The application and its status", w.applicationStatusReply] }, public: true },
  { method: "get", path: "/org-applications", tag: "schools", summary: "Applications by status (operator)", query: [{ name: "status", type: "string", description: "pending (default), approved or rejected" }], ok: { 200: ["The applications", w.applicationsReply] } },
  { method: "post", path: "/org-applications/:id/approve", tag: "schools", summary: "Approve: the school and its admin invite are created (operator)", ok: { 201: ["The school and the link for its first admin", w.approvedReply] } },
  { method: "post", path: "/org-applications/:id/reject", tag: "schools", summary: "Reject with a reason (operator)", body: api.rejectInput, ok: { 200: ["The application and its status", w.applicationStatusReply] } },
  { method: "get", path: "/orgs/:orgId", tag: "schools", summary: "The school", ok: { 200: ["The school", w.orgSchema] } },
  { method: "patch", path: "/orgs/:orgId", tag: "schools", summary: "Change the school's name, gradebook link or safety settings (admins)", body: api.orgPatch, ok: { 200: ["The school", w.orgSchema] } },
  { method: "get", path: "/orgs/:orgId/classes", tag: "schools", summary: "The school's classes", ok: { 200: ["The classes", w.classesReply] } },
  { method: "post", path: "/orgs/:orgId/classes", tag: "schools", summary: "Create a class (admins)", body: api.classInput, ok: { 201: ["The class", w.classCreatedReply] } },
  { method: "patch", path: "/orgs/:orgId/classes/:classId", tag: "schools", summary: "Rename a class, link its schedule, set its direct-message rule", body: api.classPatch, ok: { 200: ["The class", w.classSchema] } },
  { method: "get", path: "/orgs/:orgId/members", tag: "schools", summary: "The roster (contacts for admins)", query: [{ name: "role", type: "string", description: "Only this role" }, { name: "classId", type: "string", description: "Only this class" }], ok: { 200: ["The members", w.rosterReply] } },
  { method: "patch", path: "/orgs/:orgId/members/:userId", tag: "schools", summary: "Change a member's roles, classes, children or phone (admins)", body: api.memberPatch, ok: { 200: ["The member as changed", w.rosterMemberReply] } },
  { method: "delete", path: "/orgs/:orgId/members/:userId", tag: "schools", summary: "Remove a member (admins; a ban) or leave", ok: { 204: "Removed; their chats in the school dropped them" } },
  { method: "get", path: "/orgs/:orgId/bans", tag: "schools", summary: "People removed and not let back (admins)", ok: { 200: ["The removed people", w.bansReply] } },
  { method: "delete", path: "/orgs/:orgId/bans/:userId", tag: "schools", summary: "Let a removed person back (admins)", ok: { 204: "Lifted" } },
  { method: "post", path: "/orgs/:orgId/invites", tag: "schools", summary: "Make an invite link for a role (and class, child)", body: api.inviteInput, ok: { 201: ["The invite with its link", w.inviteCreatedReply] } },
  { method: "get", path: "/orgs/:orgId/invites", tag: "schools", summary: "Usable invites (admins all, teachers their own)", ok: { 200: ["The invites", w.invitesReply] } },
  { method: "get", path: "/invites/:token", tag: "schools", summary: "What an invite leads to, before signing in", ok: { 200: ["The school, and the role and class or the chat", w.invitePreviewReply] }, public: true },
  { method: "post", path: "/invites/:token/accept", tag: "schools", summary: "Accept an invite: join the school or the chat", body: api.acceptInviteInput, ok: { 200: ["The school joined (and the chat, for a chat link)", w.inviteAcceptedReply] } },
  { method: "delete", path: "/invites/:token", tag: "schools", summary: "Revoke an invite", ok: { 204: "Revoked" } },

  // chats
  { method: "post", path: "/orgs/:orgId/chats", tag: "chats", summary: "Create a group, channel, class chat or direct chat", body: chat.createChatInput, ok: { 201: ["Created", w.chatWithMembersReply], 200: ["The direct chat that already existed", w.chatWithMembersReply] } },
  { method: "get", path: "/chats", tag: "chats", summary: "One's chats with unread counts and last messages", ok: { 200: ["The chats", w.chatsReply] } },
  { method: "get", path: "/chats/:chatId", tag: "chats", summary: "A chat with its members", ok: { 200: ["The chat", w.chatWithMembersReply] } },
  { method: "patch", path: "/chats/:chatId", tag: "chats", summary: "Rename a chat", body: chat.renameInput, ok: { 200: ["The chat", w.chatReply] } },
  { method: "post", path: "/chats/:chatId/members", tag: "chats", summary: "Add school members to a chat", body: chat.addMembersInput, ok: { 200: ["Who was added (members already in are left out)", w.addedReply] } },
  { method: "delete", path: "/chats/:chatId/members/:userId", tag: "chats", summary: "Remove a member (a ban from the chat's links) or leave", ok: { 204: "Removed" } },
  { method: "post", path: "/chats/:chatId/messages", tag: "chats", summary: "Send a message; idempotent by clientId", body: chat.sendInput, ok: { 201: ["Sent", w.messageReply], 200: ["Sent before with this clientId", w.messageReply] } },
  { method: "get", path: "/chats/:chatId/messages", tag: "chats", summary: "History, newest first", query: [limit, { name: "before", type: "integer", description: "Messages with seq below this" }], ok: { 200: ["A page of messages, newest first, and the chat's last seq", w.historyReply] } },
  { method: "get", path: "/chats/:chatId/events", tag: "chats", summary: "The event log after a seq (resync)", query: [limit, { name: "after", type: "integer", description: "Events with seq above this" }], ok: { 200: ["Events in seq order, and the chat's last seq", w.eventsReply] } },
  { method: "patch", path: "/chats/:chatId/messages/:seq", tag: "chats", summary: "Edit one's message", body: chat.editInput, ok: { 200: ["The message as it now is", w.messageReply] } },
  { method: "delete", path: "/chats/:chatId/messages/:seq", tag: "chats", summary: "Delete a message (its text leaves the log)", ok: { 204: "Deleted" } },
  { method: "put", path: "/chats/:chatId/messages/:seq/reactions/:emoji", tag: "chats", summary: "React with an emoji", ok: { 200: ["The message as it now is", w.messageReply] } },
  { method: "delete", path: "/chats/:chatId/messages/:seq/reactions/:emoji", tag: "chats", summary: "Take a reaction back", ok: { 200: ["The message as it now is", w.messageReply] } },
  { method: "post", path: "/chats/:chatId/invites", tag: "chats", summary: "Make a chat invite link (owners, moderators)", body: chat.chatInviteInput, ok: { 201: ["The link", w.chatLinkReply] } },
  { method: "post", path: "/chats/:chatId/read", tag: "chats", summary: "Move one's read marker forward", body: chat.readInput, ok: { 204: "Moved (or already there)" } },
  { method: "get", path: "/push/vapid-public-key", tag: "notifications", summary: "The server's VAPID public key (applicationServerKey)", ok: { 200: ["The key", w.vapidKeyReply] }, public: true },
  { method: "post", path: "/push-subscriptions", tag: "notifications", summary: "Receive notifications in this browser: its PushSubscription (push endpoints must be https on a known push service)", body: pushSubscriptionInput, ok: { 201: ["Subscribed", w.pushSubscriptionReply], 200: ["Already subscribed (renewed for this session)", w.pushSubscriptionReply] } },
  { method: "get", path: "/push-subscriptions", tag: "notifications", summary: "One's browsers that receive notifications", ok: { 200: ["The subscriptions, most recently used first", w.pushSubscriptionsReply] } },
  { method: "delete", path: "/push-subscriptions/:id", tag: "notifications", summary: "Stop notifications to one of one's browsers", ok: { 204: "Removed" } },
  { method: "put", path: "/chats/:chatId/notifications", tag: "notifications", summary: "Turn one's notifications of the chat off (1 h, 8 h, until turned on) or on again", body: chat.notificationsInput, ok: { 200: ["One's notifications of the chat now", w.chatNotificationsReply] } },
  { method: "post", path: "/chats/:chatId/polls", tag: "chats", summary: "Post a poll", body: chat.createPollInput, ok: { 201: ["Posted", w.messageReply], 200: ["Posted before with this clientId", w.messageReply] } },
  { method: "put", path: "/chats/:chatId/polls/:seq/vote", tag: "chats", summary: "Vote (replaces one's earlier vote)", body: chat.voteInput, ok: { 200: ["The poll as it now is", w.pollReply] } },
  { method: "post", path: "/chats/:chatId/polls/:seq/close", tag: "chats", summary: "Close a poll (its author, moderators)", ok: { 200: ["The poll as it now is", w.pollReply] } },
  { method: "post", path: "/chats/:chatId/messages/:seq/ack", tag: "chats", summary: "Confirm an announcement («Ознакомлен(а)»)", ok: { 200: ["The message as it now is", w.messageReply] } },
  { method: "get", path: "/chats/:chatId/messages/:seq/acks", tag: "chats", summary: "Who has confirmed and who not yet (author, moderators)", ok: { 200: ["Who has confirmed and who not yet", w.ackReportReply] } },
  { method: "post", path: "/chats/:chatId/lessons", tag: "chats", summary: "Plan a lesson or meeting in the chat", body: chat.scheduleLessonInput, ok: { 201: ["The lesson", w.lessonReply] } },

  // moderation
  { method: "patch", path: "/chats/:chatId/settings", tag: "moderation", summary: "Freeze a chat or set slow mode (moderators)", body: chat.chatSettingsInput, ok: { 200: ["The chat's settings", w.settingsReply] } },
  { method: "post", path: "/chats/:chatId/members/:userId/mute", tag: "moderation", summary: "Mute a member for some minutes (0 lifts it)", body: chat.muteInput, ok: { 200: ["The member as changed", w.membershipReply] } },
  { method: "patch", path: "/chats/:chatId/members/:userId", tag: "moderation", summary: "Make a member a moderator or take it back", body: chat.chatRoleInput, ok: { 200: ["The member as changed", w.membershipReply] } },
  { method: "post", path: "/chats/:chatId/messages/:seq/report", tag: "moderation", summary: "Report a message to moderators and admins", body: chat.reportInput, ok: { 201: ["The report", w.reportCreatedReply] } },
  { method: "get", path: "/chats/:chatId/reports", tag: "moderation", summary: "The chat's reports (moderators)", ok: { 200: ["The reports, newest first", w.chatReportsReply] } },
  { method: "get", path: "/orgs/:orgId/reports", tag: "moderation", summary: "The school's reports (admins)", ok: { 200: ["The reports, newest first, with the chats' titles and people's names", w.schoolReportsReply] } },
  { method: "get", path: "/orgs/:orgId/audit", tag: "moderation", summary: "The school's moderation log (admins)", query: [limit, { name: "before", type: "string", description: "Entries before this id" }], ok: { 200: ["Entries, newest first, with the chats' titles and people's names", w.auditReply] } },

  // files
  { method: "post", path: "/chats/:chatId/files", tag: "files", summary: "Upload a file into a chat (send it in a message within 24 hours)", rawBody: { type: "multipart/form-data", description: "One part named file" }, ok: { 201: ["The stored file", w.fileReply] } },
  { method: "get", path: "/files/:fileId", tag: "files", summary: "A file's bytes (Range supported)", ok: { 200: ["The file", "application/octet-stream"], 206: ["A range of it", "application/octet-stream"] } },
  { method: "get", path: "/files/:fileId/thumb", tag: "files", summary: "An image's preview", ok: { 200: ["The preview", "image/jpeg"], 206: ["A range of it", "image/jpeg"] } },

  // calls
  { method: "post", path: "/chats/:chatId/calls", tag: "calls", summary: "Start a call, lesson or meeting in a chat", body: chat.startCallInput, ok: { 201: ["The call", w.callReply] } },
  { method: "post", path: "/calls/:callId/token", tag: "calls", summary: "A LiveKit token to join the call (in a call with a lobby, once a host lets one in)", ok: { 200: ["The LiveKit server and a token for it", w.callTokenReply], 202: ["Waiting in the lobby: ask again in a few seconds", w.lobbyWaitReply] } },
  { method: "post", path: "/calls/:callId/guests", tag: "calls", summary: "A guest link to this call for someone outside the school (hosts)", body: guestInput, ok: { 201: ["The guest and their link (shown once)", w.guestCreatedReply] } },
  { method: "get", path: "/calls/:callId/guests", tag: "calls", summary: "The call's guest links (hosts)", ok: { 200: ["The guests, oldest first", w.guestsReply] } },
  { method: "delete", path: "/calls/:callId/guests/:guestId", tag: "calls", summary: "Revoke a guest link; the guest leaves the call (hosts)", ok: { 204: "Revoked" } },
  { method: "get", path: "/guest/:token", tag: "calls", summary: "What a guest link opens: the call's kind and title, nothing of the school", ok: { 200: ["The call and the guest", w.guestPreviewReply] }, public: true },
  { method: "post", path: "/guest/:token/join", tag: "calls", summary: "A guest's LiveKit token (camera and microphone)", ok: { 200: ["The LiveKit server, a token and the guest's identity", w.guestJoinReply] }, public: true },
  { method: "get", path: "/calls/:callId/lobby", tag: "calls", summary: "Who waits in the lobby (hosts)", ok: { 200: ["Who waits, longest first", w.lobbyReply] } },
  { method: "post", path: "/calls/:callId/lobby/:userId/admit", tag: "calls", summary: "Let someone in from the lobby (hosts)", ok: { 204: "Let in for the rest of the call" } },
  { method: "post", path: "/calls/:callId/lobby/:userId/decline", tag: "calls", summary: "Turn someone in the lobby away (hosts); they may ask again", ok: { 204: "Turned away" } },
  { method: "get", path: "/calls/:callId", tag: "calls", summary: "The call, its attendance and roster", ok: { 200: ["The call, its attendance, its roster and the caller", w.callViewReply] } },
  { method: "get", path: "/calls/:callId/attendance.csv", tag: "calls", summary: "Attendance as CSV (hosts)", ok: { 200: ["Who joined and left, a row a visit", "text/csv"] } },
  { method: "post", path: "/calls/:callId/end", tag: "calls", summary: "End the call for everyone (hosts)", ok: { 200: ["The call", w.callReply] } },
  { method: "post", path: "/calls/:callId/participants/:userId/mute", tag: "calls", summary: "Mute a participant (hosts, by rank)", body: chat.muteParticipantInput, ok: { 204: "Muted" } },
  { method: "post", path: "/calls/:callId/participants/:userId/remove", tag: "calls", summary: "Remove a participant from the call (hosts, by rank)", ok: { 204: "Removed" } },
  { method: "post", path: "/calls/:callId/hand", tag: "calls", summary: "Raise or lower one's hand", body: handInput, ok: { 204: "Done" } },
  { method: "post", path: "/calls/:callId/hands/lower", tag: "calls", summary: "Lower every hand (hosts)", ok: { 204: "Done" } },
  { method: "post", path: "/livekit/webhook", tag: "calls", summary: "LiveKit's signed webhook (attendance, room finished)", rawBody: { type: "application/webhook+json", description: "Signed by LiveKit (Authorization)" }, ok: { 200: ["Taken", w.webhookReply] }, public: true },

  // the document itself, and the socket
  { method: "get", path: "/openapi.json", tag: "meta", summary: "This document", ok: { 200: ["OpenAPI 3.1", "application/json"] }, public: true },
  { method: "get", path: "/realtime", tag: "meta", summary: "The realtime WebSocket (frames in docs/api.md)", ok: { 101: "Switching protocols" }, public: true },
];

const ERROR_SCHEMA = {
  type: "object",
  required: ["error"],
  properties: {
    error: {
      type: "object",
      required: ["code", "message"],
      properties: {
        code: { type: "string", description: "Machine-readable, e.g. invalid_input, not_found" },
        message: { type: "string", description: "What went wrong, in English" },
        field: { type: "string", description: "The input field at fault, where there is one" },
        reason: { type: "string", description: "Which refusal of its kind, where the API says" },
      },
    },
  },
};

function jsonSchema(schema: z.ZodType) {
  const { $schema: _, ...rest } = z.toJSONSchema(schema, { io: "input", unrepresentable: "any" });
  return rest;
}

const componentUri = (id: string) => `#/components/schemas/${id}`;

/** An answer's schema, naming the shared parts (`#/components/schemas/…`) rather than copying them. */
function replySchema(schema: z.ZodType) {
  const { $schema: _, $defs: __, ...rest } = z.toJSONSchema(schema, {
    io: "output",
    metadata: w.wireSchemas,
    unrepresentable: "any",
    override: ({ jsonSchema }) => {
      // Answers are open: a client ignores fields it does not know.
      if (jsonSchema.additionalProperties === false) delete jsonSchema.additionalProperties;
    },
  });
  return JSON.parse(JSON.stringify(rest).replaceAll('"#/$defs/', '"#/components/schemas/'));
}

/** The named wire schemas, for `components.schemas`. */
function componentSchemas() {
  const { schemas } = z.toJSONSchema(w.wireSchemas, {
    io: "output",
    uri: componentUri,
    unrepresentable: "any",
    override: ({ jsonSchema }) => {
      if (jsonSchema.additionalProperties === false) delete jsonSchema.additionalProperties;
    },
  });
  return Object.fromEntries(
    Object.entries(schemas).map(([id, { $schema: _, $id: __, ...schema }]) => [id, schema]),
  );
}

function response(reply: Reply) {
  if (typeof reply === "string") return { description: reply };
  const [description, body] = reply;
  if (typeof body === "string") return { description, content: { [body]: {} } };
  return { description, content: { "application/json": { schema: replySchema(body) } } };
}

function operationObject(op: Operation) {
  const pathParams = [...op.path.matchAll(/:([A-Za-z]+)/g)].map((m) => ({
    name: m[1],
    in: "path",
    required: true,
    schema: { type: m[1] === "seq" ? "integer" : "string" },
  }));
  const queryParams = (op.query ?? []).map((q) => ({
    name: q.name,
    in: "query",
    required: false,
    description: q.description,
    schema: { type: q.type },
  }));
  const responses: Record<string, unknown> = {};
  for (const [status, reply] of Object.entries(op.ok)) responses[status] = response(reply);
  responses["4XX"] = {
    description: "Refused; nothing changed",
    content: { "application/json": { schema: { $ref: "#/components/schemas/Error" } } },
  };
  responses["5XX"] = {
    description: "Unavailable for now (503 with Retry-After)",
    content: { "application/json": { schema: { $ref: "#/components/schemas/Error" } } },
  };
  const requestBody = op.body
    ? { required: true, content: { "application/json": { schema: jsonSchema(op.body) } } }
    : op.rawBody
    ? { required: true, description: op.rawBody.description, content: { [op.rawBody.type]: {} } }
    : undefined;
  return {
    operationId: `${op.method}${
      op.path.replace(/[:/.{}]+([a-zA-Z])/g, (_, c: string) => c.toUpperCase())
    }`,
    summary: op.summary,
    tags: [op.tag],
    parameters: [...pathParams, ...queryParams],
    ...(requestBody ? { requestBody } : {}),
    responses,
    ...(op.public ? { security: [] } : {}),
  };
}

/** The OpenAPI 3.1 document of the API served at `appOrigin`. */
export function openApiDocument(appOrigin: string) {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const op of OPERATIONS) {
    const path = op.path.replace(/:([A-Za-z]+)/g, "{$1}");
    (paths[path] ??= {})[op.method] = operationObject(op);
  }
  return {
    openapi: "3.1.0",
    info: {
      title: "Parta API",
      version: "1",
      description: "Parta's HTTP API. docs/api.md describes it in prose, with the realtime frames.",
    },
    servers: [{ url: `${appOrigin}/api/v1` }],
    paths,
    components: {
      schemas: { Error: ERROR_SCHEMA, ...componentSchemas() },
      securitySchemes: {
        session: { type: "apiKey", in: "cookie", name: "parta_session" },
        bearer: { type: "http", scheme: "bearer" },
      },
    },
    security: [{ session: [] }, { bearer: [] }],
  };
}

export function openApiRoutes(appOrigin: string) {
  const app = new Hono<AppEnv>();
  const document = JSON.stringify(openApiDocument(appOrigin));
  app.get("/openapi.json", (c) => {
    c.header("Content-Type", "application/json; charset=utf-8");
    return c.body(document);
  });
  return app;
}
