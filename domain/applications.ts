/**
 * A school's way in: it applies, the platform operator approves, and the approval creates the
 * school with an admin invite, in one commit.
 */
import type { ApplicationId, Clock, Ids, OrgId, UserId } from "../shared/ids.ts";
import { isUlid } from "../shared/ids.ts";
import { keys } from "../platform/kv_keys.ts";
import { commit, getManyChunked, listAll, transact } from "../platform/kv_util.ts";
import {
  type ApplicationStatus,
  defaultOrgSettings,
  type Invite,
  type Org,
  type OrgApplication,
} from "../shared/model.ts";
import { conflict, notFound } from "../shared/errors.ts";
import { MAX_TTL_HOURS, newInvite, storeInvite } from "./invites.ts";
import type { Mail } from "../platform/mail.ts";
import { writeEffect } from "../effects/outbox.ts";

export interface ApplicationInput {
  schoolName: string;
  region: string;
  adminName: string;
  adminEmail: string;
  adminPhone: string;
}

interface Deps {
  kv: Deno.Kv;
  clock: Clock;
  ids: Ids;
}

/** Stores a new pending application. */
export async function createApplication(
  deps: Deps,
  input: ApplicationInput,
): Promise<OrgApplication> {
  const id = deps.ids.ulid() as ApplicationId;
  const application: OrgApplication = {
    id,
    ...input,
    status: "pending",
    createdAt: new Date(deps.clock.now()).toISOString(),
  };
  await commit(
    deps.kv.atomic()
      .check({ key: keys.application(id), versionstamp: null })
      .set(keys.application(id), application)
      .set(keys.applicationByStatus("pending", id), true),
  );
  return application;
}

/** Applications with `status`, oldest first (at most 500). */
export async function listApplications(
  kv: Deno.Kv,
  status: ApplicationStatus,
): Promise<OrgApplication[]> {
  const index = await listAll<true>(kv, keys.applicationsByStatus(status), { limit: 500 });
  const entries = await getManyChunked<OrgApplication>(
    kv,
    index.map((e) => keys.application(e.key[2] as ApplicationId)),
  );
  return entries.flatMap((e) => e.value ? [e.value] : []);
}

async function loadPending(kv: Deno.Kv, id: string) {
  if (!isUlid(id)) throw notFound("No such application");
  const entry = await kv.get<OrgApplication>(keys.application(id as ApplicationId));
  if (!entry.value) throw notFound("No such application");
  if (entry.value.status !== "pending") {
    throw conflict(`The application is already ${entry.value.status}`);
  }
  return entry as Deno.KvEntry<OrgApplication>;
}

function moveStatus(op: Deno.AtomicOperation, app: OrgApplication, to: ApplicationStatus) {
  op.delete(keys.applicationByStatus(app.status, app.id))
    .set(keys.applicationByStatus(to, app.id), true);
}

export interface Approval {
  application: OrgApplication;
  org: Org;
  adminInvite: Invite;
  /** The effect that mails the decision, if one was written. */
  mailEffect: string | null;
}

/** The mail a decision owes the applicant, written as an effect in the decision's commit. */
export type DecisionMail<T> = (decided: T) => Mail;

/** Approves a pending application: creates the school and a 30-day invite for its admin. */
export async function approveApplication(
  deps: Deps,
  id: string,
  operatorId: UserId,
  mail?: DecisionMail<Omit<Approval, "mailEffect">>,
): Promise<Approval> {
  const { kv, clock, ids } = deps;
  return await transact(async () => {
    const entry = await loadPending(kv, id);
    const now = clock.now();
    const orgId = ids.ulid() as OrgId;
    const org: Org = {
      id: orgId,
      name: entry.value.schoolName,
      region: entry.value.region,
      journalUrl: null,
      settings: defaultOrgSettings(),
      createdAt: new Date(now).toISOString(),
      applicationId: entry.value.id,
    };
    const adminInvite = newInvite(clock, ids, {
      orgId,
      role: "admin",
      maxUses: 1,
      ttlHours: MAX_TTL_HOURS,
      createdBy: null,
      byAdmin: true,
    });
    const application: OrgApplication = {
      ...entry.value,
      status: "approved",
      decidedAt: new Date(now).toISOString(),
      decidedBy: operatorId,
      orgId,
    };
    const op = kv.atomic().check(entry)
      .check({ key: keys.org(orgId), versionstamp: null })
      .set(keys.org(orgId), org)
      .set(keys.application(application.id), application);
    moveStatus(op, entry.value, "approved");
    storeInvite(op, adminInvite, now);
    const mailEffect = mail
      ? writeEffect(op, ids.ulid(), {
        kind: "mail.send",
        ...mail({ application, org, adminInvite }),
      }, now).id
      : null;
    return { op, result: { application, org, adminInvite, mailEffect } };
  });
}

/** Rejects a pending application with a reason the school will read. */
export async function rejectApplication(
  deps: Deps,
  id: string,
  operatorId: UserId,
  reason: string,
  mail?: DecisionMail<OrgApplication>,
): Promise<{ application: OrgApplication; mailEffect: string | null }> {
  const { kv, clock, ids } = deps;
  return await transact(async () => {
    const entry = await loadPending(kv, id);
    const application: OrgApplication = {
      ...entry.value,
      status: "rejected",
      decidedAt: new Date(clock.now()).toISOString(),
      decidedBy: operatorId,
      reason,
    };
    const op = kv.atomic().check(entry).set(keys.application(application.id), application);
    moveStatus(op, entry.value, "rejected");
    const mailEffect = mail
      ? writeEffect(op, ids.ulid(), { kind: "mail.send", ...mail(application) }, clock.now()).id
      : null;
    return { op, result: { application, mailEffect } };
  });
}
