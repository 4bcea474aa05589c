/**
 * Calls on LiveKit (services/calls.ts): start (a `call.started` in the chat), tokens by role,
 * the roster the call page shows, raised hands and host controls, end, attendance from
 * LiveKit's signed webhooks.
 */
import { Hono } from "hono";
import type { AppEnv, Ctx, Deps } from "../context.ts";
import { requireUser } from "../context.ts";
import { clientAddress, readCapped, readJson, readNoInput } from "../http.ts";
import { muteParticipantInput, startCallInput } from "../../domain/chat_input.ts";
import { handInput } from "../../domain/calls.ts";
import { guestInput } from "../../domain/call_guests.ts";

export function callRoutes(deps: Deps) {
  const calls = deps.services.calls;
  const app = new Hono<AppEnv>();

  /** The call of the path as the caller may use it; 404 for anyone outside its chat. */
  const open = (c: Ctx) => calls.open(requireUser(c), c.req.param("callId")!);

  app.post("/chats/:chatId/calls", async (c) => {
    const user = requireUser(c);
    const call = await calls.start(
      user.id,
      c.req.param("chatId")!,
      () => readJson(c, startCallInput),
    );
    return c.json({ call }, 201);
  });

  app.post("/calls/:callId/token", async (c) => {
    const call = await open(c);
    const grant = await call.token(() => readNoInput(c));
    return c.json(grant, "waiting" in grant ? 202 : 200);
  });

  app.post("/calls/:callId/guests", async (c) => {
    const call = await open(c);
    return c.json(await call.createGuest(() => readJson(c, guestInput)), 201);
  });

  app.get("/calls/:callId/guests", async (c) => {
    return c.json(await (await open(c)).guests());
  });

  app.delete("/calls/:callId/guests/:guestId", async (c) => {
    await readNoInput(c);
    await (await open(c)).revokeGuest(c.req.param("guestId"));
    return c.body(null, 204);
  });

  // A guest's way in: the link's token is all they hold (no session).
  app.get("/guest/:token", async (c) => {
    return c.json(await calls.guestPreview(c.req.param("token")));
  });

  app.post("/guest/:token/join", async (c) => {
    const address = clientAddress(c, deps.config.trustProxy);
    return c.json(await calls.guestJoin(c.req.param("token"), address, () => readNoInput(c)));
  });

  app.get("/calls/:callId/lobby", async (c) => {
    return c.json(await (await open(c)).lobby());
  });

  for (const answer of ["admit", "decline"] as const) {
    app.post(`/calls/:callId/lobby/:userId/${answer}`, async (c) => {
      await readNoInput(c);
      const verdict = answer === "admit" ? "admitted" : "declined";
      await (await open(c)).answerKnock(c.req.param("userId"), verdict);
      return c.body(null, 204);
    });
  }

  app.get("/calls/:callId", async (c) => {
    return c.json(await (await open(c)).view());
  });

  app.get("/calls/:callId/attendance.csv", async (c) => {
    const call = await open(c);
    const csv = await call.attendanceCsv();
    c.header("Content-Type", "text/csv; charset=utf-8");
    // An ASCII name for old clients, the reader's own (RFC 6266) for the rest.
    c.header(
      "Content-Disposition",
      `attachment; filename="attendance-${call.call.id}.csv"; filename*=UTF-8''${
        encodeURIComponent(csv.fileName)
      }`,
    );
    return c.body(csv.text);
  });

  app.post("/calls/:callId/end", async (c) => {
    const call = await open(c);
    return c.json({ call: await call.end(() => readNoInput(c)) });
  });

  app.post("/calls/:callId/participants/:userId/mute", async (c) => {
    const { source } = await readJson(c, muteParticipantInput);
    await (await open(c)).mute(c.req.param("userId"), source);
    return c.body(null, 204);
  });

  app.post("/calls/:callId/participants/:userId/remove", async (c) => {
    await readNoInput(c);
    await (await open(c)).remove(c.req.param("userId"));
    return c.body(null, 204);
  });

  app.post("/calls/:callId/hand", async (c) => {
    const call = await open(c);
    const { raised } = await readJson(c, handInput);
    await call.hand(raised);
    return c.body(null, 204);
  });

  app.post("/calls/:callId/hands/lower", async (c) => {
    await readNoInput(c);
    await (await open(c)).lowerHands();
    return c.body(null, 204);
  });

  app.post("/livekit/webhook", async (c) => {
    const read = async () => {
      const body = c.req.raw.body ? await readCapped(c.req.raw.body, 256 * 1024) : new Uint8Array();
      return new TextDecoder().decode(body);
    };
    await calls.webhook(read, c.req.header("Authorization"));
    return c.json({ ok: true });
  });

  return app;
}
