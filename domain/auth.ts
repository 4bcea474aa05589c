/**
 * Sign-in by one-time email codes, and sessions. Codes: 6 digits, 10 minutes, stored as a slow
 * salted hash (domain/login_codes.ts); guesses are throttled per address and per code, so no one
 * address can lock another person out. Sessions: 256-bit random tokens, stored by their SHA-256,
 * 30 days.
 */
import type { Clock, Ids, UserId } from "../shared/ids.ts";
import { randomToken, sha256Hex } from "../shared/ids.ts";
import { keys } from "../platform/kv_keys.ts";
import { commit, listAll, transact } from "../platform/kv_util.ts";
import type { LoginCode, Session, User } from "../shared/model.ts";
import { AppError, rateLimited } from "../shared/errors.ts";
import { hitAll, type RateCount, refundAll } from "../platform/rate_limit.ts";
import type { Mailer } from "../platform/mail.ts";
import { t } from "../shared/i18n.ts";
import {
  CODE_TTL_MS,
  hashFor,
  matches,
  newLoginCode,
  randomCode,
  usableBy,
  withWrongGuess,
} from "./login_codes.ts";
import { emailAtAddress, newAccountCounts, RATE } from "./sign_in_limits.ts";

export { CODE_ATTEMPTS, CODE_MAX_WRONG, CODE_TTL_MS } from "./login_codes.ts";
export const SESSION_TTL_MS = 30 * 24 * 3600_000;

export interface AuthDeps {
  kv: Deno.Kv;
  clock: Clock;
  ids: Ids;
  mailer: Mailer;
}

/**
 * Mails a fresh sign-in code to `email` (replacing any earlier one), or refuses with 429 and
 * mails nothing when a limit of the email, the address or the server is reached.
 */
export async function requestCode(deps: AuthDeps, email: string, address: string): Promise<void> {
  const { kv, clock } = deps;
  // Every request counts against its address, whatever the other limits answer.
  const request = await hitAll(kv, clock, [[RATE.codePerAddress, address]]);
  if (!request.ok) throw rateLimited(request.retryAfterMs / 1000);
  const userId = (await kv.get<UserId>(keys.userByEmail(email))).value;
  const counts: RateCount[] = [
    [RATE.codePerEmailAddress, emailAtAddress(email, address)],
    [RATE.codePerEmail, email],
  ];
  // Mail to someone without an account is what a spammer would send: bounded much harder.
  if (!userId) counts.push(...newAccountCounts(address));
  const allowed = await hitAll(kv, clock, counts);
  if (!allowed.ok) throw rateLimited(allowed.retryAfterMs / 1000);
  const code = randomCode();
  const stored = await newLoginCode(code, clock.now(), address, !userId);
  await commit(kv.atomic().set(keys.loginCode(email), stored, { expireIn: CODE_TTL_MS }));
  const locale = userId ? (await kv.get<User>(keys.user(userId))).value?.locale ?? "ru" : "ru";
  await deps.mailer.send({
    to: email,
    subject: t(locale, "mail.code.subject"),
    text: t(locale, "mail.code.text", { code }),
  });
}

const invalidCode = () =>
  new AppError(400, "invalid_code", "The code is wrong or has expired", { field: "code" });

const tooManyWrong = (retryAfterMs: number) =>
  new AppError(429, "rate_limited", "Too many wrong codes; try again later", {
    retryAfter: retryAfterMs / 1000,
  });

export interface SignedIn {
  user: User;
  /** The bearer token; only its hash is stored. */
  token: string;
}

/**
 * Checks `code` for `email`. On success the code is used up, the user is created if new, and
 * a new session replaces `previousToken`'s (rotation at login). A verify that does not sign in
 * counts against `address`; only guesses at a live code count against the email.
 */
export async function verifyCode(
  deps: AuthDeps,
  email: string,
  code: string,
  address: string,
  previousToken: string | null,
): Promise<SignedIn> {
  const { kv, clock } = deps;
  // Counted as a failure before anything is checked, so concurrent verifies cannot overshoot
  // the limit; given back when it signs in.
  const failure: RateCount = [RATE.failuresPerAddress, address];
  const reserved = await hitAll(kv, clock, [[RATE.verifyPerAddress, address], failure]);
  if (!reserved.ok) throw tooManyWrong(reserved.retryAfterMs);
  let attempt: Attempt;
  try {
    attempt = await tryCode(deps, email, code, address, previousToken);
  } catch (err) {
    await refundAll(kv, clock, [failure]);
    throw err;
  }
  if (!attempt) throw invalidCode();
  await refundAll(kv, clock, [failure, ...attempt.giveBack]);
  return attempt.signedIn;
}

