/**
 * Every JSON body the API answers with, as zod schemas: the OpenAPI document's response schemas
 * are made from them (routes/api/openapi.ts), the test app checks every answer it gets against
 * them (tests/helpers.ts), and the browser's view types are inferred from them
 * (shared/chat_view.ts, shared/admin_view.ts). Browser code imports this file for types only
 * (`import type`), so zod stays out of the islands' bundles.
 *
 * Objects here are open: a client must ignore fields it does not know, and the document says
 * nothing against them. The test app is stricter: an answer may not carry a field this file
 * does not describe.
 */
import { z } from "zod";
import { CALL_KINDS, CHAT_KINDS, CHAT_ROLES } from "./chat_model.ts";
import { LOCALES, ROLES, UNREAD_EMAIL } from "./model.ts";

/** The named schemas: each becomes `#/components/schemas/<id>` in the document. */
export const wireSchemas = z.registry<{ id: string; description?: string }>();

function named<S extends z.ZodType>(id: string, schema: S, description?: string): S {
  wireSchemas.add(schema, description ? { id, description } : { id });
  return schema;
}

const id = z.string().meta({ description: "A ULID" });
const time = z.string().meta({ description: "An ISO 8601 time in UTC" });
const count = z.number().int().nonnegative();
const seq = z.number().int().nonnegative();

const role = z.enum(ROLES);
const chatKind = z.enum(CHAT_KINDS);
const chatRole = z.enum(CHAT_ROLES);

// ---- identity --------------------------------------------------------------------------------

export const userSchema = named(
  "User",
  z.object({
    id,
    displayName: z.string().nullable(),
    email: z.string(),
    locale: z.enum(LOCALES),
    unreadEmail: z.enum(UNREAD_EMAIL).nullable().meta({
      description: "E-mail about unread messages; null: the school's default",
    }),
  }),
  "The signed-in person as they see themselves",
);

export const signedInReply = z.object({ user: userSchema, token: z.string() });
export const userReply = z.object({ user: userSchema });
export const meReply = z.object({
  user: userSchema,
  /** Runs the platform: approves schools' applications. */
  operator: z.boolean(),
  orgs: z.array(z.object({ id, name: z.string(), roles: z.array(role) })),
});
export const providersReply = z.object({ oidc: z.boolean() });
export const outboxReply = z.object({
  messages: z.array(
    z.object({ to: z.string(), subject: z.string(), text: z.string(), sentAt: time }),
  ),
});
export const acceptedReply = z.object({});

// ---- schools ---------------------------------------------------------------------------------

const applicationStatus = z.enum(["pending", "approved", "rejected"]);

export const applicationSchema = named(
  "Application",
  z.object({
    id,
    schoolName: z.string(),
    region: z.string(),
    adminName: z.string(),
    adminEmail: z.string(),
    adminPhone: z.string(),
    status: applicationStatus,
    createdAt: time,
    decidedAt: time.optional(),
    decidedBy: id.optional(),
    reason: z.string().optional(),
    orgId: id.optional(),
  }),
  "A school's application for its space",
);
export const applicationStatusReply = z.object({ id, status: applicationStatus });
export const applicationsReply = z.object({ applications: z.array(applicationSchema) });
const link = z.object({ token: z.string(), url: z.string(), expiresAt: time });
export const approvedReply = z.object({
  org: z.object({ id, name: z.string() }),
  adminInvite: link,
});

export const orgSettingsSchema = named(
  "OrgSettings",
  z.object({
    timeZone: z.string().meta({ description: "IANA time zone" }),
    studentDirectMessages: z.boolean(),
    quietHours: z.object({ enabled: z.boolean(), start: z.string(), end: z.string() }),
    quietReadOnlyForStudents: z.boolean(),
    studentPushPreviews: z.boolean(),
    unreadEmail: z.enum(UNREAD_EMAIL),
  }),
);

export const orgSchema = named(
  "School",
  z.object({
    id,
    name: z.string(),
    region: z.string(),
    journalUrl: z.string().nullable(),
    settings: orgSettingsSchema,
  }),
);

