/** Requests as the matrix sends them: bearer tokens, a client address per request, sign-in. */
import { lastCode, type TestApp } from "../helpers.ts";

export interface Person {
  id: string;
  token: string;
  email: string;
}

export interface Req {
  method: string;
  /** Below `/api/v1`. */
  path: string;
  token?: string | null;
  body?: unknown;
  form?: FormData;
  headers?: Record<string, string>;
}

let address = 0;

/** Sends a request with a bearer token (or none) from a client address of its own. */
export function send(t: TestApp, req: Req): Promise<Response> {
  const headers: Record<string, string> = { ...req.headers };
  if (req.token) headers.Authorization = `Bearer ${req.token}`;
  let body: BodyInit | undefined = req.form;
  if (req.body !== undefined) {
    headers["Content-Type"] ??= "application/json";
    body = typeof req.body === "string" ? req.body : JSON.stringify(req.body);
  }
  const n = ++address;
  return t.fetch(`/api/v1${req.path}`, {
    method: req.method,
    headers,
    body,
    address: `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`,
  });
}

/** A setup request that must succeed; returns its JSON body. */
export async function must<T = unknown>(
  t: TestApp,
  method: string,
  path: string,
  token: string | null,
  body?: unknown,
): Promise<T> {
  const res = await send(t, { method, path, token, body });
  const text = await res.text();
  if (res.status >= 300) throw new Error(`setup ${method} ${path}: ${res.status} ${text}`);
  return (text ? JSON.parse(text) : null) as T;
}

let serial = 0;
/** A name no other request used. */
export const unique = (prefix: string) =>
  `${prefix}-${++serial}-${crypto.randomUUID().slice(0, 6)}`;

/** Signs `email` in by code (a new session each time); names a new user. */
export async function signIn(t: TestApp, email: string, displayName?: string): Promise<Person> {
  await must(t, "POST", "/auth/code", null, { email });
  const code = await lastCode(t, email);
  const verified = await must<{ token: string; user: { id: string; displayName: string | null } }>(
    t,
    "POST",
    "/auth/verify",
    null,
    { email, code },
  );
  if (displayName && verified.user.displayName === null) {
    await must(t, "PATCH", "/me", verified.token, { displayName });
  }
  return { id: verified.user.id, token: verified.token, email };
}

/** A new person joining through an invite made by `inviter`. */
export async function join(
  t: TestApp,
  inviter: Person,
  orgId: string,
  role: string,
  extra: Record<string, unknown> = {},
): Promise<Person> {
  const invite = await must<{ token: string }>(t, "POST", `/orgs/${orgId}/invites`, inviter.token, {
    role,
    ...extra,
  });
  const person = await signIn(t, `${unique(role)}@school.test`);
  await must(t, "POST", `/invites/${invite.token}/accept`, person.token, {
    displayName: unique(role),
  });
  return person;
}
