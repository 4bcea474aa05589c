/**
 * Parta's configuration: read from the environment once, validated, then passed around as a
 * plain value. A bad value stops start-up with a message naming the variable.
 */

export interface OidcConfig {
  issuer: URL;
  clientId: string;
  clientSecret: string;
}

export interface LiveKitConfig {
  url: string;
  apiKey: string;
  apiSecret: string;
}

export interface SmtpConfig {
  url: URL;
  from: string;
}

export interface PushConfig {
  /** VAPID keys (base64url), or null to generate a pair once and keep it in KV. */
  vapid: { publicKey: string; privateKey: string } | null;
  /** Who runs this server, for push services to contact (`mailto:` or `https:`). */
  subject: string;
  /**
   * Hosts a subscription's endpoint may name (`*.` for any subdomain): the browsers' push
   * services. Nothing else is ever sent to, and the server may reach nothing else.
   */
  hosts: readonly string[];
  /** Also accept `http://127.0.0.1:PORT` endpoints (tests; only with DEV_OUTBOX). */
  allowInsecureLocalhost: boolean;
}

export interface Config {
  port: number;
  host: string;
  /** Public origin, e.g. `https://parta.school.ru`; used in links and origin checks. */
  appOrigin: string;
  /** File path, `:memory:`, or a KV Connect URL. */
  kvPath: string;
  operatorEmails: ReadonlySet<string>;
  smtp: SmtpConfig | null;
  devOutbox: boolean;
  oidc: OidcConfig | null;
  livekit: LiveKitConfig | null;
  maxUploadBytes: number;
  /** Bytes each school may store (uploads, previews); past it uploads are 413 `quota_exceeded`. */
  storageQuotaBytes: number;
  /** Take the client address from `X-Forwarded-For` (only behind a trusted reverse proxy). */
  trustProxy: boolean;
  push: PushConfig;
}

/** Names of every variable Parta reads; the launcher grants the server exactly these. */
export const CONFIG_VARIABLES = [
  "PORT",
  "HOST",
  "APP_ORIGIN",
  "KV_PATH",
  "OPERATOR_EMAILS",
  "SMTP_URL",
  "MAIL_FROM",
  "DEV_OUTBOX",
  "OIDC_ISSUER",
  "OIDC_CLIENT_ID",
  "OIDC_CLIENT_SECRET",
  "LIVEKIT_URL",
  "LIVEKIT_API_KEY",
  "LIVEKIT_API_SECRET",
  "MAX_UPLOAD_BYTES",
  "STORAGE_QUOTA_BYTES",
  "TRUST_PROXY",
  "VAPID_PUBLIC_KEY",
  "VAPID_PRIVATE_KEY",
  "VAPID_SUBJECT",
  "PUSH_SERVICE_HOSTS",
  "PUSH_ALLOW_INSECURE_LOCALHOST",
] as const;

/**
 * The push services of the browsers people use: Chrome, Edge, Yandex and other Chromium browsers
 * (Google's), Firefox (Mozilla's), Safari (Apple's), and Windows' own.
 */
export const DEFAULT_PUSH_HOSTS = [
  "fcm.googleapis.com",
  "updates.push.services.mozilla.com",
  "web.push.apple.com",
  "*.notify.windows.com",
] as const;

export class ConfigError extends Error {
  constructor(readonly variable: string, problem: string) {
    super(`${variable}: ${problem}`);
    this.name = "ConfigError";
  }
}

type Env = Readonly<Record<string, string | undefined>>;

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

function value(env: Env, name: string): string | undefined {
  const raw = env[name]?.trim();
  return raw === "" ? undefined : raw;
}

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = value(env, name);
  if (raw === undefined) return fallback;
  if (!/^\d+$/.test(raw)) throw new ConfigError(name, `expected a whole number, got "${raw}"`);
  const n = Number(raw);
  if (n < min || n > max) throw new ConfigError(name, `must be between ${min} and ${max}`);
  return n;
}

function flag(env: Env, name: string): boolean {
  const raw = value(env, name);
  if (raw === undefined || raw === "0" || raw === "false") return false;
  if (raw === "1" || raw === "true") return true;
  throw new ConfigError(name, `expected 1 or 0, got "${raw}"`);
}

