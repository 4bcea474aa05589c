/**
 * The identity domain's way in: sign-in by mailed code or single sign-on, sign-out, and one's own
 * profile. Signing in again or out ends the earlier session on every worker's sockets at once.
 * (Cookies and redirects are the route's.)
 */
import type { Clock, Ids } from "../shared/ids.ts";
import { sha256Hex } from "../shared/ids.ts";
import type { Config } from "../platform/config.ts";
import type { Mailer } from "../platform/mail.ts";
import { listOutbox } from "../platform/mail.ts";
import { orgSettings, type User } from "../shared/model.ts";
import type { OidcClient } from "../platform/oidc.ts";
import * as auth from "../domain/auth.ts";
import { publicSelf, updateUser } from "../domain/users.ts";
import { getOrg, listOrgsOfUser } from "../domain/orgs.ts";
import { enforce } from "../platform/rate_limit.ts";
import { notFound } from "../shared/errors.ts";
import type { Gateway } from "../actors/gateway.ts";
import { dropSessionSubscriptions } from "../domain/push.ts";
import { scheduleDigest } from "../domain/digest.ts";

/** Each start stores a flow for 10 minutes; bound how many one address can make. */
const SSO_START_RATE = { bucket: "sso_start_addr", limit: 100, windowMs: 15 * 60_000 };

export interface IdentityServiceDeps {
  kv: Deno.Kv;
  clock: Clock;
  ids: Ids;
  mailer: Mailer;
  config: Config;
  oidc: OidcClient | null;
  gateway: Gateway;
}

export class IdentityService {
  readonly #d: IdentityServiceDeps;

  constructor(deps: IdentityServiceDeps) {
    this.#d = deps;
  }

  /** Mails a sign-in code to `email` (limits per address and per email: 429). */
  requestCode(email: string, address: string): Promise<void> {
    return auth.requestCode(this.#d, email, address);
  }

  /** The signed-in user a session token stands for, or null (unknown, expired, malformed). */
  sessionUser(token: string) {
    return auth.getSessionUser(this.#d, token);
  }

  /** A live session by its token (a socket's), with its user, or null. */
  session(token: string) {
    return auth.getSession(this.#d, token);
  }

  /**
   * Signs in with a mailed code. `previous` is the session the caller came with, if any: it is
   * replaced, and its sockets close.
   */
  async verify(email: string, code: string, address: string, previous: string | null) {
    const before = previous ? await auth.getSession(this.#d, previous) : null;
    const signedIn = await auth.verifyCode(this.#d, email, code.trim(), address, previous);
    await this.#ended(before);
    await this.#endSocketsOf(previous);
    return { user: publicSelf(signedIn.user), token: signedIn.token };
  }

  /**
   * Ends the session `token`: in KV, then on every worker's sockets; the browser it subscribed
   * to notifications gets none any more.
   */
  async signOut(token: string | null): Promise<void> {
    if (!token) return;
    const before = await auth.getSession(this.#d, token);
    await auth.revokeSession(this.#d, token);
    await this.#ended(before);
    await this.#endSocketsOf(token);
  }

  /** A session that ended takes its push subscriptions with it (the browser may be shared). */
  async #ended(session: Awaited<ReturnType<typeof auth.getSession>>) {
    if (session) await dropSessionSubscriptions(this.#d.kv, session.user.id, session.tokenHash);
  }

  async #endSocketsOf(token: string | null) {
    if (token) this.#d.gateway.endSession(await sha256Hex(token));
  }

  /** Which single sign-on the server offers. */
  providers() {
    return { oidc: this.#d.oidc !== null };
  }

  #oidc(): OidcClient {
    if (!this.#d.oidc) throw notFound("Single sign-on is not set up");
    return this.#d.oidc;
  }

  /** Starts an OpenID Connect sign-in from `address`: where to send the browser, and the state. */
  async startSso(address: string) {
    const oidc = this.#oidc();
    await enforce(this.#d.kv, this.#d.clock, SSO_START_RATE, address);
    return await oidc.start();
  }

  /** Finishes it from the provider's redirect; signs in like {@link verify}. */
  async finishSso(callbackUrl: URL, state: string, previous: string | null) {
    const { email } = await this.#oidc().finish(callbackUrl, state);
    const before = previous ? await auth.getSession(this.#d, previous) : null;
    const signedIn = await auth.signInVerifiedEmail(this.#d, email, previous);
    await this.#ended(before);
    await this.#endSocketsOf(previous);
    return { token: signedIn.token, named: signedIn.user.displayName !== null };
  }

  /** Whether single sign-on is set up (404 for its routes otherwise). */
  requireSso(): void {
    this.#oidc();
  }

  /** The schools `userId` belongs to, with their roles in each. */
  schoolsOf(userId: User["id"]) {
    return listOrgsOfUser(this.#d.kv, userId);
  }

  /** The caller, whether they operate the platform, and their schools. */
  async me(user: User) {
    return {
      user: publicSelf(user),
      operator: this.#d.config.operatorEmails.has(user.email),
      orgs: await this.schoolsOf(user.id),
    };
  }

  /** Changes one's name, language or e-mail choice; a daily digest chosen is scheduled at once. */
  async updateProfile(user: User, patch: Parameters<typeof updateUser>[2]) {
    const updated = await updateUser(this.#d.kv, user.id, patch);
    if (patch.unreadEmail === "daily") {
      const [school] = await listOrgsOfUser(this.#d.kv, user.id);
      const org = school ? await getOrg(this.#d.kv, school.id) : null;
      if (org) await scheduleDigest(this.#d, user.id, orgSettings(org).timeZone);
    }
    return { user: publicSelf(updated) };
  }

  /** Mail kept instead of sent, to the address `to()` names if any (DEV_OUTBOX only; else 404). */
  async devOutbox(to: () => string | null) {
    if (!this.#d.config.devOutbox) throw notFound();
    return { messages: await listOutbox(this.#d.kv, to()) };
  }
}
