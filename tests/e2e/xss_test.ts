/**
 * XSS in real Chromium: a list of payloads goes through every place user text appears (messages,
 * display names, chat titles, school and class names, file names, poll questions and options,
 * report reasons, application fields, invite previews), seeded through the API of the real server,
 * then every page that shows them is opened. Nothing may execute: a `window.__xss` canary, dialog,
 * page-error, CSP-violation and request listeners watch, the DOM is searched for injected
 * handlers, scripts and frames, and each payload must show as the text it was.
 */
import assert from "node:assert/strict";
import type { BrowserContext, Page } from "playwright-core";
import { OPERATOR, startE2E } from "./browser.ts";
import { signInReal } from "../server.ts";
import { normalizeDisplayName } from "../../domain/display_names.ts";
import { until } from "../until.ts";

/** Each payload is 2..60 characters, so it fits every name field; all differ ignoring case. */
const PAYLOADS = [
  "<script>window.__xss=1</script>",
  "<img src=/xss-2.png onerror=window.__xss=2>",
  "<svg onload=window.__xss=3>",
  "<svg><script>window.__xss=4</script></svg>",
  "javascript:window.__xss=5//",
  "</script><script>window.__xss=6</script>",
  '"><img src=/xss-7.png onerror=window.__xss=7>',
  "'><details open ontoggle=window.__xss=8>",
  "{{7*7}} ${7*7} <%= 7*7 %> #{7*7}",
  "{{constructor.constructor('window.__xss=10')()}}",
  '<a href="javascript:window.__xss=11">жми</a>',
  "data:text/html,<script>window.__xss=12</script>",
  "&lt;script&gt;window.__xss=13&lt;/script&gt;",
  "&#60;img src=/xss-14.png onerror=window.__xss=14&#62;",
  '<iframe srcdoc="<script>parent.__xss=15</script>">',
  "<math><style><img src=/xss-16.png onerror=alert(16)>",
  "\u202Eexe.txt <b>17</b>",
  "зеро\u200Bширина\u200D\uFEFF<b>18</b>",
  "<!--<img src=/xss-19.png onerror=window.__xss=19>-->",
  "<style>body{display:none}</style>",
  'https://e.example/"><script>window.__xss=21</script>',
  "\u2066<b>22</b>\u2069 изоляция",
  "<input autofocus onfocus=window.__xss=23>",
  "<body onpageshow=window.__xss=24>",
] as const;

/** Names and titles refuse bidirectional controls (docs/api.md); files get them replaced. */
const BIDI = /[\u202a-\u202e\u2066-\u2069]/;

interface Problem {
  where: string;
  what: string;
}

const problems: Problem[] = [];
const refusals = new Map<string, number>();

function note(where: string, what: string) {
  problems.push({ where, what });
}

