/**
 * Calls in a chat: starting one appends `call.started` and the call's message; ending it appends
 * `call.ended` and closes the message. One call at a time per chat.
 */
import type { UserId } from "../shared/ids.ts";
import { keys } from "../platform/kv_keys.ts";
import type { CallKind, Message } from "../shared/chat_model.ts";
import { AppError, forbidden, notFound } from "../shared/errors.ts";
import * as policy from "../shared/policy.ts";
import { type Call, callView, staffOnly } from "../domain/calls.ts";
import { assertAllowed, type Cost, type Needs, type Round } from "./chat_round.ts";
import { postMessage } from "./chat_messages.ts";

export type StartCallCommand = {
  type: "startCall";
  actorId: UserId;
  id: string;
  kind: CallKind;
  title: string | null;
  room: string;
  screenShareForAll: boolean;
  lobby: boolean;
};
export type EndCallCommand = { type: "endCall"; actorId: UserId; callId: string };
/** The call's room finished on LiveKit's side (its webhook): ended as by its starter. */
export type FinishCallCommand = { type: "finishCall"; actorId: UserId; callId: string };

export const start = {
  needs(c: StartCallCommand, n: Needs) {
    n.activeCall();
    n.clientId(c.actorId, `call:${c.id}`);
  },
  cost: (): Cost => [7, 6000, 1],
  apply(r: Round, c: StartCallCommand): Call {
    const caller = r.caller(c.actorId);
    assertAllowed(policy.canPost(caller, r.chat.kind), "start a call here");
    const roles = caller.orgRoles ?? [];
    if (staffOnly(c.kind) && !roles.includes("teacher") && !roles.includes("admin")) {
      throw forbidden("Lessons and meetings are started by teachers and admins");
    }
    const active = r.plan.activeCall !== undefined ? r.plan.activeCall : r.reads.activeCall;
    if (active) {
      throw new AppError(409, "conflict", "A call is already going on in this chat", {
        details: { call: callView(active) },
      });
    }
    const at = r.plan.at;
    const summary = {
      id: c.id,
      kind: c.kind,
      title: c.title,
      startedBy: c.actorId,
      startedAt: at,
    };
    const { message } = postMessage(
      r,
      { actorId: c.actorId, clientId: `call:${c.id}` },
      { kind: "call", text: c.title ?? "", call: summary },
      600,
    );
    const call: Call = {
      ...summary,
      chatId: r.chatId,
      orgId: r.chat.orgId,
      room: c.room,
      messageSeq: message.seq,
      screenShareForAll: c.screenShareForAll,
      ...(c.lobby ? { lobby: true } : {}),
    };
    r.plan.activeCall = call;
    r.plan.check({ key: keys.activeCall(r.chatId), versionstamp: null });
    r.plan.set(keys.activeCall(r.chatId), call.id);
    r.plan.set(keys.call(call.id), call, 600);
    r.plan.set(keys.callByRoom(call.room), call.id);
    r.plan.append({
      type: "call.started",
      actorId: c.actorId,
      call: summary,
      messageSeq: message.seq,
    });
    return call;
  },
};

/** The chat's call `callId`, as this round sees it; 404 for any other. */
function callOf(r: Round, callId: string): Call {
  const call = r.reads.calls.get(callId) ?? null;
  if (!call || call.chatId !== r.chatId) throw notFound("No such call");
  return call;
}

const callNeeds = (c: { callId: string }, n: Needs) => {
  n.activeCall();
  n.call(c.callId);
};

export const end = {
  needs: callNeeds,
  cost: (): Cost => [5, 6000, 0],
  apply(r: Round, c: EndCallCommand): Call {
    const call = callOf(r, c.callId);
    if (call.endedAt) return call;
    const decision = policy.canHostCall(r.caller(c.actorId), call.startedBy);
    if (decision === "not_found") throw notFound("No such call");
    if (decision === "forbidden") throw forbidden("Only the call's hosts end it");
    return endNow(r, call, c.actorId);
  },
};

export const finish = {
  needs: callNeeds,
  cost: (): Cost => [5, 6000, 0],
  apply(r: Round, c: FinishCallCommand): Call {
    const call = callOf(r, c.callId);
    return call.endedAt ? call : endNow(r, call, c.actorId);
  },
};

/** Stages the end of `call`: its record, the chat's active call, its message, `call.ended`. */
function endNow(r: Round, call: Call, actorId: UserId): Call {
  const durationSeconds = Math.max(0, Math.round((r.now - Date.parse(call.startedAt)) / 1000));
  const ended: Call = { ...call, endedAt: r.plan.at, durationSeconds };
  r.plan.set(keys.call(call.id), ended, 600);
  const active = r.plan.activeCall !== undefined ? r.plan.activeCall : r.reads.activeCall;
  if (active?.id === call.id) {
    r.plan.activeCall = null;
    r.plan.delete(keys.activeCall(r.chatId));
  }
  const message = r.plan.messages.get(call.messageSeq) ??
    r.reads.messages.get(call.messageSeq) ?? null;
  if (message && !message.deleted && message.call) {
    const updated: Message = {
      ...message,
      call: { ...message.call, endedAt: ended.endedAt, durationSeconds },
    };
    r.plan.messages.set(message.seq, updated);
    r.plan.set(keys.message(r.chatId, message.seq), updated, 600);
  }
  r.plan.append({
    type: "call.ended",
    actorId,
    callId: call.id,
    messageSeq: call.messageSeq,
    durationSeconds,
  });
  return ended;
}
