/** A stand-in for LiveKit's RoomService (Twirp) and signed webhooks, for the matrix's calls. */
import { webhookAuth } from "../livekit.ts";

export const LIVEKIT_KEY = "APIauthz";
export const LIVEKIT_SECRET = "an-authz-matrix-livekit-secret-of-32-chars";

export interface FakeLiveKit {
  url: string;
  close(): Promise<void>;
}

/** Answers every RoomService call the host controls make, with a participant holding tracks. */
export function fakeLiveKit(): FakeLiveKit {
  const server = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen() {} }, async (req) => {
    const path = new URL(req.url).pathname;
    const body = await req.json().catch(() => ({}));
    if (path.endsWith("/GetParticipant")) {
      return Response.json({
        sid: "PA_1",
        identity: body.identity,
        tracks: [{ sid: "TR_MIC", type: "AUDIO", source: "MICROPHONE" }],
      });
    }
    if (path.endsWith("/ListParticipants")) {
      return Response.json({ participants: [{ identity: "a", attributes: { hand: "up" } }] });
    }
    return Response.json({});
  });
  const { port } = server.addr as Deno.NetAddr;
  return { url: `ws://127.0.0.1:${port}`, close: () => server.shutdown() };
}

/** The Authorization header LiveKit would send with `body`. */
export function webhookSignature(body: string): Promise<string> {
  return webhookAuth(body, LIVEKIT_KEY, LIVEKIT_SECRET);
}
