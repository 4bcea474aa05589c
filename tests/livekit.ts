/**
 * The real LiveKit server for the call tests: the pinned release that scripts/ensure_livekit.sh
 * builds from its Go module, started on loopback with a key of its own and its webhooks pointed
 * at the Parta under test, and stopped with the test.
 */
import { AccessToken, RoomServiceClient } from "livekit-server-sdk";
import { freePort, spawnLogged } from "./server.ts";
import type { TestApp } from "./helpers.ts";

export { freePort };

export const LIVEKIT_KEY = "APIpartatest";
export const LIVEKIT_SECRET = "a-livekit-test-secret-long-enough-for-hs256";

export interface LiveKit extends AsyncDisposable {
  /** What Parta's LIVEKIT_URL is set to (the browser's signalling address). */
  url: string;
  /** LiveKit's RoomService, as a school's IT person would ask it what is going on. */
  rooms: RoomServiceClient;
  /** The environment that points a Parta server at this LiveKit. */
  env: Record<string, string>;
  /** What LiveKit has logged so far (for a failing test's message). */
  log(): string;
  stop(): Promise<void>;
}

/** The LiveKit server binary, built once per machine by scripts/ensure_livekit.sh. */
async function binary(): Promise<string> {
  const script = new URL("../scripts/ensure_livekit.sh", import.meta.url).pathname;
  const out = await new Deno.Command("sh", { args: [script], stdout: "piped", stderr: "inherit" })
    .output();
  if (!out.success) throw new Error("scripts/ensure_livekit.sh failed: LiveKit is not available");
  return new TextDecoder().decode(out.stdout).trim().split("\n").pop()!;
}

/**
 * Starts LiveKit on free loopback ports (or on `port`, to bring one back where it was).
 * Webhooks (signed with the test key, as in production) go to `webhookUrl` when it is given.
 */
export async function startLiveKit(
  options: { webhookUrl?: string; port?: number } = {},
): Promise<LiveKit> {
  const bin = await binary();
  const dir = await Deno.makeTempDir({ prefix: "parta-livekit-" });
  const port = options.port ?? freePort();
  const rtcTcp = freePort();
  const rtcUdp = 40000 + Math.floor(Math.random() * 20000);
  const config = [
    `port: ${port}`,
    `bind_addresses: ["127.0.0.1"]`,
    `rtc:`,
    `  tcp_port: ${rtcTcp}`,
    `  udp_port: ${rtcUdp}`,
    `  use_external_ip: false`,
    `  node_ip: 127.0.0.1`,
    `keys:`,
    `  ${LIVEKIT_KEY}: ${LIVEKIT_SECRET}`,
    `logging:`,
    `  level: info`,
    ...(options.webhookUrl
      ? [`webhook:`, `  api_key: ${LIVEKIT_KEY}`, `  urls:`, `    - ${options.webhookUrl}`]
      : []),
  ].join("\n");
  await Deno.writeTextFile(`${dir}/livekit.yaml`, config);
  const { child, drained, log } = spawnLogged(
    new Deno.Command(bin, {
      args: ["--config", `${dir}/livekit.yaml`],
      stdout: "piped",
      stderr: "piped",
    }),
  );
  const http = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      const res = await fetch(http);
      await res.body?.cancel();
      if (res.ok) break;
    } catch { /* not listening yet */ }
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      await child.status;
      await drained;
      throw new Error(`LiveKit did not start:\n${log()}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  let stopped: Promise<void> | null = null;
  const stop = () =>
    stopped ??= (async () => {
      try {
        child.kill("SIGTERM");
      } catch { /* already gone */ }
      const timer = setTimeout(() => {
        try {
          child.kill("SIGKILL");
        } catch { /* already gone */ }
      }, 5000);
      await child.status;
      clearTimeout(timer);
      await drained;
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    })();
  const url = `ws://127.0.0.1:${port}`;
  return {
    url,
    rooms: new RoomServiceClient(http, LIVEKIT_KEY, LIVEKIT_SECRET),
    env: { LIVEKIT_URL: url, LIVEKIT_API_KEY: LIVEKIT_KEY, LIVEKIT_API_SECRET: LIVEKIT_SECRET },
    log,
    stop,
    [Symbol.asyncDispose]: stop,
  };
}

/**
 * The Authorization header LiveKit sends with a webhook: a JWT signed with the API secret,
 * carrying the body's SHA-256.
 */
export async function webhookAuth(
  body: string,
  key = LIVEKIT_KEY,
  secret = LIVEKIT_SECRET,
): Promise<string> {
  const hash = new Uint8Array(
    await crypto.subtle.digest("SHA-256", new TextEncoder().encode(body)),
  );
  const token = new AccessToken(key, secret);
  token.sha256 = btoa(String.fromCharCode(...hash));
  return await token.toJwt();
}

/** Delivers a webhook to the app under test as LiveKit does; answers its status. */
export async function deliverWebhook(t: TestApp, body: string, auth?: string): Promise<number> {
  const res = await t.fetch("/api/v1/livekit/webhook", {
    method: "POST",
    headers: {
      "Content-Type": "application/webhook+json",
      ...(auth ? { Authorization: auth } : {}),
    },
    body,
  });
  await res.body?.cancel();
  return res.status;
}
