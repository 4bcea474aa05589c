/**
 * `GET /api/v1/realtime`: one WebSocket per client. The first frame must be `hello`; the server
 * answers `ready`, replays what the client missed, then streams live events. Browsers are
 * authenticated by their cookie only when the socket's Origin is the app's; other clients send
 * their token in `hello`. The socket lives as long as its session: it is closed with
 * CLOSE.sessionEnded when the session ends (actors/gateway.ts).
 */
import { z } from "zod";
import { getCookie } from "hono/cookie";
import type { Ctx, Deps } from "./context.ts";
import { clientAddress, ownOrigins, SESSION_COOKIE } from "./http.ts";
import { AppError, invalidInput, notFound, rateLimited } from "../shared/errors.ts";
import type { LiveSession } from "../domain/auth.ts";
import type { ChatId } from "../shared/ids.ts";
import { isUlid } from "../shared/ids.ts";
import { sendInput } from "../domain/chat_input.ts";
import { parseInput } from "../domain/validate.ts";
import { type Bucket, take } from "../platform/allowance.ts";
import { Admission } from "../platform/admission.ts";
import { CLOSE, type ServerFrame } from "../shared/wire.ts";
import type { Connection } from "../actors/gateway.ts";
import {
  frameSize,
  HELLO_TIMEOUT_MS,
  MAX_FRAME,
  Tally,
  WAITING_PER_ADDRESS,
  WAITING_PER_USER,
} from "./realtime_limits.ts";

/** Chats up to this size carry presence (who is online); bigger ones do not. */
const PRESENCE_MAX_MEMBERS = 50;
/**
 * Greetings worked on at once per worker; the rest wait in arrival order (a reconnect storm,
 * docs/reliability.md). Each reads the session and the user's chat heads from KV.
 */
const GREETINGS_AT_ONCE = 32;
/** Frames a client may send: bursts of 100, then 20 per second. */
const FRAME_RULE = { burst: 100, perSecond: 20 };

const helloFrame = z.object({
  type: z.literal("hello"),
  token: z.string().max(200).optional(),
  since: z.record(z.string(), z.number().int().min(0).max(Number.MAX_SAFE_INTEGER))
    .refine((s) => Object.keys(s).length <= 5000, { message: "names too many chats" })
    .optional(),
});

const sendTarget = z.object({ chatId: z.string().max(64) });

function errorFrame(err: unknown, clientId?: string): ServerFrame {
  if (err instanceof AppError) {
    return {
      type: "error",
      ...(clientId !== undefined ? { clientId } : {}),
      error: err.toJSON() as { code: string; message: string },
      ...(err.retryAfter !== undefined ? { retryAfter: err.retryAfter } : {}),
    };
  }
  console.error("realtime frame failed:", err);
  return {
    type: "error",
    ...(clientId !== undefined ? { clientId } : {}),
    error: { code: "internal", message: "Something went wrong on our side" },
  };
}

