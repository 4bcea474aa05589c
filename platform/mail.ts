/**
 * Outgoing mail behind one interface: SMTP when `SMTP_URL` is set, otherwise the KV outbox
 * (readable through the dev route when `DEV_OUTBOX=1`).
 */
import nodemailer from "nodemailer";
import type { Clock, Ids } from "../shared/ids.ts";
import { keys } from "./kv_keys.ts";
import { commit, getManyChunked, listAll } from "./kv_util.ts";
import type { SmtpConfig } from "./config.ts";
import { AppError } from "../shared/errors.ts";

export interface Mail {
  to: string;
  subject: string;
  text: string;
  /** The same message as HTML (every text in it escaped by whoever built it). */
  html?: string;
  /** Extra headers, such as `List-Unsubscribe`. */
  headers?: Record<string, string>;
}

export interface StoredMail extends Mail {
  sentAt: string;
}

export interface Mailer {
  /** Hands the mail over for delivery; throws 503 `mail_unavailable` if it cannot. */
  send(mail: Mail): Promise<void>;
  close(): void;
}

const OUTBOX_TTL_MS = 24 * 3600_000;

/** Keeps mail in KV for a day instead of sending it. */
export function outboxMailer(kv: Deno.Kv, clock: Clock, ids: Ids): Mailer {
  return {
    async send(mail) {
      const id = ids.ulid();
      const stored: StoredMail = { ...mail, sentAt: new Date(clock.now()).toISOString() };
      await commit(
        kv.atomic()
          .set(keys.outbox(id), stored, { expireIn: OUTBOX_TTL_MS })
          .set(keys.outboxByToItem(mail.to, id), id, { expireIn: OUTBOX_TTL_MS }),
      );
    },
    close() {},
  };
}

/** The outbox's mail, oldest first; only to `to` when given. At most the newest 200. */
export async function listOutbox(kv: Deno.Kv, to: string | null): Promise<StoredMail[]> {
  if (to === null) {
    const entries = await listAll<StoredMail>(kv, keys.outboxAll(), { reverse: true, limit: 200 });
    return entries.map((e) => e.value).reverse();
  }
  const index = await listAll<string>(kv, keys.outboxByTo(to), { reverse: true, limit: 200 });
  const mails = await getManyChunked<StoredMail>(kv, index.map((e) => keys.outbox(e.value)));
  return mails.flatMap((m) => m.value ? [m.value] : []).reverse();
}

/** Sends through an SMTP server with nodemailer (pooled connections, rate-limited). */
export function smtpMailer(config: SmtpConfig, appHost: string): Mailer {
  const u = config.url;
  const transport = nodemailer.createTransport({
    host: u.hostname,
    port: u.port ? Number(u.port) : (u.protocol === "smtps:" ? 465 : 587),
    secure: u.protocol === "smtps:",
    name: appHost,
    auth: u.username
      ? { user: decodeURIComponent(u.username), pass: decodeURIComponent(u.password) }
      : undefined,
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: 20_000,
    // Mail goes over a few kept connections, at most 10 a second from each worker: a school's
    // digests at 18:00 do not open a connection each or flood the mail server.
    pool: true,
    maxConnections: 2,
    rateDelta: 1000,
    rateLimit: 10,
  });
  return {
    async send(mail) {
      try {
        await transport.sendMail({ from: config.from, ...mail });
      } catch (err) {
        console.error("smtp send failed:", err instanceof Error ? err.message : err);
        throw new AppError(503, "mail_unavailable", "Cannot send mail right now; try again later");
      }
    },
    close() {
      transport.close();
    },
  };
}
