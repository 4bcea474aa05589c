/**
 * Runs the outbox (effects/outbox.ts), one runner per isolate. Every isolate of every process on
 * the same KV may run one: a runner claims an effect with a checked commit that sets its lease,
 * so exactly one isolate works on a given effect at a time, and deletes it with a commit checked
 * against its own claim once the handler succeeds. An effect whose runner died (kill -9, a lost
 * machine) is taken up by any runner when its lease runs out; one written just before a crash and
 * never claimed is taken up by the next pass anywhere. A handler that fails is retried with
 * backoff, as long as it takes.
 */
import type { Clock } from "../shared/ids.ts";
import { randomToken } from "../shared/ids.ts";
import { keys } from "../platform/kv_keys.ts";
import { commit } from "../platform/kv_util.ts";
import type { EffectBody, EffectKind, EffectRecord } from "./outbox.ts";

/** The handler of each kind of effect. It may run more than once for one effect. */
export type EffectHandlers = {
  [K in EffectKind]: (
    body: Extract<EffectBody, { kind: K }>,
    record: EffectRecord,
  ) => Promise<void>;
};

export interface EffectRunnerOptions {
  kv: Deno.Kv;
  clock: Clock;
  handlers: EffectHandlers;
  /** How long a claim holds (default 60 s): longer than any handler takes. */
  leaseMs?: number;
  /** How often the outbox is looked at when nothing pokes the runner (default 1 s). */
  pollMs?: number;
  /** Longest wait between two tries of a failing effect (default 5 min). */
  maxBackoffMs?: number;
}

/** Effects read per pass. */
const BATCH = 100;

export class EffectRunner {
  readonly #kv: Deno.Kv;
  readonly #clock: Clock;
  readonly #handlers: EffectHandlers;
  readonly #leaseMs: number;
  readonly #pollMs: number;
  readonly #maxBackoffMs: number;
  /** This isolate's name in the leases it takes. */
  readonly owner = randomToken(9);
  #timer: ReturnType<typeof setTimeout> | undefined;
  #pass: Promise<void> | null = null;
  #again = false;
  #stopped = false;

  constructor(options: EffectRunnerOptions) {
    this.#kv = options.kv;
    this.#clock = options.clock;
    this.#handlers = options.handlers;
    this.#leaseMs = options.leaseMs ?? 60_000;
    this.#pollMs = options.pollMs ?? 1000;
    this.#maxBackoffMs = options.maxBackoffMs ?? 5 * 60_000;
  }

  /** Starts looking at the outbox; the timer never keeps the process alive. */
  start(): void {
    this.#schedule(0);
  }

  /** Something was just written to the outbox: look now rather than at the next poll. */
  poke(): void {
    if (this.#stopped) return;
    if (this.#pass) {
      this.#again = true;
      return;
    }
    clearTimeout(this.#timer);
    this.#schedule(0);
  }

  /**
   * Resolves once nothing due is left in the outbox (effects leased by other isolates included;
   * one waiting to be tried again later is not due), running passes here meanwhile; rejects after
   * `timeoutMs` naming what is left. For tests and shutdown.
   */
  async drain(timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      await this.#runPass();
      const now = this.#clock.now();
      const left = (await this.#list(BATCH)).filter((e) =>
        e.value.notBefore <= now || (e.value.lease !== null && e.value.lease.until > now)
      );
      if (left.length === 0) return;
      if (Date.now() > deadline) {
        throw new Error(`effects still waiting: ${JSON.stringify(left[0]!.value)}`);
      }
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  /** Stops the timer and waits for a pass in progress. Unfinished effects stay in the outbox. */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    await this.#pass;
  }

  #schedule(ms: number): void {
    if (this.#stopped) return;
    const timer = setTimeout(() => this.#tick(), ms);
    Deno.unrefTimer(timer);
    this.#timer = timer;
  }

  async #tick(): Promise<void> {
    await this.#runPass();
    if (this.#again) {
      this.#again = false;
      this.#schedule(0);
    } else {
      this.#schedule(this.#pollMs);
    }
  }

  /** One pass at a time per runner; a caller during a pass waits for it and runs another. */
  async #runPass(): Promise<void> {
    while (this.#pass) await this.#pass;
    this.#pass = this.#passOnce()
      .catch((err) => console.error("effect pass failed:", err))
      .finally(() => (this.#pass = null));
    await this.#pass;
  }

  async #passOnce(): Promise<void> {
    await this.#promoteDue();
    for (const entry of await this.#list(BATCH)) {
      if (this.#stopped) return;
      await this.#attempt(entry);
    }
  }

  /**
   * Runs the effects named, here and now, if nobody else holds them; resolves when each has run
   * or failed (a failure is retried later as usual, never thrown). For a caller that wants the
   * follow-up done before it answers, as a removal from a school does.
   */
  async runNow(ids: readonly string[]): Promise<void> {
    for (const id of ids) {
      const entry = await this.#kv.get<EffectRecord>(keys.effect(id));
      if (entry.value) await this.#attempt(entry as Deno.KvEntry<EffectRecord>);
    }
  }

  /** Claims one effect if it is due and free, runs it, and deletes or reschedules it. */
  async #attempt(entry: Deno.KvEntry<EffectRecord>): Promise<void> {
    const now = this.#clock.now();
    const effect = entry.value;
    if (effect.notBefore > now) return;
    if (effect.lease && effect.lease.until > now) return;
    const claimed: EffectRecord = {
      ...effect,
      attempts: effect.attempts + 1,
      lease: { owner: this.owner, until: now + this.#leaseMs },
    };
    const claim = await commit(this.#kv.atomic().check(entry).set(entry.key, claimed));
    if (!claim.ok) return; // another isolate took it, or it is done
    const mine = { key: entry.key, versionstamp: claim.versionstamp };
    try {
      await this.#run(claimed);
      await commit(this.#kv.atomic().check(mine).delete(entry.key));
    } catch (err) {
      const wait = Math.min(this.#maxBackoffMs, 1000 * 2 ** Math.min(claimed.attempts, 20));
      console.error(
        `effect ${effect.body.kind} ${effect.id} failed (try ${claimed.attempts}):`,
        err,
      );
      const retry: EffectRecord = { ...claimed, lease: null, notBefore: this.#clock.now() + wait };
      await commit(this.#kv.atomic().check(mine).set(entry.key, retry)).catch(() => {});
    }
  }

  #run(record: EffectRecord): Promise<void> {
    const handler = this.#handlers[record.body.kind] as (
      body: EffectBody,
      record: EffectRecord,
    ) => Promise<void>;
    return handler(record.body, record);
  }

  /** Moves effects whose time has come from the waiting list into the outbox. */
  async #promoteDue(): Promise<void> {
    const now = this.#clock.now();
    const due = this.#kv.list<EffectRecord>({
      start: keys.laterEffects(),
      end: [...keys.laterEffects(), now + 1],
    }, { limit: BATCH });
    for await (const entry of due) {
      const target = keys.effect(entry.value.id);
      // Checked: another runner moving it at the same moment makes this a no-op.
      await commit(
        this.#kv.atomic().check(entry).check({ key: target, versionstamp: null })
          .delete(entry.key).set(target, entry.value),
      );
    }
  }

  async #list(limit: number): Promise<Deno.KvEntry<EffectRecord>[]> {
    const out: Deno.KvEntry<EffectRecord>[] = [];
    for await (const e of this.#kv.list<EffectRecord>({ prefix: keys.effects() }, { limit })) {
      out.push(e);
    }
    return out;
  }
}
