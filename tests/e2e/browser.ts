/**
 * Browser test scaffolding: the real server (as `deno task start` runs it) and headless Debian
 * Chromium driven by playwright-core, with helpers to sign in through the UI and to check a
 * page with axe-core.
 */
import { type Browser, type BrowserContext, chromium, type Page } from "playwright-core";
import axe from "axe-core";
import { api, type RealServer, signInReal, startServer } from "../server.ts";

export const OPERATOR = "operator@parta.test";

/** A school applied for and approved by the operator: its id and the admin's invite. */
export async function approvedSchool(
  base: string,
  application: {
    schoolName: string;
    region: string;
    adminName: string;
    adminEmail: string;
    adminPhone?: string;
  },
): Promise<{ orgId: string; adminInvite: { token: string; url: string } }> {
  const applied = await api<{ id: string }>(base, "POST", "/org-applications", null, {
    adminPhone: "+7 900 123-45-67",
    ...application,
  });
  if (applied.status !== 201) throw new Error(`application: ${JSON.stringify(applied)}`);
  const operator = await signInReal(base, OPERATOR, "Оператор");
  const approved = await api<{ org: { id: string }; adminInvite: { token: string; url: string } }>(
    base,
    "POST",
    `/org-applications/${applied.body.id}/approve`,
    operator,
  );
  if (approved.status !== 201) throw new Error(`approval: ${JSON.stringify(approved)}`);
  return { orgId: approved.body.org.id, adminInvite: approved.body.adminInvite };
}

/** A signed-in member: their session token and user id. */
export interface Member {
  token: string;
  id: string;
}

/**
 * An approved school whose admin has accepted, and `people` who joined it by invites for their
 * roles, signed in (returned in the order given).
 */
export async function schoolWith(
  base: string,
  school: { name: string; adminEmail: string; adminName: string },
  people: { role: string; email: string; name: string }[],
): Promise<{ orgId: string; admin: string; people: Member[] }> {
  const approved = await approvedSchool(base, {
    schoolName: school.name,
    region: "Тверь",
    adminName: school.adminName,
    adminEmail: school.adminEmail,
  });
  const orgId = approved.orgId;
  const admin = await signInReal(base, school.adminEmail);
  const accepted = await api(base, "POST", `/invites/${approved.adminInvite.token}/accept`, admin, {
    displayName: school.adminName,
  });
  if (accepted.status !== 200) throw new Error(`admin invite: ${JSON.stringify(accepted)}`);
  const joined: Member[] = [];
  for (const { role, email, name } of people) {
    const invite = await api<{ token: string }>(base, "POST", `/orgs/${orgId}/invites`, admin, {
      role,
    });
    if (invite.status !== 201) throw new Error(`invite: ${JSON.stringify(invite)}`);
    const token = await signInReal(base, email);
    const res = await api(base, "POST", `/invites/${invite.body.token}/accept`, token, {
      displayName: name,
    });
    if (res.status !== 200) throw new Error(`accept: ${JSON.stringify(res)}`);
    const me = await api<{ user: { id: string } }>(base, "GET", "/me", token);
    joined.push({ token, id: me.body.user.id });
  }
  return { orgId, admin, people: joined };
}

export interface E2E extends AsyncDisposable {
  server: RealServer;
  browser: Browser;
  base: string;
  /** A fresh browser profile (cookies and storage of its own), like a separate person. */
  person(options?: { viewport?: { width: number; height: number } }): Promise<BrowserContext>;
}

/** Debian's headless Chromium as every browser test runs it, with `args` besides. */
export function launchChromium(args: string[] = []): Promise<Browser> {
  return chromium.launch({
    executablePath: Deno.env.get("CHROMIUM_PATH") ?? "/usr/bin/chromium",
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-dev-shm-usage",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      ...args,
    ],
  });
}

/** Chromium's fake camera and microphone, always allowed: calls without real devices. */
export const FAKE_MEDIA = ["--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream"];

/** Starts the server on a fresh KV file and a headless Chromium (given `browserArgs` too). */
export async function startE2E(
  env: Record<string, string> = {},
  browserArgs: string[] = [],
): Promise<E2E> {
  const dir = await Deno.makeTempDir({ prefix: "parta-e2e-" });
  const server = await startServer({
    KV_PATH: `${dir}/parta.kv`,
    DEV_OUTBOX: "1",
    OPERATOR_EMAILS: OPERATOR,
    ...env,
  });
  let browser: Browser;
  try {
    browser = await launchChromium(browserArgs);
  } catch (err) {
    await server.stop();
    throw err;
  }
  const contexts: BrowserContext[] = [];
  return {
    server,
    browser,
    base: server.url,
    async person(options = {}) {
      const context = await browser.newContext({
        baseURL: server.url,
        locale: "ru-RU",
        viewport: options.viewport ?? { width: 1280, height: 800 },
      });
      contexts.push(context);
      return context;
    },
    async [Symbol.asyncDispose]() {
      for (const context of contexts) await context.close().catch(() => {});
      await browser.close().catch(() => {});
      await server.stop();
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    },
  };
}

/** The newest six-digit code mailed to `email`, read from the dev outbox. */
export async function mailedCode(base: string, email: string): Promise<string> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const res = await fetch(`${base}/api/v1/dev/outbox?to=${encodeURIComponent(email)}`);
    const { messages } = await res.json() as { messages: { text: string }[] };
    const code = messages.at(-1)?.text.match(/\d{6}/)?.[0];
    if (code) return code;
    if (Date.now() > deadline) throw new Error(`no code mailed to ${email}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * A new browser person signed in as `email` through the form, where they land: their chat list
 * (someone without a name yet: the profile; the operator without a school: the applications).
 */
export async function signedInPage(e2e: E2E, email: string): Promise<Page> {
  const page = await (await e2e.person()).newPage();
  await page.goto("/signin");
  await signInThroughUi(page, e2e.base, email);
  await page.waitForURL(/\/(chats|operator|profile)$/);
  return page;
}

/** Signs in through the sign-in form (already open on `page`, or on /signin). */
export async function signInThroughUi(page: Page, base: string, email: string): Promise<void> {
  if (!(await page.locator("#signin-email").count())) await page.goto("/signin");
  await page.fill("#signin-email", email);
  await page.getByRole("button", { name: "Получить код" }).click();
  await page.locator("#signin-code").waitFor();
  await page.fill("#signin-code", await mailedCode(base, email));
  await page.getByRole("button", { name: "Войти" }).click();
}

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: string[] }[];
}

/** Serious and critical accessibility violations on the page, by axe-core. */
export async function seriousViolations(page: Page): Promise<AxeViolation[]> {
  // Evaluated through the DevTools protocol, which the page's CSP does not govern.
  await page.evaluate(axe.source);
  const violations = await page.evaluate(async () => {
    // deno-lint-ignore no-explicit-any
    const result = await (globalThis as any).axe.run(document, {
      runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] },
    });
    return result.violations as AxeViolation[];
  });
  return violations.filter((v) => v.impact === "serious" || v.impact === "critical");
}

/** Fails with a readable list when the page has serious or critical violations. */
export async function assertAccessible(page: Page, where: string): Promise<void> {
  const violations = await seriousViolations(page);
  if (violations.length > 0) {
    const list = violations.map((v) =>
      `${v.id} (${v.impact}): ${v.help} at ${v.nodes.map((n) => n.target.join(" ")).join("; ")}`
    ).join("\n");
    throw new Error(`${where}: accessibility violations:\n${list}`);
  }
}
