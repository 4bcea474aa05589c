/**
 * Schema pieces for input at the edge (HTTP bodies, socket frames). Strings must be well-formed
 * Unicode; lengths count code points after trimming.
 */
import { z } from "zod";
import { invalidInput } from "./errors.ts";
import { isUlid } from "./ids.ts";

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

function trimmed(min: number, max: number, forbidden: RegExp, what: string) {
  return z.string().transform((s, ctx) => {
    if (!s.isWellFormed()) {
      ctx.addIssue({ code: "custom", message: "must be well-formed Unicode" });
      return z.NEVER;
    }
    const t = s.trim();
    const n = codePoints(t);
    if (n < min || n > max) {
      ctx.addIssue({
        code: "custom",
        message: min === max
          ? `must be ${min} characters`
          : n < min
          ? (min === 1 ? "must not be empty" : `must be at least ${min} characters`)
          : `must be at most ${max} characters`,
      });
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

/** Parses `input` with `schema`, throwing 400 `invalid_input` naming the first bad field. */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const result = schema.safeParse(input, { reportInput: true });
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const field = issue.path.length ? issue.path.map(String).join(".") : undefined;
  let message = issue.message;
  if (issue.code === "invalid_type") {
    message = issue.input === undefined ? "is required" : `must be a ${issue.expected}`;
  }
  throw invalidInput(field ? `${field} ${message}` : `Body ${message}`, field);
}
