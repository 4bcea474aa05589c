/**
 * One round of a chat actor: the commands taken from the mailbox together, what they need to
 * read, and the plan of writes and events that becomes one atomic commit checked against the
 * chat head.
 */
import type { ChatId, Ids, UserId } from "../shared/ids.ts";
import { keys } from "../platform/kv_keys.ts";
import { getManyChunked } from "../platform/kv_util.ts";
import { DEFAULT_CHAT_SETTINGS } from "../shared/chat_model.ts";
import type {
  AuditEntry,
  Chat,
  ChatEvent,
  ChatHead,
  ChatInvite,
  ChatMember,
  ChatSettings,
  EventDraft,
  Message,
} from "../shared/chat_model.ts";
import type { Member, Org } from "../shared/model.ts";
import type { FileRecord } from "../domain/files.ts";
import type { Call } from "../domain/calls.ts";
import { type EffectBody, writeEffect } from "../effects/outbox.ts";
import type { Bucket } from "../platform/allowance.ts";
import { notFound } from "../shared/errors.ts";
import * as policy from "../shared/policy.ts";
import type { ChatCaller, Decision } from "../shared/policy.ts";

/** Stay well inside KV's 1000 mutations and 800 KiB per atomic operation. */
const MAX_MUTATIONS = 900;
const MAX_BYTES = 700 * 1024;
/** KV Connect allows 10 checks per atomic operation; the head takes one. */
const MAX_CHECKS = 10;

/** Upper bounds of the writes, bytes and checks a command adds to a commit. */
export type Cost = [mutations: number, bytes: number, checks: number];

/** Upper bound of a string's UTF-8 size. */
export const utf8Bound = (s: string) => s.length * 3;

const pair = (a: string | number, b: string) => `${a}\u0000${b}`;

/** What the commands of a round need read from KV; filled by each command. */
export class Needs {
  readonly people = new Set<UserId>();
  readonly clientKeys = new Set<string>();
  readonly seqs = new Set<number>();
  readonly ownReactions = new Set<string>();
  readonly invites = new Set<string>();
  readonly pollVotes = new Set<string>();
  readonly acks = new Set<string>();
  readonly files = new Set<string>();
  readonly calls = new Set<string>();
  readonly events = new Set<number>();
  readonly liveEdits = new Set<number>();
  readonly bans = new Set<UserId>();
  readonly readers = new Set<UserId>();
  wantsActiveCall = false;

  person(userId: UserId): void {
    this.people.add(userId);
  }
  clientId(authorId: UserId, clientId: string): void {
    this.clientKeys.add(pair(authorId, clientId));
  }
  message(seq: number): void {
    this.seqs.add(seq);
  }
  ownReaction(seq: number, userId: UserId): void {
    this.ownReactions.add(pair(seq, userId));
  }
  invite(token: string): void {
    this.invites.add(token);
  }
  pollVote(seq: number, userId: UserId): void {
    this.pollVotes.add(pair(seq, userId));
  }
  ack(seq: number, userId: UserId): void {
    this.acks.add(pair(seq, userId));
  }
  file(id: string): void {
    this.files.add(id);
  }
  /** The call going on in the chat, if any. */
  activeCall(): void {
    this.wantsActiveCall = true;
  }
  call(id: string): void {
    this.calls.add(id);
  }
  /** An event of the log as stored (to rewrite what it carries of a message). */
  event(seq: number): void {
    this.events.add(seq);
  }
  /** Which event carries the current text of the message at `seq`, if it was edited. */
  liveEdit(seq: number): void {
    this.liveEdits.add(seq);
  }
  /** Whether a moderator's removal bars the person from the chat's links. */
  ban(userId: UserId): void {
    this.bans.add(userId);
  }
  /** How far `userId` has read. */
  readMarker(userId: UserId): void {
    this.readers.add(userId);
  }
}

/** What a round read from KV before deciding, strongly consistent. */
export interface Reads {
  chatMembers: Map<UserId, ChatMember | null>;
  orgMembers: Map<UserId, Member | null>;
  allowances: Map<UserId, Bucket | null>;
  clientSeqs: Map<string, number | null>;
  messages: Map<number, Message | null>;
  ownReactions: Map<string, string[]>;
  invites: Map<string, Deno.KvEntryMaybe<ChatInvite>>;
  pollVotes: Map<string, number[]>;
  /** (seq, member) pairs that have confirmed an announcement. */
  acks: Set<string>;
  /** The chat's school (its settings: quiet hours, direct-message rules). */
  org: Org | null;
  files: Map<string, FileRecord | null>;
  calls: Map<string, Call | null>;
  activeCall: Call | null;
  events: Map<number, ChatEvent | null>;
  liveEdits: Map<number, LiveEdit | null>;
  /** Of the people asked about, those a moderator removed (kept in step by this round's plan). */
  chatBans: Set<UserId>;
  /** Read markers asked about (entries, so a commit can check them). */
  readMarkers: Map<UserId, Deno.KvEntryMaybe<number>>;
}

