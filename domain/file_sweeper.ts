/**
 * The file sweeper, one per isolate: removes the bytes of uploads never sent within their day and
 * of uploads abandoned midway, and finishes any purge left midway (a deleted message's files are
 * purged by its `file.purge` effect, effects/handlers.ts). Several isolates may
 * sweep at once: every step is a checked commit, so a file's space is counted free exactly once
 * (see retireFile) and a sweeper that loses a race just moves on.
 */
import type { Clock } from "../shared/ids.ts";
import { keys } from "../platform/kv_keys.ts";
import { commit } from "../platform/kv_util.ts";
import { deleteChunks, type FileRecord, retireFile } from "./files.ts";

/** How often each isolate sweeps (jittered ±50 %). */
export const SWEEP_INTERVAL_MS = 60_000;
/** An upload still arriving after this long is taken for abandoned. */
export const STAGING_TTL_MS = 3600_000;
/** Entries of each kind handled per pass. */
const BATCH = 100;

export interface SweepResult {
  /** Purges finished that were left midway. */
  purged: number;
  /** Uploads freed because they were not sent in time. */
  expired: number;
  /** Uploads that never finished, whose chunks were removed. */
  abandoned: number;
}

/** One pass of the sweeper; safe to run on several isolates at the same time. */
export async function sweepFiles(kv: Deno.Kv, clock: Clock): Promise<SweepResult> {
  const now = clock.now();
  const iso = new Date(now).toISOString();
  const result: SweepResult = { purged: 0, expired: 0, abandoned: 0 };

  const purges = await take(kv.list({ prefix: keys.filePurges() }, { limit: BATCH }));
  for (const e of purges) {
    if (await retireFile(kv, String(e.key[1]), iso)) result.purged++;
  }

  const due = await take(
    kv.list<string>({ prefix: keys.unsentFiles(), end: keys.unsentFilesUntil(now + 1) }, {
      limit: BATCH,
    }),
  );
  for (const e of due) {
    const id = String(e.key[2]);
    const expired = (f: FileRecord) =>
      f.messageSeq === null && f.unsentUntil !== undefined && f.unsentUntil <= now;
    if (await retireFile(kv, id, iso, expired)) result.expired++;
    // An entry left behind (its file was sent, or retired by another isolate) goes too.
    await commit(kv.atomic().check(e).delete(e.key));
  }

  const stagings = await take(
    kv.list<{ startedAt: number; abandoned?: true }>({ prefix: keys.fileStagings() }, {
      limit: BATCH,
    }),
  );
  for (const e of stagings) {
    if (e.value.startedAt > now - STAGING_TTL_MS) break;
    const id = String(e.key[1]);
    let entry: Deno.KvEntryMaybe<unknown> = e;
    if (!e.value.abandoned) {
      // First make the upload unable to finish (its record commit checks this entry).
      const res = await commit(
        kv.atomic().check(e).set(e.key, { ...e.value, abandoned: true }),
      );
      if (!res.ok) continue;
      entry = { ...e, versionstamp: res.versionstamp };
    }
    await deleteChunks(kv, id);
    if ((await commit(kv.atomic().check(entry).delete(e.key))).ok) result.abandoned++;
  }
  return result;
}

async function take<T>(iter: Deno.KvListIterator<T>): Promise<Deno.KvEntry<T>[]> {
  const out: Deno.KvEntry<T>[] = [];
  for await (const e of iter) out.push(e);
  return out;
}

export interface FileSweeper {
  /** Runs one pass now (also what the timer does). */
  sweep(): Promise<SweepResult>;
  /** Stops the timer and waits for a pass in progress. */
  stop(): Promise<void>;
}

export interface FileSweeperOptions {
  /** Default {@link SWEEP_INTERVAL_MS}. */
  intervalMs?: number;
}

/** Starts this isolate's sweeper; its timer never keeps the process alive. */
export function startFileSweeper(
  kv: Deno.Kv,
  clock: Clock,
  options: FileSweeperOptions = {},
): FileSweeper {
  const interval = options.intervalMs ?? SWEEP_INTERVAL_MS;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let running: Promise<unknown> | null = null;
  let stopped = false;
  const schedule = () => {
    const next = setTimeout(tick, interval * (0.5 + Math.random()));
    Deno.unrefTimer(next);
    timer = next;
  };
  const tick = () => {
    running = sweepFiles(kv, clock)
      .catch((err) => console.error("file sweep failed:", err))
      .finally(() => {
        running = null;
        if (!stopped) schedule();
      });
  };
  schedule();
  return {
    sweep: () => sweepFiles(kv, clock),
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
