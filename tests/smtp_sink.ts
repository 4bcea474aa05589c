/** A real SMTP server (npm smtp-server) on loopback for tests: it keeps every message it takes. */
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { SMTPServer, type SMTPServerAuthentication } from "smtp-server";

export interface Received {
  from: string | null;
  to: string[];
  raw: string;
}

export interface SmtpSink extends AsyncDisposable {
  port: number;
  logins: Pick<SMTPServerAuthentication, "username" | "password">[];
  received: Received[];
  /** Stops accepting connections; safe to call more than once. */
  close(): Promise<void>;
}

/** A plain-text SMTP server on a free loopback port that keeps every message it accepts. */
export async function smtpSink(): Promise<SmtpSink> {
  const logins: SmtpSink["logins"] = [];
  const received: Received[] = [];
  const server = new SMTPServer({
    name: "test.local",
    disabledCommands: ["STARTTLS"],
    authOptional: true,
    allowInsecureAuth: true,
    logger: false,
    onAuth(auth, _session, callback) {
      logins.push({ username: auth.username, password: auth.password });
      callback(null, { user: auth.username });
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on("data", (chunk: Buffer) => chunks.push(chunk));
      stream.on("error", (err: Error) => callback(err));
      stream.on("end", () => {
        const { mailFrom, rcptTo } = session.envelope;
        received.push({
          from: mailFrom ? mailFrom.address : null,
          to: rcptTo.map((r) => r.address),
          raw: Buffer.concat(chunks).toString("latin1"),
        });
        callback();
      });
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const address = server.server.address();
  assert.ok(address && typeof address === "object");
  let closed: Promise<void> | null = null;
  const close = () => closed ??= new Promise<void>((resolve) => server.close(() => resolve()));
  return {
    port: address.port,
    logins,
    received,
    close,
    [Symbol.asyncDispose]: close,
  };
}