/** The one `message.edited` event of a message that still carries its text (its latest edit). */
export interface LiveEdit {
  seq: number;
  at: string;
  actorId: UserId;
}

/** Reads everything in `needs` with as few round trips as KV allows. */
export async function readRound(
  kv: Deno.Kv,
  chatId: ChatId,
  chat: Chat,
  needs: Needs,
): Promise<Reads> {
  const ids = [...needs.people];
  const clients = [...needs.clientKeys].map((k) => k.split("\u0000") as [UserId, string]);
  const seqs = [...needs.seqs];
  const reactions = [...needs.ownReactions].map((k) => {
    const [seq, userId] = k.split("\u0000");
    return [Number(seq), userId as UserId] as const;
  });
  const tokens = [...needs.invites];
  const votes = [...needs.pollVotes].map((k) => {
    const [seq, userId] = k.split("\u0000");
    return [Number(seq), userId as UserId] as const;
  });
  // Every key of the round in one list: one getMany per ten keys, all in parallel.
  const all: Deno.KvKey[] = [];
  const slots = (list: Deno.KvKey[]) => list.map((key) => all.push(key) - 1);
  const memberSlots = slots(ids.map((id) => keys.chatMember(chatId, id)));
  const orgSlots = slots(ids.map((id) => keys.orgMember(chat.orgId, id)));
  const allowanceSlots = slots(ids.map((id) => keys.sendAllowance(chatId, id)));
  const clientSlots = slots(clients.map(([a, c]) => keys.clientMessage(chatId, a, c)));
  const messageSlots = slots(seqs.map((seq) => keys.message(chatId, seq)));
  const reactionSlots = slots(reactions.map(([seq, u]) => keys.reactionsOf(chatId, seq, u)));
  const inviteSlots = slots(tokens.map((token) => keys.invite(token)));
  const voteSlots = slots(votes.map(([seq, u]) => keys.pollVote(chatId, seq, u)));
  const acks = [...needs.acks].map((k) => {
    const [seq, userId] = k.split("\u0000");
    return [Number(seq), userId as UserId] as const;
  });
  const ackSlots = slots(acks.map(([seq, u]) => keys.ack(chatId, seq, u)));
  const [orgSlot] = slots([keys.org(chat.orgId)]);
  const fileIds = [...needs.files];
  const fileSlots = slots(fileIds.map((id) => keys.file(id)));
  const [activeSlot] = slots(needs.wantsActiveCall ? [keys.activeCall(chatId)] : []);
  const eventSeqs = [...needs.events];
  const eventSlots = slots(eventSeqs.map((seq) => keys.event(chatId, seq)));
  const editSeqs = [...needs.liveEdits];
  const editSlots = slots(editSeqs.map((seq) => keys.liveEdit(chatId, seq)));
  const banIds = [...needs.bans];
  const banSlots = slots(banIds.map((id) => keys.chatBan(chatId, id)));
  const readerIds = [...needs.readers];
  const readerSlots = slots(readerIds.map((id) => keys.readMarker(chatId, id)));
  const entries = await getManyChunked<unknown>(kv, all);
  const value = <T>(slot: number) => entries[slot]!.value as T | null;
  const clientSeqs = clientSlots.map((slot) => value<number>(slot));
  // Resent messages: read the originals too.
  const resent = clientSeqs.flatMap((seq) => seq !== null && !needs.seqs.has(seq) ? [seq] : []);
  const originals = await getManyChunked<Message>(kv, resent.map((s) => keys.message(chatId, s)));
  const messages = new Map(seqs.map((seq, i) => [seq, value<Message>(messageSlots[i]!)]));
  resent.forEach((seq, i) => messages.set(seq, originals[i]!.value));
  const callReads = await readCalls(
    kv,
    [...needs.calls],
    activeSlot === undefined ? null : value<string>(activeSlot),
  );
  // A call's message is read with it (ending the call closes its message).
  const callSeqs = [...callReads.calls.values()].flatMap((call) =>
    call && !messages.has(call.messageSeq) ? [call.messageSeq] : []
  );
  const callMessages = await getManyChunked<Message>(
    kv,
    callSeqs.map((seq) => keys.message(chatId, seq)),
  );
  callSeqs.forEach((seq, i) => messages.set(seq, callMessages[i]!.value));
  return {
    chatMembers: new Map(ids.map((id, i) => [id, value<ChatMember>(memberSlots[i]!)])),
    orgMembers: new Map(ids.map((id, i) => [id, value<Member>(orgSlots[i]!)])),
    allowances: new Map(ids.map((id, i) => [id, value<Bucket>(allowanceSlots[i]!)])),
    clientSeqs: new Map(clients.map(([a, c], i) => [pair(a, c), clientSeqs[i]!])),
    messages,
    ownReactions: new Map(
      reactions.map(([s, u], i) => [pair(s, u), value<string[]>(reactionSlots[i]!) ?? []]),
    ),
    invites: new Map(
      tokens.map((t, i) => [t, entries[inviteSlots[i]!] as Deno.KvEntryMaybe<ChatInvite>]),
    ),
    pollVotes: new Map(
      votes.map(([s, u], i) => [pair(s, u), value<number[]>(voteSlots[i]!) ?? []]),
    ),
    acks: new Set(acks.flatMap(([s, u], i) => value(ackSlots[i]!) !== null ? [pair(s, u)] : [])),
    org: value<Org>(orgSlot!),
    files: new Map(fileIds.map((id, i) => [id, value<FileRecord>(fileSlots[i]!)])),
    events: new Map(eventSeqs.map((seq, i) => [seq, value<ChatEvent>(eventSlots[i]!)])),
    liveEdits: new Map(editSeqs.map((seq, i) => [seq, value<LiveEdit>(editSlots[i]!)])),
    chatBans: new Set(banIds.filter((_, i) => value(banSlots[i]!) !== null)),
    readMarkers: new Map(
      readerIds.map((id, i) => [id, entries[readerSlots[i]!] as Deno.KvEntryMaybe<number>]),
    ),
    ...callReads,
  };
}

