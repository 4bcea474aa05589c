/**
 * Sign-in by one-time email codes, and sessions. Codes: 6 digits, 10 minutes, 5 attempts,
 * stored hashed. Sessions: 256-bit random tokens, stored by their SHA-256, 30 days.
 */
import type { Clock, Ids, UserId } from "./ids.ts";
import { randomToken, sha256Hex } from "./ids.ts";
import { keys } from "./kv_keys.ts";
import { listAll, transact } from "./kv_util.ts";
import type { LoginCode, Session, User } from "./model.ts";
import { AppError } from "./errors.ts";
import { enforce, hit, peek, type RateRule, refund } from "./rate_limit.ts";
import type { Mailer } from "./mail.ts";
import { t } from "./i18n.ts";

export const CODE_TTL_MS = 10 * 60_000;
export const CODE_ATTEMPTS = 5;
export const SESSION_TTL_MS = 30 * 24 * 3600_000;

const WINDOW = 15 * 60_000;
export const RATE = {
  codePerEmail: { bucket: "auth_code_email", limit: 5, windowMs: WINDOW },
  codePerAddress: { bucket: "auth_code_addr", limit: 1000, windowMs: WINDOW },
  verifyPerAddress: { bucket: "auth_verify_addr", limit: 1000, windowMs: WINDOW },
  /** Wrong codes per email: 5 codes × 5 attempts, with room to spare. */
  failuresPerEmail: { bucket: "auth_fail_email", limit: 30, windowMs: WINDOW },
  /**
   * Codes checked and found wrong per email per day: without it an attacker coming back every
   * window gets 2,400 guesses a day at one account (7% of the code space a month).
   */
  failuresPerEmailDaily: { bucket: "auth_fail_email_day", limit: 50, windowMs: 24 * 3600_000 },
  /**
   * Wrong codes per client address: an attacker spraying many emails from one address would
   * otherwise get every verify as a guess. Right codes do not count, so a school behind one
   * address keeps signing in.
   */
  failuresPerAddress: { bucket: "auth_fail_addr", limit: 200, windowMs: WINDOW },
} satisfies Record<string, RateRule>;

export interface AuthDeps {
  kv: Deno.Kv;
  clock: Clock;
  ids: Ids;
  mailer: Mailer;
}

function randomCode(): string {
  // Rejection sampling keeps every code equally likely.
  const buf = new Uint32Array(1);
  const limit = Math.floor(0x1_0000_0000 / 1_000_000) * 1_000_000;
  do crypto.getRandomValues(buf); while (buf[0]! >= limit);
  return String(buf[0]! % 1_000_000).padStart(6, "0");
}

const codeHash = (salt: string, code: string) => sha256Hex(`${salt}:${code}`);

/** Mails a fresh sign-in code to `email` (replacing any earlier one). */
export async function requestCode(deps: AuthDeps, email: string, address: string): Promise<void> {
  const { kv, clock } = deps;
  await enforce(kv, clock, RATE.codePerAddress, address);
  await enforce(kv, clock, RATE.codePerEmail, email);
  const code = randomCode();
  const salt = randomToken(16);
  const stored: LoginCode = {
    hash: await codeHash(salt, code),
    salt,
    attempts: 0,
    expiresAt: clock.now() + CODE_TTL_MS,
  };
  await kv.set(keys.loginCode(email), stored, { expireIn: CODE_TTL_MS });
  const existing = (await kv.get<UserId>(keys.userByEmail(email))).value;
  const locale = existing ? (await kv.get<User>(keys.user(existing))).value?.locale ?? "ru" : "ru";
  await deps.mailer.send({
    to: email,
    subject: t(locale, "mail.code.subject"),
    text: t(locale, "mail.code.text", { code }),
  });
}

const invalidCode = () =>
  new AppError(400, "invalid_code", "The code is wrong or has expired", { field: "code" });

function timingSafeEqual(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}

export interface SignedIn {
  user: User;
  /** The bearer token; only its hash is stored. */
  token: string;
}

/**
 * Checks `code` for `email`. On success the code is used up, the user is created if new, and
 * a new session replaces `previousToken`'s (rotation at login).
 */
