/**
 * The chat domain's way in: chats, members, messages, reactions, read markers, the event log,
 * polls, announcements' acknowledgements, planned lessons and chat invite links. HTTP routes and
 * WebSocket frames call these functions with parsed input and render what they return; the
 * checks and the commands are here and in the chat actor, nowhere else.
 */
import type { ChatId, ClassId, OrgId, UserId } from "../shared/ids.ts";
import { isUlid } from "../shared/ids.ts";
import type { ChatKind } from "../shared/chat_model.ts";
import type { SendInput } from "../domain/chat_input.ts";
import { chatView, listChatHeadsOfUser, listChatsOfUser, loadChatAccess } from "../domain/chats.ts";
import { listUpcoming } from "../domain/lessons.ts";
import { getUsers } from "../domain/users.ts";
import { invalidInput, notFound } from "../shared/errors.ts";
import type { Role } from "../shared/model.ts";
import type { SendOutcome } from "../actors/chat_actor.ts";
import { unwrap } from "../actors/mailbox.ts";
import { readMarkers } from "./chat_queries.ts";
import { ChatScope, type ChatServiceDeps, members, send } from "./chat_scope.ts";

export { ChatScope, type ChatServiceDeps, type HistoryPage, memberId } from "./chat_scope.ts";

export interface NewChat {
  kind: ChatKind;
  title?: string | null;
  memberIds: string[];
  classId?: string;
  classRoles?: Role[];
}

export class ChatService {
  readonly #d: ChatServiceDeps;

  constructor(deps: ChatServiceDeps) {
    this.#d = deps;
  }

  /**
   * The chat as the caller may use it: 404 unless they may read it. Everything done in one
   * chat goes through the scope this returns, so access is read once per request.
   */
  async open(userId: UserId, chatId: string): Promise<ChatScope> {
    return new ChatScope(this.#d, userId, await loadChatAccess(this.#d.kv, chatId, userId));
  }

  /**
   * Sends from a socket that follows the chat (the gateway drops a follow the moment access
   * ends), so no access read is needed; the chat actor still authorizes. Same command as
   * {@link ChatScope.send}.
   */
  async sendFollowed(userId: UserId, chatId: ChatId, input: SendInput): Promise<SendOutcome> {
    return await send(this.#d, userId, chatId, input);
  }

  async create(userId: UserId, orgId: string, input: NewChat) {
    if (input.kind !== "direct" && !input.title) {
      throw invalidInput("title is required for groups and channels", "title");
    }
    if (!isUlid<OrgId>(orgId)) throw notFound("No such school");
    const command = {
      type: "createChat",
      input: {
        orgId,
        kind: input.kind,
        title: input.title ?? null,
        creatorId: userId,
        memberIds: input.memberIds as UserId[],
        classId: input.classId as ClassId | undefined,
        classRoles: input.classRoles,
      },
    } as const;
    const { chat, head, created } = unwrap(await this.#d.orgs.get(orgId).run(command));
    return { chat: { ...chatView(chat, head), members: await members(this.#d, chat) }, created };
  }

  /** The caller's chats with unread counts and last messages. */
  list(userId: UserId) {
    return listChatsOfUser(this.#d.kv, userId, this.#d.clock.now());
  }

  /**
   * The caller's chat list as the messenger shows it: each chat with, for a direct chat, the
   * other person and how far they have read.
   */
  async overview(userId: UserId) {
    const rows = (await this.list(userId)).map((r) => ({
      ...r,
      peerId: r.kind === "direct" ? r.peer?.userId ?? null : null,
    }));
    const directs = rows.filter((r) => r.peerId !== null);
    const read = await readMarkers(
      this.#d.kv,
      directs.map((r) => ({ chatId: r.id as ChatId, userId: r.peerId! })),
    );
    const peerRead = new Map(directs.map((r, i) => [r.id, read[i]!]));
    return rows.map((r) => ({ ...r, peerReadSeq: peerRead.get(r.id) ?? 0 }));
  }

  /**
   * The chats a socket of `userId` follows, with each one's head and school: the chats of the
   * schools they still belong to.
   */
  followed(userId: UserId) {
    return listChatHeadsOfUser(this.#d.kv, userId);
  }

  /** The display names of the given people, in order (null for an account that is gone). */
  async names(ids: readonly UserId[]): Promise<(string | null)[]> {
    const users = await getUsers(this.#d.kv, [...ids]);
    return ids.map((_, i) => users[i]?.displayName ?? null);
  }

  /** The lessons and meetings ahead of the caller across their chats, soonest first. */
  upcomingLessons(userId: UserId, limit?: number) {
    return listUpcoming(this.#d.kv, userId, this.#d.clock.now(), limit);
  }
}
