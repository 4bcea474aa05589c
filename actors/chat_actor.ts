/**
 * The chat actor: one per chat per isolate. Every change to a chat is validated, authorized and
 * rate-limited here, then appended to the chat's event log in one atomic commit that checks the
 * chat head — so `seq` is gap-free even when several isolates host the same chat. While a
 * commit is in flight, new commands queue up and go into the next commit together (group
 * commit). Only after a commit succeeds are its events delivered and published.
 */
import type { ChatId, Clock, Ids, UserId } from "../lib/ids.ts";
import { keys } from "../lib/kv_keys.ts";
import { commit, getManyChunked } from "../lib/kv_util.ts";
import type {
  Chat,
  ChatEvent,
  ChatHead,
  ChatInvite,
  ChatMember,
  ChatRole,
  EventDraft,
  Message,
} from "../lib/chat_model.ts";
import { inviteGone, inviteState } from "../lib/invites.ts";
import { MAX_CHAT_MEMBERS } from "../lib/chat_model.ts";
import type { Member } from "../lib/model.ts";
import { conflict, forbidden, invalidInput, notFound, rateLimited } from "../lib/errors.ts";
import * as policy from "../lib/policy.ts";
import { type Bucket, SEND_RULE, take } from "../lib/allowance.ts";
import { Mailbox, type Result } from "./mailbox.ts";
import type { Activation } from "./host.ts";

export interface ChatActorDeps {
  kv: Deno.Kv;
  clock: Clock;
  ids: Ids;
  /** Receives each commit's events, in seq order, right after the commit. */
  publish(chatId: ChatId, events: ChatEvent[]): void;
}

export type ChatCommand =
  | { type: "send"; actorId: UserId; clientId: string; text: string; replyToSeq?: number }
  | { type: "edit"; actorId: UserId; seq: number; text: string }
  | { type: "delete"; actorId: UserId; seq: number }
  | { type: "react"; actorId: UserId; seq: number; emoji: string; add: boolean }
  | { type: "addMembers"; actorId: UserId; userIds: UserId[] }
  | { type: "join"; actorId: UserId; inviteToken: string }
  | { type: "removeMember"; actorId: UserId; userId: UserId; system?: boolean }
  | { type: "rename"; actorId: UserId; title: string };

export interface SendOutcome {
  message: Message;
  /** False when the clientId had been used: the original message, nothing appended. */
  created: boolean;
}

/** Most commands in one commit; each send writes four keys at most. */
const MAX_BATCH = 200;
/** Stay well inside KV's 1000 mutations and 800 KiB per atomic operation. */
const MAX_MUTATIONS = 900;
const MAX_BYTES = 700 * 1024;
/** KV Connect allows 10 checks per atomic operation; the head takes one. */
const MAX_CHECKS = 10;
const MAX_ATTEMPTS = 30;
/** Distinct reactions on one message, and per member on one message. */
const MAX_EMOJIS = 20;
const MAX_OWN_EMOJIS = 10;

/** What a round of commands read from KV before deciding. */
interface Reads {
  chatMembers: Map<UserId, ChatMember | null>;
  orgMembers: Map<UserId, Member | null>;
  allowances: Map<UserId, Bucket | null>;
  clientSeqs: Map<string, number | null>;
  messages: Map<number, Message | null>;
  ownReactions: Map<string, string[]>;
  invites: Map<string, Deno.KvEntryMaybe<ChatInvite>>;
}

/** The writes and events of one commit, built command by command. */
class Plan {
  readonly op: Deno.AtomicOperation;
  readonly events: ChatEvent[] = [];
  mutations = 1;
  bytes = 0;
  checks = 1;
  seq: number;
  lastMessageSeq: number;
  memberCount: number;
  readonly messages = new Map<number, Message>();
  readonly clientSeqs = new Map<string, number>();
  readonly allowances = new Map<UserId, Bucket>();
  readonly ownReactions = new Map<string, string[]>();
  readonly memberChanges = new Map<UserId, ChatMember | null>();
  title: string | null | undefined = undefined;

  constructor(kv: Deno.Kv, readonly head: Deno.KvEntry<ChatHead>, readonly at: string) {
    this.op = kv.atomic().check(head);
    this.seq = head.value.seq;
    this.lastMessageSeq = head.value.lastMessageSeq;
    this.memberCount = head.value.memberCount;
  }