export const classSchema = named(
  "Class",
  z.object({
    id,
    name: z.string(),
    scheduleUrl: z.string().nullable(),
    studentDirectMessages: z.boolean(),
  }),
);
export const classesReply = z.object({ classes: z.array(classSchema) });
export const classCreatedReply = z.object({ id, name: z.string() });

export const rosterEntrySchema = named(
  "RosterEntry",
  z.object({
    userId: id,
    displayName: z.string().nullable(),
    roles: z.array(role),
    verified: z.boolean(),
    classIds: z.array(id),
    childIds: z.array(id).optional(),
    /** Admins only. */
    email: z.string().nullable().optional(),
    phone: z.string().nullable().optional(),
  }),
  "A school member; admins also see contacts and family links",
);
export const rosterReply = z.object({ members: z.array(rosterEntrySchema) });
export const rosterMemberReply = z.object({ member: rosterEntrySchema });
export const bansReply = z.object({
  bans: z.array(
    z.object({ userId: id, displayName: z.string().nullable(), bannedAt: time, bannedBy: id }),
  ),
});

export const inviteSchema = named(
  "Invite",
  z.object({
    id,
    token: z.string(),
    url: z.string(),
    expiresAt: time,
    role,
    classId: id.nullable(),
    childId: id.nullable(),
    maxUses: count,
    uses: count,
    createdBy: id.nullable(),
    createdAt: time,
  }),
  "A usable school invite link",
);
export const inviteCreatedReply = z.object({ id, ...link.shape });
export const invitesReply = z.object({ invites: z.array(inviteSchema) });
export const invitePreviewReply = z.union([
  z.object({
    orgName: z.string(),
    kind: z.literal("chat"),
    chatTitle: z.string().nullable(),
    expiresAt: time,
  }),
  z.object({ orgName: z.string(), role, className: z.string().optional(), expiresAt: time }),
]);
export const inviteAcceptedReply = z.object({
  orgId: id,
  roles: z.array(role),
  chatId: id.optional(),
});

// ---- messages --------------------------------------------------------------------------------

export const chatSettingsSchema = named(
  "ChatSettings",
  z.object({ frozen: z.boolean(), slowModeSeconds: count }),
);

export const fileSchema = named(
  "FileRef",
  z.object({
    id,
    name: z.string(),
    type: z.string(),
    size: count,
    kind: z.enum(["image", "file"]),
    width: count.optional(),
    height: count.optional(),
  }),
  "A file as its message carries it",
);

export const callSummarySchema = named(
  "CallSummary",
  z.object({
    id,
    kind: z.enum(CALL_KINDS),
    title: z.string().nullable(),
    startedBy: id,
    startedAt: time,
    endedAt: time.optional(),
    durationSeconds: count.optional(),
  }),
);

export const lessonSummarySchema = named(
  "LessonSummary",
  z.object({
    id,
    kind: z.enum(["lesson", "meeting"]),
    title: z.string(),
    startsAt: time,
    durationMinutes: count,
  }),
);

/** `votes` is null while an anonymous poll's counts are hidden (until it closes). */
const pollOption = z.object({ text: z.string(), votes: count.nullable() });

export const pollSchema = named(
  "Poll",
  z.object({
    question: z.string(),
    options: z.array(pollOption),
    multiple: z.boolean(),
    anonymous: z.boolean(),
    closed: z.boolean(),
    closesAt: time.optional(),
    voterCount: count,
    /** Per option, who chose it; only for polls that are not anonymous. */
    voters: z.array(z.array(id)).optional(),
    /** The reader's own choice (empty: not voted). */
    myVote: z.array(count).optional(),
  }),
  "A poll as the reader sees it (in events: counts only, no voters and no vote of theirs)",
);

