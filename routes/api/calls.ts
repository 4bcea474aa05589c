/**
 * Calls on LiveKit: start (a `call.started` in the chat), tokens by role, the roster the call page
 * shows, raised hands and host controls through LiveKit's RoomService (ranked: lib/policy.ts),
 * end, attendance from LiveKit's signed webhooks.
 */
import { Hono } from "hono";
import { RoomServiceClient, ServerError, TrackSource, WebhookReceiver } from "livekit-server-sdk";
import type { AppEnv, Ctx, Deps } from "../context.ts";
import { requireUser } from "../context.ts";
import { readCapped, readJson, readNoInput } from "../http.ts";
import type { UserId } from "../../lib/ids.ts";
import { isUlid } from "../../lib/ids.ts";
import { loadChatAccess } from "../../lib/chats.ts";
import { muteParticipantInput, startCallInput } from "../../lib/chat_input.ts";
import {
  type Call,
  callsUnavailable,
  callView,
  getCall,
  HAND_RATE,
  handInput,
  issueToken,
  listAttendance,
  listCallMembers,
  newRoomName,
} from "../../lib/calls.ts";
import { AppError, forbidden, notFound } from "../../lib/errors.ts";
import { callRank, canControlCallParticipant, canHostCall } from "../../lib/policy.ts";
import { listChatMembers } from "../../lib/chats.ts";
import { enforce } from "../../lib/rate_limit.ts";
import type { LiveKitConfig } from "../../lib/config.ts";
import { attendanceCsv, recordWebhook } from "../../lib/attendance.ts";
import { unwrap } from "../../actors/mailbox.ts";

/** LiveKit's HTTP API lives at the same host as its WebSocket URL. */
function apiHost(config: LiveKitConfig): string {
  return config.url.replace(/^ws(s?):/, "http$1:");
}

