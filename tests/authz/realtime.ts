/**
 * The realtime half of the matrix: every client frame type the socket handler knows × every
 * caller × own school / other school, against real WebSockets. A frame from someone who may not
 * act is refused (hello: error and close 1008; send: error `not_found`/`forbidden`) or, for
 * typing, never reaches the chat's members. A socket whose session ends while it is open is
 * closed with 4401 at once: no frame it sends after is answered, and nothing reaches it.
 */
import * as policy from "../../shared/policy.ts";
import type { ChatKind } from "../../shared/chat_model.ts";
import type { ChatId } from "../../shared/ids.ts";
import { keys } from "../../platform/kv_keys.ts";
import { CLOSE, type ServerFrame } from "../../shared/wire.ts";
import { SESSION_COOKIE } from "../../routes/http.ts";
import { ORIGIN, serve } from "../helpers.ts";
import { connect, type WsClient } from "../ws_client.ts";
import { context, type Scope } from "./matrix.ts";
import { must, unique } from "./client.ts";
import { type CallerName, CALLERS, type SchoolFx, type World } from "./world.ts";

/** The client frame types `routes/realtime.ts` handles, read from its source. */
export async function frameTypes(): Promise<Set<string>> {
  const source = await Deno.readTextFile(new URL("../../routes/realtime.ts", import.meta.url));
  return new Set([...source.matchAll(/case "([a-z.]+)":/g)].map((m) => m[1]!));
}

export interface FrameResult {
  cases: number;
  mismatches: string[];
  /** Frame types with at least one case. */
  covered: Set<string>;
}

const outcomeOf = (d: policy.Decision) => d === "allow" ? "ack" : d;

/** Opens a socket, sends `first`, and reports whether it was refused as API.md says. */
async function firstFrame(
  url: string,
  first: unknown,
  headers: Record<string, string> = {},
): Promise<string> {
  const ws = await connect(url, headers);
  try {
    ws.send(first);
    const closed = await Promise.race([
      ws.closed,
      new Promise<null>((resolve) => setTimeout(() => resolve(null), 5000)),
    ]);
    const error = ws.frames.find((f) => f.type === "error");
    if (closed?.code === CLOSE.policy && error) return "refused";
    return `close ${closed?.code ?? "none"}, frames ${ws.frames.map((f) => f.type).join(",")}`;
  } finally {
    await ws.close();
  }
}

/** Sends a `send` frame; resolves with its ack or the error's code. */
async function sendFrame(ws: WsClient, chatId: string, text: string): Promise<string> {
  const clientId = unique("ws");
  const from = ws.frames.length;
  ws.send({ type: "send", chatId, clientId, text });
  const reply = (f: ServerFrame) =>
    (f.type === "ack" || f.type === "error") && f.clientId === clientId;
  await ws.until((frames) => frames.slice(from).some(reply)).catch(() => {});
  const answer = ws.frames.slice(from).find(reply);
  return answer?.type === "ack"
    ? "ack"
    : answer?.type === "error"
    ? answer.error.code
    : "no answer";
}

/** Sends a frame, then pings; resolves with the frames that arrived up to the pong. */
async function roundTrip(ws: WsClient, frame: unknown): Promise<ServerFrame[]> {
  const from = ws.frames.length;
  ws.send(frame);
  ws.send({ type: "ping" });
  await ws.until((frames) => frames.slice(from).some((f) => f.type === "pong"));
  return ws.frames.slice(from);
}

/**
 * Sends `typing` from `ws`; reports whether `observer` saw it by the time its own ping came back
 * (the server handles a socket's frames in order and writes to the observer before that pong).
 */
async function typing(ws: WsClient, observer: WsClient, chatId: string, userId: string) {
  const from = observer.frames.length;
  await roundTrip(ws, { type: "typing", chatId });
  await roundTrip(observer, { type: "ping" });
  const seen = observer.frames.slice(from).some((f) =>
    f.type === "typing" && f.chatId === chatId && f.userId === userId
  );
  return seen ? "delivered" : "not delivered";
}

const reach = (d: policy.Decision) => d === "allow" ? "delivered" : "not delivered";

/**
 * Sends `view` of a chat from `ws`; reports whether the server now counts this person as looking
 * at it (what spares them its notifications), then looks away again.
 */
async function viewing(kv: Deno.Kv, ws: WsClient, chatId: string, userId: string) {
  await roundTrip(ws, { type: "view", chatId });
  let kept = false;
  for await (const e of kv.list({ prefix: keys.viewers(chatId as ChatId) })) {
    if (e.key[2] === userId) kept = true;
  }
  await roundTrip(ws, { type: "view", chatId: null });
  return kept ? "counted" : "ignored";
}

