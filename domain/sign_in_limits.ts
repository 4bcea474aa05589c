/**
 * Sign-in's rate rules, as data: docs/api.md ("Sign-in") gives the reasoning behind every figure.
 * The rules keep one address from locking anyone out, and the server from mailing strangers.
 */
import type { RateCount, RateRule } from "../platform/rate_limit.ts";

const WINDOW = 15 * 60_000;
const HOUR = 3600_000;
const DAY = 24 * HOUR;

/** Every limit of sign-in, by what it counts. */
export const RATE = {
  /** Every code request of a client address, refused or not (the contract asks for ≥ 100). */
  codePerAddress: { bucket: "auth_code_addr", limit: 300, windowMs: WINDOW },
  /** Codes mailed to one email (the contract's 5 per 15 minutes). */
  codePerEmail: { bucket: "auth_code_email", limit: 5, windowMs: WINDOW },
  /** Codes for one email asked from one address: fewer than 5, so it cannot fill the email's. */
  codePerEmailAddress: { bucket: "auth_code_email_addr", limit: 3, windowMs: WINDOW },
  /**
   * Codes mailed to emails without an account and not used (a used one is given back), per
   * client address: the contract's floor of 100. A school onboarding pupils, who use their
   * codes, is not held back; a spammer, whose codes nobody uses, is.
   */
  newCodePerAddress: { bucket: "auth_new_addr", limit: 100, windowMs: WINDOW },
  /** The same per day. */
  newCodePerAddressDaily: { bucket: "auth_new_addr_day", limit: 300, windowMs: DAY },
  /** The same from every address together. */
  newCodeServerHourly: { bucket: "auth_new_all", limit: 1000, windowMs: HOUR },
  verifyPerAddress: { bucket: "auth_verify_addr", limit: 1000, windowMs: WINDOW },
  /** Verifies of a client address that did not sign in (no live code, or a wrong one). */
  failuresPerAddress: { bucket: "auth_fail_addr", limit: 200, windowMs: WINDOW },
  /** Guesses checked against live codes of one email from one address, per day. */
  guessesPerEmailAddressDaily: { bucket: "auth_guess_email_addr", limit: 20, windowMs: DAY },
  /** Guesses checked against live codes of one email from all addresses: 5 codes' worth. */
  guessesPerEmailDaily: { bucket: "auth_guess_email", limit: 100, windowMs: DAY },
} satisfies Record<string, RateRule>;

/** The subject of the per-(email, address) counters; emails hold no spaces. */
export const emailAtAddress = (email: string, address: string) => `${email} ${address}`;
/** The subject of server-wide counters. */
export const SERVER = "all";

/** What a code mailed to an email without an account counts against, until it is used. */
export const newAccountCounts = (address: string): RateCount[] => [
  [RATE.newCodePerAddress, address],
  [RATE.newCodePerAddressDaily, address],
  [RATE.newCodeServerHourly, SERVER],
];