export function realtimeHandler(deps: Deps) {
  const { gateway, config } = deps;
  const greetings = new Admission(GREETINGS_AT_ONCE);
  /** Where the app's own pages are served (the cookie counts only on their sockets). */
  const ownPages = ownOrigins(config.appOrigin);
  /** Sockets not greeted yet: by client address until `hello`, then by person until `ready`. */
  const waiting = new Tally();

  return async (c: Ctx): Promise<Response> => {
    if (c.req.header("Upgrade")?.toLowerCase() !== "websocket") {
      throw invalidInput("Expected a WebSocket upgrade");
    }
    // The cookie counts only on a socket opened by the app's own pages.
    const origin = c.req.header("Origin");
    const cookie = getCookie(c, SESSION_COOKIE);
    const byCookie = origin !== undefined && ownPages.has(origin) && cookie
      ? await deps.services.identity.session(cookie)
      : null;
    const cookieReadAt = deps.clock.now();
    let held: string | null = byCookie
      ? `user ${byCookie.user.id}`
      : `address ${clientAddress(c, config.trustProxy)}`;
    if (!waiting.take(held, byCookie ? WAITING_PER_USER : WAITING_PER_ADDRESS)) {
      throw rateLimited(
        HELLO_TIMEOUT_MS / 1000,
        "Too many connections waiting to be greeted; try again later",
      );
    }
    const release = () => {
      if (held) waiting.give(held);
      held = null;
    };

    let upgraded: { socket: WebSocket; response: Response };
    try {
      upgraded = Deno.upgradeWebSocket(c.req.raw, { idleTimeout: 30 });
    } catch {
      release();
      throw invalidInput("Not a valid WebSocket upgrade request");
    }
    const { socket, response } = upgraded;
    let conn: Connection | null = null;
    let greeted = false;
    /** The server has closed the socket; nothing it sends counts any more. */
    let done = false;
    let bucket: Bucket | null = null;
    const helloTimer = setTimeout(() => {
      // Never opened: the client left during the upgrade, and no close event will come.
      if (socket.readyState === WebSocket.CONNECTING) release();
      if (!greeted) refuse("Send hello first");
    }, HELLO_TIMEOUT_MS);

    function write(frame: ServerFrame) {
      if (conn) gateway.write(conn, frame);
      else if (socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify(frame));
    }

    /** Tells the client why, then closes the socket with `code`. */
    function end(code: number, error: { code: string; message: string }) {
      if (done) return;
      done = true;
      write({ type: "error", error });
      try {
        socket.close(code, error.message.slice(0, 100));
      } catch { /* not open */ }
      if (conn) gateway.detach(conn);
    }

    function refuse(message: string) {
      end(CLOSE.policy, { code: "unauthenticated", message });
    }

    /** Counts this socket among its person's sockets waiting for `ready`. */
    function waitAs(userId: string): boolean {
      const key = `user ${userId}`;
      if (held === key) return true;
      release();
      if (!waiting.take(key, WAITING_PER_USER)) return false;
      held = key;
      return true;
    }

    async function hello(frame: z.output<typeof helloFrame>, live: LiveSession, readAt: number) {
      const { user } = live;
      const heads0 = await deps.services.chats.followed(user.id);
      if (socket.readyState !== WebSocket.OPEN || done) return;
      // Presence goes to people who share a small chat; in big ones it would cost n² frames.
      const small = [...heads0].filter(([, head]) => head.memberCount <= PRESENCE_MAX_MEMBERS);
      conn = gateway.attach(user.id, socket, [...heads0.keys()], {
        presenceChatIds: small.map(([id]) => id),
        chatOrgs: new Map([...heads0].map(([id, head]) => [id, head.orgId])),
        session: {
          tokenHash: live.tokenHash,
          expiresAt: Date.parse(live.session.expiresAt),
          verifiedAt: readAt,
        },
      });
      // Ended as it attached (the session ended while this socket was greeting).
      if (conn.closed) return;
      // Heads are read after attaching, so no event falls between them and live delivery.
      const heads1 = await deps.services.chats.followed(user.id);
      const heads = new Map([...heads1].map(([id, head]) => [id, head.seq]));
      const since = new Map<ChatId, number>();
      for (const [chatId, seq] of Object.entries(frame.since ?? {})) {
        if (heads.has(chatId as ChatId)) since.set(chatId as ChatId, seq);
      }
      write({ type: "ready", chats: Object.fromEntries(heads) });
      gateway.start(conn, heads, since, new Map([...heads1].map(([id, h]) => [id, h.orgId])));
      release();
    }

    async function send(raw: Record<string, unknown>) {
      const clientId = typeof raw.clientId === "string" ? raw.clientId : undefined;
      try {
        const { chatId } = parseInput(sendTarget, raw);
        const input = parseInput(sendInput, raw);
        if (!isUlid<ChatId>(chatId) || !gateway.follows(conn!, chatId)) {
          throw notFound("No such chat");
        }
        const { message } = await deps.services.chats.sendFollowed(
          conn!.userId,
          chatId,
          input,
        );
        write({ type: "ack", clientId: input.clientId, seq: message.seq });
      } catch (err) {
        write(errorFrame(err, clientId));
      }
    }

    async function onFrame(data: unknown) {
      if (done || (conn && !gateway.live(conn))) return;
      // Before the greeting, anything but a proper hello ends the socket at once.
      const problem = (message: string, error: AppError) =>
        greeted ? write(errorFrame(error)) : refuse(message);
      if (typeof data !== "string") {
        return problem("Send hello first", invalidInput("Frames are JSON text"));
      }
      let frame: unknown;
      try {
        frame = JSON.parse(data);
      } catch {
        return problem("Send hello first", invalidInput("The frame is not valid JSON"));
      }
      if (typeof frame !== "object" || frame === null || Array.isArray(frame)) {
        return problem("Send hello first", invalidInput("A frame is a JSON object"));
      }
      const f = frame as Record<string, unknown>;
      if (!greeted) {
        if (f.type !== "hello") return refuse("Send hello first");
        greeted = true;
        clearTimeout(helloTimer);
        // The client has said who it is: its address's place is free (a wrong token ends it).
        if (!byCookie) release();
        try {
          const input = parseInput(helloFrame, f);
          const readAt = input.token !== undefined ? deps.clock.now() : cookieReadAt;
          const live = input.token !== undefined
            ? await deps.services.identity.session(input.token)
            : byCookie;
          if (!live) return refuse("Sign in first: send a valid token in hello");
          if (!waitAs(live.user.id)) {
            return end(CLOSE.tryAgainLater, {
              code: "rate_limited",
              message: "Too many connections of this account waiting; try again later",
            });
          }
          await greetings.run(
            () => hello(input, live, readAt),
            () => socket.readyState === WebSocket.OPEN && !done,
          );
        } catch (err) {
          if (err instanceof AppError && err.status === 400) return refuse(err.message);
          throw err;
        } finally {
          early = null;
        }
        return;
      }
      if (!conn) return write(errorFrame(invalidInput("Wait for ready")));
      switch (f.type) {
        case "send":
          return await send(f);
        case "typing": {
          const chatId = typeof f.chatId === "string" ? f.chatId : "";
          if (isUlid<ChatId>(chatId)) gateway.typing(conn, chatId);
          return;
        }
        case "view": {
          // The chat the page shows, visible and focused (null: none): not notified of it.
          const chatId = typeof f.chatId === "string" && isUlid<ChatId>(f.chatId) ? f.chatId : null;
          return await gateway.view(conn, chatId);
        }
        case "ping":
          return write({ type: "pong" });
        case "hello":
          return write(errorFrame(invalidInput("Already greeted")));
        default:
          return write(errorFrame(invalidInput("Unknown frame type", "type")));
      }
    }

    const handle = (data: unknown) =>
      onFrame(data).catch((err) => {
        console.error("realtime frame failed:", err);
        try {
          write(errorFrame(err));
        } catch { /* socket gone */ }
      });
    // Frames sent before `ready` wait for the greeting to finish; later ones run at once (a
    // socket's sends still reach the chat's mailbox in the order they were sent).
    let early: Promise<void> | null = Promise.resolve();
    const later = (work: () => unknown) => {
      if (early) {
        early = early.then(async () => {
          await work();
        });
      } else void work();
    };
    socket.onmessage = (e) => {
      if (done) return;
      // Deno has already buffered the whole message (it offers no way to refuse one early, see
      // docs/reliability.md); an oversized one ends the socket before anything else is done.
      if (frameSize(e.data) > MAX_FRAME) {
        return end(CLOSE.tooBig, { code: "too_large", message: "The frame is too large" });
      }
      // Counted as it arrives, so the frames waiting for the greeting stay bounded too.
      const allowed = take(bucket, deps.clock.now(), FRAME_RULE);
      if (!allowed.ok) {
        const refused = errorFrame(
          new AppError(429, "rate_limited", "Too many frames; slow down", {
            retryAfter: allowed.retryAfterMs / 1000,
          }),
        );
        return later(() => greeted ? write(refused) : refuse("Send hello first"));
      }
      bucket = allowed.bucket;
      later(() => handle(e.data));
    };
    socket.onclose = () => {
      clearTimeout(helloTimer);
      release();
      if (conn) gateway.detach(conn);
    };
    socket.onerror = () => {};
    return response;
  };
}