export async function realtimeMatrix(w: World): Promise<FrameResult> {
  const result: FrameResult = { cases: 0, mismatches: [], covered: new Set() };
  const record = (type: string, label: string, actual: string, expected: string, rule: string) => {
    result.cases++;
    result.covered.add(type);
    if (actual !== expected) {
      result.mismatches.push(
        `frame ${type} — ${label}: got ${actual}, expected ${expected} (${rule})`,
      );
    }
  };
  await using served = serve(w.t);
  const url = served.wsUrl;
  const sockets: WsClient[] = [];
  const shared = [w.a, w.b].flatMap((s) => Object.values(s.chats).map((chat) => chat.id));
  try {
    /** A greeted socket; `since` names every shared chat of both schools. */
    const greet = async (token: string) => {
      const ws = await connect(url);
      sockets.push(ws);
      ws.send({ type: "hello", token, since: Object.fromEntries(shared.map((id) => [id, 0])) });
      await ws.next((f) => f.type === "ready" || f.type === "error");
      return ws;
    };
    // Observers: a plain member of every shared group and channel, one per school.
    const observers = new Map<SchoolFx, WsClient>();
    for (const s of [w.a, w.b]) observers.set(s, await greet(s.bystander.token));

    // Signed out: no token, a token that is no session, a cookie from a foreign page, or any
    // other frame before hello.
    const cookie = `${SESSION_COOKIE}=${w.a.student.token}`;
    for (
      const [label, first, headers, expected] of [
        ["anon, no token", { type: "hello" }, {}, "refused"],
        ["anon, bad token", { type: "hello", token: "not-a-session-token" }, {}, "refused"],
        ["cookie from a foreign origin", { type: "hello" }, {
          Cookie: cookie,
          Origin: "http://evil.test",
        }, "refused"],
      ] as const
    ) {
      record("hello", label, await firstFrame(url, first, headers), expected, "API.md: realtime");
    }
    const byCookie = await connect(url, { Cookie: cookie, Origin: ORIGIN });
    sockets.push(byCookie);
    byCookie.send({ type: "hello" });
    const greeted = await byCookie.next((f) => f.type === "ready" || f.type === "error")
      .then((f) => f.type, () => "nothing");
    record("hello", "cookie from the app's origin", greeted, "ready", "API.md: realtime");
    for (const type of ["send", "typing", "view", "ping"]) {
      const frame = { type, chatId: w.a.chats.group.id, clientId: unique("c"), text: "привет" };
      record(type, "anon, before hello", await firstFrame(url, frame), "refused", "hello first");
    }

    const byCaller = new Map<CallerName, WsClient>();
    for (const who of CALLERS) {
      const person = w.caller(who);
      if (!person) continue;
      const ws = await greet(person.token);
      byCaller.set(who, ws);
      const ready = ws.frames.find((f) => f.type === "ready");
      record("hello", who, ready ? "ready" : "refused", "ready", "any signed-in user");
      const pong = await roundTrip(ws, { type: "ping" });
      record("ping", who, pong.some((f) => f.type === "pong") ? "pong" : "none", "pong", "anyone");

      for (const scope of ["own", "other"] as const satisfies Scope[]) {
        const x = context(w, who, scope, "-", person);
        for (const variant of ["group", "channel"] as const) {
          const chatId = x.s.chats[variant].id;
          const c = await x.chat(chatId);
          const label = `${who} × ${scope} × ${variant}`;
          const actual = await sendFrame(ws, chatId, "Привет");
          record(
            "send",
            label,
            actual,
            outcomeOf(policy.canPost(c, variant as ChatKind)),
            "canPost",
          );
          const seen = await typing(ws, observers.get(x.s)!, chatId, person.id);
          record("typing", label, seen, reach(policy.canReadChat(c)), "canReadChat");
          const looked = await viewing(w.t.kv, ws, chatId, person.id);
          const may = policy.canReadChat(c) === "allow";
          record("view", label, looked, may ? "counted" : "ignored", "canReadChat");
        }
      }

      // What hello listed and replayed (since named every shared chat): readable chats only.
      const x = context(w, who, "own", "-", person);
      const leaks: string[] = [];
      for (const f of ws.frames) {
        const ids = f.type === "ready"
          ? Object.keys(f.chats)
          : f.type === "event" || f.type === "typing"
          ? [f.chatId]
          : [];
        for (const id of ids) {
          if (policy.canReadChat(await x.chat(id)) !== "allow") leaks.push(`${f.type} of ${id}`);
        }
      }
      record(
        "hello",
        `${who}: chats listed, replayed and streamed`,
        leaks.length ? `foreign: ${[...new Set(leaks)].join(", ")}` : "readable only",
        "readable only",
        "canReadChat",
      );
    }

    // A socket open while its member is removed from the school loses the chat at once.
    const leaving = await w.member(w.a);
    const made = await must<{ chat: { id: string } }>(
      w.t,
      "POST",
      `/orgs/${w.a.orgId}/chats`,
      w.a.teacher.token,
      { kind: "group", title: unique("Уходящие"), memberIds: [leaving.id] },
    );
    const chatId = made.chat.id;
    const teacher = byCaller.get("teacher")!;
    await teacher.next((f) => f.type === "chat.added" && f.chat.id === chatId);
    const ws = await greet(leaving.token);
    const label = "member removed from the school while connected";
    const standing = () => context(w, "removed", "own", "-", leaving).chat(chatId);
    record(
      "typing",
      `${label}, before the removal`,
      await typing(ws, teacher, chatId, leaving.id),
      reach(policy.canReadChat(await standing())),
      "canReadChat",
    );
    await must(w.t, "DELETE", `/orgs/${w.a.orgId}/members/${leaving.id}`, w.a.admin.token);
    const removed = await ws.next((f) => f.type === "chat.removed" && f.chatId === chatId)
      .then(() => "chat.removed", () => "nothing");
    record("hello", `${label}: the chat goes`, removed, "chat.removed", "API.md: chat.removed");
    const c = await standing();
    w.t.clock.advance(3000); // past the typing interval, so only membership decides
    record(
      "typing",
      `${label}, after`,
      await typing(ws, teacher, chatId, leaving.id),
      reach(policy.canReadChat(c)),
      "canReadChat",
    );
    const actual = await sendFrame(ws, chatId, "Я ещё здесь?");
    record(
      "send",
      `${label}, into the chat they left`,
      actual,
      outcomeOf(policy.canPost(c, "group")),
      "canPost",
    );

    await revokedWhileOpen(w, url, observers.get(w.a)!, greet, sockets, record);
  } finally {
    await Promise.all(sockets.map((s) => s.close()));
  }
  return result;
}