function url(name: string, raw: string, protocols: string[]): URL {
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    throw new ConfigError(name, `not a valid URL: "${raw}"`);
  }
  if (!protocols.includes(parsed.protocol)) {
    throw new ConfigError(name, `expected a ${protocols.join(" or ")} URL, got "${raw}"`);
  }
  return parsed;
}

function isLoopback(u: URL): boolean {
  return ["localhost", "127.0.0.1", "[::1]"].includes(u.hostname);
}

function readAppOrigin(env: Env, port: number): string {
  const raw = value(env, "APP_ORIGIN") ?? `http://localhost:${port}`;
  const parsed = url("APP_ORIGIN", raw, ["http:", "https:"]);
  if (parsed.pathname !== "/" || parsed.search || parsed.hash) {
    throw new ConfigError("APP_ORIGIN", "must be an origin only, like https://parta.example.ru");
  }
  return parsed.origin;
}

function readOperators(env: Env): Set<string> {
  const emails = (value(env, "OPERATOR_EMAILS") ?? "").split(",").map((e) => e.trim())
    .filter((e) => e !== "").map((e) => e.toLowerCase());
  for (const email of emails) {
    if (!EMAIL.test(email)) throw new ConfigError("OPERATOR_EMAILS", `not an email: "${email}"`);
  }
  return new Set(emails);
}

function readSmtp(env: Env, appOrigin: string): SmtpConfig | null {
  const raw = value(env, "SMTP_URL");
  if (raw === undefined) return null;
  const parsed = url("SMTP_URL", raw, ["smtp:", "smtps:"]);
  if (!parsed.hostname) throw new ConfigError("SMTP_URL", "needs a host");
  const from = value(env, "MAIL_FROM") ?? `Parta <no-reply@${new URL(appOrigin).hostname}>`;
  return { url: parsed, from };
}

function readOidc(env: Env): OidcConfig | null {
  const issuer = value(env, "OIDC_ISSUER");
  const clientId = value(env, "OIDC_CLIENT_ID");
  const clientSecret = value(env, "OIDC_CLIENT_SECRET");
  if (issuer === undefined && clientId === undefined && clientSecret === undefined) return null;
  if (issuer === undefined) throw new ConfigError("OIDC_ISSUER", "required when SSO is set up");
  if (clientId === undefined) {
    throw new ConfigError("OIDC_CLIENT_ID", "required when OIDC_ISSUER is set");
  }
  if (clientSecret === undefined) {
    throw new ConfigError("OIDC_CLIENT_SECRET", "required when OIDC_ISSUER is set");
  }
  const parsed = url("OIDC_ISSUER", issuer, ["https:", "http:"]);
  if (parsed.protocol === "http:" && !isLoopback(parsed)) {
    throw new ConfigError("OIDC_ISSUER", "must use https (plain http only on localhost)");
  }
  return { issuer: parsed, clientId, clientSecret };
}

function readLiveKit(env: Env): LiveKitConfig | null {
  const lkUrl = value(env, "LIVEKIT_URL");
  const apiKey = value(env, "LIVEKIT_API_KEY");
  const apiSecret = value(env, "LIVEKIT_API_SECRET");
  if (lkUrl === undefined && apiKey === undefined && apiSecret === undefined) return null;
  if (lkUrl === undefined || apiKey === undefined || apiSecret === undefined) {
    const missing = [
      ["LIVEKIT_URL", lkUrl],
      ["LIVEKIT_API_KEY", apiKey],
      ["LIVEKIT_API_SECRET", apiSecret],
    ].find(([, v]) => v === undefined)![0]!;
    throw new ConfigError(
      missing,
      "LIVEKIT_URL, LIVEKIT_API_KEY and LIVEKIT_API_SECRET go together",
    );
  }
  url("LIVEKIT_URL", lkUrl, ["wss:", "ws:", "https:", "http:"]);
  return { url: lkUrl, apiKey, apiSecret };
}