/** Calls the API with a bearer token and, optionally, a forwarded client address. */
async function call<T = Record<string, unknown>>(
  base: string,
  method: string,
  path: string,
  token: string | null,
  body?: unknown,
  forwardedFor?: string,
): Promise<{ status: number; body: T }> {
  const headers: Record<string, string> = {};
  if (token) headers.Authorization = `Bearer ${token}`;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (forwardedFor) headers["X-Forwarded-For"] = forwardedFor;
  const res = await fetch(`${base}/api/v1${path}`, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

/**
 * A payload sent where names go: accepted as itself, or (bidi controls only) refused with 400.
 * Answers the value to expect on pages, or null when refused.
 */
function accepted(
  field: string,
  payload: string,
  res: { status: number; body: unknown },
  stored = (text: string) => text.trim(),
) {
  if (res.status === 400 && BIDI.test(payload)) {
    refusals.set(field, (refusals.get(field) ?? 0) + 1);
    return null;
  }
  if (res.status >= 300) {
    note(
      `seeding ${field}`,
      `${JSON.stringify(payload)} → ${res.status} ${JSON.stringify(res.body)}`,
    );
    return null;
  }
  return stored(payload);
}

interface Seeded {
  orgId: string;
  admin: string;
  student: string;
  schools: { id: string; name: string }[];
  classInvites: { token: string; expect: string[] }[];
  chatInvites: { token: string; expect: string[] }[];
  titledChats: { id: string; title: string }[];
  liveChat: string;
  studentChat: string;
  filesChat: string;
  directChat: string;
  names: string[];
  classes: string[];
  studentTexts: string[];
  fileNames: string[];
  pollTexts: string[];
  applicationTexts: string[];
  adminName: string;
}

async function seed(base: string): Promise<Seeded> {
  const operator = await signInReal(base, OPERATOR, "Оператор");
  const adminEmail = "director@xss.test";
  const admin = await signInReal(base, adminEmail);

  // Schools named by payloads, all run by one admin (the profile lists them all).
  const schools: { id: string; name: string }[] = [];
  let firstInviteAccepted = false;
  let adminName = "";
  for (const [i, payload] of PAYLOADS.entries()) {
    const schoolName = BIDI.test(payload) ? `Школа ${payload}` : payload;
    const applied = await call<{ id: string }>(base, "POST", "/org-applications", null, {
      schoolName,
      region: "Москва",
      adminName: "Директор",
      adminEmail,
      adminPhone: "+7 900 123-45-67",
    }, `198.51.100.${i + 1}`);
    const name = accepted("school names", schoolName, applied);
    if (!name) continue;
    const approved = await call<{ org: { id: string }; adminInvite: { token: string } }>(
      base,
      "POST",
      `/org-applications/${applied.body.id}/approve`,
      operator,
    );
    assert.equal(approved.status, 201, JSON.stringify(approved.body));
    // The admin's name carries a payload too, but not one a student below takes: a student may
    // not take a staff member's name (domain/display_names.ts).
    const displayName = firstInviteAccepted ? undefined : `Директор ${PAYLOADS[0]}`;
    const joined: { status: number; body: unknown } = await call(
      base,
      "POST",
      `/invites/${approved.body.adminInvite.token}/accept`,
      admin,
      {
        displayName,
      },
    );
    assert.equal(joined.status, 200, JSON.stringify(joined.body));
    if (displayName) adminName = displayName;
    firstInviteAccepted = true;
    schools.push({ id: approved.body.org.id, name });
  }
  const orgId = schools[0]!.id;
  const settings = await call(base, "PATCH", `/orgs/${orgId}`, admin, {
    journalUrl: 'https://journal.example/?q="><script>window.__xss=99</script>',
    settings: { quietHours: { enabled: false, start: "21:00", end: "08:00" } },
  });
  assert.equal(settings.status, 200, JSON.stringify(settings.body));
  const badJournal = await call(base, "PATCH", `/orgs/${orgId}`, admin, {
    journalUrl: "javascript:window.__xss=98",
  });
  if (badJournal.status !== 400) {
    note("journalUrl", `javascript: link accepted (${badJournal.status})`);
  }

  // Pending applications for the operator, every field a payload.
  const applicationTexts: string[] = [];
  for (const [i, payload] of PAYLOADS.entries()) {
    const region = PAYLOADS[(i + 1) % PAYLOADS.length]!;
    const adminName = PAYLOADS[(i + 2) % PAYLOADS.length]!;
    const res = await call(base, "POST", "/org-applications", null, {
      schoolName: payload,
      region,
      adminName,
      adminEmail: `applicant${i}@xss.test`,
      adminPhone: "+7 900 000-00-00",
    }, `203.0.113.${i + 1}`);
    if (accepted("application fields", payload + region + adminName, res)) {
      applicationTexts.push(payload.trim(), region.trim(), adminName.trim());
    }
  }

  // Classes named by payloads, a student in each with a payload for a name.
  const classes: string[] = [];
  const names: string[] = [];
  const studentIds: string[] = [];
  const studentTokens: string[] = [];
  const classInvites: { token: string; expect: string[] }[] = [];
  for (const [i, payload] of PAYLOADS.entries()) {
    const cls = await call<{ id: string }>(base, "POST", `/orgs/${orgId}/classes`, admin, {
      name: payload,
    });
    const className = accepted("class names", payload, cls);
    if (className) classes.push(className);
    const invite = await call<{ token: string }>(base, "POST", `/orgs/${orgId}/invites`, admin, {
      role: "student",
      ...(className ? { classId: cls.body.id } : {}),
    });
    assert.equal(invite.status, 201, JSON.stringify(invite.body));
    classInvites.push({
      token: invite.body.token,
      expect: [schools[0]!.name, ...(className ? [className] : [])],
    });
    const token = await signInReal(base, `kid${i}@xss.test`);
    let joined = await call(base, "POST", `/invites/${invite.body.token}/accept`, token, {
      displayName: payload,
    });
    // Names are stored normalised: invisible characters go, as a person would expect.
    const name = accepted("display names", payload, joined, normalizeDisplayName);
    if (name) names.push(name);
    else {
      joined = await call(base, "POST", `/invites/${invite.body.token}/accept`, token, {
        displayName: `Ученик ${i}`,
      });
      assert.equal(joined.status, 200);
    }
    const me = await call<{ user: { id: string } }>(base, "GET", "/me", token);
    studentIds.push(me.body.user.id);
    studentTokens.push(token);
  }

  // Chats titled by payloads, each with a chat invite link to preview.
  const titledChats: { id: string; title: string }[] = [];
  const chatInvites: { token: string; expect: string[] }[] = [];
  for (const [i, payload] of PAYLOADS.entries()) {
    const res = await call<{ chat: { id: string } }>(base, "POST", `/orgs/${orgId}/chats`, admin, {
      kind: "group",
      title: payload,
      memberIds: [studentIds[i]],
    });
    const title = accepted("chat titles", payload, res);
    if (!title) continue;
    titledChats.push({ id: res.body.chat.id, title });
    const link = await call<{ token: string }>(
      base,
      "POST",
      `/chats/${res.body.chat.id}/invites`,
      admin,
      {},
    );
    assert.equal(link.status, 201, JSON.stringify(link.body));
    chatInvites.push({ token: link.body.token, expect: [title] });
  }

  const chat = async (title: string) => {
    const res = await call<{ chat: { id: string } }>(base, "POST", `/orgs/${orgId}/chats`, admin, {
      kind: "group",
      title,
      memberIds: studentIds,
    });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    return res.body.chat.id;
  };
  const liveChat = await chat("Общий");
  const studentChat = await chat("Ученики");
  const filesChat = await chat("Файлы и опросы");
  const direct = await call<{ chat: { id: string } }>(base, "POST", `/orgs/${orgId}/chats`, admin, {
    kind: "direct",
    memberIds: [studentIds[0]],
  });
  assert.ok(direct.status < 300, JSON.stringify(direct.body));

  // Students write, with their payload names as authors and payloads as text.
  const studentTexts: string[] = [];
  for (const [i, payload] of PAYLOADS.entries()) {
    const sent = await call<{ message: { seq: number } }>(
      base,
      "POST",
      `/chats/${studentChat}/messages`,
      studentTokens[i]!,
      {
        clientId: `student-${i}`,
        text: payload,
      },
    );
    const text = accepted("message texts", payload, sent);
    if (text) studentTexts.push(text);
    if (text) {
      // Report reasons are kept with the report and shown to moderators.
      const report = await call(
        base,
        "POST",
        `/chats/${studentChat}/messages/${sent.body.message.seq}/report`,
        studentTokens[(i + 1) % studentTokens.length]!,
        {
          reason: payload,
        },
      );
      accepted("report reasons", payload, report);
    }
  }
  const reports = await fetch(`${base}/api/v1/chats/${studentChat}/reports`, {
    headers: { Authorization: `Bearer ${admin}` },
  });
  if (!/^application\/json/.test(reports.headers.get("Content-Type") ?? "")) {
    note("reports", `served as ${reports.headers.get("Content-Type")}`);
  }
  const reasons = JSON.stringify(await reports.json());
  for (const text of studentTexts) {
    if (!reasons.includes(JSON.stringify(text))) {
      note("reports", `reason ${JSON.stringify(text)} not returned verbatim`);
    }
  }

  // Files named by payloads, and polls whose question and options are payloads.
  const fileNames: string[] = [];
  for (const [i, payload] of PAYLOADS.entries()) {
    const form = new FormData();
    form.append("file", new File([`file ${i}: ${payload}`], payload, { type: "text/html" }));
    const res = await fetch(`${base}/api/v1/chats/${filesChat}/files`, {
      method: "POST",
      headers: { Authorization: `Bearer ${admin}` },
      body: form,
    });
    const body = await res.json() as { file: { id: string; name: string } };
    assert.equal(res.status, 201, JSON.stringify(body));
    fileNames.push(body.file.name);
    const sent = await call(base, "POST", `/chats/${filesChat}/messages`, admin, {
      clientId: `file-${i}`,
      text: "",
      fileIds: [body.file.id],
    });
    assert.equal(sent.status, 201, JSON.stringify(sent.body));
  }
  const pollTexts: string[] = [];
  for (let p = 0; p < 3; p++) {
    const question = PAYLOADS[p * 8 + 1]!;
    const options = Array.from({ length: 8 }, (_, k) => PAYLOADS[(p * 8 + k) % PAYLOADS.length]!)
      .filter((o) => !BIDI.test(o));
    const res = await call(base, "POST", `/chats/${filesChat}/polls`, admin, {
      clientId: `poll-${p}`,
      question,
      options,
    });
    if (accepted("poll questions and options", question, res)) {
      pollTexts.push(question.trim(), ...options.map((o) => o.trim()));
    }
  }
  return {
    orgId,
    admin,
    student: studentTokens[0]!,
    schools,
    classInvites,
    chatInvites,
    titledChats,
    liveChat,
    studentChat,
    filesChat,
    directChat: direct.body.chat.id,
    names,
    classes,
    studentTexts,
    fileNames,
    pollTexts,
    applicationTexts,
    adminName,
  };
}

// ── The watcher in every page ────────────────────────────────────────────────────────────────

/** Installed before any page script: records CSP violations; the canary must stay unset. */
const WATCH = `
  window.__csp = [];
  document.addEventListener("securitypolicyviolation", (e) => {
    window.__csp.push(e.violatedDirective + " " + (e.blockedURI || "inline") + " " + (e.sample || ""));
  });
`;

interface Watched {
  page: Page;
  dialogs: string[];
  errors: string[];
  requests: string[];
}

async function watchedPage(context: BrowserContext): Promise<Watched> {
  const page = await context.newPage();
  await page.addInitScript(WATCH);
  const watched: Watched = { page, dialogs: [], errors: [], requests: [] };
  page.on("dialog", (d) => {
    watched.dialogs.push(`${d.type()}: ${d.message()}`);
    d.dismiss().catch(() => {});
  });
  page.on("pageerror", (err) => watched.errors.push(`page error: ${err.message}`));
  page.on("console", (m) => {
    if (m.type() === "error" && /Content Security Policy/i.test(m.text())) {
      watched.errors.push(`console: ${m.text()}`);
    }
  });
  page.on("request", (r) => {
    if (/\/xss-\d+\.png|evil|e\.example|journal\.example/.test(r.url())) {
      watched.requests.push(r.url());
    }
  });
  return watched;
}

interface PageReport {
  canary: unknown;
  parentCanary: unknown;
  csp: string[];
  injected: string[];
  text: string;
  title: string;
}

/** Searches the live DOM for anything a payload could have become. */
function inspectDom(): PageReport {
  const injected: string[] = [];
  const DANGEROUS_TAGS = new Set(["IFRAME", "FRAME", "OBJECT", "EMBED", "BASE", "MATH"]);
  for (const el of Array.from(document.querySelectorAll("*"))) {
    for (const attr of Array.from(el.attributes)) {
      if (/^on/i.test(attr.name)) injected.push(`${el.tagName} ${attr.name}="${attr.value}"`);
      if (
        /^(href|src|action|formaction|xlink:href|srcdoc|data)$/i.test(attr.name) &&
        /^\s*(javascript|vbscript|data:text\/html)/i.test(attr.value)
      ) injected.push(`${el.tagName} ${attr.name}="${attr.value}"`);
    }
    if (el.tagName === "SCRIPT") {
      const s = el as HTMLScriptElement;
      const ok = (s.type === "module" && s.src.includes("/static/build/") && !s.text) ||
        s.type === "application/json";
      if (!ok) injected.push(`SCRIPT ${s.outerHTML.slice(0, 120)}`);
    }
    if (DANGEROUS_TAGS.has(el.tagName.toUpperCase())) injected.push(el.outerHTML.slice(0, 120));
    if (el.tagName === "STYLE") injected.push(`STYLE ${el.textContent?.slice(0, 80)}`);
    if (el.tagName === "META" && el.getAttribute("http-equiv")) injected.push(el.outerHTML);
    if (el.tagName === "svg" || el.tagName === "SVG") {
      if (el.querySelector("script")) injected.push(el.outerHTML.slice(0, 120));
    }
  }
  // Props elements parse, and each is JSON (a break-out would leave text or markup behind).
  for (const el of Array.from(document.querySelectorAll('script[type="application/json"]'))) {
    try {
      JSON.parse(el.textContent ?? "");
    } catch {
      injected.push(`props ${el.id} are not JSON`);
    }
  }
  const w = globalThis as unknown as {
    __xss?: unknown;
    __csp?: string[];
    parent: { __xss?: unknown };
  };
  return {
    canary: w.__xss,
    parentCanary: w.parent.__xss,
    csp: w.__csp ?? [],
    injected,
    text: document.body?.textContent ?? "",
    title: document.title,
  };
}

let pagesVisited = 0;
let payloadChecks = 0;

/** Opens `path`, lets the islands hydrate, and checks that nothing ran and the texts show. */
async function visit(w: Watched, path: string, expect: string[], opts: { live?: boolean } = {}) {
  const before = { d: w.dialogs.length, e: w.errors.length, r: w.requests.length };
  const res = await w.page.goto(path, { waitUntil: "load" });
  const status = res?.status() ?? 0;
  if (status >= 500) note(path, `answered ${status}`);
  if (opts.live) {
    await w.page.locator(".messenger[data-status=online]").waitFor({ state: "attached" });
  }
  // Island modules run before load; give effects a frame and a task to settle.
  await w.page.evaluate(() => new Promise((r) => requestAnimationFrame(() => setTimeout(r, 50))));
  await check(w, path, expect, before);
  return status;
}

async function check(
  w: Watched,
  where: string,
  expect: string[],
  before: { d: number; e: number; r: number },
) {
  const report = await w.page.evaluate(inspectDom);
  pagesVisited++;
  if (report.canary !== undefined || report.parentCanary !== undefined) {
    note(where, `canary set to ${String(report.canary ?? report.parentCanary)}`);
  }
  for (const d of w.dialogs.slice(before.d)) note(where, `dialog opened: ${d}`);
  for (const e of w.errors.slice(before.e)) note(where, e);
  for (const r of w.requests.slice(before.r)) note(where, `injected request to ${r}`);
  for (const c of report.csp) note(where, `CSP violation (something was injected): ${c}`);
  for (const i of report.injected) note(where, `injected markup: ${i}`);
  const shown = `${report.title}\n${report.text}`;
  for (const text of expect) {
    payloadChecks++;
    if (!shown.includes(text)) note(where, `does not show ${JSON.stringify(text)} as text`);
  }
}

async function signedIn(e2e: Awaited<ReturnType<typeof startE2E>>, token: string) {
  const context = await e2e.person();
  await context.addCookies([{
    name: "parta_session",
    value: token,
    url: e2e.base,
    httpOnly: true,
    sameSite: "Lax",
  }]);
  return context;
}

Deno.test("no payload executes anywhere user text is shown, and every one shows as text", async () => {
  await using e2e = await startE2E({ TRUST_PROXY: "1" });
  // The detector itself: an injection on a page without the app's CSP is seen.
  const probe = await watchedPage(await e2e.person());
  await probe.page.setContent('<img src="/nothing.png" onerror="window.__xss=1"><p>x</p>');
  await until("the probe's handler ran", () => probe.page.evaluate(() => "__xss" in globalThis));
  const seen = await probe.page.evaluate(inspectDom);
  assert.equal(seen.canary, 1);
  assert.equal(seen.injected.length, 1, seen.injected.join("; "));

  const s = await seed(e2e.base);
  const admin = await watchedPage(await signedIn(e2e, s.admin));

  // The chat list: titles, direct peer, schools; each titled chat open on its own.
  await visit(admin, "/chats", s.titledChats.map((c) => c.title), { live: true });
  for (const chat of s.titledChats) {
    await visit(admin, `/chats/${chat.id}`, [chat.title], { live: true });
  }
  await visit(admin, `/chats/${s.studentChat}`, [...s.studentTexts, ...s.names], { live: true });
  await visit(admin, `/chats/${s.filesChat}`, [...s.fileNames, ...s.pollTexts], { live: true });
  await visit(admin, `/chats/${s.directChat}`, s.names.slice(0, 1), { live: true });

  // Live: payloads arrive over the socket into an open chat, then render again from the server.
  const student = await watchedPage(await signedIn(e2e, s.student));
  await visit(student, `/chats/${s.liveChat}`, [], { live: true });
  const before = { d: 0, e: student.errors.length, r: student.requests.length };
  const liveTexts: string[] = [];
  for (const [i, payload] of PAYLOADS.entries()) {
    const sent = await call(e2e.base, "POST", `/chats/${s.liveChat}/messages`, s.admin, {
      clientId: `live-${i}`,
      text: payload,
    });
    const text = accepted("live message texts", payload, sent);
    if (text) liveTexts.push(text);
  }
  await until("live messages shown", async () => {
    const text = await student.page.evaluate(() => document.body.textContent ?? "");
    return liveTexts.every((t) => text.includes(t));
  }).catch((err) => note(`/chats/${s.liveChat} (live)`, String(err)));
  await check(student, `/chats/${s.liveChat} (live)`, liveTexts, before);
  await visit(student, `/chats/${s.liveChat}`, liveTexts, { live: true });
  await visit(student, `/chats/${s.filesChat}`, [...s.fileNames, ...s.pollTexts], { live: true });

  // The admin console of the main school and of every payload-named one; the profile.
  await visit(admin, `/admin/${s.orgId}`, [s.schools[0]!.name, ...s.classes, ...s.names]);
  for (const school of s.schools.slice(1)) await visit(admin, `/admin/${school.id}`, [school.name]);
  await visit(admin, "/profile", [...s.schools.map((x) => x.name), s.adminName]);

  // Invite previews, signed out and signed in.
  const guest = await watchedPage(await e2e.person());
  const chatInvitePages: number[] = [];
  for (const invite of s.classInvites) await visit(guest, `/invite/${invite.token}`, invite.expect);
  for (const invite of s.classInvites.slice(0, 3)) {
    await visit(admin, `/invite/${invite.token}`, invite.expect);
  }
  for (const invite of s.chatInvites) {
    // What a chat link's page shows is checked elsewhere; here only that nothing runs.
    chatInvitePages.push(await visit(guest, `/invite/${invite.token}`, []));
  }

  // The operator's list of pending applications.
  const operatorToken = await signInReal(e2e.base, OPERATOR);
  const operator = await watchedPage(await signedIn(e2e, operatorToken));
  await visit(operator, "/operator", s.applicationTexts);

  console.log(
    [
      `XSS: ${PAYLOADS.length} payloads through school names, application fields, class names,`,
      `  display names, chat titles, messages (server-rendered and live), file names, polls,`,
      `  report reasons and invite previews; ${pagesVisited} page views, ${payloadChecks} payload`,
      `  texts checked to show as text. Refused at the API (bidi controls): ${
        JSON.stringify(Object.fromEntries(refusals))
      }.`,
      `  Chat invite previews answered ${[...new Set(chatInvitePages)].join("/")}.`,
    ].join("\n"),
  );
  assert.deepEqual(
    problems,
    [],
    `XSS findings:\n${problems.map((p) => `${p.where}: ${p.what}`).join("\n")}`,
  );
});
