/**
 * A push service for tests (no public one is reachable here): the RFC 8030 endpoint a browser's
 * subscription names, on 127.0.0.1. It checks the VAPID signature (RFC 8292) as a real service
 * does, *decrypts* every push (RFC 8291, aes128gcm) with the subscription's private key and auth
 * secret — made here as a browser makes them — and logs what arrived, so tests read the real
 * payload. A test can make a subscription answer 410 (gone) or 429/503 for a while.
 */
import { createECDH, randomBytes } from "node:crypto";
import { Buffer } from "node:buffer";
import ece from "http_ece";

export interface ReceivedPush {
  subscriptionId: string;
  /** The decrypted payload, parsed. */
  payload: Record<string, unknown>;
  ttl: number;
  urgency: string | null;
  topic: string | null;
  at: number;
}

export interface BrowserSubscription {
  id: string;
  /** As `PushSubscription.toJSON()` gives it. */
  json: { endpoint: string; expirationTime: null; keys: { p256dh: string; auth: string } };
}

interface Device {
  ecdh: ReturnType<typeof createECDH>;
  auth: string;
  /** Status codes to answer before accepting again (one per push). */
  answers: number[];
  gone: boolean;
}

const b64url = (buf: Uint8Array) => Buffer.from(buf).toString("base64url");

/** Checks a `vapid t=…, k=…` header: an ES256 JWT for this origin, signed with key `k`. */
async function vapidProblem(header: string | null, origin: string): Promise<string | null> {
  const m = /^vapid t=([\w-]+\.[\w-]+\.[\w-]+),\s*k=([\w-]+)$/.exec(header ?? "");
  if (!m) return "no VAPID authorization";
  const [jwt, k] = [m[1]!, m[2]!];
  const [head, body, sig] = jwt.split(".") as [string, string, string];
  const key = await crypto.subtle.importKey(
    "raw",
    Buffer.from(k, "base64url"),
    { name: "ECDSA", namedCurve: "P-256" },
    false,
    ["verify"],
  );
  const ok = await crypto.subtle.verify(
    { name: "ECDSA", hash: "SHA-256" },
    key,
    Buffer.from(sig, "base64url"),
    new TextEncoder().encode(`${head}.${body}`),
  );
  if (!ok) return "bad VAPID signature";
  const claims = JSON.parse(Buffer.from(body, "base64url").toString());
  if (claims.aud !== origin) return `VAPID audience ${claims.aud}, expected ${origin}`;
  if (!(claims.exp * 1000 > Date.now() && claims.exp * 1000 <= Date.now() + 24 * 3600_000)) {
    return "VAPID token expired or too long-lived";
  }
  if (!/^(mailto:|https:)/.test(claims.sub ?? "")) return "VAPID subject missing";
  return null;
}

export class PushService implements AsyncDisposable {
  readonly received: ReceivedPush[] = [];
  /** Every request refused, with why (a test asserts there are none). */
  readonly refused: string[] = [];
  readonly #devices = new Map<string, Device>();
  readonly #server: Deno.HttpServer<Deno.NetAddr>;
  readonly origin: string;
  #next = 0;

  /** `delayMs`: how long each push waits before it is accepted (a busy push service). */
  constructor(readonly delayMs = 0) {
    this.#server = Deno.serve(
      { hostname: "127.0.0.1", port: 0, onListen: () => {} },
      (req) => this.#handle(req),
    );
    this.origin = `http://127.0.0.1:${this.#server.addr.port}`;
  }

  /** A new browser subscription (keys made as a browser makes them). */
  subscribe(): BrowserSubscription {
    const ecdh = createECDH("prime256v1");
    ecdh.generateKeys();
    const auth = b64url(randomBytes(16));
    const id = `device-${++this.#next}`;
    this.#devices.set(id, { ecdh, auth, answers: [], gone: false });
    return {
      id,
      json: {
        endpoint: `${this.origin}/push/${id}`,
        expirationTime: null,
        keys: { p256dh: b64url(ecdh.getPublicKey()), auth },
      },
    };
  }

  /** The subscription is gone for good: every push to it answers 410. */
  expire(id: string): void {
    this.#devices.get(id)!.gone = true;
  }

  /** The next pushes to `id` get these statuses (say, 429, 503), then 201 again. */
  answer(id: string, ...statuses: number[]): void {
    this.#devices.get(id)!.answers.push(...statuses);
  }

  /** What reached `id`, in order. */
  to(id: string): ReceivedPush[] {
    return this.received.filter((p) => p.subscriptionId === id);
  }

  async #handle(req: Request): Promise<Response> {
    const id = new URL(req.url).pathname.match(/^\/push\/([\w-]+)$/)?.[1];
    const device = id ? this.#devices.get(id) : undefined;
    if (req.method !== "POST" || !device) return new Response(null, { status: 404 });
    const problem = await vapidProblem(req.headers.get("authorization"), this.origin);
    const body = new Uint8Array(await req.arrayBuffer());
    if (problem) {
      this.refused.push(problem);
      return new Response(problem, { status: 401 });
    }
    if (req.headers.get("content-encoding") !== "aes128gcm") {
      this.refused.push("not aes128gcm");
      return new Response(null, { status: 415 });
    }
    if (device.gone) return new Response(null, { status: 410 });
    const status = device.answers.shift();
    if (status !== undefined) {
      return new Response(null, { status, headers: status === 429 ? { "retry-after": "1" } : {} });
    }
    let payload: Record<string, unknown>;
    try {
      const plain = ece.decrypt(Buffer.from(body), {
        version: "aes128gcm",
        privateKey: device.ecdh,
        authSecret: device.auth,
      });
      payload = JSON.parse(plain.toString("utf8"));
    } catch (err) {
      this.refused.push(`undecryptable: ${err}`);
      return new Response(null, { status: 400 });
    }
    if (this.delayMs) await new Promise((r) => setTimeout(r, this.delayMs));
    this.received.push({
      subscriptionId: id!,
      payload,
      ttl: Number(req.headers.get("ttl")),
      urgency: req.headers.get("urgency"),
      topic: req.headers.get("topic"),
      at: Date.now(),
    });
    return new Response(null, { status: 201, headers: { location: `/messages/${this.#next}` } });
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.#server.shutdown();
  }
}
