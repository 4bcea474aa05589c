import assert from "node:assert/strict";
import { ConfigError, kvIsLocalFile, readConfig } from "./config.ts";

Deno.test("config without variables uses the documented defaults", () => {
  const config = readConfig({});
  assert.deepEqual(config, {
    port: 8000,
    host: "127.0.0.1",
    appOrigin: "http://localhost:8000",
    kvPath: "./data/parta.kv",
    operatorEmails: new Set(),
    smtp: null,
    devOutbox: false,
    oidc: null,
    livekit: null,
    maxUploadBytes: 26_214_400,
    storageQuotaBytes: 10 * 1024 ** 3,
    trustProxy: false,
    push: {
      vapid: null,
      subject: "mailto:admin@localhost",
      hosts: [
        "fcm.googleapis.com",
        "updates.push.services.mozilla.com",
        "web.push.apple.com",
        "*.notify.windows.com",
      ],
      allowInsecureLocalhost: false,
    },
  });
  assert.equal(kvIsLocalFile(config), true);
});

Deno.test("config of web push: keys go together, insecure endpoints only in development", () => {
  const publicKey = "B" + "a".repeat(86);
  const privateKey = "c".repeat(43);
  const push = readConfig({
    VAPID_PUBLIC_KEY: publicKey,
    VAPID_PRIVATE_KEY: privateKey,
    VAPID_SUBJECT: "mailto:it@school.ru",
    PUSH_SERVICE_HOSTS: "push.example.ru, *.Push.Example.org",
    APP_ORIGIN: "https://parta.example.ru",
  }).push;
  assert.deepEqual(push, {
    vapid: { publicKey, privateKey },
    subject: "mailto:it@school.ru",
    hosts: ["push.example.ru", "*.push.example.org"],
    allowInsecureLocalhost: false,
  });
  assert.equal(
    readConfig({ APP_ORIGIN: "https://parta.example.ru" }).push.subject,
    "https://parta.example.ru",
  );
  const refused = (env: Record<string, string>, variable: string) =>
    assert.throws(
      () => readConfig(env),
      (e) => e instanceof ConfigError && e.variable === variable,
    );
  refused({ VAPID_PUBLIC_KEY: publicKey }, "VAPID_PRIVATE_KEY");
  refused({ VAPID_PUBLIC_KEY: "short", VAPID_PRIVATE_KEY: privateKey }, "VAPID_PUBLIC_KEY");
  refused({ VAPID_SUBJECT: "admin@school.ru" }, "VAPID_SUBJECT");
  refused({ PUSH_SERVICE_HOSTS: "http://push.example.ru" }, "PUSH_SERVICE_HOSTS");
  refused({ PUSH_ALLOW_INSECURE_LOCALHOST: "1" }, "PUSH_ALLOW_INSECURE_LOCALHOST");
  assert.equal(
    readConfig({ PUSH_ALLOW_INSECURE_LOCALHOST: "1", DEV_OUTBOX: "1" }).push.allowInsecureLocalhost,
    true,
  );
});

Deno.test("config treats blank variables as unset and follows PORT in the default origin", () => {
  const config = readConfig({ PORT: "9090", APP_ORIGIN: "  ", SMTP_URL: "", DEV_OUTBOX: " " });
  assert.equal(config.port, 9090);
  assert.equal(config.appOrigin, "http://localhost:9090");
  assert.equal(config.smtp, null);
  assert.equal(config.devOutbox, false);
});

Deno.test("config reads good values of every variable", () => {
  const config = readConfig({
    PORT: "0",
    HOST: "0.0.0.0",
    APP_ORIGIN: "https://parta.example.ru/",
    KV_PATH: ":memory:",
    OPERATOR_EMAILS: " Ops@Parta.RU , second@parta.ru,",
    SMTP_URL: "smtps://user:pass@mail.example.ru:465",
    DEV_OUTBOX: "1",
    OIDC_ISSUER: "http://localhost:8080/realms/school",
    OIDC_CLIENT_ID: "parta",
    OIDC_CLIENT_SECRET: "s3cret",
    LIVEKIT_URL: "wss://calls.example.ru",
    LIVEKIT_API_KEY: "key",
    LIVEKIT_API_SECRET: "secret",
    MAX_UPLOAD_BYTES: "1048576",
    STORAGE_QUOTA_BYTES: "5368709120",
    TRUST_PROXY: "true",
  });
  assert.equal(config.port, 0);
  assert.equal(config.host, "0.0.0.0");
  assert.equal(config.appOrigin, "https://parta.example.ru", "the trailing slash is dropped");
  assert.deepEqual(config.operatorEmails, new Set(["ops@parta.ru", "second@parta.ru"]));
  assert.equal(config.smtp?.url.hostname, "mail.example.ru");
  assert.equal(config.smtp?.from, "Parta <no-reply@parta.example.ru>");
  assert.equal(config.devOutbox, true);
  assert.equal(config.oidc?.issuer.href, "http://localhost:8080/realms/school");
  assert.deepEqual(config.livekit, {
    url: "wss://calls.example.ru",
    apiKey: "key",
    apiSecret: "secret",
  });
  assert.equal(config.maxUploadBytes, 1_048_576);
  assert.equal(config.storageQuotaBytes, 5 * 1024 ** 3);
  assert.equal(config.trustProxy, true);
  assert.equal(kvIsLocalFile(config), false);
  assert.equal(kvIsLocalFile(readConfig({ KV_PATH: "https://kv.example.ru/db" })), false);
});

