/**
 * The shape of the authorization matrix: one expectation per route (or several, by variant),
 * each computed from `shared/policy.ts` for the caller's standing at the moment of the request.
 */
import type { Caller, ChatCaller, Decision } from "../../shared/policy.ts";
import type { UserId } from "../../shared/ids.ts";
import { callerOf, getMember } from "../../domain/orgs.ts";
import { loadChatAccess } from "../../domain/chats.ts";
import type { OrgId } from "../../shared/ids.ts";
import type { Person } from "./client.ts";
import type { CallerName, SchoolFx, World } from "./world.ts";

/**
 * "own": the resource is in the caller's school (A; B for the member of another school, who is
 * B's admin); "other": in the other one. Signed-out callers and the operator count A as own.
 */
export type Scope = "own" | "other" | "-";

/** A status class ("2xx", "3xx") or an exact status. */
export type Expect = "2xx" | "3xx" | number;

/** The request a case sends and the answer it expects. */
export interface Built {
  /** Below `/api/v1`; must match the route's pattern. */
  path: string;
  body?: unknown;
  form?: FormData;
  headers?: Record<string, string>;
  /** Send no bearer token (the case authenticates otherwise, e.g. by cookie). */
  noBearer?: boolean;
  expect: Expect;
  /** Why, when the expectation is not the spec's rule applied plainly. */
  why?: string;
  /**
   * The answer the contract's own words give (API.md, docs/api.md), where the table states it
   * apart from policy: a policy function that drifts from the contract is a mismatch too.
   */
  contract?: Expect;
  /** Checks a 2xx body for leaks; returns what is wrong, or null. */
  verify?: (body: unknown) => string | null | Promise<string | null>;
}

/** What a case knows when it builds its request. */
export interface X {
  w: World;
  who: CallerName;
  scope: Scope;
  variant: string;
  /** The school the resource lives in. */
  s: SchoolFx;
  /** Who acts: the caller, a twin of them, or a fresh session of theirs; null when signed out. */
  me: Person | null;
  /** The acting person's standing in `s`, as policy sees it (null: not a member). */
  org(): Promise<Caller | null>;
  /** The acting person's standing in a chat and its school. */
  chat(chatId: string): Promise<ChatCaller>;
}

export interface Spec {
  /** `METHOD /api/v1/path` exactly as the router lists it. */
  route: string;
  /** The policy function (or documented rule) that decides, for the report. */
  rule: string;
  /** session (default): signed-out callers get 401; operator: non-operators get 404. */
  access?: "session" | "public" | "operator";
  /** Whether the route works on a school's resource (own and other school); default true. */
  scoped?: boolean;
  variants?: readonly string[];
  /** Who sends: the caller (default), a fresh twin of them, or a fresh session of theirs. */
  as?: "caller" | "twin" | "session";
  build(x: X): Promise<Built>;
}

/** The HTTP answer for a policy decision. */
export function answer(d: Decision): Expect {
  return d === "allow" ? "2xx" : d === "forbidden" ? 403 : 404;
}

/** The first refusing decision, else allow. */
export function both(...decisions: Decision[]): Decision {
  return decisions.find((d) => d !== "allow") ?? "allow";
}

/** 2xx when `ok`, else 403 — for checks that follow a decision already allowed. */
export const allowIf = (ok: boolean): Decision => ok ? "allow" : "forbidden";

const NOBODY: ChatCaller = { userId: "" as UserId, chatRole: null, orgRoles: null };

/** The case context for one request. */
export function context(
  w: World,
  who: CallerName,
  scope: Scope,
  variant: string,
  me: Person | null,
): X {
  const s = (scope === "other") !== (who === "outsider") ? w.b : w.a;
  return {
    w,
    who,
    scope,
    variant,
    s,
    me,
    async org() {
      if (!me) return null;
      const member = await getMember(w.t.kv, s.orgId as OrgId, me.id as UserId);
      return member ? callerOf(member) : null;
    },
    async chat(chatId) {
      if (!me) return NOBODY;
      return (await loadChatAccess(w.t.kv, chatId, me.id as UserId, false)).caller;
    },
  };
}

/** Whether a path (without query) is one the route pattern matches. */
export function matchesRoute(route: string, path: string): boolean {
  const pattern = route.split(" ")[1]!;
  const source = pattern.split("/").map((part) =>
    part.startsWith(":") ? "[^/]+" : part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")
  ).join("/");
  return new RegExp(`^${source}$`).test(path.split("?")[0]!);
}

/** Whether `status` is what `expect` allows. */
export function satisfies(status: number, expect: Expect): boolean {
  if (expect === "2xx") return status >= 200 && status < 300;
  if (expect === "3xx") return status >= 300 && status < 400;
  return status === expect;
}
