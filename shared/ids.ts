import { monotonicFactory } from "ulid";

declare const brand: unique symbol;
/** A string that the type system keeps apart from other ids. */
export type Brand<T, B extends string> = T & { readonly [brand]: B };

export type UserId = Brand<string, "UserId">;
export type OrgId = Brand<string, "OrgId">;
export type ClassId = Brand<string, "ClassId">;
export type ChatId = Brand<string, "ChatId">;
export type ApplicationId = Brand<string, "ApplicationId">;

/** Time source; tests inject a fake one. */
export interface Clock {
  now(): number;
}

/** Id source; tests may inject a deterministic one. */
export interface Ids {
  /** A new ULID, monotonic within this isolate. */
  ulid(): string;
}

export const systemClock: Clock = { now: () => Date.now() };

/** ULIDs stamped with the given clock's time. */
export function ulidSource(clock: Clock): Ids {
  const next = monotonicFactory();
  return { ulid: () => next(clock.now()) };
}

const ULID = /^[0-9A-HJKMNP-TV-Z]{26}$/;

/**
 * Whether `s` has the shape of a ULID (26 Crockford base32 characters), narrowing it to the id
 * type asked for: `if (isUlid<ChatId>(raw)) …` needs no cast after it.
 */
export function isUlid<T extends string = string>(s: string): s is T {
  return ULID.test(s);
}

/** `n` random bytes as unpadded base64url: 32 bytes give 256 bits. */
export function randomToken(bytes = 32): string {
  const buf = crypto.getRandomValues(new Uint8Array(bytes));
  return base64url(buf);
}

export function base64url(buf: Uint8Array): string {
  let s = "";
  for (const b of buf) s += String.fromCharCode(b);
  return btoa(s).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

/** Hex SHA-256 of a UTF-8 string. */
export async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}