const messageFields = {
  seq,
  id,
  chatId: id,
  clientId: z.string(),
  authorId: id,
  kind: z.enum(["text", "file", "poll", "call", "system"]),
  text: z.string(),
  replyToSeq: seq.optional(),
  poll: pollSchema.optional(),
  files: z.array(fileSchema).optional(),
  call: callSummarySchema.optional(),
  lesson: lessonSummarySchema.optional(),
  /** An announcement members confirm they have read («Ознакомлен(а)»). */
  needsAck: z.literal(true).optional(),
  ackCount: count.optional(),
  /** Members mentioned with `@` (notified even where they muted the chat). */
  mentions: z.array(id).optional(),
  /** `@все`: the whole chat (teachers and admins). */
  mentionsAll: z.literal(true).optional(),
  reactions: z.record(z.string(), count),
  editedAt: time.optional(),
  deleted: z.literal(true).optional(),
  createdAt: time,
};

export const messageSchema = named(
  "Message",
  z.object({
    ...messageFields,
    /** The reader's own reactions (answers that are about one reader). */
    myReactions: z.array(z.string()).optional(),
    /** Whether the reader has confirmed the announcement. */
    myAck: z.boolean().optional(),
  }),
);
export const messageReply = z.object({ message: messageSchema });
export const historyReply = z.object({ messages: z.array(messageSchema), lastSeq: seq });
export const pollReply = z.object({ poll: pollSchema });
export const ackReportReply = z.object({
  total: count,
  acknowledged: z.array(z.object({ userId: id, displayName: z.string().nullable(), at: time })),
  pending: z.array(z.object({ userId: id, displayName: z.string().nullable() })),
});

// ---- chats -----------------------------------------------------------------------------------

const chatFields = {
  id,
  orgId: id,
  kind: chatKind,
  title: z.string().nullable(),
  lastSeq: seq,
  createdAt: time,
  settings: chatSettingsSchema.optional(),
  /** The class of a class chat or class channel. */
  classId: id.optional(),
};

export const chatSchema = named("Chat", z.object(chatFields));

export const chatMemberSchema = named(
  "ChatMember",
  z.object({
    userId: id,
    displayName: z.string().nullable(),
    roles: z.array(role),
    verified: z.boolean(),
    chatRole,
    readSeq: seq,
    online: z.boolean().optional(),
    /** Muted members cannot post until then. */
    mutedUntil: time.optional(),
  }),
);

export const chatReply = z.object({ chat: chatSchema });
export const chatWithMembersReply = z.object({
  chat: z.object({
    ...chatFields,
    members: z.array(chatMemberSchema),
    /** While the school's quiet hours hold back students' messages: when they end. */
    quietUntil: time.optional(),
  }),
});

export const chatNotificationsSchema = named(
  "ChatNotifications",
  z.object({ muted: z.boolean(), mutedUntil: time.nullable() }),
  "One's notifications of a chat: off (muted) until when; null with muted: until turned on",
);
export const chatNotificationsReply = z.object({ notifications: chatNotificationsSchema });

export const chatSummarySchema = named(
  "ChatSummary",
  z.object({
    ...chatFields,
    lastReadSeq: seq,
    unread: count,
    /** Whether the caller turned the chat's notifications off, and until when (null: until on). */
    notifications: chatNotificationsSchema,
    lastActivityAt: time,
    lastMessage: messageSchema.nullable().optional(),
    /** A direct chat's other person. */
    peer: z.object({ userId: id, displayName: z.string().nullable() }).optional(),
  }),
  "A chat in one's list, with unread count and last message",
);
export const chatsReply = z.object({ chats: z.array(chatSummarySchema) });
export const addedReply = z.object({ added: z.array(id) });
export const chatLinkReply = link;

/** A membership as moderation changes it. */
export const membershipSchema = named(
  "Membership",
  z.object({ userId: id, chatRole, joinedAt: time, mutedUntil: time.optional() }),
);
export const membershipReply = z.object({ member: membershipSchema });
export const settingsReply = z.object({ settings: chatSettingsSchema });

const storedChat = z.object({
  id,
  orgId: id,
  kind: chatKind,
  title: z.string().nullable(),
  createdAt: time,
  createdBy: id,
  classId: id.optional(),
  settings: chatSettingsSchema.optional(),
});

