/**
 * Schema pieces for input at the edge (HTTP bodies, socket frames). Strings must be well-formed
 * Unicode; lengths count code points after trimming.
 */
import { z } from "zod";
import { AppError } from "../shared/errors.ts";
import { isUlid } from "../shared/ids.ts";
import { imitatesBadge, normalizeDisplayName } from "./display_names.ts";

// Bidirectional overrides and isolates let a name display as something else.
// deno-lint-ignore no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;
const CONTROL_EXCEPT_NEWLINES =
  // deno-lint-ignore no-control-regex
  /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

/** Number of code points in `s`. */
export function codePoints(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

/** What is wrong with the length of `t`, or null. */
function lengthProblem(t: string, min: number, max: number): string | null {
  const n = codePoints(t);
  if (n >= min && n <= max) return null;
  return min === max
    ? `must be ${min} characters`
    : n < min
    ? (min === 1 ? "must not be empty" : `must be at least ${min} characters`)
    : `must be at most ${max} characters`;
}

function trimmed(min: number, max: number, forbidden: RegExp, what: string) {
  return z.string().transform((s, ctx) => {
    if (!s.isWellFormed()) {
      ctx.addIssue({ code: "custom", message: "must be well-formed Unicode" });
      return z.NEVER;
    }
    const t = s.trim();
    const length = lengthProblem(t, min, max);
    if (length) {
      ctx.addIssue({ code: "custom", message: length });
      return z.NEVER;
    }
    if (forbidden.test(t)) {
      ctx.addIssue({ code: "custom", message: `must not contain control characters in ${what}` });
      return z.NEVER;
    }
    return t;
  });
}

/** A single line of text (names, titles): no control characters. */
export const line = (min: number, max: number) => trimmed(min, max, CONTROL, "a single line");

/**
 * A person's display name, normalised (see domain/display_names.ts: no invisible characters, NFKC,
 * single spaces), then 1–80 characters. Refused: control and bidirectional override characters,
 * and anything that imitates a badge ("(учитель)", a check mark), with `reason: "badge"`.
 */
export const displayName = () =>
  z.string().transform((s, ctx) => {
    if (!s.isWellFormed()) {
      ctx.addIssue({ code: "custom", message: "must be well-formed Unicode" });
      return z.NEVER;
    }
    if (CONTROL.test(s.trim())) {
      ctx.addIssue({ code: "custom", message: "must not contain control characters in a name" });
      return z.NEVER;
    }
    const name = normalizeDisplayName(s);
    const length = lengthProblem(name, 1, 80);
    if (length) {
      ctx.addIssue({ code: "custom", message: length });
      return z.NEVER;
    }
    if (imitatesBadge(name)) {
      ctx.addIssue({
        code: "custom",
        message: "must not imitate a badge: no check marks, no role such as (учитель) or (admin)",
        params: { reason: "badge" },
      });
      return z.NEVER;
    }
    return name;
  });

/** Free text (messages, reasons): newlines and tabs allowed, other controls not. */
export const text = (min: number, max: number) =>
  trimmed(min, max, CONTROL_EXCEPT_NEWLINES, "text");

const EMAIL = /^[^\s@"<>(),;:\\[\]]+@[^\s@"<>(),;:\\[\]]+\.[^\s@"<>(),;:\\[\]]+$/;

/** An email address, lower-cased. */
export const email = () =>
  line(3, 254).transform((s, ctx) => {
    const e = s.toLowerCase();
    if (!EMAIL.test(e)) {
      ctx.addIssue({ code: "custom", message: "must be an email address" });
      return z.NEVER;
    }
    return e;
  });

/** A ULID-shaped id. */
export const ulidString = () =>
  z.string().refine(isUlid, { message: "must be an id (26-character ULID)" });

/** An http(s) link of at most 2000 characters. */
export const httpUrl = () =>
  line(1, 2000).transform((s, ctx) => {
    try {
      const u = new URL(s);
      if (u.protocol === "https:" || u.protocol === "http:") return u.href;
    } catch { /* reported below */ }
    ctx.addIssue({ code: "custom", message: "must be an http or https link" });
    return z.NEVER;
  });

/**
 * Parses `input` with `schema`, throwing 400 `invalid_input` naming the first bad field (and the
 * `reason` a custom check gave, if any, for clients to explain it).
 */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const result = schema.safeParse(input, { reportInput: true });
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const field = issue.path.length ? issue.path.map(String).join(".") : undefined;
  let message = issue.message;
  if (issue.code === "invalid_type") {
    message = issue.input === undefined ? "is required" : `must be a ${issue.expected}`;
  }
  const reason = issue.code === "custom" ? issue.params?.reason : undefined;
  throw new AppError(400, "invalid_input", field ? `${field} ${message}` : `Body ${message}`, {
    field,
    details: typeof reason === "string" ? { reason } : undefined,
  });
}
