/**
 * Expectations for files, calls, lessons and LiveKit's webhook. Files follow their chat and
 * message; calls follow their chat, with hosts (docs/api.md: the starter, the school's teachers
 * and admins, and the chat's moderators) for the controls, and a participant muted or removed
 * only by a host who outranks them (teachers and admins also one another).
 */
import * as policy from "../../shared/policy.ts";
import type { ChatCaller } from "../../shared/policy.ts";
import type { UserId } from "../../shared/ids.ts";
import { loadChatAccess } from "../../domain/chats.ts";
import { SESSION_COOKIE } from "../../routes/http.ts";
import { ORIGIN } from "../helpers.ts";
import { allowIf, answer, both, type Spec, type X } from "./matrix.ts";
import { must } from "./client.ts";
import { webhookSignature } from "./livekit.ts";
import type { SchoolFx } from "./world.ts";

const STAFF = (c: ChatCaller) =>
  !!c.orgRoles && (c.orgRoles.includes("teacher") || c.orgRoles.includes("admin"));

/** The call a variant names: its id, chat, starter, and the caller's standing in its chat. */
async function sharedCall(x: X) {
  const pick = (s: SchoolFx) => {
    if (x.variant.startsWith("student's")) {
      return { id: s.calls.byStudent, chat: s.chats.group.id, starter: s.student.id };
    }
    if (x.variant.startsWith("teacher's")) {
      return { id: s.calls.byTeacher, chat: s.chats.channel.id, starter: s.teacher.id };
    }
    return { id: s.calls.ended, chat: s.chats.class.id, starter: s.admin.id };
  };
  const call = pick(x.s);
  return { ...call, c: await x.chat(call.chat) };
}

/** Hosts of a call: its starter, teachers and admins of the school, the chat's moderators. */
function host(c: ChatCaller, starterId: string) {
  return both(policy.canReadChat(c), policy.canHostCall(c, starterId as UserId));
}

const CALLS = ["student's call", "teacher's lesson"] as const;

/**
 * A lesson of its own, in a channel of its own, for a case that makes guest links: a call holds
 * at most ten live links, and cases may run side by side.
 */
async function ownLesson(x: X) {
  const chatId = await x.w.chat(x.s, "channel");
  const id = await x.w.call(chatId, x.s.teacher, "lesson");
  return { id, starter: x.s.teacher.id, c: await x.chat(chatId) };
}

/** A student's quick call of its own, in a group of its own. */
async function ownCall(x: X) {
  const chatId = await x.w.chat(x.s, "group");
  const id = await x.w.call(chatId, x.s.student, "call");
  return { id, starter: x.s.student.id, c: await x.chat(chatId) };
}

/** Lowering every hand on a shared call; the fake LiveKit answers, so hosts get 2xx. */
const lowerHands: Spec = {
  route: "POST /api/v1/calls/:callId/hands/lower",
  rule: "a member of the call's chat (else 404) who hosts it (else 403)",
  variants: CALLS,
  build: async (x) => {
    const { id, starter, c } = await sharedCall(x);
    return { path: `/calls/${id}/hands/lower`, expect: answer(host(c, starter)) };
  },
};

/**
 * A host's control of one participant, a student or the chat's teacher: the participant's rank
 * decides as much as the caller's, so a student starter never mutes or removes the teacher.
 */
const control = (action: "mute" | "remove", body?: unknown): Spec => ({
  route: `POST /api/v1/calls/:callId/participants/:userId/${action}`,
  rule: "canHostCall (404 outside the chat, else 403), then canControlCallParticipant (403)",
  variants: CALLS.flatMap((call) => [`${call}: a student`, `${call}: the teacher`]),
  build: async (x) => {
    const { id, chat, starter, c } = await sharedCall(x);
    const target = x.variant.endsWith("teacher") ? x.s.teacher : x.s.bystander;
    const them = (await loadChatAccess(x.w.t.kv, chat, target.id as UserId, false)).caller;
    return {
      path: `/calls/${id}/participants/${target.id}/${action}`,
      body,
      expect: answer(
        both(
          policy.canReadChat(c),
          policy.canControlCallParticipant(c, them, starter as UserId),
        ),
      ),
    };
  },
});

