/** LiveKit's server API (RoomService), reached on the same host as the browsers' LIVEKIT_URL. */
import { RoomServiceClient, ServerError } from "livekit-server-sdk";
import type { LiveKitConfig } from "./config.ts";

/** The RoomService of the configured LiveKit (`wss:` → `https:`, `ws:` → `http:`). */
export function roomService(config: LiveKitConfig): RoomServiceClient {
  const host = config.url.replace(/^ws(s?):/, "http$1:");
  return new RoomServiceClient(host, config.apiKey, config.apiSecret);
}

/** Whether LiveKit answered that the room or participant does not exist (any more). */
export function isNotFound(err: unknown): boolean {
  return err instanceof ServerError && err.code === "not_found";
}