const eventBase = { seq, at: time, actorId: id };
const event = <T extends string, F extends z.ZodRawShape>(type: T, fields: F) =>
  z.object({ type: z.literal(type), ...eventBase, ...fields });

export const chatEventSchema = named(
  "ChatEvent",
  z.discriminatedUnion("type", [
    event("chat.created", { chat: storedChat, memberIds: z.array(id) }),
    event("message.created", { message: messageSchema }),
    event("message.edited", {
      messageSeq: seq,
      editedAt: time,
      /** Only on the message's latest edit. */
      text: z.string().optional(),
      /** A later edit or the deletion took this edit's text away. */
      redacted: z.literal(true).optional(),
    }),
    event("message.deleted", { messageSeq: seq }),
    event("reaction.changed", {
      messageSeq: seq,
      emoji: z.string(),
      userId: id,
      added: z.boolean(),
      count,
    }),
    event("member.joined", { userIds: z.array(id), chatRole }),
    event("member.left", { userId: id }),
    event("chat.updated", {
      title: z.string().nullable(),
      settings: chatSettingsSchema.optional(),
    }),
    event("member.updated", { userId: id, chatRole, mutedUntil: time.optional() }),
    event("message.acked", { messageSeq: seq, userId: id, count }),
    event("call.started", { call: callSummarySchema, messageSeq: seq }),
    event("call.ended", { callId: id, messageSeq: seq, durationSeconds: count }),
    event("poll.updated", {
      messageSeq: seq,
      poll: pollSchema.omit({ question: true, options: true }).extend({
        options: z.array(z.object({ votes: count.nullable() })),
      }),
      vote: z.object({ userId: id, options: z.array(count) }).optional(),
    }),
  ]),
  "One entry of a chat's event log (also the realtime `event` frame's payload)",
);
export const eventsReply = z.object({ events: z.array(chatEventSchema), lastSeq: seq });

export const lessonSchema = named(
  "Lesson",
  z.object({ ...lessonSummarySchema.shape, chatId: id, orgId: id, createdBy: id, messageSeq: seq }),
);
export const lessonReply = z.object({ lesson: lessonSchema });
export const upcomingReply = z.object({
  lessons: z.array(lessonSchema.extend({ chatTitle: z.string().nullable() })),
});

// ---- moderation ------------------------------------------------------------------------------

export const reportSchema = named(
  "Report",
  z.object({
    id,
    orgId: id,
    chatId: id,
    messageSeq: seq,
    reporterId: id,
    reason: z.string(),
    at: time,
    message: z.object({
      authorId: id,
      kind: z.string(),
      /** Null when the message was deleted before the report was read. */
      text: z.string().nullable(),
      createdAt: time,
      editedAt: time.optional(),
    }),
  }),
  "A report of a message, with the copy of the message kept when it was made",
);
export const reportCreatedReply = z.object({ report: z.object({ id, at: time }) });
export const chatReportsReply = z.object({ reports: z.array(reportSchema) });

const titlesAndNames = {
  chatTitles: z.record(z.string(), z.string().nullable()),
  names: z.record(z.string(), z.string().nullable()),
};
export const schoolReportsReply = z.object({ reports: z.array(reportSchema), ...titlesAndNames });

export const auditEntrySchema = named(
  "AuditEntry",
  z.object({
    id,
    orgId: id,
    at: time,
    actorId: id,
    action: z.enum([
      "message.deleted",
      "member.muted",
      "member.unmuted",
      "member.removed",
      "member.role_changed",
      "chat.frozen",
      "chat.unfrozen",
      "chat.slow_mode",
    ]),
    chatId: id,
    targetUserId: id.optional(),
    messageSeq: seq.optional(),
    details: z.record(z.string(), z.unknown()).optional(),
  }),
);
export const auditReply = z.object({ entries: z.array(auditEntrySchema), ...titlesAndNames });

// ---- files -----------------------------------------------------------------------------------

export const fileReply = z.object({
  file: fileSchema.extend({ sha256: z.string() }),
});

// ---- calls -----------------------------------------------------------------------------------

