/**
 * The calls domain's way in: starting a call in a chat, opening it for one of its members (a
 * {@link CallScope}, services/call_scope.ts), the call page's view, LiveKit's webhooks, and a
 * guest's way in by a link. Who hosts and who may act on whom is shared/policy.ts's.
 */
import { WebhookReceiver } from "livekit-server-sdk";
import type { UserId } from "../shared/ids.ts";
import { isUlid } from "../shared/ids.ts";
import { defaultOrgSettings, orgSettings, type User } from "../shared/model.ts";
import { getOrg } from "../domain/orgs.ts";
import { type ChatAccess, listChatMembers, loadChatAccess } from "../domain/chats.ts";
import {
  type Call,
  callView,
  getCall,
  issueToken,
  listAttendance,
  newRoomName,
} from "../domain/calls.ts";
import { canHostCall, canJoinCall } from "../shared/policy.ts";
import { AppError, notFound } from "../shared/errors.ts";
import { enforce } from "../platform/rate_limit.ts";
import { guestByToken, guestIdentity, guestUsable } from "../domain/call_guests.ts";
import { recordWebhook } from "../domain/attendance.ts";
import { unwrap } from "../actors/mailbox.ts";
import { CallScope, type CallServiceDeps, livekit } from "./call_scope.ts";

/** Guest joins per address: a page retrying is plenty, a scan of tokens is not. */
const GUEST_JOIN_RATE = { bucket: "guest_join_addr", limit: 30, windowMs: 60_000 };

export interface NewCall {
  kind: Call["kind"];
  title?: string | null;
  screenShareForAll?: boolean;
  lobby?: boolean;
}

export class CallService {
  readonly #d: CallServiceDeps;

  constructor(deps: CallServiceDeps) {
    this.#d = deps;
  }

  /**
   * Starts a call in a chat: 404 outside the chat, then 503 without LiveKit (only members learn
   * that calls are not set up), then the request is read.
   */
  async start(userId: UserId, chatId: string, read: () => Promise<NewCall>) {
    const { chat } = await loadChatAccess(this.#d.kv, chatId, userId);
    livekit(this.#d);
    const input = await read();
    const call = unwrap(
      await this.#d.chats.get(chat.id).run({
        type: "startCall",
        actorId: userId,
        id: this.#d.ids.ulid(),
        kind: input.kind,
        title: input.title ?? null,
        room: newRoomName(),
        screenShareForAll: input.screenShareForAll ?? false,
        lobby: input.lobby ?? input.kind === "meeting",
      }),
    );
    return callView(call);
  }

  /** The call as a member of its chat uses it; 404 for anyone else. */
  async open(user: User, callId: string): Promise<CallScope> {
    const call = isUlid(callId) ? await getCall(this.#d.kv, callId) : null;
    if (!call) throw notFound("No such call");
    const access = await loadChatAccess(this.#d.kv, call.chatId, user.id);
    return new CallScope(this.#d, user, call, access);
  }

  /** The call page's view: null when the call does not exist for the caller. */
  async page(userId: UserId, callId: string) {
    const call = isUlid(callId) ? await getCall(this.#d.kv, callId) : null;
    if (!call) return null;
    let access: ChatAccess;
    try {
      access = await loadChatAccess(this.#d.kv, call.chatId, userId);
    } catch (err) {
      if (err instanceof AppError && err.status === 404) return null;
      throw err;
    }
    const [members, attendance, org] = await Promise.all([
      listChatMembers(this.#d.kv, access.chat),
      call.endedAt ? listAttendance(this.#d.kv, call.id) : Promise.resolve([]),
      getOrg(this.#d.kv, access.chat.orgId),
    ]);
    const host = canHostCall(access.caller, call.startedBy) === "allow";
    /** Whether the caller may join at all (students are kept out of meetings). */
    const joinable = canJoinCall(access.caller, call.kind) === "allow";
    // The school's time zone, for the call's times (the browser's own when it is gone).
    const timeZone = org ? orgSettings(org).timeZone : undefined;
    return { call, access, host, joinable, members, attendance, timeZone };
  }

  /**
   * Applies one LiveKit webhook (401 unless LiveKit signed it); a finished room's call is ended
   * in its chat before this returns.
   */
  async webhook(read: () => Promise<string>, authorization: string | undefined): Promise<void> {
    const lk = livekit(this.#d);
    const body = await read();
    const receiver = new WebhookReceiver(lk.apiKey, lk.apiSecret);
    let event;
    try {
      event = await receiver.receive(body, authorization);
    } catch {
      throw new AppError(401, "unauthenticated", "The webhook's signature is missing or wrong");
    }
    const { effectIds } = await recordWebhook(this.#d, event);
    await this.#d.effects.runNow(effectIds);
  }

  /** The guest link's call, while the link works: 404 otherwise, 410 once the call ended. */
  async #guestCall(token: string) {
    const { kv, clock } = this.#d;
    const guest = await guestByToken(kv, token);
    const call = guest && guestUsable(guest, clock.now()) ? await getCall(kv, guest.callId) : null;
    if (!guest || !call) throw notFound("No such guest link");
    if (call.endedAt) throw new AppError(410, "call_ended", "This call has ended");
    return { guest, call };
  }

  /**
   * What a guest link opens, for its page: the call's kind and title, the guest's name and the
   * link's end. Nothing of the school: no chat, no school, no people.
   */
  async guestPreview(token: string) {
    const { guest, call } = await this.#guestCall(token);
    return {
      call: { kind: call.kind, title: call.title, startedAt: call.startedAt },
      guest: { name: guest.name, expiresAt: guest.expiresAt },
    };
  }

  /**
   * The guest's page: {@link guestPreview}, with the school's time zone for the link's end and
   * whether calls are set up here at all.
   */
  async guestPage(token: string) {
    const { call } = await this.#guestCall(token);
    const org = await getOrg(this.#d.kv, call.orgId);
    return {
      ...(await this.guestPreview(token)),
      timeZone: (org ? orgSettings(org) : defaultOrgSettings()).timeZone,
      livekitUrl: this.#d.config.livekit?.url ?? null,
    };
  }

  /** A LiveKit token for the guest (camera and microphone, no data), limited per address. */
  async guestJoin(token: string, address: string, read: () => Promise<void>) {
    const lk = livekit(this.#d);
    await read();
    await enforce(this.#d.kv, this.#d.clock, GUEST_JOIN_RATE, address);
    const { guest, call } = await this.#guestCall(token);
    const grant = await issueToken(lk, call, {
      identity: guestIdentity(guest.id),
      name: guest.name,
      host: false,
      guest: true,
    });
    return { url: lk.url, token: grant, identity: guestIdentity(guest.id) };
  }
}
