/**
 * Schools' applications for a space, and the platform operator's decisions on them. A decision
 * and the mail it owes the applicant are one commit: the mail is an effect, sent before the
 * operator gets the answer when the mail server takes it, retried later when it does not.
 */
import type { Clock, Ids } from "../shared/ids.ts";
import type { Config } from "../platform/config.ts";
import type { ApplicationStatus, User } from "../shared/model.ts";
import {
  approveApplication,
  createApplication,
  listApplications,
  rejectApplication,
} from "../domain/applications.ts";
import { createdInvite } from "../domain/invites.ts";
import { formatDateTime, t } from "../shared/i18n.ts";
import { enforce } from "../platform/rate_limit.ts";
import { notFound } from "../shared/errors.ts";
import type { EffectRunner } from "../effects/runner.ts";

/** Applications one client address may send in an hour. */
const APPLY_RATE = { bucket: "org_application_addr", limit: 20, windowMs: 3600_000 };

export interface ApplicationServiceDeps {
  kv: Deno.Kv;
  clock: Clock;
  ids: Ids;
  config: Config;
  effects: EffectRunner;
}

export class ApplicationService {
  readonly #d: ApplicationServiceDeps;

  constructor(deps: ApplicationServiceDeps) {
    this.#d = deps;
  }

  /** A school applies (anyone, within a rate per client address). */
  async apply(input: Parameters<typeof createApplication>[1], address: string) {
    await enforce(this.#d.kv, this.#d.clock, APPLY_RATE, address);
    const application = await createApplication(this.#d, input);
    return { id: application.id, status: application.status };
  }

  /** The platform operator; anyone else gets 404, as if the route did not exist. */
  #operator(user: User): User {
    if (!this.#d.config.operatorEmails.has(user.email)) throw notFound();
    return user;
  }

  /** Applications in one status; `status()` reads it from the request once the operator is known. */
  async list(user: User, status: () => ApplicationStatus) {
    this.#operator(user);
    return { applications: await listApplications(this.#d.kv, status()) };
  }

  /** Approves: the school and its admin's invite are created, and the applicant is mailed. */
  async approve(user: User, id: string, read: () => Promise<void>) {
    const operator = this.#operator(user);
    await read();
    const appOrigin = this.#d.config.appOrigin;
    const { org, adminInvite, mailEffect } = await approveApplication(
      this.#d,
      id,
      operator.id,
      ({ application, org, adminInvite }) => {
        const invite = createdInvite(appOrigin, adminInvite);
        return {
          to: application.adminEmail,
          subject: t("ru", "mail.adminInvite.subject", { school: org.name }),
          text: t("ru", "mail.adminInvite.text", {
            name: application.adminName,
            school: org.name,
            url: invite.url,
            expires: formatDateTime("ru", invite.expiresAt, org.settings.timeZone),
          }),
        };
      },
    );
    if (mailEffect) await this.#d.effects.runNow([mailEffect]);
    const invite = createdInvite(appOrigin, adminInvite);
    return {
      org: { id: org.id, name: org.name },
      adminInvite: { token: invite.token, url: invite.url, expiresAt: invite.expiresAt },
    };
  }

  /** Rejects with a reason the school reads in its mail. */
  async reject(user: User, id: string, read: () => Promise<{ reason: string }>) {
    const operator = this.#operator(user);
    const { reason } = await read();
    const { application, mailEffect } = await rejectApplication(
      this.#d,
      id,
      operator.id,
      reason,
      (application) => ({
        to: application.adminEmail,
        subject: t("ru", "mail.applicationRejected.subject", { school: application.schoolName }),
        text: t("ru", "mail.applicationRejected.text", {
          name: application.adminName,
          school: application.schoolName,
          reason,
        }),
      }),
    );
    if (mailEffect) await this.#d.effects.runNow([mailEffect]);
    return { id: application.id, status: application.status };
  }
}