export function callRoutes(deps: Deps) {
  const { kv, config } = deps;
  const app = new Hono<AppEnv>();

  function livekit(): LiveKitConfig {
    if (!config.livekit) throw callsUnavailable();
    return config.livekit;
  }

  /** The call and the caller's standing in its chat; 404 for anyone outside the chat. */
  async function loadCall(c: Ctx) {
    const user = requireUser(c);
    const id = c.req.param("callId")!;
    const call = isUlid(id) ? await getCall(kv, id) : null;
    if (!call) throw notFound("No such call");
    const access = await loadChatAccess(kv, call.chatId, user.id);
    return { user, call, access, host: canHostCall(access.caller, call.startedBy) === "allow" };
  }

  function requireHost(host: boolean) {
    if (!host) throw forbidden("Only the call's hosts can do this");
  }

  app.post("/chats/:chatId/calls", async (c) => {
    const user = requireUser(c);
    const { chat } = await loadChatAccess(kv, c.req.param("chatId")!, user.id);
    // 401 and 404 come first: only members of the chat learn that calls are not set up.
    livekit();
    const input = await readJson(c, startCallInput);
    const call = unwrap(
      await deps.chats.get(chat.id).run<Call>({
        type: "startCall",
        actorId: user.id,
        id: deps.ids.ulid(),
        kind: input.kind,
        title: input.title ?? null,
        room: newRoomName(),
        screenShareForAll: input.screenShareForAll ?? false,
      }),
    );
    return c.json({ call: callView(call) }, 201);
  });

  app.post("/calls/:callId/token", async (c) => {
    const { user, call, host } = await loadCall(c);
    const lk = livekit();
    await readNoInput(c);
    if (call.endedAt) throw new AppError(410, "call_ended", "This call has ended");
    const token = await issueToken(lk, call, {
      userId: user.id,
      displayName: user.displayName ?? "",
      host,
    });
    return c.json({ url: lk.url, token });
  });

  app.get("/calls/:callId", async (c) => {
    const { user, call, access, host } = await loadCall(c);
    const [attendance, members] = await Promise.all([
      listAttendance(kv, call.id),
      listCallMembers(kv, call, access.chat, access.caller),
    ]);
    return c.json({
      call: callView(call),
      attendance,
      members,
      you: { userId: user.id, host },
    });
  });

  app.get("/calls/:callId/attendance.csv", async (c) => {
    const { call, access, host } = await loadCall(c);
    requireHost(host);
    const [members, attendance] = await Promise.all([
      listChatMembers(kv, access.chat),
      listAttendance(kv, call.id),
    ]);
    c.header("Content-Type", "text/csv; charset=utf-8");
    c.header("Content-Disposition", `attachment; filename="attendance-${call.id}.csv"`);
    return c.body(attendanceCsv(call, members, attendance, deps.clock.now()));
  });

  app.post("/calls/:callId/end", async (c) => {
    const { user, call } = await loadCall(c);
    await readNoInput(c);
    const ended = unwrap(
      await deps.chats.get(call.chatId).run<Call>({
        type: "endCall",
        actorId: user.id,
        callId: call.id,
      }),
    );
    // End it for everyone in the room too; the call is closed in Parta either way.
    if (config.livekit) {
      const rooms = new RoomServiceClient(
        apiHost(config.livekit),
        config.livekit.apiKey,
        config.livekit.apiSecret,
      );
      await rooms.deleteRoom(call.room).catch((err) => {
        console.error("ending the LiveKit room failed:", err instanceof Error ? err.message : err);
      });
    }
    return c.json({ call: callView(ended) });
  });

  /**
   * Work on the call's LiveKit room, through its RoomService, once the caller is authorized:
   * 503 without LiveKit, 410 once the call ended, 404 for someone LiveKit does not have in the
   * room, 503 when LiveKit fails.
   */
  async function roomService<T>(
    call: Call,
    work: (rooms: RoomServiceClient) => Promise<T>,
  ) {
    const lk = livekit();
    if (call.endedAt) throw new AppError(410, "call_ended", "This call has ended");
    const rooms = new RoomServiceClient(apiHost(lk), lk.apiKey, lk.apiSecret);
    try {
      return await work(rooms);
    } catch (err) {
      if (err instanceof AppError) throw err;
      // LiveKit's own "no such participant or room": the person is not in the call (any more).
      if (err instanceof ServerError && err.code === "not_found") {
        throw notFound("No such participant in this call");
      }
      console.error("LiveKit RoomService failed:", err instanceof Error ? err.message : err);
      throw new AppError(503, "calls_unavailable", "The call server did not answer; try again");
    }
  }

  /**
   * The participant a host control names, once the caller may act on them: 403 for a caller
   * who hosts nothing, 404 for someone outside the call's chat, 403 for someone who ranks as
   * high as the caller (lib/policy.ts: canControlCallParticipant).
   */
  async function controlled(c: Ctx, action: "mute" | "remove") {
    const { call, access, host } = await loadCall(c);
    requireHost(host);
    const id = c.req.param("userId")!;
    const target = isUlid(id)
      ? (await loadChatAccess(kv, call.chatId, id as UserId, false)).caller
      : null;
    if (!target) throw notFound("No such participant");
    const decision = canControlCallParticipant(access.caller, target, call.startedBy);
    if (decision === "not_found") throw notFound("No such participant");
    if (decision === "forbidden") {
      throw forbidden(
        callRank(target, call.startedBy) === "staff"
          ? `Cannot ${action} this participant: only teachers and admins ${action} a teacher or admin`
          : `Cannot ${action} this participant: they rank as high as you or higher in this call`,
      );
    }
    return { call, identity: id as UserId };
  }

  app.post("/calls/:callId/participants/:userId/mute", async (c) => {
    const { source } = await readJson(c, muteParticipantInput);
    const { call, identity } = await controlled(c, "mute");
    await roomService(call, async (rooms) => {
      const info = await rooms.getParticipant(call.room, identity);
      const wanted = source === "all"
        ? [TrackSource.MICROPHONE, TrackSource.CAMERA, TrackSource.SCREEN_SHARE]
        : [source === "camera" ? TrackSource.CAMERA : TrackSource.MICROPHONE];
      for (const track of info.tracks.filter((t) => wanted.includes(t.source))) {
        await rooms.mutePublishedTrack(call.room, identity, track.sid, true);
      }
    });
    return c.body(null, 204);
  });

  app.post("/calls/:callId/participants/:userId/remove", async (c) => {
    await readNoInput(c);
    const { call, identity } = await controlled(c, "remove");
    await roomService(call, async (rooms) => {
      await rooms.removeParticipant(call.room, identity);
    });
    return c.body(null, 204);
  });

  /**
   * Raises or lowers the caller's own hand: any participant, since tokens let nobody set their
   * own attributes. The hand carries the server's time, so hands are ordered by Parta's clock.
   */
  app.post("/calls/:callId/hand", async (c) => {
    const { user, call } = await loadCall(c);
    const { raised } = await readJson(c, handInput);
    await enforce(kv, deps.clock, HAND_RATE, `${call.id}:${user.id}`);
    const hand = raised ? new Date(deps.clock.now()).toISOString() : "";
    await roomService(call, async (rooms) => {
      await rooms.updateParticipant(call.room, user.id, { attributes: { hand } });
    });
    return c.body(null, 204);
  });

  app.post("/calls/:callId/hands/lower", async (c) => {
    await readNoInput(c);
    const { call, host } = await loadCall(c);
    requireHost(host);
    await roomService(call, async (rooms) => {
      for (const p of await rooms.listParticipants(call.room)) {
        if (p.attributes?.hand) {
          await rooms.updateParticipant(call.room, p.identity, { attributes: { hand: "" } });
        }
      }
    });
    return c.body(null, 204);
  });

  app.post("/livekit/webhook", async (c) => {
    const lk = livekit();
    const body = c.req.raw.body ? await readCapped(c.req.raw.body, 256 * 1024) : new Uint8Array();
    const text = new TextDecoder().decode(body);
    const receiver = new WebhookReceiver(lk.apiKey, lk.apiSecret);
    let event;
    try {
      event = await receiver.receive(text, c.req.header("Authorization") ?? undefined);
    } catch {
      throw new AppError(401, "unauthenticated", "The webhook's signature is missing or wrong");
    }
    const { effectIds } = await recordWebhook(deps, event);
    await deps.effects.runNow(effectIds); // the call ends in its chat before LiveKit hears back
    return c.json({ ok: true });
  });

  return app;
}
