/**
 * Reports of messages to a chat's moderators and the school's admins. A report keeps a copy of
 * the message as it was, so deleting the message later does not erase the evidence.
 */
import type { ChatId, OrgId, UserId } from "../shared/ids.ts";
import { keys } from "../platform/kv_keys.ts";
import { getManyChunked, listAll } from "../platform/kv_util.ts";
import type { AuditEntry, Message } from "../shared/chat_model.ts";

export interface Report {
  id: string;
  orgId: OrgId;
  chatId: ChatId;
  messageSeq: number;
  reporterId: UserId;
  reason: string;
  at: string;
  /** The message as it was when reported. */
  message: Pick<Message, "authorId" | "kind" | "text" | "createdAt" | "editedAt">;
}

/** A report of `message` by `reporterId`, with its copy of the message as it is now. */
export function newReport(
  id: string,
  at: string,
  orgId: OrgId,
  message: Message,
  reporterId: UserId,
  reason: string,
): Report {
  return {
    id,
    orgId,
    chatId: message.chatId,
    messageSeq: message.seq,
    reporterId,
    reason,
    at,
    message: {
      authorId: message.authorId,
      kind: message.kind,
      text: message.text,
      createdAt: message.createdAt,
      ...(message.editedAt ? { editedAt: message.editedAt } : {}),
    },
  };
}

/** The school's reports, newest first. */
export async function listOrgReports(kv: Deno.Kv, orgId: OrgId, limit = 200): Promise<Report[]> {
  const entries = await listAll<Report>(kv, keys.reports(orgId), { reverse: true, limit });
  return entries.map((e) => e.value);
}

/** A chat's reports, newest first. */
export async function listChatReports(
  kv: Deno.Kv,
  orgId: OrgId,
  chatId: ChatId,
  limit = 200,
): Promise<Report[]> {
  const index = await listAll<true>(kv, keys.chatReports(chatId), { reverse: true, limit });
  const entries = await getManyChunked<Report>(
    kv,
    index.map((e) => keys.report(orgId, e.key[2] as string)),
  );
  return entries.flatMap((e) => e.value ? [e.value] : []);
}

/** The school's audit log, newest first, before the entry id `before` if given. */
export async function listAudit(
  kv: Deno.Kv,
  orgId: OrgId,
  limit: number,
  before?: string,
): Promise<AuditEntry[]> {
  const selector = before
    ? { prefix: keys.auditLog(orgId), end: keys.auditEntry(orgId, before) }
    : { prefix: keys.auditLog(orgId) };
  const out: AuditEntry[] = [];
  for await (const e of kv.list<AuditEntry>(selector, { reverse: true, limit })) out.push(e.value);
  return out;
}
