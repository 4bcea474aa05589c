/**
 * Creating a chat: one commit writes the chat, its head, `chat.created` (seq 1) and every
 * initial membership; only then is the event published. A direct chat between two members is
 * unique: asking again returns the existing one.
 */
import type { ChatId, ClassId, Clock, Ids, OrgId, UserId } from "../shared/ids.ts";
import { keys } from "../platform/kv_keys.ts";
import { getManyChunked, listAll, transact } from "../platform/kv_util.ts";
import type { Chat, ChatEvent, ChatHead, ChatKind, ChatMember } from "../shared/chat_model.ts";
import { type Member, type Org, type OrgClass, orgSettings, type Role } from "../shared/model.ts";
import { forbidden, invalidInput, notFound } from "../shared/errors.ts";
import * as policy from "../shared/policy.ts";
import { callerOf } from "../domain/orgs.ts";

export interface CreateChatDeps {
  kv: Deno.Kv;
  clock: Clock;
  ids: Ids;
  publish(chatId: ChatId, events: ChatEvent[]): void;
}

export interface CreateChatInput {
  orgId: string;
  kind: ChatKind;
  title: string | null;
  creatorId: UserId;
  memberIds: UserId[];
  /** A class chat: the class's members (of `classRoles`) join, its teachers as moderators. */
  classId?: ClassId;
  /** Default: students and teachers. */
  classRoles?: Role[];
}

export interface CreatedChat {
  chat: Chat;
  head: ChatHead;
  created: boolean;
}

/** Most members named when creating a chat; more are added afterwards in batches. */
export const MAX_INITIAL_MEMBERS = 300;

export async function createChat(
  deps: CreateChatDeps,
  input: CreateChatInput,
): Promise<CreatedChat> {
  const { kv, clock, ids } = deps;
  const orgId = input.orgId as OrgId;
  const result = await transact<CreatedChat & { events: ChatEvent[] }>(async () => {
    const classMembers = input.classId ? await classRoster(kv, orgId, input) : [];
    const others = [...new Set([...input.memberIds, ...classMembers.map((m) => m.userId)])]
      .filter((id) => id !== input.creatorId);
    if (others.length > MAX_INITIAL_MEMBERS) {
      throw invalidInput(`A new chat takes at most ${MAX_INITIAL_MEMBERS} people`, "memberIds");
    }
    const moderators = new Set(
      classMembers.filter((m) => m.roles.includes("teacher")).map((m) => m.userId),
    );
    const [org, creator] = await kv.getMany<[Org, Member]>([
      keys.org(orgId),
      keys.orgMember(orgId, input.creatorId),
    ]);
    if (!org.value || !creator.value) throw notFound("No such school");
    const caller = callerOf(creator.value);
    const decision = input.classId
      ? policy.canCreateClassChat(caller, input.kind, input.classId)
      : policy.canCreateChat(caller, input.kind);
    if (decision !== "allow") {
      throw forbidden(`Cannot create this ${input.kind}: not allowed for your role`);
    }
    const members = await getManyChunked<Member>(
      kv,
      others.map((id) => keys.orgMember(orgId, id)),
    );
    if (members.some((m) => !m.value)) {
      throw invalidInput("Only members of the school can be added", "memberIds");
    }
    let direct: Deno.KvEntryMaybe<ChatId> | null = null;
    if (input.kind === "direct") {
      if (others.length !== 1) {
        throw invalidInput("A direct chat has exactly one other member", "memberIds");
      }
      const other = members[0]!.value!;
      const childClassIds = await childClasses(kv, orgId, creator.value);
      const shared = other.classIds.filter((id) => creator.value!.classIds.includes(id));
      const sharedClasses = await getManyChunked<OrgClass>(
        kv,
        shared.map((id) => keys.orgClass(orgId, id)),
      );
      const rules = {
        ...orgSettings(org.value),
        classesAllowingStudentDirect: sharedClasses.flatMap((e) =>
          e.value?.studentDirectMessages ? [e.value.id] : []
        ),
      };
      if (!policy.canOpenDirect(caller, callerOf(other), rules, childClassIds)) {
        throw forbidden("Cannot open a direct chat with this person: the school does not allow it");
      }
      direct = await kv.get<ChatId>(keys.directChat(orgId, input.creatorId, other.userId));
      if (direct.value) {
        const [chat, head, mine, theirs] = await kv.getMany<
          [Chat, ChatHead, ChatMember, ChatMember]
        >([
          keys.chat(direct.value),
          keys.chatHead(direct.value),
          keys.chatMember(direct.value, input.creatorId),
          keys.chatMember(direct.value, other.userId),
        ]);
        // A direct chat one of the two has left (with the school) is not handed back: a new
        // one replaces it.
        if (chat.value && head.value && mine.value && theirs.value) {
          return {
            op: null,
            result: { chat: chat.value, head: head.value, created: false, events: [] },
          };
        }
      }
    }
    const now = clock.now();
    const at = new Date(now).toISOString();
    const chat: Chat = {
      id: ids.ulid() as ChatId,
      orgId,
      kind: input.kind,
      title: input.kind === "direct" ? null : input.title,
      createdAt: at,
      createdBy: input.creatorId,
      ...(input.classId ? { classId: input.classId } : {}),
    };
    const memberIds = [input.creatorId, ...others];
    const head: ChatHead = {
      seq: 1,
      lastMessageSeq: 0,
      lastActivityAt: at,
      memberCount: memberIds.length,
    };
    const event: ChatEvent = {
      type: "chat.created",
      seq: 1,
      at,
      actorId: input.creatorId,
      chat,
      memberIds,
    };
    const op = kv.atomic()
      .check({ key: keys.chat(chat.id), versionstamp: null })
      .set(keys.chat(chat.id), chat)
      .set(keys.chatHead(chat.id), head)
      .set(keys.event(chat.id, 1), event)
      .set(keys.chatByOrg(orgId, chat.id), true);
    if (direct) op.check(direct).set(direct.key, chat.id);
    for (const userId of memberIds) {
      const member: ChatMember = {
        userId,
        chatRole: userId === input.creatorId
          ? "owner"
          : moderators.has(userId)
          ? "moderator"
          : "member",
        joinedAt: at,
      };
      op.set(keys.chatMember(chat.id, userId), member).set(keys.chatByUser(userId, chat.id), true);
    }
    return { op, result: { chat, head, created: true, events: [event] } };
  });
  if (result.events.length > 0) deps.publish(result.chat.id, result.events);
  return { chat: result.chat, head: result.head, created: result.created };
}

/** The members of a class chat: the class's members holding one of the chosen roles. */
async function classRoster(kv: Deno.Kv, orgId: OrgId, input: CreateChatInput): Promise<Member[]> {
  const cls = await kv.get<OrgClass>(keys.orgClass(orgId, input.classId!));
  if (!cls.value) throw invalidInput("classId names an unknown class", "classId");
  const roles = input.classRoles ?? ["student", "teacher"];
  const all = await listAll<Member>(kv, keys.orgMembers(orgId));
  return all.map((e) => e.value).filter((m) =>
    m.classIds.includes(input.classId!) && m.roles.some((r) => roles.includes(r))
  );
}

/** The classes of a parent's children in the school. */
async function childClasses(kv: Deno.Kv, orgId: OrgId, parent: Member): Promise<ClassId[]> {
  if (!parent.roles.includes("parent") || parent.childIds.length === 0) return [];
  const children = await getManyChunked<Member>(
    kv,
    parent.childIds.map((id) => keys.orgMember(orgId, id)),
  );
  return children.flatMap((c) => c.value?.classIds ?? []);
}
