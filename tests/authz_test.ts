/**
 * Suite 5, the authorization matrix: every `/api/v1` route the router holds and every realtime
 * frame type × every caller (admin, teacher, student, parent, member of another school, removed
 * member, a removed member still listed in chats, operator, signed out) × a resource in the
 * caller's school and in another school. Each request is valid, so only authorization decides;
 * its status is compared with the answer `shared/policy.ts` gives for the caller's standing at that
 * moment (tables in `tests/authz/`). A route or frame type without an expectation fails the test.
 */
import assert from "node:assert/strict";
import { createApp } from "../routes/app.ts";
import { createSchool, json, testApp } from "./helpers.ts";
import { send } from "./authz/client.ts";
import { type CallerName, CALLERS, World } from "./authz/world.ts";
import {
  context,
  type Expect,
  matchesRoute,
  satisfies,
  type Scope,
  type Spec,
} from "./authz/matrix.ts";
import { authSpecs } from "./authz/table_auth.ts";
import { schoolSpecs } from "./authz/table_school.ts";
import { chatSpecs } from "./authz/table_chats.ts";
import { mediaSpecs } from "./authz/table_media.ts";
import { frameTypes, realtimeMatrix } from "./authz/realtime.ts";

const SPECS: Spec[] = [...authSpecs, ...schoolSpecs, ...chatSpecs, ...mediaSpecs];
/** The WebSocket upgrade: its frames are the realtime half of the matrix. */
const REALTIME = "GET /api/v1/realtime";

/** Every API route of the running app, as `METHOD /api/v1/path`. */
function apiRoutes(w: World): string[] {
  const routes = createApp(w.t.deps).routes
    .filter((r) => r.method !== "ALL" && r.path.startsWith("/api/v1/"))
    .map((r) => `${r.method} ${r.path}`);
  return [...new Set(routes)].sort();
}

interface Outcome {
  label: string;
  problem: string | null;
}

/** Runs one case: builds the request as the acting person, sends it, compares the answer. */
async function runCase(
  w: World,
  spec: Spec,
  who: CallerName,
  scope: Scope,
  variant: string,
): Promise<Outcome> {
  const label = `${spec.route} — ${who} × ${scope} × ${variant}`;
  const me = spec.as === "twin"
    ? await w.twin(who)
    : spec.as === "session"
    ? await w.session(who)
    : w.caller(who);
  const built = await spec.build(context(w, who, scope, variant, me));
  if (!matchesRoute(spec.route, `/api/v1${built.path}`)) {
    throw new Error(`${label}: the table sends ${built.path}, which is not this route`);
  }
  let expect: Expect = built.expect;
  let why = built.why ?? "";
  if (!me && spec.access !== "public") [expect, why] = [401, "signed out"];
  else if (spec.access === "operator" && who !== "operator") {
    [expect, why] = [404, "not an operator"];
  }
  const res = await send(w.t, {
    method: spec.route.split(" ")[0]!,
    path: built.path,
    token: built.noBearer ? null : me?.token,
    body: built.body,
    form: built.form,
    headers: built.headers,
  });
  const text = await res.text();
  const rule = `${spec.rule}${why ? `; ${why}` : ""}`;
  if (me && built.contract !== undefined && built.contract !== expect) {
    return { label, problem: `policy answers ${expect}, the contract ${built.contract} (${rule})` };
  }
  if (!satisfies(res.status, expect)) {
    return {
      label,
      problem: `got ${res.status}, expected ${expect} (${rule}) ${text.slice(0, 160)}`,
    };
  }
  if (built.verify && res.status < 300 && expect === "2xx") {
    const leak = await built.verify(text ? JSON.parse(text) : null);
    if (leak) return { label, problem: `${res.status} but ${leak} (${rule})` };
  }
  return { label, problem: null };
}

Deno.test("authorization matrix: every route and frame answers every caller as shared/policy.ts decides", async () => {
  const started = performance.now();
  await using w = await World.create();
  const routes = apiRoutes(w);
  const stale = SPECS.map((s) => s.route).filter((r) => !routes.includes(r));
  assert.deepEqual(stale, [], "expectations for routes the router does not have");

  let cases = 0;
  const mismatches: string[] = [];
  for (const spec of SPECS) {
    const scopes: Scope[] = spec.scoped === false ? ["-"] : ["own", "other"];
    const runs = CALLERS.flatMap((who) =>
      scopes.flatMap((scope) =>
        (spec.variants ?? ["-"]).map((variant) => runCase(w, spec, who, scope, variant))
      )
    );
    for (const outcome of await Promise.all(runs)) {
      cases++;
      if (outcome.problem) mismatches.push(`${outcome.label}: ${outcome.problem}`);
    }
  }

  const frames = await realtimeMatrix(w);
  const types = await frameTypes();
  const missingFrames = [...types].filter((t) => !frames.covered.has(t));
  const covered = new Set(SPECS.map((s) => s.route));
  if (missingFrames.length === 0) covered.add(REALTIME);
  const missing = routes.filter((r) => !covered.has(r));
  const all = [...mismatches, ...frames.mismatches];

  const routeShare = (100 * (routes.length - missing.length)) / routes.length;
  console.log(
    [
      "authorization matrix",
      `  routes covered   ${routes.length - missing.length}/${routes.length} (${
        routeShare.toFixed(0)
      }%)`,
      `  frame types      ${types.size - missingFrames.length}/${types.size}`,
      `  cases            ${cases + frames.cases} (${cases} HTTP, ${frames.cases} realtime)`,
      `  mismatches       ${all.length}`,
      `  seconds          ${((performance.now() - started) / 1000).toFixed(1)}`,
      ...missing.map((r) => `  NO EXPECTATION   ${r}`),
      ...missingFrames.map((t) => `  NO EXPECTATION   frame ${t}`),
      ...all.map((m) => `  MISMATCH         ${m}`),
    ].join("\n"),
  );
  assert.deepEqual(missing, [], "routes without an expectation in the matrix");
  assert.deepEqual(missingFrames, [], "frame types without an expectation in the matrix");
  assert.deepEqual(all, [], "answers that differ from shared/policy.ts");
});

Deno.test("without LiveKit, call routes answer 401 signed out and 404 outside the chat before 503", async () => {
  await using t = await testApp();
  const school = await createSchool(t);
  const other = await createSchool(t, "Другая школа");
  const chat = await json<{ chat: { id: string } }>(
    t,
    "POST",
    `/orgs/${school.orgId}/chats`,
    school.admin,
    { kind: "group", title: "Педсовет" },
  );
  const start = `/chats/${chat.body.chat.id}/calls`;
  const unknownCall = "01JZZZZZZZZZZZZZZZZZZZZZZZ";
  const cases: [string, string, string | null, number][] = [
    ["POST", start, null, 401],
    ["POST", start, other.admin, 404],
    ["POST", start, school.admin, 503],
    ["POST", `/calls/${unknownCall}/token`, null, 401],
    ["POST", `/calls/${unknownCall}/token`, school.admin, 404],
    ["POST", `/calls/${unknownCall}/hands/lower`, null, 401],
    ["POST", `/calls/${unknownCall}/hands/lower`, school.admin, 404],
  ];
  for (const [method, path, token, expected] of cases) {
    const res = await json(t, method, path, token, method === "POST" ? { kind: "meeting" } : {});
    assert.equal(res.status, expected, `${method} ${path} as ${token ? "member" : "anon"}`);
  }
});