export async function verifyCode(
  deps: AuthDeps,
  email: string,
  code: string,
  address: string,
  previousToken: string | null,
): Promise<SignedIn> {
  const { kv, clock } = deps;
  await enforce(kv, clock, RATE.verifyPerAddress, address);
  for (const rule of [RATE.failuresPerEmail, RATE.failuresPerEmailDaily]) {
    const blocked = await peek(kv, clock, rule, email);
    if (!blocked.ok) throw tooManyWrong(blocked.retryAfterMs);
  }
  // Counted as wrong before it is checked, so concurrent guesses cannot overshoot the limit;
  // a right code is given back.
  const reserved = await hit(kv, clock, RATE.failuresPerAddress, address);
  if (!reserved.ok) throw tooManyWrong(reserved.retryAfterMs);
  let outcome: "no_code" | "wrong" | SignedIn;
  try {
    outcome = await transact<"no_code" | "wrong" | SignedIn>(async () => {
      const entry = await kv.get<LoginCode>(keys.loginCode(email));
      const stored = entry.value;
      if (!stored || stored.expiresAt <= clock.now() || stored.attempts >= CODE_ATTEMPTS) {
        return { op: null, result: "no_code" };
      }
      if (!timingSafeEqual(await codeHash(stored.salt, code), stored.hash)) {
        const next = { ...stored, attempts: stored.attempts + 1 };
        const op = kv.atomic().check(entry).set(keys.loginCode(email), next, {
          expireIn: Math.max(1, stored.expiresAt - clock.now()),
        });
        return { op, result: "wrong" };
      }
      const op = kv.atomic().check(entry).delete(keys.loginCode(email));
      const user = await upsertUser(deps, op, email);
      const token = randomToken(32);
      await addSession(deps, op, user.id, token, previousToken);
      return { op, result: { user, token } };
    });
  } catch (err) {
    await refund(kv, clock, RATE.failuresPerAddress, address).catch(() => {});
    throw err;
  }
  if (outcome === "no_code" || outcome === "wrong") {
    await hit(kv, clock, RATE.failuresPerEmail, email);
    // Only a live code checked counts for the day, so nobody locks an account out for a day
    // without asking for codes (which mails its owner).
    if (outcome === "wrong") await hit(kv, clock, RATE.failuresPerEmailDaily, email);
    throw invalidCode();
  }
  await refund(kv, clock, RATE.failuresPerAddress, address);
  return outcome;
}

const tooManyWrong = (retryAfterMs: number) =>
  new AppError(429, "rate_limited", "Too many wrong codes; try again later", {
    retryAfter: retryAfterMs / 1000,
  });

/** Adds to `op` the creation of the user for `email` unless one exists; returns the user. */
async function upsertUser(deps: AuthDeps, op: Deno.AtomicOperation, email: string): Promise<User> {
  const { kv, clock, ids } = deps;
  const index = await kv.get<UserId>(keys.userByEmail(email));
  if (index.value) {
    const user = await kv.get<User>(keys.user(index.value));
    if (user.value) {
      op.check(index);
      return user.value;
    }
  }
  const user: User = {
    id: ids.ulid() as UserId,
    email,
    displayName: null,
    locale: "ru",
    createdAt: new Date(clock.now()).toISOString(),
  };
  op.check(index).set(keys.userByEmail(email), user.id).set(keys.user(user.id), user);
  return user;
}

async function addSession(
  deps: AuthDeps,
  op: Deno.AtomicOperation,
  userId: UserId,
  token: string,
  previousToken: string | null,
): Promise<void> {
  const now = deps.clock.now();
  const hash = await sha256Hex(token);
  const session: Session = {
    userId,
    createdAt: new Date(now).toISOString(),
    expiresAt: new Date(now + SESSION_TTL_MS).toISOString(),
  };
  op.set(keys.session(hash), session, { expireIn: SESSION_TTL_MS })
    .set(keys.sessionByUser(userId, hash), true, { expireIn: SESSION_TTL_MS });
  if (previousToken) {
    const previousHash = await sha256Hex(previousToken);
    const previous = (await deps.kv.get<Session>(keys.session(previousHash))).value;
    op.delete(keys.session(previousHash));
    if (previous) op.delete(keys.sessionByUser(previous.userId, previousHash));
  }
}

/** Signs in `email` without a code (after single sign-on has proven it). */
export async function signInVerifiedEmail(
  deps: AuthDeps,
  email: string,
  previousToken: string | null,
): Promise<SignedIn> {
  const token = randomToken(32);
  const user = await transact(async () => {
    const op = deps.kv.atomic();
    const user = await upsertUser(deps, op, email);
    await addSession(deps, op, user.id, token, previousToken);
    return { op, result: user };
  });
  return { user, token };
}

/** The signed-in user behind `token`, or null for an unknown, revoked or expired one. */
export async function getSessionUser(deps: AuthDeps, token: string): Promise<User | null> {
  if (token.length < 20 || token.length > 100) return null;
  const hash = await sha256Hex(token);
  const session = (await deps.kv.get<Session>(keys.session(hash))).value;
  if (!session || Date.parse(session.expiresAt) <= deps.clock.now()) return null;
  return (await deps.kv.get<User>(keys.user(session.userId))).value;
}

/** Ends the session of `token`; harmless if it has already ended. */
export async function revokeSession(deps: AuthDeps, token: string): Promise<void> {
  const hash = await sha256Hex(token);
  const session = (await deps.kv.get<Session>(keys.session(hash))).value;
  const op = deps.kv.atomic().delete(keys.session(hash));
  if (session) op.delete(keys.sessionByUser(session.userId, hash));
  await op.commit();
}

/** Ends every session of the user. */
export async function revokeAllSessions(deps: AuthDeps, userId: UserId): Promise<void> {
  const entries = await listAll<true>(deps.kv, keys.sessionsByUser(userId));
  for (let i = 0; i < entries.length; i += 100) {
    const op = deps.kv.atomic();
    for (const e of entries.slice(i, i + 100)) {
      op.delete(e.key).delete(keys.session(e.key[2] as string));
    }
    await op.commit();
  }
}