  /** Whether a command of the given cost still fits in this commit. */
  fits([mutations, bytes, checks]: Cost): boolean {
    return this.mutations + mutations <= MAX_MUTATIONS && this.bytes + bytes <= MAX_BYTES &&
      this.checks + checks <= MAX_CHECKS;
  }

  check(entry: Deno.AtomicCheck): void {
    this.op.check(entry);
    this.checks++;
  }

  set(key: Deno.KvKey, value: unknown, size = 0): void {
    this.op.set(key, value);
    this.mutations++;
    this.bytes += 200 + size;
  }

  delete(key: Deno.KvKey): void {
    this.op.delete(key);
    this.mutations++;
    this.bytes += 100;
  }

  /** Appends an event with the next seq. */
  append(event: EventDraft, size = 0): ChatEvent {
    const full = { ...event, seq: ++this.seq, at: this.at } as ChatEvent;
    this.events.push(full);
    this.set(keys.event(this.head.key[1] as ChatId, full.seq), full, size);
    return full;
  }
}

/** Upper bound of a string's UTF-8 size. */
const utf8Bound = (s: string) => s.length * 3;

type Cost = [mutations: number, bytes: number, checks: number];

/** Upper bounds of the writes, bytes and checks a command adds to a commit. */
function cost(command: ChatCommand): Cost {
  switch (command.type) {
    case "send":
      return [4, 1200 + 2 * utf8Bound(command.text) + 2 * utf8Bound(command.clientId), 0];
    case "edit":
      return [2, 400 + 3 * utf8Bound(command.text), 0];
    case "delete":
      return [2, 400, 0];
    case "react":
      return [3, 600 + 4 * 4000 * 3, 0];
    case "addMembers":
      return [2 * command.userIds.length + 1, 600 * command.userIds.length + 1000, 0];
    case "join":
      return [4, 2000, 1];
    case "removeMember":
      return [3, 500, 0];
    case "rename":
      return [2, 800 + 2 * utf8Bound(command.title), 0];
  }
}

function assertAllowed(decision: policy.Decision, action: string): void {
  if (decision === "not_found") throw notFound("No such chat");
  if (decision === "forbidden") throw forbidden(`Cannot ${action}: not allowed`);
}

export class ChatActor implements Activation {
  readonly chatId: ChatId;
  readonly #deps: ChatActorDeps;
  readonly #mailbox: Mailbox<ChatCommand, unknown>;
  #lastActive: number;
  #chat: Chat | null = null;
  #head: Deno.KvEntry<ChatHead> | null = null;

