/**
 * Every Deno KV key Parta uses is built here. Keys are tuples: a snake_case table name, then
 * scope from outer to inner. Secondary indexes hold ids, never copies of values.
 */
import type { ApplicationId, ChatId, ClassId, OrgId, UserId } from "../shared/ids.ts";

export const keys = {
  // identity
  user: (id: UserId) => ["users", id] as const,
  userByEmail: (email: string) => ["users_by_email", email] as const,
  loginCode: (email: string) => ["login_codes", email] as const,
  session: (tokenHash: string) => ["sessions", tokenHash] as const,
  sessionsByUser: (userId: UserId) => ["sessions_by_user", userId] as const,
  sessionByUser: (userId: UserId, tokenHash: string) =>
    ["sessions_by_user", userId, tokenHash] as const,
  oidcFlow: (state: string) => ["oidc_flows", state] as const,

  // rate limits: one counter per bucket and subject
  rate: (bucket: string, subject: string) => ["rate_limits", bucket, subject] as const,

  // effects: follow-up work written in the commit that calls for it (effects/outbox.ts)
  effects: () => ["effects"] as const,
  effect: (id: string) => ["effects", id] as const,
  /** Effects due later, by when: moved into the outbox when due. */
  laterEffects: () => ["effects_later"] as const,
  laterEffect: (dueAt: number, id: string) => ["effects_later", dueAt, id] as const,

  // mail
  outbox: (id: string) => ["outbox", id] as const,
  outboxAll: () => ["outbox"] as const,
  outboxByTo: (to: string) => ["outbox_by_to", to] as const,
  outboxByToItem: (to: string, id: string) => ["outbox_by_to", to, id] as const,

  // schools
  application: (id: ApplicationId) => ["org_applications", id] as const,
  applicationsByStatus: (status: string) => ["org_applications_by_status", status] as const,
  applicationByStatus: (status: string, id: ApplicationId) =>
    ["org_applications_by_status", status, id] as const,
  org: (id: OrgId) => ["orgs", id] as const,
  orgClasses: (orgId: OrgId) => ["org_classes", orgId] as const,
  orgClass: (orgId: OrgId, classId: ClassId) => ["org_classes", orgId, classId] as const,
  orgClassName: (orgId: OrgId, folded: string) => ["org_class_names", orgId, folded] as const,
  /** How many admins the school has; every change of admin rights moves it. */
  orgAdminCount: (orgId: OrgId) => ["org_admin_counts", orgId] as const,
  orgMembers: (orgId: OrgId) => ["org_members", orgId] as const,
  orgMember: (orgId: OrgId, userId: UserId) => ["org_members", orgId, userId] as const,
  orgsByUser: (userId: UserId) => ["orgs_by_user", userId] as const,
  orgByUser: (userId: UserId, orgId: OrgId) => ["orgs_by_user", userId, orgId] as const,
  /** An admin's removal of a member: it bars them from the school until an admin lifts it. */
  orgBans: (orgId: OrgId) => ["org_bans", orgId] as const,
  orgBan: (orgId: OrgId, userId: UserId) => ["org_bans", orgId, userId] as const,

  // invites: the token is the key; the org index lists them in creation order
  invite: (token: string) => ["invites", token] as const,
  orgInvites: (orgId: OrgId) => ["org_invites", orgId] as const,
  orgInvite: (orgId: OrgId, inviteId: string) => ["org_invites", orgId, inviteId] as const,

  // chats
  chat: (id: ChatId) => ["chats", id] as const,
  chatHead: (id: ChatId) => ["chat_heads", id] as const,
  chatMembers: (chatId: ChatId) => ["chat_members", chatId] as const,
  chatMember: (chatId: ChatId, userId: UserId) => ["chat_members", chatId, userId] as const,
  chatsByUser: (userId: UserId) => ["chats_by_user", userId] as const,
  chatByUser: (userId: UserId, chatId: ChatId) => ["chats_by_user", userId, chatId] as const,
  /** A moderator's removal of a member: it bars them from the chat's links until added back. */
  chatBans: (chatId: ChatId) => ["chat_bans", chatId] as const,
  chatBan: (chatId: ChatId, userId: UserId) => ["chat_bans", chatId, userId] as const,
  chatsByOrg: (orgId: OrgId) => ["chats_by_org", orgId] as const,
  chatByOrg: (orgId: OrgId, chatId: ChatId) => ["chats_by_org", orgId, chatId] as const,
  /** The direct chat between two members; ids sorted so either side finds it. */
  directChat: (orgId: OrgId, a: UserId, b: UserId) =>
    (a < b ? ["direct_chats", orgId, a, b] : ["direct_chats", orgId, b, a]) as readonly [
      "direct_chats",
      OrgId,
      UserId,
      UserId,
    ],

  // the chat event log and materialized messages, addressed by seq
  events: (chatId: ChatId) => ["events", chatId] as const,
  event: (chatId: ChatId, seq: number) => ["events", chatId, seq] as const,
  messages: (chatId: ChatId) => ["messages", chatId] as const,
  message: (chatId: ChatId, seq: number) => ["messages", chatId, seq] as const,
  /**
   * The one `message.edited` event of an edited message that still carries its text (seq, at,
   * actor); earlier edits were stripped of theirs when it was written.
   */
  liveEdit: (chatId: ChatId, seq: number) => ["message_live_edits", chatId, seq] as const,
  /** Send idempotency: (chat, author, clientId) → seq of the message. */
  clientMessage: (chatId: ChatId, authorId: UserId, clientId: string) =>
    ["client_messages", chatId, authorId, clientId] as const,
  /** A member's reactions to one message: the emojis they chose. */
  reactionsOf: (chatId: ChatId, seq: number, userId: UserId) =>
    ["reactions", chatId, seq, userId] as const,
  /** A member's vote in a poll: the indexes of the options they chose. */
  pollVote: (chatId: ChatId, seq: number, userId: UserId) =>
    ["poll_votes", chatId, seq, userId] as const,
  pollVotes: (chatId: ChatId, seq: number) => ["poll_votes", chatId, seq] as const,
  /** The school's audit log of moderation, in time order. */
  auditLog: (orgId: OrgId) => ["audit_log", orgId] as const,
  auditEntry: (orgId: OrgId, id: string) => ["audit_log", orgId, id] as const,
  reports: (orgId: OrgId) => ["reports", orgId] as const,
  report: (orgId: OrgId, id: string) => ["reports", orgId, id] as const,
  chatReports: (chatId: ChatId) => ["reports_by_chat", chatId] as const,
  chatReport: (chatId: ChatId, id: string) => ["reports_by_chat", chatId, id] as const,
  /** A member's confirmation of an announcement: when they pressed it. */
  ack: (chatId: ChatId, seq: number, userId: UserId) => ["acks", chatId, seq, userId] as const,
  acks: (chatId: ChatId, seq: number) => ["acks", chatId, seq] as const,
  // files: metadata, and the bytes in chunks of a main part and a thumbnail
  file: (id: string) => ["files", id] as const,
  fileChunks: (id: string) => ["file_chunks", id] as const,
  fileChunk: (id: string, part: "main" | "thumb", index: number) =>
    ["file_chunks", id, part, index] as const,
  /** Bytes a school has stored and freed (atomic sums; used = added − freed). */
  orgStorageAdded: (orgId: OrgId) => ["org_storage_added", orgId] as const,
  orgStorageFreed: (orgId: OrgId) => ["org_storage_freed", orgId] as const,
  /** An upload whose bytes are arriving (start time); swept with its chunks if it never ends. */
  fileStagings: () => ["file_stagings"] as const,
  fileStaging: (id: string) => ["file_stagings", id] as const,
  /** Uploads not sent in a message yet, by expiry time (value: uploader); swept when due. */
  unsentFiles: () => ["unsent_files_by_expiry"] as const,
  unsentFilesUntil: (ms: number) => ["unsent_files_by_expiry", ms] as const,
  unsentFile: (expiresAt: number, id: string) => ["unsent_files_by_expiry", expiresAt, id] as const,
  /** A member's uploads not sent yet (value: bytes stored), bounding what one member holds. */
  unsentFilesOfUser: (userId: UserId) => ["unsent_files_by_user", userId] as const,
  unsentFileOfUser: (userId: UserId, id: string) => ["unsent_files_by_user", userId, id] as const,
  /** Files marked deleted whose bytes are still to be removed (finished by the sweeper if left). */
  filePurges: () => ["file_purges"] as const,
  filePurge: (id: string) => ["file_purges", id] as const,
  /** Set once when a file's space is counted free, so it is never counted twice. */
  fileFreed: (id: string) => ["files_freed", id] as const,
  // calls
  call: (id: string) => ["calls", id] as const,
  /** The call going on in a chat (one at a time). */
  activeCall: (chatId: ChatId) => ["active_calls", chatId] as const,
  callByRoom: (room: string) => ["calls_by_room", room] as const,
  callAttendance: (callId: string) => ["call_attendance", callId] as const,
  callAttendanceEntry: (callId: string, id: string) => ["call_attendance", callId, id] as const,
  /** A host removed this person from the call: no new token, and a rejoin is removed again. */
  callRemoval: (callId: string, userId: UserId) => ["call_removals", callId, userId] as const,
  /** Someone waiting in a call's lobby for a host to let them in (refreshed while they wait). */
  callKnock: (callId: string, userId: UserId) => ["call_knocks", callId, userId] as const,
  callKnocks: (callId: string) => ["call_knocks", callId] as const,
  /** A leave LiveKit reported before the join it ends (webhooks may come out of order). */
  callEarlyLeave: (callId: string, identity: string) =>
    ["call_early_leaves", callId, identity] as const,
  /** A guest a host let into one call by a link (domain/call_guests.ts). */
  callGuest: (callId: string, guestId: string) => ["call_guests", callId, guestId] as const,
  callGuests: (callId: string) => ["call_guests", callId] as const,
  /** A guest link, by the SHA-256 of its token. */
  guestLink: (hash: string) => ["guest_links", hash] as const,
  /** A host's answer to a knock: let in for the rest of the call, or turned away once. */
  callAdmission: (callId: string, userId: UserId) => ["call_admissions", callId, userId] as const,
  /** LiveKit webhook ids already handled (LiveKit may deliver one twice). */
  webhookEvent: (id: string) => ["webhook_events", id] as const,
  /** Lessons and meetings planned in a chat, by start time. */
  lesson: (id: string) => ["lessons", id] as const,
  chatLessons: (chatId: ChatId) => ["lessons_by_chat", chatId] as const,
  chatLesson: (chatId: ChatId, startsAt: number, id: string) =>
    ["lessons_by_chat", chatId, startsAt, id] as const,
  readMarker: (chatId: ChatId, userId: UserId) => ["read_markers", chatId, userId] as const,
  /** A member's send allowance in a chat (token bucket), moved in the same commit as sends. */
  sendAllowance: (chatId: ChatId, userId: UserId) => ["send_allowance", chatId, userId] as const,

  // notifications
  /** The server's VAPID key pair, when it was not configured: made once, kept here. */
  vapidKeys: () => ["push_vapid_keys"] as const,
  pushSubscriptions: (userId: UserId) => ["push_subscriptions", userId] as const,
  pushSubscription: (userId: UserId, id: string) => ["push_subscriptions", userId, id] as const,
  /** Which subscription a push endpoint is (a browser subscribes once, whoever signs in). */
  pushEndpoint: (endpointHash: string) => ["push_endpoints", endpointHash] as const,
  /** A push an effect has handed to the push service (so a second run does not send it again). */
  pushSent: (effectId: string, subscriptionId: string) =>
    ["push_sent", effectId, subscriptionId] as const,
  pushSentOf: (effectId: string) => ["push_sent", effectId] as const,
  /** A socket showing the chat to its user (visible, focused), until a time; refreshed. */
  viewers: (chatId: ChatId) => ["chat_viewers", chatId] as const,
  viewer: (chatId: ChatId, userId: UserId, socketId: string) =>
    ["chat_viewers", chatId, userId, socketId] as const,
  /** The secret that signs unsubscribe links in notification mail (made once). */
  mailLinkSecret: () => ["mail_link_secret"] as const,
  /** When a person was last seen coming or going, and whether a socket of theirs stayed open. */
  lastSeen: (userId: UserId) => ["last_seen", userId] as const,
  /** An unread-message e-mail waiting for its 15 minutes (at most one per person). */
  unreadEmailPending: (userId: UserId) => ["unread_email_pending", userId] as const,
  /** The person's next daily digest: when it is due (its effect is written with it). */
  digestPending: (userId: UserId) => ["digest_pending", userId] as const,
  /** When the person was last sent an unread-message e-mail. */
  unreadEmailSent: (userId: UserId) => ["unread_email_sent", userId] as const,
  /** Messages held from a student's notifications during quiet hours, per chat. */
  quietHeld: (userId: UserId, orgId: OrgId) => ["notify_quiet_held", userId, orgId] as const,
};
