/**
 * Sign-in codes sent through a real SMTP server (npm smtp-server) started by the test, over
 * the nodemailer transport the app uses when `SMTP_URL` is set.
 */
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { json, testApp } from "./helpers.ts";
import { smtpSink } from "./smtp_sink.ts";

/** Waits until `check` returns a value, failing after `ms`. */
async function eventually<T>(check: () => T | undefined, ms = 5_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`condition not met within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

interface ParsedMail {
  headers: Map<string, string>;
  subject: string;
  text: string;
}

/** RFC 2047 encoded words (`=?UTF-8?B?...?=`), as nodemailer writes them in headers. */
function decodeWords(value: string): string {
  return value
    .replace(/\?=\s+=\?/g, "?==?")
    .replace(/=\?([^?]+)\?([BbQq])\?([^?]*)\?=/g, (_, charset: string, enc: string, data) => {
      const bytes = enc.toUpperCase() === "B"
        ? Buffer.from(data, "base64")
        : quotedPrintable(data.replaceAll("_", " "));
      return new TextDecoder(charset).decode(bytes);
    });
}

function quotedPrintable(text: string): Uint8Array {
  const soft = text.replace(/=\r?\n/g, "");
  const bytes: number[] = [];
  for (let i = 0; i < soft.length; i++) {
    const hex = soft.slice(i + 1, i + 3);
    if (soft[i] === "=" && /^[0-9A-Fa-f]{2}$/.test(hex)) {
      bytes.push(parseInt(hex, 16));
      i += 2;
    } else {
      bytes.push(soft.charCodeAt(i));
    }
  }
  return new Uint8Array(bytes);
}

/** Parses a single-part message: unfolded headers, decoded subject and decoded text body. */
function parseMail(raw: string): ParsedMail {
  const split = raw.indexOf("\r\n\r\n");
  assert.ok(split > 0, "the message has a header block");
  const headers = new Map<string, string>();
  for (const line of raw.slice(0, split).replace(/\r\n[ \t]+/g, " ").split("\r\n")) {
    const colon = line.indexOf(":");
    headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  const type = headers.get("content-type") ?? "text/plain";
  assert.match(type, /^text\/plain\b/i, "the code mail is plain text");
  const charset = /charset="?([^";]+)"?/i.exec(type)?.[1] ?? "us-ascii";
  const encoding = (headers.get("content-transfer-encoding") ?? "7bit").toLowerCase();
  const body = raw.slice(split + 4);
  const bytes = encoding === "base64"
    ? Buffer.from(body.replace(/\s+/g, ""), "base64")
    : encoding === "quoted-printable"
    ? quotedPrintable(body)
    : Buffer.from(body, "latin1");
  return {
    headers,
    subject: decodeWords(headers.get("subject") ?? ""),
    text: new TextDecoder(charset).decode(bytes),
  };
}

Deno.test("a sign-in code travels through a real SMTP server and signs the user in", async () => {
  await using smtp = await smtpSink();
  await using t = await testApp({
    env: { SMTP_URL: `smtp://mail%40parta.test:p%C3%A4ss%3Aword@127.0.0.1:${smtp.port}` },
  });
  const email = "masha@school.test";

  const sent = await json(t, "POST", "/auth/code", null, { email: "  Masha@School.test " });
  assert.equal(sent.status, 202);
  assert.deepEqual(sent.body, {});

  const mail = await eventually(() => smtp.received.find((m) => m.to.includes(email)));
  assert.deepEqual(mail.to, [email]);
  assert.equal(mail.from, "no-reply@parta.test");
  assert.deepEqual(
    smtp.logins,
    [{ username: "mail@parta.test", password: "päss:word" }],
    "the credentials in SMTP_URL reach the server, percent-decoded",
  );

  const parsed = parseMail(mail.raw);
  assert.equal(parsed.headers.get("to"), email);
  assert.equal(parsed.subject, "Код для входа в Парту");
  const runs = parsed.text.match(/\d{6,}/g) ?? [];
  assert.equal(runs.length, 1, `exactly one run of digits in: ${parsed.text}`);
  const code = runs[0]!;
  assert.match(code, /^\d{6}$/);
  assert.ok(parsed.text.includes(`Парту: ${code}`), "the code sits in the Russian mail text");

  const verified = await json<{ token: string; user: { email: string } }>(
    t,
    "POST",
    "/auth/verify",
    null,
    { email, code },
  );
  assert.equal(verified.status, 200);
  assert.equal(verified.body.user.email, email);
  const me = await json<{ user: { email: string } }>(t, "GET", "/me", verified.body.token);
  assert.equal(me.status, 200);
  assert.equal(me.body.user.email, email);
});

Deno.test("with the SMTP server down a code request answers 503 mail_unavailable promptly", async () => {
  const smtp = await smtpSink();
  const port = smtp.port;
  await smtp.close();
  await using t = await testApp({ env: { SMTP_URL: `smtp://user:pass@127.0.0.1:${port}` } });

  const started = Date.now();
  const sent = await json<{ error: { code: string; message: string } }>(
    t,
    "POST",
    "/auth/code",
    null,
    { email: "nobody@school.test" },
  );
  assert.equal(sent.status, 503);
  assert.equal(sent.body.error.code, "mail_unavailable");
  assert.ok(Date.now() - started < 5_000, "a refused connection fails fast, not at a timeout");

  const again = await json(t, "POST", "/auth/code", null, { email: "nobody@school.test" });
  assert.equal(again.status, 503, "the app keeps answering after a failed send");
});