Deno.test("config stops on each bad value with an error naming the variable", () => {
  const oidc = { OIDC_CLIENT_ID: "parta", OIDC_CLIENT_SECRET: "s3cret" };
  const cases: [string, Record<string, string>][] = [
    ["PORT", { PORT: "http" }],
    ["PORT", { PORT: "70000" }],
    ["PORT", { PORT: "-1" }],
    ["PORT", { PORT: "80.5" }],
    ["APP_ORIGIN", { APP_ORIGIN: "https://parta.example.ru/app" }],
    ["APP_ORIGIN", { APP_ORIGIN: "https://parta.example.ru/?x=1" }],
    ["APP_ORIGIN", { APP_ORIGIN: "parta.example.ru" }],
    ["APP_ORIGIN", { APP_ORIGIN: "ftp://parta.example.ru" }],
    ["KV_PATH", { KV_PATH: "https://" }],
    ["OPERATOR_EMAILS", { OPERATOR_EMAILS: "ops@parta.ru, not-an-email" }],
    ["SMTP_URL", { SMTP_URL: "http://mail.example.ru" }],
    ["SMTP_URL", { SMTP_URL: "mail.example.ru:25" }],
    ["OIDC_CLIENT_ID", { OIDC_ISSUER: "https://sso.example.ru" }],
    ["OIDC_CLIENT_SECRET", { OIDC_ISSUER: "https://sso.example.ru", OIDC_CLIENT_ID: "parta" }],
    ["OIDC_ISSUER", { OIDC_CLIENT_ID: "parta" }],
    ["OIDC_ISSUER", { OIDC_CLIENT_SECRET: "s3cret" }],
    ["OIDC_ISSUER", { OIDC_ISSUER: "http://sso.example.ru", ...oidc }],
    ["OIDC_ISSUER", { OIDC_ISSUER: "not a url", ...oidc }],
    ["LIVEKIT_API_KEY", { LIVEKIT_URL: "wss://calls.example.ru" }],
    ["LIVEKIT_API_SECRET", { LIVEKIT_URL: "wss://calls.example.ru", LIVEKIT_API_KEY: "key" }],
    ["LIVEKIT_URL", { LIVEKIT_API_KEY: "key", LIVEKIT_API_SECRET: "secret" }],
    ["LIVEKIT_URL", { LIVEKIT_URL: "calls", LIVEKIT_API_KEY: "k", LIVEKIT_API_SECRET: "s" }],
    ["DEV_OUTBOX", { DEV_OUTBOX: "yes" }],
    ["TRUST_PROXY", { TRUST_PROXY: "on" }],
    ["MAX_UPLOAD_BYTES", { MAX_UPLOAD_BYTES: "abc" }],
    ["MAX_UPLOAD_BYTES", { MAX_UPLOAD_BYTES: "0" }],
    ["STORAGE_QUOTA_BYTES", { STORAGE_QUOTA_BYTES: "10G" }],
    ["STORAGE_QUOTA_BYTES", { STORAGE_QUOTA_BYTES: "0" }],
  ];
  for (const [variable, env] of cases) {
    assert.throws(
      () => readConfig(env),
      (error) => {
        assert.ok(error instanceof ConfigError, `${JSON.stringify(env)} throws a ConfigError`);
        assert.equal(error.variable, variable, JSON.stringify(env));
        assert.ok(error.message.startsWith(`${variable}: `), error.message);
        return true;
      },
    );
  }
});

Deno.test("config accepts plain http for an OIDC issuer on loopback only", () => {
  const oidc = { OIDC_CLIENT_ID: "parta", OIDC_CLIENT_SECRET: "s3cret" };
  for (const issuer of ["http://localhost:8080", "http://127.0.0.1:8080", "http://[::1]:8080"]) {
    assert.equal(readConfig({ OIDC_ISSUER: issuer, ...oidc }).oidc?.issuer.origin, issuer);
  }
  assert.throws(() => readConfig({ OIDC_ISSUER: "http://10.0.0.5:8080", ...oidc }), ConfigError);
});