export const mediaSpecs: Spec[] = [
  {
    route: "POST /api/v1/chats/:chatId/files",
    rule: "canPost(kind) (docs/api.md: uploads need posting rights)",
    variants: ["group", "channel"],
    build: async (x) => {
      const variant = x.variant as "group" | "channel";
      const c = await x.chat(x.s.chats[variant].id);
      return {
        path: `/chats/${x.s.chats[variant].id}/files`,
        form: x.w.upload(true),
        expect: answer(policy.canPost(c, variant)),
      };
    },
  },
  ...(["", "/thumb"] as const).map((suffix): Spec => ({
    route: `GET /api/v1/files/:fileId${suffix}`,
    rule: "canReadChat while the message exists; unsent: the uploader only; else 404",
    variants: ["sent", "unsent", "message deleted"],
    build: async (x) => {
      const c = await x.chat(x.s.chats.group.id);
      const read = policy.canReadChat(c);
      const { sent, unsent, deleted } = x.s.files;
      const [fileId, expect] = x.variant === "sent"
        ? [sent, answer(read)]
        : x.variant === "unsent"
        ? [unsent, read === "allow" && x.me?.id === x.s.teacher.id ? "2xx" as const : 404]
        : [deleted, 404];
      return { path: `/files/${fileId}${suffix}`, expect };
    },
  })),
  {
    route: "POST /api/v1/chats/:chatId/calls",
    rule: "canPost(kind); lessons and meetings only by teachers and admins (403)",
    variants: ["group: call", "group: lesson", "channel: call"],
    build: async (x) => {
      const variant = x.variant.split(":")[0] as "group" | "channel";
      const chatId = await x.w.chat(x.s, variant);
      const c = await x.chat(chatId);
      const lesson = x.variant.endsWith("lesson");
      return {
        path: `/chats/${chatId}/calls`,
        body: { kind: lesson ? "lesson" : "call" },
        expect: answer(both(policy.canPost(c, variant), allowIf(!lesson || STAFF(c)))),
      };
    },
  },
  {
    route: "POST /api/v1/calls/:callId/token",
    rule: "canReadChat of the call's chat; 410 once the call ended (API.md)",
    variants: [...CALLS, "ended call"],
    build: async (x) => {
      const { id, c } = await sharedCall(x);
      const read = policy.canReadChat(c);
      return {
        path: `/calls/${id}/token`,
        expect: read === "allow" && x.variant === "ended call" ? 410 : answer(read),
      };
    },
  },
  {
    route: "GET /api/v1/calls/:callId",
    rule: "canReadChat of the call's chat",
    variants: [...CALLS, "ended call"],
    build: async (x) => {
      const { id, c } = await sharedCall(x);
      return { path: `/calls/${id}`, expect: answer(policy.canReadChat(c)) };
    },
  },
  {
    route: "GET /api/v1/calls/:callId/attendance.csv",
    rule: "a member of the call's chat (else 404) who hosts it (else 403)",
    variants: CALLS,
    build: async (x) => {
      const { id, starter, c } = await sharedCall(x);
      return { path: `/calls/${id}/attendance.csv`, expect: answer(host(c, starter)) };
    },
  },
  {
    route: "POST /api/v1/calls/:callId/end",
    rule: "a member of the call's chat (else 404) who hosts it (else 403); fresh call each time",
    variants: CALLS,
    build: async (x) => {
      const student = x.variant.startsWith("student's");
      const chatId = await x.w.chat(x.s, student ? "group" : "channel");
      const starter = student ? x.s.student : x.s.teacher;
      const id = await x.w.call(chatId, starter, student ? "call" : "lesson");
      return {
        path: `/calls/${id}/end`,
        expect: answer(host(await x.chat(chatId), starter.id)),
      };
    },
  },
  {
    route: "POST /api/v1/calls/:callId/guests",
    rule: "a member of the call's chat (else 404) of the school's staff (canInviteGuest, else 403)",
    variants: CALLS,
    build: async (x) => {
      // A call of its own each time: a call holds at most ten live links.
      const { id, starter, c } = x.variant.startsWith("student's")
        ? await ownCall(x)
        : await ownLesson(x);
      return {
        path: `/calls/${id}/guests`,
        body: {},
        expect: answer(both(policy.canReadChat(c), policy.canInviteGuest(c, starter as UserId))),
      };
    },
  },
  {
    route: "GET /api/v1/calls/:callId/guests",
    rule: "a member of the call's chat (else 404) who hosts it (else 403)",
    variants: CALLS,
    build: async (x) => {
      const { id, starter, c } = await sharedCall(x);
      return { path: `/calls/${id}/guests`, expect: answer(host(c, starter)) };
    },
  },
  {
    route: "DELETE /api/v1/calls/:callId/guests/:guestId",
    rule: "a host of the call (404 outside its chat, else 403); then 404 for no such guest",
    variants: CALLS,
    build: async (x) => {
      const { id, starter, c } = await sharedCall(x);
      const decision = host(c, starter);
      return {
        path: `/calls/${id}/guests/01JZZZZZZZZZZZZZZZZZZZZZZZ`,
        expect: decision === "allow" ? 404 : answer(decision),
      };
    },
  },
  ...([["GET", ""], ["POST", "/join"]] as const).map(([method, suffix]): Spec => ({
    route: `${method} /api/v1/guest/:token${suffix}`,
    rule: "the link decides, never a session: a live link 2xx, a revoked one 404",
    access: "public",
    variants: ["live link", "revoked link"],
    async build(x) {
      const { w, s } = x;
      const { id: callId } = await ownLesson(x);
      const made = await must<{ guest: { id: string; url: string } }>(
        w.t,
        "POST",
        `/calls/${callId}/guests`,
        s.teacher.token,
        {},
      );
      if (x.variant === "revoked link") {
        await must(w.t, "DELETE", `/calls/${callId}/guests/${made.guest.id}`, s.teacher.token);
      }
      const token = made.guest.url.split("/").pop()!;
      return {
        path: `/guest/${token}${suffix}`,
        expect: x.variant === "revoked link" ? 404 : "2xx",
      };
    },
  })),
  {
    route: "GET /api/v1/calls/:callId/lobby",
    rule: "a member of the call's chat (else 404) who hosts it (else 403)",
    variants: CALLS,
    build: async (x) => {
      const { id, starter, c } = await sharedCall(x);
      return { path: `/calls/${id}/lobby`, expect: answer(host(c, starter)) };
    },
  },
  ...(["admit", "decline"] as const).map((verdict): Spec => ({
    route: `POST /api/v1/calls/:callId/lobby/:userId/${verdict}`,
    rule: "a host of the call (404 outside its chat, else 403); then 404 for nobody waiting",
    variants: CALLS,
    build: async (x) => {
      const { id, starter, c } = await sharedCall(x);
      const decision = host(c, starter);
      return {
        path: `/calls/${id}/lobby/${x.s.bystander.id}/${verdict}`,
        expect: decision === "allow" ? 404 : answer(decision),
      };
    },
  })),
  control("mute", { source: "microphone" }),
  control("remove"),
  lowerHands,
  {
    route: "POST /api/v1/calls/:callId/hand",
    rule: "canReadChat of the call's chat: anyone in it raises their own hand; 410 once ended",
    variants: [...CALLS, "ended call"],
    build: async (x) => {
      const { id, c } = await sharedCall(x);
      const read = policy.canReadChat(c);
      return {
        path: `/calls/${id}/hand`,
        body: { raised: true },
        expect: read === "allow" && x.variant === "ended call" ? 410 : answer(read),
      };
    },
  },
  {
    route: "POST /api/v1/livekit/webhook",
    rule: "LiveKit's signature decides, never a session: signed 2xx, unsigned 401 (API.md)",
    access: "public",
    scoped: false,
    variants: ["signed", "unsigned (session only)"],
    build: async (x) => {
      const body = JSON.stringify({
        event: "participant_joined",
        id: crypto.randomUUID(),
        room: { name: "room-that-does-not-exist" },
        participant: { identity: "nobody" },
      });
      const type = { "Content-Type": "application/webhook+json" };
      if (x.variant !== "signed") {
        return { path: "/livekit/webhook", body, headers: type, expect: 401 };
      }
      return {
        path: "/livekit/webhook",
        body,
        noBearer: true,
        headers: {
          ...type,
          Authorization: await webhookSignature(body),
          Origin: ORIGIN,
          ...(x.me ? { Cookie: `${SESSION_COOKIE}=${x.me.token}` } : {}),
        },
        expect: "2xx",
      };
    },
  },
  {
    route: "POST /api/v1/chats/:chatId/lessons",
    rule: "canPost(kind); planned by teachers and admins only (403)",
    variants: ["group", "channel"],
    build: async (x) => {
      const variant = x.variant as "group" | "channel";
      const chatId = x.s.chats[variant].id;
      const c = await x.chat(chatId);
      return {
        path: `/chats/${chatId}/lessons`,
        body: {
          kind: "lesson",
          title: "Контрольная",
          startsAt: new Date(x.w.t.clock.now() + 86_400_000).toISOString(),
          durationMinutes: 45,
        },
        expect: answer(both(policy.canPost(c, variant), allowIf(STAFF(c)))),
      };
    },
  },
];