/** A sign-in, and the counts it gives back; null when the code was not right or not there. */
type Attempt = { signedIn: SignedIn; giveBack: RateCount[] } | null;

/** Signs in with the live code of `email` if `code` is it. */
async function tryCode(
  deps: AuthDeps,
  email: string,
  code: string,
  address: string,
  previousToken: string | null,
): Promise<Attempt> {
  const { kv, clock } = deps;
  const current = (await kv.get<LoginCode>(keys.loginCode(email))).value;
  // Nothing this address may guess at: the email loses nothing (the address did, above).
  if (!usableBy(current, address, clock.now())) return null;
  // Counted before the check, like the address's failure, and given back on success.
  const guesses: RateCount[] = [
    [RATE.guessesPerEmailAddressDaily, emailAtAddress(email, address)],
    [RATE.guessesPerEmailDaily, email],
  ];
  const allowed = await hitAll(kv, clock, guesses);
  if (!allowed.ok) throw tooManyWrong(allowed.retryAfterMs);
  const hashes = new Map<string, string>();
  type Outcome = "wrong" | "gone" | { signedIn: SignedIn; used: LoginCode };
  let outcome: Outcome;
  try {
    outcome = await transact<Outcome>(async () => {
      const entry = await kv.get<LoginCode>(keys.loginCode(email));
      const stored = entry.value;
      if (!usableBy(stored, address, clock.now())) return { op: null, result: "gone" };
      // The slow hash is worked out once per record, not again on every retry.
      const hash = hashes.get(stored.salt) ?? await hashFor(stored, code);
      hashes.set(stored.salt, hash);
      if (!matches(stored, hash)) {
        const op = kv.atomic().check(entry).set(
          keys.loginCode(email),
          withWrongGuess(stored, address),
          { expireIn: Math.max(1, stored.expiresAt - clock.now()) },
        );
        return { op, result: "wrong" };
      }
      const op = kv.atomic().check(entry).delete(keys.loginCode(email));
      const user = await upsertUser(deps, op, email);
      const token = randomToken(32);
      await addSession(deps, op, user.id, token, previousToken);
      return { op, result: { signedIn: { user, token }, used: stored } };
    });
  } catch (err) {
    await refundAll(kv, clock, guesses);
    throw err;
  }
  if (outcome === "wrong") return null;
  if (outcome === "gone") {
    await refundAll(kv, clock, guesses);
    return null;
  }
  // A code its recipient used was no spam: it gives its place back to the address that asked.
  const { signedIn, used } = outcome;
  const giveBack = used.newAccount ? [...guesses, ...newAccountCounts(used.requestedBy)] : guesses;
  return { signedIn, giveBack };
}

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
  await commit(op);
}

/** Ends every session of the user. */
export async function revokeAllSessions(deps: AuthDeps, userId: UserId): Promise<void> {
  const entries = await listAll<true>(deps.kv, keys.sessionsByUser(userId));
  for (let i = 0; i < entries.length; i += 100) {
    const op = deps.kv.atomic();
    for (const e of entries.slice(i, i + 100)) {
      op.delete(e.key).delete(keys.session(e.key[2] as string));
    }
    await commit(op);
  }
}

/** A live session with its user; `tokenHash` is the session's id in KV. */
export interface LiveSession {
  user: User;
  session: Session;
  tokenHash: string;
}

/** The session behind `token` with its user, or null for an unknown, revoked or expired one. */
export async function getSession(deps: AuthDeps, token: string): Promise<LiveSession | null> {
  if (token.length < 20 || token.length > 100) return null;
  const tokenHash = await sha256Hex(token);
  const session = (await deps.kv.get<Session>(keys.session(tokenHash))).value;
  if (!session || Date.parse(session.expiresAt) <= deps.clock.now()) return null;
  const user = (await deps.kv.get<User>(keys.user(session.userId))).value;
  return user ? { user, session, tokenHash } : null;
}