type Recorder = (
  type: string,
  label: string,
  actual: string,
  expected: string,
  rule: string,
) => void;

/**
 * A session revoked while two sockets use it (one greeted by token, one by cookie): both are
 * closed with CLOSE.sessionEnded, every frame type sent right after the logout is left
 * unanswered and unheard, and nothing the chats commit afterwards reaches either socket.
 */
async function revokedWhileOpen(
  w: World,
  url: string,
  observer: WsClient,
  greet: (token: string) => Promise<WsClient>,
  sockets: WsClient[],
  record: Recorder,
) {
  const label = "student whose session was revoked while connected";
  const rule = "API.md: a revoked session is signed out";
  const person = (await w.session("student"))!;
  const byToken = await greet(person.token);
  const byCookie = await connect(url, {
    Cookie: `${SESSION_COOKIE}=${person.token}`,
    Origin: ORIGIN,
  });
  sockets.push(byCookie);
  byCookie.send({ type: "hello" });
  await byCookie.next((f) => f.type === "ready");
  const chatId = w.a.chats.group.id;
  const heard = observer.frames.length;
  const froms = [byToken, byCookie].map((ws) => ws.frames.length);

  await w.signOut(person.token);
  // Straight after the logout's answer, before the close has reached the client.
  const clientIds: string[] = [];
  for (const ws of [byToken, byCookie]) {
    if (ws.socket.readyState !== WebSocket.OPEN) continue;
    const clientId = unique("revoked");
    clientIds.push(clientId);
    ws.send({ type: "send", chatId, clientId, text: "Меня уже нет" });
    ws.send({ type: "typing", chatId });
    ws.send({ type: "ping" });
    ws.send({ type: "hello", token: w.a.student.token });
  }
  const closes = await Promise.all([byToken, byCookie].map((ws) =>
    Promise.race([
      ws.closed.then((e) => e.code),
      new Promise<number>((resolve) => setTimeout(() => resolve(-1), 5000)),
    ])
  ));
  const after = await w.post(chatId, w.a.teacher);
  await roundTrip(observer, { type: "ping" });
  const since = [byToken, byCookie].flatMap((ws, i) => ws.frames.slice(froms[i]));
  const log = await must<{ events: { type: string; message?: { clientId: string } }[] }>(
    w.t,
    "GET",
    `/chats/${chatId}/events?after=0&limit=200`,
    w.a.teacher.token,
  );
  const committed = log.events.some((e) => clientIds.includes(e.message?.clientId ?? ""));

  const refused = (ok: boolean) => ok ? "refused" : "answered";
  record(
    "hello",
    `${label}: both sockets closed`,
    closes.every((code) => code === CLOSE.sessionEnded) ? "closed 4401" : `closed ${closes}`,
    "closed 4401",
    rule,
  );
  record("hello", label, refused(!since.some((f) => f.type === "ready")), "refused", rule);
  record(
    "send",
    label,
    refused(!committed && !since.some((f) => f.type === "ack")),
    "refused",
    rule,
  );
  record("ping", label, refused(!since.some((f) => f.type === "pong")), "refused", rule);
  const typed = observer.frames.slice(heard).some((f) =>
    f.type === "typing" && f.chatId === chatId && f.userId === person.id
  );
  record("typing", label, typed ? "delivered" : "not delivered", "not delivered", rule);
  const leaked = since.some((f) => f.type === "event" && f.event.seq === after);
  record("hello", `${label}: events after`, leaked ? "delivered" : "none", "none", rule);
}
