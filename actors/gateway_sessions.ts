/**
 * What the gateway knows of the sessions behind its sockets: which sockets hang on which session,
 * which sessions ended lately (so a socket that was greeting meanwhile is ended as it attaches),
 * when the next one expires, and the periodic re-check against KV that catches an ending whose
 * bus message was lost.
 */
import type { Clock, OrgId, UserId } from "../shared/ids.ts";
import type { Member, Session } from "../shared/model.ts";
import { keys } from "../platform/kv_keys.ts";
import { getManyChunked } from "../platform/kv_util.ts";

/** The session a socket was opened with. */
export interface SocketSession {
  /** SHA-256 of the session token: the session's id in KV. */
  tokenHash: string;
  /** When the session expires (ms since the epoch). */
  expiresAt: number;
  /** When the session was last read from KV and found valid (clock ms). */
  verifiedAt: number;
}

/** What the book needs of a socket. */
export interface Watched {
  readonly userId: UserId;
  session: SocketSession | null;
}

/** How long an ended session is remembered: longer than any greeting takes. */
const ENDED_MEMORY_MS = 5 * 60_000;
/** Endings remembered at most, so a sign-out storm cannot grow memory without bound. */
const ENDED_MEMORY_MAX = 100_000;
/** Keys read per step of a re-check; the steps run one after another, so KV is never flooded. */
const STEP = 200;

/** The sockets of each session on one isolate, and the sessions that ended lately. */
export class SessionBook<C extends Watched> {
  readonly #bySession = new Map<string, Set<C>>();
  /** Token hash → when it ended (clock ms); oldest first. */
  readonly #ended = new Map<string, number>();
  /** User → when all their sessions ended (clock ms); oldest first. */
  readonly #endedUsers = new Map<UserId, number>();
  /** No socket's session expires before this (a lower bound). */
  #nextExpiry = Infinity;

  /** Files `conn` under `session`; answers whether that session has already ended. */
  add(conn: C, session: SocketSession, now: number): boolean {
    conn.session = session;
    let same = this.#bySession.get(session.tokenHash);
    if (!same) this.#bySession.set(session.tokenHash, same = new Set());
    same.add(conn);
    this.#nextExpiry = Math.min(this.#nextExpiry, session.expiresAt);
    const userEnded = this.#endedUsers.get(conn.userId);
    return this.#ended.has(session.tokenHash) || session.expiresAt <= now ||
      (userEnded !== undefined && userEnded > session.verifiedAt);
  }

  /** Forgets a closed socket. */
  remove(conn: C): void {
    if (!conn.session) return;
    const same = this.#bySession.get(conn.session.tokenHash);
    same?.delete(conn);
    if (same?.size === 0) this.#bySession.delete(conn.session.tokenHash);
  }

  /** Notes that a session ended; returns its sockets. */
  sessionEnded(tokenHash: string, now: number): C[] {
    remember(this.#ended, tokenHash, now);
    return [...this.#bySession.get(tokenHash) ?? []];
  }

  /** Notes that every session of `userId` ended (their sockets are the caller's to find). */
  userEnded(userId: UserId, now: number): void {
    remember(this.#endedUsers, userId, now);
  }

  /**
   * Sockets whose session has expired by `now`. Costs nothing until the earliest expiry is due,
   * then a comparison per socket. Also forgets endings older than a few minutes.
   */
  expired(now: number): C[] {
    for (const ended of [this.#ended, this.#endedUsers] as Map<unknown, number>[]) {
      for (const [key, at] of ended) {
        if (at > now - ENDED_MEMORY_MS && ended.size <= ENDED_MEMORY_MAX) break;
        ended.delete(key);
      }
    }
    if (now < this.#nextExpiry) return [];
    const due: C[] = [];
    let next = Infinity;
    for (const conns of this.#bySession.values()) {
      for (const conn of conns) {
        const expiresAt = conn.session!.expiresAt;
        if (expiresAt <= now) due.push(conn);
        else next = Math.min(next, expiresAt);
      }
    }
    this.#nextExpiry = next;
    return due;
  }

  /** Each open session once: token hash → the user whose sockets use it. */
  sessions(): Map<string, UserId> {
    const out = new Map<string, UserId>();
    for (const [hash, conns] of this.#bySession) {
      for (const conn of conns) out.set(hash, conn.userId);
    }
    return out;
  }
}

function remember<K>(ended: Map<K, number>, key: K, now: number): void {
  ended.delete(key);
  ended.set(key, now);
}

export interface Standing {
  /** Token hashes whose session is gone, expired, or belongs to someone else. */
  endedSessions: Set<string>;
  /** Keys (see {@link pairKey}) of the (user, school) memberships that are gone. */
  leftSchools: Set<string>;
}

/** The key of a (user, school) pair in {@link Standing.leftSchools}. */
export const pairKey = (userId: UserId, orgId: OrgId) => `${userId} ${orgId}`;

/**
 * Reads each session (token hash → the user its sockets belong to) and each (user, school)
 * membership from KV once, in batched `getMany`s, and reports which have ended. Costs one key per
 * distinct session and one per distinct membership.
 */
export async function readStanding(
  kv: Deno.Kv,
  clock: Clock,
  sessions: ReadonlyMap<string, UserId>,
  memberships: ReadonlyMap<string, readonly [UserId, OrgId]>,
): Promise<Standing> {
  const endedSessions = new Set<string>();
  const hashes = [...sessions.keys()];
  for (let i = 0; i < hashes.length; i += STEP) {
    const step = hashes.slice(i, i + STEP);
    const entries = await getManyChunked<Session>(kv, step.map((h) => keys.session(h)));
    const now = clock.now();
    step.forEach((hash, k) => {
      const session = entries[k]!.value;
      if (
        !session || Date.parse(session.expiresAt) <= now || session.userId !== sessions.get(hash)
      ) {
        endedSessions.add(hash);
      }
    });
  }
  const leftSchools = new Set<string>();
  const pairs = [...memberships];
  for (let i = 0; i < pairs.length; i += STEP) {
    const step = pairs.slice(i, i + STEP);
    const entries = await getManyChunked<Member>(
      kv,
      step.map(([, [userId, orgId]]) => keys.orgMember(orgId, userId)),
    );
    step.forEach(([pair], k) => {
      if (!entries[k]!.value) leftSchools.add(pair);
    });
  }
  return { endedSessions, leftSchools };
}