  constructor(chatId: ChatId, deps: ChatActorDeps) {
    this.chatId = chatId;
    this.#deps = deps;
    this.#lastActive = deps.clock.now();
    this.#mailbox = new Mailbox((batch) => this.#handle(batch), {
      maxBatch: MAX_BATCH,
      maxQueue: 5000,
    });
  }

  get pending(): number {
    return this.#mailbox.pending;
  }

  get lastActive(): number {
    return this.#lastActive;
  }

  async stop(): Promise<void> {
    await this.#mailbox.close();
  }

  /** Runs `command` through the mailbox. */
  async run<R>(command: ChatCommand): Promise<Result<R>> {
    this.#lastActive = this.#deps.clock.now();
    const result = await this.#mailbox.post(command) as Result<R>;
    this.#lastActive = this.#deps.clock.now();
    return result;
  }

  send(
    actorId: UserId,
    input: { clientId: string; text: string; replyToSeq?: number },
  ): Promise<Result<SendOutcome>> {
    return this.run({ type: "send", actorId, ...input });
  }

  /** Learns of events committed elsewhere, so the next commit does not start stale. */
  observe(events: readonly ChatEvent[]): void {
    const last = events.at(-1);
    if (this.#head && last && last.seq > this.#head.value.seq) this.#head = null;
  }

  async #load(): Promise<{ chat: Chat; head: Deno.KvEntry<ChatHead> }> {
    if (!this.#chat || !this.#head) {
      const [chat, head] = await this.#deps.kv.getMany<[Chat, ChatHead]>([
        keys.chat(this.chatId),
        keys.chatHead(this.chatId),
      ]);
      if (!chat.value || !head.value) throw notFound("No such chat");
      this.#chat = chat.value;
      this.#head = head as Deno.KvEntry<ChatHead>;
    }
    return { chat: this.#chat, head: this.#head };
  }

  async #handle(batch: ChatCommand[]): Promise<Result<unknown>[]> {
    const results: Result<unknown>[] = new Array(batch.length);
    let pending = batch.map((_, i) => i);
    let attempt = 0;
    while (pending.length > 0) {
      let state;
      try {
        state = await this.#load();
      } catch (error) {
        for (const i of pending) results[i] = { ok: false, error };
        break;
      }
      const reads = await this.#read(pending.map((i) => batch[i]!), state.chat);
      const plan = new Plan(
        this.#deps.kv,
        state.head,
        new Date(this.#deps.clock.now()).toISOString(),
      );
      const staged: number[] = [];
      const deferred: number[] = [];
      for (const i of pending) {
        if (deferred.length > 0 || (plan.events.length > 0 && !plan.fits(cost(batch[i]!)))) {
          deferred.push(i);
          continue;
        }
        try {
          const before = plan.events.length;
          results[i] = { ok: true, value: this.#apply(batch[i]!, state.chat, plan, reads) };
          if (plan.events.length > before) staged.push(i);
        } catch (error) {
          results[i] = { ok: false, error };
        }
      }
      if (plan.events.length === 0) {
        pending = deferred;
        continue;
      }
      const head: ChatHead = {
        seq: plan.seq,
        lastMessageSeq: plan.lastMessageSeq,
        lastActivityAt: plan.at,
        memberCount: plan.memberCount,
      };
      plan.op.set(keys.chatHead(this.chatId), head);
      if (plan.title !== undefined) {
        plan.op.set(keys.chat(this.chatId), { ...state.chat, title: plan.title });
      }
      let res: Deno.KvCommitResult | Deno.KvCommitError;
      try {
        res = await commit(plan.op);
      } catch (error) {
        console.error("chat commit failed:", error);
        for (const i of staged) results[i] = { ok: false, error };
        this.#head = null;
        pending = deferred;
        continue;
      }
      if (res.ok) {
        this.#head = { key: state.head.key, value: head, versionstamp: res.versionstamp };
        if (plan.title !== undefined) this.#chat = { ...state.chat, title: plan.title };
        try {
          this.#deps.publish(this.chatId, plan.events);
        } catch (error) {
          console.error("chat event delivery failed:", error);
        }
        pending = deferred;
        attempt = 0;
        continue;
      }
      // Another isolate appended first: reload and decide this round again.
      this.#head = null;
      if (++attempt >= MAX_ATTEMPTS) {
        const error = conflict("The chat is too busy right now; try again");
        for (const i of pending) results[i] = { ok: false, error };
        break;
      }
      await new Promise((r) => setTimeout(r, Math.random() * 3 * attempt));
    }
    return results;
  }

  /** Reads, in parallel, everything this round's commands depend on. */
  async #read(commands: ChatCommand[], chat: Chat): Promise<Reads> {
    const kv = this.#deps.kv;
    const people = new Set<UserId>();
    const clientKeys = new Set<string>();
    const seqs = new Set<number>();
    const reactionKeys = new Set<string>();
    const tokens = new Set<string>();
    for (const c of commands) {
      people.add(c.actorId);
      if (c.type === "send") {
        clientKeys.add(`${c.actorId}\u0000${c.clientId}`);
        if (c.replyToSeq !== undefined) seqs.add(c.replyToSeq);
      }
      if (c.type === "edit" || c.type === "delete" || c.type === "react") seqs.add(c.seq);
      if (c.type === "react") reactionKeys.add(`${c.seq}\u0000${c.actorId}`);
      if (c.type === "addMembers") c.userIds.forEach((id) => people.add(id));
      if (c.type === "join") tokens.add(c.inviteToken);
      if (c.type === "removeMember") people.add(c.userId);
    }
    const ids = [...people];
    const clients = [...clientKeys].map((k) => k.split("\u0000") as [UserId, string]);
    const seqList = [...seqs];
    const reactionList = [...reactionKeys].map((k) => {
      const [seq, userId] = k.split("\u0000");
      return [Number(seq), userId as UserId] as const;
    });
    const tokenList = [...tokens];
    // Every key of the round in one list: one getMany per ten keys, all in parallel.
    const all: Deno.KvKey[] = [];
    const slots = (list: Deno.KvKey[]) => list.map((key) => all.push(key) - 1);
    const memberSlots = slots(ids.map((id) => keys.chatMember(this.chatId, id)));
    const orgSlots = slots(ids.map((id) => keys.orgMember(chat.orgId, id)));
    const allowanceSlots = slots(ids.map((id) => keys.sendAllowance(this.chatId, id)));
    const clientSlots = slots(clients.map(([a, c]) => keys.clientMessage(this.chatId, a, c)));
    const messageSlots = slots(seqList.map((seq) => keys.message(this.chatId, seq)));
    const reactionSlots = slots(
      reactionList.map(([seq, user]) => keys.reactionsOf(this.chatId, seq, user)),
    );
    const inviteSlots = slots(tokenList.map((token) => keys.invite(token)));
    const entries = await getManyChunked<unknown>(kv, all);
    const value = <T>(slot: number) => entries[slot]!.value as T | null;
    const clientSeqs = clientSlots.map((slot) => value<number>(slot));
    // Resent messages: read the originals too.
    const resent = clientSeqs.flatMap((seq) => seq !== null && !seqs.has(seq) ? [seq] : []);
    const originals = await getManyChunked<Message>(
      kv,
      resent.map((seq) => keys.message(this.chatId, seq)),
    );
    const messages = new Map(seqList.map((seq, i) => [seq, value<Message>(messageSlots[i]!)]));
    resent.forEach((seq, i) => messages.set(seq, originals[i]!.value));
    return {
      chatMembers: new Map(ids.map((id, i) => [id, value<ChatMember>(memberSlots[i]!)])),
      orgMembers: new Map(ids.map((id, i) => [id, value<Member>(orgSlots[i]!)])),
      allowances: new Map(ids.map((id, i) => [id, value<Bucket>(allowanceSlots[i]!)])),
      clientSeqs: new Map(clients.map(([a, c], i) => [`${a}\u0000${c}`, clientSeqs[i]!])),
      messages,
      ownReactions: new Map(
        reactionList.map((
          [s, u],
          i,
        ) => [`${s}\u0000${u}`, value<string[]>(reactionSlots[i]!) ?? []]),
      ),
      invites: new Map(
        tokenList.map((t, i) => [t, entries[inviteSlots[i]!] as Deno.KvEntryMaybe<ChatInvite>]),
      ),
    };
  }

  #caller(actorId: UserId, plan: Plan, reads: Reads): policy.ChatCaller {
    const changed = plan.memberChanges.get(actorId);
    const member = changed !== undefined ? changed : reads.chatMembers.get(actorId) ?? null;
    return {
      userId: actorId,
      chatRole: member?.chatRole ?? null,
      orgRoles: reads.orgMembers.get(actorId)?.roles ?? null,
    };
  }

  #message(seq: number, plan: Plan, reads: Reads): Message {
    const message = plan.messages.get(seq) ?? reads.messages.get(seq) ?? null;
    if (!message || seq > plan.seq) throw notFound("No such message");
    return message;
  }

  /** Validates, authorizes and stages one command; returns its result. */
  #apply(command: ChatCommand, chat: Chat, plan: Plan, reads: Reads): unknown {
    const caller = this.#caller(command.actorId, plan, reads);
    switch (command.type) {
      case "send":
        return this.#send(command, chat, caller, plan, reads);
      case "edit": {
        const message = this.#message(command.seq, plan, reads);
        assertAllowed(policy.canEditMessage(caller, message.authorId), "edit this message");
        if (message.deleted) throw conflict("Cannot edit message: it was deleted");
        if (message.kind !== "text") throw conflict("Cannot edit message: only text is edited");
        if (message.text === command.text) return message;
        const edited: Message = { ...message, text: command.text, editedAt: plan.at };
        plan.messages.set(message.seq, edited);
        plan.set(keys.message(this.chatId, message.seq), edited, utf8Bound(edited.text));
        plan.append({
          type: "message.edited",
          actorId: command.actorId,
          messageSeq: message.seq,
          text: command.text,
          editedAt: plan.at,
        }, utf8Bound(command.text));
        return edited;
      }
      case "delete": {
        const message = this.#message(command.seq, plan, reads);
        assertAllowed(policy.canDeleteMessage(caller, message.authorId), "delete this message");
        if (message.deleted) return message;
        const { editedAt: _, replyToSeq: __, ...rest } = message;
        const tombstone: Message = { ...rest, text: "", reactions: {}, deleted: true };
        plan.messages.set(message.seq, tombstone);
        plan.set(keys.message(this.chatId, message.seq), tombstone);
        plan.append({ type: "message.deleted", actorId: command.actorId, messageSeq: message.seq });
        return tombstone;
      }
      case "react":
        return this.#react(command, caller, plan, reads);
      case "addMembers":
        assertAllowed(policy.canManageChat(caller, chat.kind), "add members");
        return this.#addMembers(command.actorId, command.userIds, plan, reads);
      case "join":
        return this.#join(command, chat, caller, plan, reads);
      case "removeMember": {
        if (!command.system) {
          assertAllowed(
            policy.canRemoveChatMember(caller, chat.kind, command.userId),
            "remove this member",
          );
        }
        const target = plan.memberChanges.get(command.userId) ??
          reads.chatMembers.get(command.userId) ?? null;
        if (!target) {
          if (command.system) return undefined;
          throw notFound("No such member in this chat");
        }
        plan.memberChanges.set(command.userId, null);
        plan.memberCount--;
        plan.delete(keys.chatMember(this.chatId, command.userId));
        plan.delete(keys.chatByUser(command.userId, this.chatId));
        plan.append({ type: "member.left", actorId: command.actorId, userId: command.userId });
        return undefined;
      }
      case "rename": {
        assertAllowed(policy.canManageChat(caller, chat.kind), "rename this chat");
        plan.title = command.title;
        plan.append({ type: "chat.updated", actorId: command.actorId, title: command.title });
        return { ...chat, title: command.title };
      }
    }
  }

  #send(
    command: Extract<ChatCommand, { type: "send" }>,
    chat: Chat,
    caller: policy.ChatCaller,
    plan: Plan,
    reads: Reads,
  ): SendOutcome {
    const clientKey = `${command.actorId}\u0000${command.clientId}`;
    const existing = plan.clientSeqs.get(clientKey) ?? reads.clientSeqs.get(clientKey) ?? null;
    if (existing !== null) {
      // Idempotent resend: the original message, as it is now.
      const original = plan.messages.get(existing) ?? reads.messages.get(existing) ?? null;
      if (!original) throw new Error(`message ${existing} of chat ${this.chatId} is missing`);
      return { message: original, created: false };
    }
    assertAllowed(policy.canPost(caller, chat.kind), "send message: only moderators post here");
    if (command.replyToSeq !== undefined) {
      const target = plan.messages.get(command.replyToSeq) ??
        reads.messages.get(command.replyToSeq) ?? null;
      if (!target) throw invalidInput("replyToSeq is not a message of this chat", "replyToSeq");
    }
    const now = this.#deps.clock.now();
    const allowance = take(
      plan.allowances.get(command.actorId) ?? reads.allowances.get(command.actorId) ?? null,
      now,
      SEND_RULE,
    );
    if (!allowance.ok) {
      throw rateLimited(allowance.retryAfterMs / 1000, "Too many messages; slow down");
    }
    plan.allowances.set(command.actorId, allowance.bucket);
    const seq = plan.seq + 1;
    const message: Message = {
      seq,
      id: this.#deps.ids.ulid(),
      chatId: this.chatId,
      clientId: command.clientId,
      authorId: command.actorId,
      kind: "text",
      text: command.text,
      ...(command.replyToSeq !== undefined ? { replyToSeq: command.replyToSeq } : {}),
      reactions: {},
      createdAt: plan.at,
    };
    const size = utf8Bound(command.text) + utf8Bound(command.clientId);
    plan.append({ type: "message.created", actorId: command.actorId, message }, size);
    plan.set(keys.message(this.chatId, seq), message, size);
    plan.set(keys.clientMessage(this.chatId, command.actorId, command.clientId), seq);
    plan.set(keys.sendAllowance(this.chatId, command.actorId), allowance.bucket);
    plan.messages.set(seq, message);
    plan.clientSeqs.set(clientKey, seq);
    plan.lastMessageSeq = seq;
    return { message, created: true };
  }

  #react(
    command: Extract<ChatCommand, { type: "react" }>,
    caller: policy.ChatCaller,
    plan: Plan,
    reads: Reads,
  ): Message {
    assertAllowed(policy.canReact(caller), "react");
    const message = this.#message(command.seq, plan, reads);
    if (message.deleted) throw conflict("Cannot react: the message was deleted");
    const ownKey = `${command.seq}\u0000${command.actorId}`;
    const own = plan.ownReactions.get(ownKey) ?? reads.ownReactions.get(ownKey) ?? [];
    const has = own.includes(command.emoji);
    if (has === command.add) return message;
    const count = (message.reactions[command.emoji] ?? 0) + (command.add ? 1 : -1);
    if (command.add) {
      if (own.length >= MAX_OWN_EMOJIS) throw conflict("Too many reactions from you here");
      if (
        !(command.emoji in message.reactions) && Object.keys(message.reactions).length >= MAX_EMOJIS
      ) {
        throw conflict("This message has as many different reactions as it can hold");
      }
    }
    const reactions = { ...message.reactions };
    if (count > 0) reactions[command.emoji] = count;
    else delete reactions[command.emoji];
    const updated: Message = { ...message, reactions };
    const nextOwn = command.add ? [...own, command.emoji] : own.filter((e) => e !== command.emoji);
    plan.messages.set(message.seq, updated);
    plan.ownReactions.set(ownKey, nextOwn);
    plan.set(keys.message(this.chatId, message.seq), updated, utf8Bound(message.text));
    const ownStoreKey = keys.reactionsOf(this.chatId, message.seq, command.actorId);
    if (nextOwn.length > 0) plan.set(ownStoreKey, nextOwn);
    else plan.delete(ownStoreKey);
    plan.append({
      type: "reaction.changed",
      actorId: command.actorId,
      messageSeq: message.seq,
      emoji: command.emoji,
      userId: command.actorId,
      added: command.add,
      count: Math.max(0, count),
    });
    return updated;
  }

  /** Joins the caller through a chat invite link; joining again is harmless. */
  #join(
    command: Extract<ChatCommand, { type: "join" }>,
    chat: Chat,
    caller: policy.ChatCaller,
    plan: Plan,
    reads: Reads,
  ): { added: UserId[] } {
    const entry = reads.invites.get(command.inviteToken);
    const invite = entry?.value;
    // Only members of the chat's school may use its links; to others the link does not exist.
    if (!entry || !invite || invite.chatId !== this.chatId || caller.orgRoles === null) {
      throw notFound("No such invite");
    }
    if (caller.chatRole !== null) return { added: [] };
    const state = inviteState(invite, this.#deps.clock.now());
    if (state !== "usable") throw inviteGone(state);
    if (chat.kind === "direct") throw forbidden("Direct chats take no new members");
    const result = this.#addMembers(command.actorId, [command.actorId], plan, reads);
    plan.check(entry);
    plan.set(keys.invite(invite.token), { ...invite, uses: invite.uses + 1 });
    reads.invites.set(invite.token, { ...entry, value: { ...invite, uses: invite.uses + 1 } });
    return result;
  }

  #addMembers(
    actorId: UserId,
    userIds: readonly UserId[],
    plan: Plan,
    reads: Reads,
  ): { added: UserId[] } {
    const added: UserId[] = [];
    for (const userId of userIds) {
      if (!reads.orgMembers.get(userId)) {
        throw invalidInput("Only members of the school can be added", "userIds");
      }
      const current = plan.memberChanges.has(userId)
        ? plan.memberChanges.get(userId)
        : reads.chatMembers.get(userId);
      if (!current && !added.includes(userId)) added.push(userId);
    }
    if (added.length === 0) return { added };
    if (plan.memberCount + added.length > MAX_CHAT_MEMBERS) {
      throw conflict(`A chat holds at most ${MAX_CHAT_MEMBERS} members`);
    }
    const chatRole: ChatRole = "member";
    for (const userId of added) {
      const member: ChatMember = { userId, chatRole, joinedAt: plan.at };
      plan.memberChanges.set(userId, member);
      plan.set(keys.chatMember(this.chatId, userId), member);
      plan.set(keys.chatByUser(userId, this.chatId), true);
    }
    plan.memberCount += added.length;
    plan.append({ type: "member.joined", actorId, userIds: added, chatRole });
    return { added };
  }
}