const BASE64URL = /^[A-Za-z0-9_-]+$/;
const HOST_PATTERN = /^(\*\.)?([a-z0-9-]+\.)+[a-z]{2,}$/;

function readPush(env: Env, devOutbox: boolean, appOrigin: string): PushConfig {
  const publicKey = value(env, "VAPID_PUBLIC_KEY");
  const privateKey = value(env, "VAPID_PRIVATE_KEY");
  if ((publicKey === undefined) !== (privateKey === undefined)) {
    throw new ConfigError(
      publicKey === undefined ? "VAPID_PUBLIC_KEY" : "VAPID_PRIVATE_KEY",
      "VAPID_PUBLIC_KEY and VAPID_PRIVATE_KEY go together",
    );
  }
  if (publicKey !== undefined && (!BASE64URL.test(publicKey) || publicKey.length !== 87)) {
    throw new ConfigError(
      "VAPID_PUBLIC_KEY",
      "expected a P-256 public key in base64url (87 characters)",
    );
  }
  if (privateKey !== undefined && (!BASE64URL.test(privateKey) || privateKey.length !== 43)) {
    throw new ConfigError(
      "VAPID_PRIVATE_KEY",
      "expected a P-256 private key in base64url (43 characters)",
    );
  }
  const origin = new URL(appOrigin);
  const subject = value(env, "VAPID_SUBJECT") ??
    (origin.protocol === "https:" ? origin.origin : `mailto:admin@${origin.hostname}`);
  if (!/^(mailto:[^\s@]+@[^\s@]+|https:\/\/\S+)$/.test(subject)) {
    throw new ConfigError("VAPID_SUBJECT", "expected a mailto: address or an https: URL");
  }
  const hostsRaw = value(env, "PUSH_SERVICE_HOSTS");
  const hosts = hostsRaw === undefined
    ? [...DEFAULT_PUSH_HOSTS]
    : hostsRaw.split(",").map((h) => h.trim().toLowerCase()).filter((h) => h !== "");
  for (const host of hosts) {
    if (!HOST_PATTERN.test(host)) {
      throw new ConfigError("PUSH_SERVICE_HOSTS", `not a host name: "${host}"`);
    }
  }
  const allowInsecureLocalhost = flag(env, "PUSH_ALLOW_INSECURE_LOCALHOST");
  if (allowInsecureLocalhost && !devOutbox) {
    throw new ConfigError(
      "PUSH_ALLOW_INSECURE_LOCALHOST",
      "only for development and tests: it needs DEV_OUTBOX=1",
    );
  }
  return {
    vapid: publicKey && privateKey ? { publicKey, privateKey } : null,
    subject,
    hosts,
    allowInsecureLocalhost,
  };
}

function readKvPath(env: Env): string {
  const raw = value(env, "KV_PATH") ?? "./data/parta.kv";
  if (/^https?:/.test(raw)) url("KV_PATH", raw, ["https:", "http:"]);
  return raw;
}

/** Reads and validates the configuration; throws {@link ConfigError} on the first bad value. */
export function readConfig(env: Env): Config {
  const port = integer(env, "PORT", 8000, 0, 65535);
  const appOrigin = readAppOrigin(env, port);
  const devOutbox = flag(env, "DEV_OUTBOX");
  return {
    port,
    host: value(env, "HOST") ?? "127.0.0.1",
    appOrigin,
    kvPath: readKvPath(env),
    operatorEmails: readOperators(env),
    smtp: readSmtp(env, appOrigin),
    devOutbox,
    oidc: readOidc(env),
    livekit: readLiveKit(env),
    maxUploadBytes: integer(env, "MAX_UPLOAD_BYTES", 26_214_400, 1, 2 ** 32),
    storageQuotaBytes: integer(env, "STORAGE_QUOTA_BYTES", 10 * 1024 ** 3, 1, 2 ** 50),
    trustProxy: flag(env, "TRUST_PROXY"),
    push: readPush(env, devOutbox, appOrigin),
  };
}

/** Whether the configuration stores KV in a local file (not memory, not a remote store). */
export function kvIsLocalFile(config: Config): boolean {
  return config.kvPath !== ":memory:" && !/^https?:/.test(config.kvPath);
}
