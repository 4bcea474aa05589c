/**
 * The chat actor: one per chat per isolate. Every change to a chat is validated, authorized and
 * rate-limited here, then appended to the chat's event log in one atomic commit that checks the
 * chat head — so `seq` is gap-free even when several isolates host the same chat. While a
 * commit is in flight, new commands queue up and go into the next commit together (group
 * commit). Only after a commit succeeds are its events delivered and published.
 */
import type { ChatId, Clock, Ids, UserId } from "../shared/ids.ts";
import { keys } from "../platform/kv_keys.ts";
import { commit } from "../platform/kv_util.ts";
import type { Chat, ChatEvent, ChatHead } from "../shared/chat_model.ts";
import { conflict, notFound } from "../shared/errors.ts";
import { MailboxActor, type Result } from "./mailbox.ts";
import type { Activation } from "./host.ts";
import {
  applyCommand,
  type ChatCommand,
  type CommandResult,
  costOf,
  needsOf,
  type SendOutcome,
} from "./chat_commands.ts";
import { Needs, Plan, readRound, Round } from "./chat_round.ts";

export type { ChatCommand, SendOutcome } from "./chat_commands.ts";

export interface ChatActorDeps {
  kv: Deno.Kv;
  clock: Clock;
  ids: Ids;
  /** Receives each commit's events, in seq order, right after the commit. */
  publish(chatId: ChatId, events: ChatEvent[]): void;
  /** Told right after a commit that wrote effects, so they run without waiting for a poll. */
  onEffects?: () => void;
}

/** Most commands in one commit; each send writes four keys at most. */
const MAX_BATCH = 200;
const MAX_ATTEMPTS = 30;

export class ChatActor extends MailboxActor<ChatCommand> implements Activation {
  readonly chatId: ChatId;
  readonly #deps: ChatActorDeps;
  #chat: Chat | null = null;
  #head: Deno.KvEntry<ChatHead> | null = null;

  constructor(chatId: ChatId, deps: ChatActorDeps) {
    super(deps.clock, { maxBatch: MAX_BATCH, maxQueue: 5000 });
    this.chatId = chatId;
    this.#deps = deps;
  }

  /** Runs `command` through the mailbox; its result is typed by the command's spec. */
  run<C extends ChatCommand>(command: C): Promise<Result<CommandResult<C>>> {
    return this.ask<CommandResult<C>>(command);
  }

  /** Sends a message as `actorId` (the `send` command). */
  send(
    actorId: UserId,
    input: {
      clientId: string;
      text: string;
      replyToSeq?: number;
      needsAck?: boolean;
      fileIds?: string[];
      mentions?: UserId[];
      mentionAll?: boolean;
    },
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

  protected async handle(batch: ChatCommand[]): Promise<Result<unknown>[]> {
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
      const needs = new Needs();
      for (const i of pending) needsOf(batch[i]!, needs);
      const reads = await readRound(this.#deps.kv, this.chatId, state.chat, needs);
      const now = this.#deps.clock.now();
      const plan = new Plan(this.#deps.kv, state.head, new Date(now).toISOString());
      const round = new Round(this.chatId, state.chat, plan, reads, now, this.#deps.ids);
      const staged: number[] = [];
      const deferred: number[] = [];
      for (const i of pending) {
        if (deferred.length > 0 || (staged.length > 0 && !plan.fits(costOf(batch[i]!)))) {
          deferred.push(i);
          continue;
        }
        try {
          const before = plan.changes;
          results[i] = { ok: true, value: applyCommand(round, batch[i]!) };
          if (plan.changes > before) staged.push(i);
        } catch (error) {
          results[i] = { ok: false, error };
        }
      }
      if (staged.length === 0) {
        pending = deferred;
        continue;
      }
      // New messages are notified to those who should hear of them, after the commit, once.
      const created = plan.events.flatMap((e) =>
        e.type === "message.created" && e.message.kind !== "system" ? [e.seq] : []
      );
      if (created.length > 0) {
        plan.effect(this.#deps.ids.ulid(), {
          kind: "notify.messages",
          chatId: this.chatId,
          seqs: created,
        });
      }
      // A commit with events moves the head; one without (an anonymous re-vote, an invite
      // link) leaves it as it is, but is still decided on the head it checks.
      const head = plan.events.length > 0 ? plan.nextHead() : state.head.value;
      plan.finish();
      if (plan.events.length > 0) plan.op.set(keys.chatHead(this.chatId), head);
      if (plan.chat) plan.op.set(keys.chat(this.chatId), plan.chat);
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
        if (plan.events.length > 0) {
          this.#head = { key: state.head.key, value: head, versionstamp: res.versionstamp };
        }
        if (plan.chat) this.#chat = plan.chat;
        if (plan.effects > 0) this.#deps.onEffects?.();
        try {
          if (plan.events.length > 0) this.#deps.publish(this.chatId, plan.events);
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
}
