/**
 * Sign-in codes as stored: six random digits kept only as a salted PBKDF2-SHA256 hash, with the
 * wrong guesses made at them, in total and per client address. Pure rules; no KV here.
 */
import { randomToken } from "../shared/ids.ts";
import type { LoginCode } from "../shared/model.ts";

export const CODE_TTL_MS = 10 * 60_000;
/** Wrong guesses one client address may make at one code; after them the code is void for it. */
export const CODE_ATTEMPTS = 5;
/** Wrong guesses at one code from all addresses together; after them it is void for everyone. */
export const CODE_MAX_WRONG = 20;
export const CODE_KDF = "pbkdf2-sha256";
/**
 * PBKDF2 rounds per code. Measured on the 2-core development machine (Deno 2, WebCrypto):
 * 100,000 rounds 16.6 ms, 150,000 rounds 24 ms, 200,000 rounds 32 ms per hash. At 24 ms, trying
 * all 10^6 codes against one stolen record costs about 6.7 CPU-hours.
 */
export const CODE_KDF_ITERATIONS = 150_000;

/** Six decimal digits, every code equally likely. */
export function randomCode(): string {
  // Rejection sampling keeps every code equally likely.
  const buf = new Uint32Array(1);
  const limit = Math.floor(0x1_0000_0000 / 1_000_000) * 1_000_000;
  do crypto.getRandomValues(buf); while (buf[0]! >= limit);
  return String(buf[0]! % 1_000_000).padStart(6, "0");
}

const encoder = new TextEncoder();

async function pbkdf2Hex(code: string, salt: string, iterations: number): Promise<string> {
  const key = await crypto.subtle.importKey("raw", encoder.encode(code), "PBKDF2", false, [
    "deriveBits",
  ]);
  const bits = await crypto.subtle.deriveBits(
    { name: "PBKDF2", hash: "SHA-256", salt: encoder.encode(salt), iterations },
    key,
    256,
  );
  return Array.from(new Uint8Array(bits), (b) => b.toString(16).padStart(2, "0")).join("");
}

/** The record to store for `code`: a fresh salt, its slow hash, no guesses yet. */
export async function newLoginCode(
  code: string,
  now: number,
  requestedBy: string,
  newAccount: boolean,
): Promise<LoginCode> {
  const salt = randomToken(16);
  return {
    kdf: CODE_KDF,
    iterations: CODE_KDF_ITERATIONS,
    salt,
    hash: await pbkdf2Hex(code, salt, CODE_KDF_ITERATIONS),
    attempts: 0,
    wrongBy: {},
    requestedBy,
    newAccount,
    expiresAt: now + CODE_TTL_MS,
  };
}

/**
 * Whether `address` may still try `stored` at `now`: it exists, has not expired, is not void
 * for everyone or for this address. Records of the older fast-hash format never are.
 */
export function usableBy(
  stored: LoginCode | null,
  address: string,
  now: number,
): stored is LoginCode {
  return stored !== null && stored.kdf === CODE_KDF && stored.expiresAt > now &&
    stored.attempts < CODE_MAX_WRONG && (stored.wrongBy[address] ?? 0) < CODE_ATTEMPTS;
}

/** The hash `code` would have under the salt and rounds of `stored`. */
export function hashFor(stored: LoginCode, code: string): Promise<string> {
  return pbkdf2Hex(code, stored.salt, stored.iterations);
}

/** Whether `hash` (from {@link hashFor}) is the stored one; time independent of the content. */
export function matches(stored: LoginCode, hash: string): boolean {
  const a = stored.hash;
  if (a.length !== hash.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ hash.charCodeAt(i);
  return diff === 0;
}

/** `stored` after one more wrong guess by `address`. */
export function withWrongGuess(stored: LoginCode, address: string): LoginCode {
  return {
    ...stored,
    attempts: stored.attempts + 1,
    wrongBy: { ...stored.wrongBy, [address]: (stored.wrongBy[address] ?? 0) + 1 },
  };
}