/** The calls named, and the chat's active call (two steps: the active key names the call). */
async function readCalls(kv: Deno.Kv, callIds: string[], activeId: string | null) {
  const ids = [...new Set([...callIds, ...(activeId ? [activeId] : [])])];
  const entries = await getManyChunked<Call>(kv, ids.map((id) => keys.call(id)));
  const calls = new Map(ids.map((id, i) => [id, entries[i]!.value]));
  return { calls, activeCall: activeId ? calls.get(activeId) ?? null : null };
}

/** The writes and events of one commit, built command by command. */
export class Plan {
  readonly op: Deno.AtomicOperation;
  readonly events: ChatEvent[] = [];
  mutations = 1;
  bytes = 0;
  /** Changes staged so far (a command that adds none writes nothing and is not committed). */
  changes = 0;
  checks = 1;
  seq: number;
  lastMessageSeq: number;
  memberCount: number;
  /** Changes staged in this plan, read before what the round read from KV. */
  readonly messages = new Map<number, Message>();
  readonly clientSeqs = new Map<string, number>();
  readonly allowances = new Map<UserId, Bucket>();
  readonly ownReactions = new Map<string, string[]>();
  readonly memberChanges = new Map<UserId, ChatMember | null>();
  readonly pollVotes = new Map<string, number[]>();
  /** Live edits as changed by this plan (null: none any more), by message seq. */
  readonly liveEdits = new Map<number, LiveEdit | null>();
  /** Events committed earlier whose stored form this plan replaces, by seq. */
  readonly rewrites = new Map<number, ChatEvent>();
  /** Read markers moved by this plan (written by {@link finish}). */
  readonly readMarkers = new Map<UserId, number>();
  /** Files sent with a message in this plan. */
  readonly attached = new Set<string>();
  /** The chat's active call as changed by this plan (null: ended); undefined when unchanged. */
  activeCall: Call | null | undefined = undefined;
  /** The chat record as changed by this plan (title, settings), if it was. */
  chat: Chat | null = null;
  /** Effects written in this plan (effects/outbox.ts). */
  effects = 0;

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

  set(key: Deno.KvKey, value: unknown, size = 0, options?: { expireIn?: number }): void {
    this.op.set(key, value, options);
    this.changes++;
    this.mutations++;
    this.bytes += 200 + size;
  }

  delete(key: Deno.KvKey): void {
    this.op.delete(key);
    this.changes++;
    this.mutations++;
    this.bytes += 100;
  }

  /**
   * Moves `userId`'s read marker forward to `seq`, checked against the entry the round read; it
   * is written once by {@link finish}, however often the batch moves it.
   */
  moveReadMarker(entry: Deno.KvEntryMaybe<number>, userId: UserId, seq: number): void {
    if (!this.readMarkers.has(userId)) {
      this.check(entry);
      this.mutations++;
      this.bytes += 200;
    }
    this.readMarkers.set(userId, seq);
    this.changes++;
  }

  /** Adds follow-up work that runs once this plan has committed (and only then). */
  effect(id: string, body: EffectBody): void {
    writeEffect(this, id, body, Date.parse(this.at));
    this.effects++;
  }