export const callSchema = named(
  "Call",
  z.object({
    ...callSummarySchema.shape,
    chatId: id,
    room: z.string(),
    /** Participants wait in a lobby until a host lets them in. */
    lobby: z.literal(true).optional(),
  }),
);
export const callReply = z.object({ call: callSchema });
export const callTokenReply = z.object({ url: z.string(), token: z.string() });
export const callViewReply = z.object({
  call: callSchema,
  attendance: z.array(z.object({ userId: id, joinedAt: time, leftAt: time.optional() })),
  members: z.array(
    z.object({
      userId: id,
      displayName: z.string().nullable(),
      roles: z.array(role),
      verified: z.boolean(),
      host: z.boolean(),
      canControl: z.boolean(),
    }),
  ),
  you: z.object({ userId: id, host: z.boolean() }),
});
const guestSchema = named(
  "CallGuest",
  z.object({
    id,
    name: z.string(),
    createdAt: time,
    expiresAt: time,
    revokedAt: time.nullable(),
  }),
  "A guest link of a call, as its hosts see it (never its token)",
);
export const guestCreatedReply = z.object({ guest: guestSchema.extend({ url: z.string() }) });
export const guestsReply = z.object({ guests: z.array(guestSchema) });
export const guestPreviewReply = z.object({
  call: z.object({ kind: z.enum(CALL_KINDS), title: z.string().nullable(), startedAt: time }),
  guest: z.object({ name: z.string(), expiresAt: time }),
});
export const guestJoinReply = z.object({
  url: z.string(),
  token: z.string(),
  identity: z.string(),
});
export const lobbyWaitReply = z.object({ waiting: z.literal(true) });
export const lobbyReply = z.object({
  waiting: z.array(
    z.object({ userId: id, displayName: z.string().nullable(), roles: z.array(role), since: time }),
  ),
});
export const webhookReply = z.object({ ok: z.literal(true) });

// ---- realtime --------------------------------------------------------------------------------

const counts = z.record(z.string(), count);

/**
 * Every frame the server sends on the realtime socket (the types in shared/wire.ts must fit it:
 * tests/contract.ts checks that at compile time, and the tests' socket client checks every frame
 * it receives).
 */
export const serverFrameSchema = z.discriminatedUnion("type", [
  z.object({ type: z.literal("ready"), chats: counts }),
  z.object({ type: z.literal("event"), chatId: id, event: chatEventSchema }),
  z.object({ type: z.literal("ack"), clientId: z.string(), seq }),
  z.object({
    type: z.literal("error"),
    clientId: z.string().optional(),
    error: z.object({
      code: z.string(),
      message: z.string(),
      field: z.string().optional(),
      reason: z.string().optional(),
    }),
    retryAfter: z.number().optional(),
  }),
  z.object({ type: z.literal("chat.added"), chat: chatSchema }),
  z.object({ type: z.literal("chat.removed"), chatId: id }),
  z.object({ type: z.literal("typing"), chatId: id, userId: id }),
  z.object({ type: z.literal("presence"), userId: id, online: z.boolean() }),
  z.object({ type: z.literal("read"), chatId: id, userId: id, seq }),
  z.object({ type: z.literal("pong") }),
  z.object({ type: z.literal("report.created"), orgId: id, chatId: id, reportId: id }),
]);

// Notifications

export const vapidKeyReply = z.object({
  publicKey: z.string().meta({ description: "The server's VAPID public key, base64url" }),
});
export const pushSubscriptionSchema = named(
  "PushSubscription",
  z.object({
    id,
    label: z.string().meta({ description: 'Browser and system, such as "Chrome, Android"' }),
    service: z.string().meta({ description: "The push service's host" }),
    createdAt: time,
    lastUsedAt: time.nullable(),
    current: z.boolean().meta({ description: "Subscribed by the session asking (this browser)" }),
  }),
  "A browser that receives one's notifications",
);
export const pushSubscriptionReply = z.object({ subscription: pushSubscriptionSchema });
export const pushSubscriptionsReply = z.object({ subscriptions: z.array(pushSubscriptionSchema) });
