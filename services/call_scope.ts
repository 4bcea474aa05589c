/**
 * One member of a call's chat and the call: the token (with the lobby and removals), the roster,
 * attendance and its CSV, ending it, host controls through LiveKit's RoomService, raised hands,
 * the lobby and guest links. Who hosts and who may act on whom is shared/policy.ts's.
 */
import { type RoomServiceClient, TrackSource } from "livekit-server-sdk";
import { isNotFound, roomService } from "../platform/livekit.ts";
import type { Clock, Ids, UserId } from "../shared/ids.ts";
import { isUlid } from "../shared/ids.ts";
import type { Config, LiveKitConfig } from "../platform/config.ts";
import { t } from "../shared/i18n.ts";
import { defaultOrgSettings, orgSettings, type User } from "../shared/model.ts";
import { getOrg } from "../domain/orgs.ts";
import { type ChatAccess, listChatMembers, loadChatAccess } from "../domain/chats.ts";
import {
  type Admission,
  admissionOf,
  answerKnock,
  type Call,
  callsUnavailable,
  callView,
  HAND_RATE,
  isKnocking,
  issueToken,
  knock,
  listAttendance,
  listCallMembers,
  listKnocks,
  markRemoved,
  wasRemoved,
} from "../domain/calls.ts";
import {
  callRank,
  canControlCallParticipant,
  canHostCall,
  canInviteGuest,
  canJoinCall,
} from "../shared/policy.ts";
import { AppError, forbidden, notFound } from "../shared/errors.ts";
import { enforce } from "../platform/rate_limit.ts";
import { attendanceCsv } from "../domain/attendance.ts";
import {
  type CallGuest,
  createGuest,
  getGuest,
  guestIdentity,
  guestIdOf,
  guestUsable,
  listGuests,
  MAX_GUESTS_PER_CALL,
  revokeGuest,
} from "../domain/call_guests.ts";
import type { ActorHost } from "../actors/host.ts";
import type { ChatActor } from "../actors/chat_actor.ts";
import { unwrap } from "../actors/mailbox.ts";
import type { EffectRunner } from "../effects/runner.ts";

export interface CallServiceDeps {
  kv: Deno.Kv;
  clock: Clock;
  ids: Ids;
  config: Config;
  chats: ActorHost<ChatActor>;
  effects: EffectRunner;
}

/** LiveKit's HTTP API lives at the same host as its WebSocket URL. */
export function livekit(d: CallServiceDeps): LiveKitConfig {
  if (!d.config.livekit) throw callsUnavailable();
  return d.config.livekit;
}

/** What hosts see of a guest link (never its token: only its hash is kept). */
function guestView(g: CallGuest) {
  return {
    id: g.id,
    name: g.name,
    createdAt: g.createdAt,
    expiresAt: g.expiresAt,
    revokedAt: g.revokedAt,
  };
}

/** One member of a call's chat and the call (see {@link CallService.open}). */
export class CallScope {
  readonly #d: CallServiceDeps;
  readonly #user: User;
  readonly call: Call;
  readonly access: ChatAccess;
  /** Whether the caller hosts this call (shared/policy.ts: canHostCall). */
  readonly host: boolean;

  constructor(deps: CallServiceDeps, user: User, call: Call, access: ChatAccess) {
    this.#d = deps;
    this.#user = user;
    this.call = call;
    this.access = access;
    this.host = canHostCall(access.caller, call.startedBy) === "allow";
  }

