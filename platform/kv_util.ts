/** Small helpers over Deno KV: bounded retries of atomic commits, batched reads, listings. */
import { AppError, isLocked } from "../shared/errors.ts";

export interface RetryOptions {
  /** How many times a conflicting commit is rebuilt and retried; default 20. */
  attempts?: number;
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Commits `op`, retrying SQLite's transient "database is locked" error (seen when several
 * processes share one KV file). A failed check is not retried here: it is returned.
 */
export async function commit(
  op: Deno.AtomicOperation,
): Promise<Deno.KvCommitResult | Deno.KvCommitError> {
  for (let attempt = 0;; attempt++) {
    try {
      return await op.commit();
    } catch (err) {
      if (!isLocked(err) || attempt >= 50) throw err;
      await pause(2 + Math.random() * 8 * Math.min(attempt + 1, 10));
    }
  }
}

/**
 * Runs `build` (which reads what it needs and returns an atomic operation with checks on those
 * reads, plus the value to return), commits it, and on a failed check runs it again, a bounded
 * number of times (`attempt` counts from 0, so callers can drop caches on a retry). `build`
 * may return `op: null` when there is nothing to write. Expected
 * failures are thrown from `build` as {@link AppError} and end the loop.
 */
export async function transact<T>(
  build: (attempt: number) => Promise<{ op: Deno.AtomicOperation | null; result: T }>,
  options: RetryOptions = {},
): Promise<T> {
  const attempts = options.attempts ?? 20;
  for (let attempt = 0; attempt < attempts; attempt++) {
    const { op, result } = await build(attempt);
    if (op === null) return result;
    const res = await commit(op);
    if (res.ok) return result;
    await pause(Math.random() * 4 * Math.min(attempt + 1, 8));
  }
  throw new AppError(409, "conflict", "The change collided with others too often; try again");
}

/** `kv.getMany` for any number of keys (KV allows 10 per call), strongly consistent. */
export async function getManyChunked<T>(
  kv: Deno.Kv,
  keys: readonly Deno.KvKey[],
): Promise<Deno.KvEntryMaybe<T>[]> {
  const chunks: Promise<Deno.KvEntryMaybe<T>[]>[] = [];
  for (let i = 0; i < keys.length; i += 10) {
    chunks.push(kv.getMany<T[]>(keys.slice(i, i + 10)));
  }
  return (await Promise.all(chunks)).flat();
}

/** Every entry under `prefix`, in key order (use only for bounded sets). */
export async function listAll<T>(
  kv: Deno.Kv,
  prefix: Deno.KvKey,
  options: Deno.KvListOptions = {},
): Promise<Deno.KvEntry<T>[]> {
  const out: Deno.KvEntry<T>[] = [];
  for await (const entry of kv.list<T>({ prefix }, { batchSize: 500, ...options })) {
    out.push(entry);
  }
  return out;
}

/**
 * Opens a KV store that other processes may be opening at the same moment: the workers of
 * `deno serve --parallel` all open the same SQLite file at start-up, and the one that
 * creates its tables holds the lock for a moment. Such a clash is retried for a few seconds;
 * any other failure (a bad path, no permission) is reported at once.
 */
export async function openKvShared(path: string | undefined): Promise<Deno.Kv> {
  for (let attempt = 0;; attempt++) {
    try {
      return await Deno.openKv(path);
    } catch (err) {
      if (!isLocked(err) || attempt >= 50) throw err;
      await pause(20 + Math.random() * 80);
    }
  }
}