  /** Appends an event with the next seq (written by {@link finish}). */
  append(event: EventDraft, size = 0): ChatEvent {
    const full = { ...event, seq: ++this.seq, at: this.at } as ChatEvent;
    this.events.push(full);
    this.changes++;
    this.mutations++;
    this.bytes += 200 + size;
    return full;
  }

  /**
   * Replaces the stored form of the event at `seq` (so it no longer carries what a later edit or
   * deletion took away). An event appended by this plan is replaced before it is written.
   */
  rewrite(event: ChatEvent, size = 0): void {
    this.changes++;
    const staged = event.seq - this.head.value.seq - 1;
    if (staged >= 0 && staged < this.events.length) {
      this.events[staged] = event;
      return;
    }
    if (!this.rewrites.has(event.seq)) {
      this.mutations++;
      this.bytes += 200;
    }
    this.bytes += size;
    this.rewrites.set(event.seq, event);
  }

  /** The event at `seq` as this plan leaves it, if the plan appended or rewrote it. */
  planned(seq: number): ChatEvent | undefined {
    const staged = seq - this.head.value.seq - 1;
    if (staged >= 0 && staged < this.events.length) return this.events[staged];
    return this.rewrites.get(seq);
  }

  /** Writes the appended and rewritten events and moved read markers; once, before committing. */
  finish(): void {
    const chatId = this.head.key[1] as ChatId;
    for (const event of this.rewrites.values()) this.op.set(keys.event(chatId, event.seq), event);
    for (const event of this.events) this.op.set(keys.event(chatId, event.seq), event);
    for (const [userId, seq] of this.readMarkers) this.op.set(keys.readMarker(chatId, userId), seq);
  }

  /** The head after this plan commits. */
  nextHead(): ChatHead {
    return {
      seq: this.seq,
      lastMessageSeq: this.lastMessageSeq,
      lastActivityAt: this.at,
      memberCount: this.memberCount,
    };
  }
}

/** What a command handler works with: the chat, the round's reads, and the plan. */
export class Round {
  constructor(
    readonly chatId: ChatId,
    readonly chat: Chat,
    readonly plan: Plan,
    readonly reads: Reads,
    readonly now: number,
    readonly ids: Ids,
  ) {}

  /** The chat as of this plan (its changes applied). */
  get current(): Chat {
    return this.plan.chat ?? this.chat;
  }

  /** The caller's standing in the chat and its school, as of this plan. */
  caller(actorId: UserId): ChatCaller {
    return {
      userId: actorId,
      chatRole: this.chatMember(actorId)?.chatRole ?? null,
      orgRoles: this.reads.orgMembers.get(actorId)?.roles ?? null,
    };
  }

  chatMember(userId: UserId): ChatMember | null {
    const changed = this.plan.memberChanges.get(userId);
    return changed !== undefined ? changed : this.reads.chatMembers.get(userId) ?? null;
  }

  /** The stored event at `seq` as of this plan, or null (before it, or out of the log). */
  event(seq: number): ChatEvent | null {
    if (seq > this.plan.seq) return null;
    return this.plan.planned(seq) ?? this.reads.events.get(seq) ?? null;
  }

  /** The message's edit event that still carries its text, as of this plan. */
  liveEdit(messageSeq: number): LiveEdit | null {
    const changed = this.plan.liveEdits.get(messageSeq);
    return changed !== undefined ? changed : this.reads.liveEdits.get(messageSeq) ?? null;
  }

  /** The message at `seq` as of this plan, or 404. */
  message(seq: number): Message {
    const message = this.plan.messages.get(seq) ?? this.reads.messages.get(seq) ?? null;
    if (!message || seq > this.plan.seq) throw notFound("No such message");
    return message;
  }
}

/** Writes a moderation step to the school's audit log, in this round's commit. */
export function audit(
  r: Round,
  entry: Omit<AuditEntry, "id" | "orgId" | "at" | "chatId">,
): void {
  const id = r.ids.ulid();
  const full: AuditEntry = { id, orgId: r.chat.orgId, at: r.plan.at, chatId: r.chatId, ...entry };
  r.plan.set(keys.auditEntry(r.chat.orgId, id), full, 400);
}

/** The chat's moderation settings as of this plan. */
export function settingsOf(r: Round): ChatSettings {
  return r.current.settings ?? DEFAULT_CHAT_SETTINGS;
}

/** Throws the API's answer for a refusing decision. */
export function assertAllowed(decision: Decision, action: string): void {
  policy.assertAllowed(decision, "No such chat", `Cannot ${action}: not allowed for your role`);
}

/** The key pairing a member with a client id or a message seq, as used in Reads and Plan. */
export { pair };