  #requireHost() {
    if (!this.host) throw forbidden("Only the call's hosts can do this");
  }

  /**
   * A LiveKit token for the caller (503 without LiveKit, then the request is read); in a call
   * with a lobby, a participant a host has not let in yet waits instead (`{ waiting: true }`,
   * asked again every few seconds), and one turned away hears it once (403 `lobby_declined`).
   */
  async token(
    read: () => Promise<void>,
  ): Promise<{ url: string; token: string } | { waiting: true }> {
    const lk = livekit(this.#d);
    await read();
    if (this.call.endedAt) throw new AppError(410, "call_ended", "This call has ended");
    if (canJoinCall(this.access.caller, this.call.kind) === "forbidden") {
      throw new AppError(403, "adults_only", "Meetings are for parents and staff, not students");
    }
    if (await wasRemoved(this.#d.kv, this.call.id, this.#user.id)) {
      throw new AppError(403, "removed_from_call", "A host removed you from this call");
    }
    if (this.call.lobby && !this.host) {
      const { kv, clock } = this.#d;
      const answer = await admissionOf(kv, this.call.id, this.#user.id);
      if (answer === "declined") {
        throw new AppError(403, "lobby_declined", "A host did not let you into this call");
      }
      if (answer !== "admitted") {
        await knock(kv, this.call.id, this.#user.id, clock.now());
        return { waiting: true };
      }
    }
    const token = await issueToken(lk, this.call, { identity: this.#user.id, host: this.host });
    return { url: lk.url, token };
  }

  /** The call, its attendance, its roster (names and badges as Parta knows them) and the caller. */
  async view() {
    const [attendance, members] = await Promise.all([
      listAttendance(this.#d.kv, this.call.id),
      listCallMembers(this.#d.kv, this.call, this.access.chat, this.access.caller),
    ]);
    return {
      call: callView(this.call),
      attendance,
      members,
      you: { userId: this.#user.id, host: this.host },
    };
  }

  /** Attendance against the chat's members as CSV (hosts), with a name for the file. */
  async attendanceCsv(): Promise<{ text: string; fileName: string }> {
    this.#requireHost();
    const [members, attendance, org] = await Promise.all([
      listChatMembers(this.#d.kv, this.access.chat),
      listAttendance(this.#d.kv, this.call.id),
      getOrg(this.#d.kv, this.access.chat.orgId),
    ]);
    const timeZone = (org ? orgSettings(org) : defaultOrgSettings()).timeZone;
    const reader = { locale: this.#user.locale, timeZone };
    const day = new Intl.DateTimeFormat("en-CA", { timeZone }).format(
      Date.parse(this.call.startedAt),
    );
    const title = [t(reader.locale, "call.attendance.title"), this.access.chat.title, day]
      .filter(Boolean).join(" ").replace(/[\\/:*?"<>|\p{Cc}]+/gu, "_");
    return {
      text: attendanceCsv(this.call, members, attendance, this.#d.clock.now(), reader),
      /** For the download: the title of the chat and the day, in the reader's language. */
      fileName: `${title}.csv`,
    };
  }

  /** Ends the call in Parta (its hosts), then its LiveKit room for everyone in it. */
  async end(read: () => Promise<void>) {
    await read();
    const ended = unwrap(
      await this.#d.chats.get(this.call.chatId).run({
        type: "endCall",
        actorId: this.#user.id,
        callId: this.call.id,
      }),
    );
    const lk = this.#d.config.livekit;
    if (lk) {
      const rooms = roomService(lk);
      await rooms.deleteRoom(this.call.room).catch((err) => {
        console.error("ending the LiveKit room failed:", err instanceof Error ? err.message : err);
      });
    }
    return callView(ended);
  }

  /** LiveKit's configuration while the call goes on: 503 without LiveKit, 410 once it ended. */
  #live() {
    const lk = livekit(this.#d);
    if (this.call.endedAt) throw new AppError(410, "call_ended", "This call has ended");
    return lk;
  }

  /**
   * Work on the call's LiveKit room, through its RoomService, once the caller is authorized:
   * 503 without LiveKit, 410 once the call ended, 404 for someone LiveKit does not have in the
   * room, 503 when LiveKit fails.
   */
  async #room<T>(work: (rooms: RoomServiceClient) => Promise<T>) {
    const rooms = roomService(this.#live());
    try {
      return await work(rooms);
    } catch (err) {
      if (err instanceof AppError) throw err;
      // LiveKit's own "no such participant or room": the person is not in the call (any more).
      if (isNotFound(err)) {
        throw notFound("No such participant in this call");
      }
      console.error("LiveKit RoomService failed:", err instanceof Error ? err.message : err);
      throw new AppError(503, "calls_unavailable", "The call server did not answer; try again");
    }
  }

  /**
   * The participant a host control names, once the caller may act on them: 403 for a caller
   * who hosts nothing, 404 for someone outside the call's chat, 403 for someone who ranks as
   * high as the caller.
   */
  async #controlled(targetId: string, action: "mute" | "remove"): Promise<string> {
    this.#requireHost();
    // A guest of this call ranks below everyone in the school: any host controls them.
    const guestId = guestIdOf(targetId);
    if (guestId) {
      if (!await getGuest(this.#d.kv, this.call.id, guestId)) throw notFound("No such participant");
      return targetId;
    }
    if (!isUlid<UserId>(targetId)) throw notFound("No such participant");
    const target = (await loadChatAccess(this.#d.kv, this.call.chatId, targetId, false)).caller;
    const decision = canControlCallParticipant(this.access.caller, target, this.call.startedBy);
    if (decision === "not_found") throw notFound("No such participant");
    if (decision === "forbidden") {
      throw forbidden(
        callRank(target, this.call.startedBy) === "staff"
          ? `Cannot ${action} this participant: only teachers and admins ${action} a teacher or admin`
          : `Cannot ${action} this participant: they rank as high as you or higher in this call`,
      );
    }
    return targetId;
  }

  async mute(targetId: string, source: "microphone" | "camera" | "all"): Promise<void> {
    const identity = await this.#controlled(targetId, "mute");
    const room = this.call.room;
    await this.#room(async (rooms) => {
      const info = await rooms.getParticipant(room, identity);
      const wanted = source === "all"
        ? [TrackSource.MICROPHONE, TrackSource.CAMERA, TrackSource.SCREEN_SHARE]
        : [source === "camera" ? TrackSource.CAMERA : TrackSource.MICROPHONE];
      for (const track of info.tracks.filter((t) => wanted.includes(t.source))) {
        await rooms.mutePublishedTrack(room, identity, track.sid, true);
      }
    });
  }

  /**
   * Removes a participant from the call for good: marked first (so they get no new token, and a
   * rejoin with a token they still hold is removed again when LiveKit reports it), then taken
   * out of the room.
   */
  async remove(targetId: string): Promise<void> {
    const identity = await this.#controlled(targetId, "remove");
    this.#live(); // nothing is marked for a call LiveKit cannot be told about
    const guestId = guestIdOf(identity);
    if (guestId) return await this.revokeGuest(guestId);
    await markRemoved(
      this.#d.kv,
      this.call.id,
      identity as UserId,
      this.#user.id,
      this.#d.clock.now(),
    );
    await this.#room((rooms) => rooms.removeParticipant(this.call.room, identity));
  }

  /**
   * A guest link for this call (hosts, while it goes on): someone from outside the school joins
   * the call alone, as «Гость» or the name given, until the link expires or is revoked.
   */
  async createGuest(read: () => Promise<{ name?: string; ttlMinutes: number }>) {
    if (canInviteGuest(this.access.caller, this.call.startedBy) !== "allow") {
      throw forbidden("Only the school's teachers and admins bring guests into a call");
    }
    this.#live();
    const input = await read();
    const { kv, clock, ids, config } = this.#d;
    const now = clock.now();
    const live = (await listGuests(kv, this.call.id)).filter((g) => guestUsable(g, now));
    if (live.length >= MAX_GUESTS_PER_CALL) {
      throw new AppError(
        409,
        "too_many_guests",
        `A call has at most ${MAX_GUESTS_PER_CALL} guest links at a time; revoke one first`,
      );
    }
    const { guest, token } = await createGuest(kv, {
      id: ids.ulid(),
      callId: this.call.id,
      name: input.name ?? t(this.#user.locale, "call.guest.defaultName"),
      createdBy: this.#user.id,
      createdAt: new Date(now).toISOString(),
      expiresAt: new Date(now + input.ttlMinutes * 60_000).toISOString(),
    });
    return { guest: { ...guestView(guest), url: `${config.appOrigin}/guest/${token}` } };
  }

  /** The call's guest links, oldest first (hosts). */
  async guests() {
    this.#requireHost();
    return { guests: (await listGuests(this.#d.kv, this.call.id)).map(guestView) };
  }

  /**
   * Revokes a guest link (hosts): it opens nothing any more, and the guest is taken out of the
   * room (again when LiveKit reports them back with a token from before).
   */
  async revokeGuest(guestId: string): Promise<void> {
    this.#requireHost();
    const { kv, clock } = this.#d;
    const revoked = await revokeGuest(kv, this.call.id, guestId, clock.now());
    if (!revoked) throw notFound("No such guest");
    if (this.call.endedAt || !this.#d.config.livekit) return;
    await this.#room((rooms) => rooms.removeParticipant(this.call.room, guestIdentity(guestId)))
      .catch((err) => {
        // Not in the room (never came, or gone): the revocation is all there is to do.
        if (!(err instanceof AppError && err.status === 404)) throw err;
      });
  }

  /**
   * Raises or lowers the caller's own hand: any participant, since tokens let nobody set their
   * own attributes. The hand carries the server's time, so hands are ordered by Parta's clock.
   */
  async hand(raised: boolean): Promise<void> {
    const { kv, clock } = this.#d;
    await enforce(kv, clock, HAND_RATE, `${this.call.id}:${this.#user.id}`);
    const hand = raised ? new Date(clock.now()).toISOString() : "";
    await this.#room(async (rooms) => {
      await rooms.updateParticipant(this.call.room, this.#user.id, { attributes: { hand } });
    });
  }

  /** Who waits in the lobby, longest first, with their names (hosts). */
  async lobby() {
    this.#requireHost();
    this.#live();
    const [knocks, members] = await Promise.all([
      listKnocks(this.#d.kv, this.call.id, this.#d.clock.now()),
      listChatMembers(this.#d.kv, this.access.chat),
    ]);
    const byId = new Map(members.map((m) => [m.userId, m]));
    return {
      waiting: knocks.flatMap((k) => {
        const m = byId.get(k.userId);
        return m
          ? [{ userId: k.userId, displayName: m.displayName, roles: m.roles, since: k.since }]
          : [];
      }),
    };
  }

  /** A host lets `targetId` in from the lobby, or turns them away: 404 unless they wait now. */
  async answerKnock(targetId: string, answer: Admission): Promise<void> {
    this.#requireHost();
    this.#live();
    const { kv, clock } = this.#d;
    if (!isUlid<UserId>(targetId) || !await isKnocking(kv, this.call.id, targetId, clock.now())) {
      throw notFound("Nobody of that id waits in the lobby");
    }
    await answerKnock(kv, this.call.id, targetId, answer);
  }

  /** Lowers every raised hand (hosts). */
  async lowerHands(): Promise<void> {
    this.#requireHost();
    await this.#room(async (rooms) => {
      for (const p of await rooms.listParticipants(this.call.room)) {
        if (p.attributes?.hand) {
          await rooms.updateParticipant(this.call.room, p.identity, { attributes: { hand: "" } });
        }
      }
    });
  }
}
