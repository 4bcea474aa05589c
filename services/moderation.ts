/**
 * School-wide moderation, for the school's admins: the reports of all its chats and the audit
 * log, each with the chats' titles and the people's names so a list reads without more requests.
 * (Moderation inside one chat is on its {@link ChatScope}.)
 */
import type { UserId } from "../shared/ids.ts";
import { isUlid } from "../shared/ids.ts";
import { keys } from "../platform/kv_keys.ts";
import { getManyChunked } from "../platform/kv_util.ts";
import type { Chat } from "../shared/chat_model.ts";
import { getUsers } from "../domain/users.ts";
import { loadOrgForCaller } from "../domain/orgs.ts";
import { canUpdateOrg } from "../shared/policy.ts";
import { listAudit, listOrgReports } from "../domain/reports.ts";
import { forbidden, invalidInput, notFound } from "../shared/errors.ts";
import type { Org } from "../shared/model.ts";

export class ModerationService {
  readonly #kv: Deno.Kv;

  constructor(deps: { kv: Deno.Kv }) {
    this.#kv = deps.kv;
  }

  /** The school as its admin moderates it: 404 for outsiders, 403 for other members. */
  async open(userId: UserId, orgId: string): Promise<SchoolModeration> {
    const { org, caller } = await loadOrgForCaller(this.#kv, orgId, userId);
    const decision = canUpdateOrg(caller);
    if (decision === "not_found") throw notFound("No such school");
    if (decision === "forbidden") throw forbidden("Only school admins see this");
    return new SchoolModeration(this.#kv, org);
  }
}

/** One school's reports and audit log, for one of its admins (see {@link ModerationService.open}). */
export class SchoolModeration {
  constructor(readonly kv: Deno.Kv, readonly org: Org) {}

  /** The school's reports, newest first. */
  async reports() {
    const reports = await listOrgReports(this.kv, this.org.id);
    const named = await this.#named(reports, (r) => [r.reporterId, r.message.authorId]);
    return { reports, ...named };
  }

  /** The school's audit log, newest first, before the entry `before` if given. */
  async audit(limit: number, before: string | undefined) {
    if (before !== undefined && !isUlid(before)) {
      throw invalidInput("before must be an id", "before");
    }
    const entries = await listAudit(this.kv, this.org.id, limit, before);
    const named = await this.#named(entries, (e) => [e.actorId, e.targetUserId]);
    return { entries, ...named };
  }

  /** The titles of the chats and the names of the people that `items` mention. */
  async #named<T extends { chatId: string }>(
    items: T[],
    people: (item: T) => (string | undefined)[],
  ) {
    const chatIds = [...new Set(items.map((i) => i.chatId))];
    const userIds = [...new Set(items.flatMap((i) => people(i).filter((id) => id !== undefined)))];
    const [chats, users] = await Promise.all([
      getManyChunked<Chat>(this.kv, chatIds.map((id) => keys.chat(id as Chat["id"]))),
      getUsers(this.kv, userIds as UserId[]),
    ]);
    const chatTitles = Object.fromEntries(
      chatIds.map((id, i) => [id, chats[i]!.value?.title ?? null]),
    );
    const names = Object.fromEntries(userIds.map((id, i) => [id!, users[i]?.displayName ?? null]));
    return { chatTitles, names };
  }
}
