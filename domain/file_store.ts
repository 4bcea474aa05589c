/**
 * Writing an upload into KV as its bytes arrive: chunks are committed a few at a time (memory
 * stays at a few chunks per upload), under a staging entry so the sweeper removes the chunks of
 * an upload that never finished. The file exists only once {@link commitUpload} wrote its record
 * together with its unsent index entries and the school's storage count.
 */
import { keys } from "../platform/kv_keys.ts";
import { commit } from "../platform/kv_util.ts";
import { AppError } from "../shared/errors.ts";
import {
  CHUNK,
  commitOrFail,
  deleteChunks,
  type FilePart,
  type FileRecord,
  storedSize,
} from "./files.ts";

/** Chunks written per atomic operation: 240 KB, well under KV's 800 KiB. */
const CHUNKS_PER_COMMIT = 4;

/** Collects bytes into 60,000-byte chunks and commits them in small batches. */
export class ChunkWriter {
  /** Bytes written so far. */
  size = 0;
  #pending: Uint8Array[] = [];
  #current = new Uint8Array(CHUNK);
  #used = 0;
  #index = 0;

  constructor(readonly kv: Deno.Kv, readonly id: string, readonly part: FilePart) {}

  /** Adds bytes; commits whenever a batch of chunks is full. */
  async write(data: Uint8Array): Promise<void> {
    this.size += data.byteLength;
    let at = 0;
    while (at < data.byteLength) {
      const n = Math.min(CHUNK - this.#used, data.byteLength - at);
      this.#current.set(data.subarray(at, at + n), this.#used);
      this.#used += n;
      at += n;
      if (this.#used === CHUNK) {
        this.#pending.push(this.#current);
        this.#current = new Uint8Array(CHUNK);
        this.#used = 0;
        if (this.#pending.length >= CHUNKS_PER_COMMIT) await this.#flush();
      }
    }
  }

  /** Commits what is left; resolves with the number of chunks written. */
  async close(): Promise<number> {
    if (this.#used > 0) this.#pending.push(this.#current.subarray(0, this.#used));
    this.#used = 0;
    await this.#flush();
    return this.#index;
  }

  async #flush(): Promise<void> {
    if (this.#pending.length === 0) return;
    const op = this.kv.atomic();
    this.#pending.forEach((chunk, i) => {
      op.set(keys.fileChunk(this.id, this.part, this.#index + i), chunk);
    });
    await commitOrFail(op, "storing file chunks");
    this.#index += this.#pending.length;
    this.#pending = [];
  }
}

/** Stores `bytes` as the part, replacing what it held (chunks beyond the new end go). */
export async function replacePart(
  kv: Deno.Kv,
  id: string,
  part: FilePart,
  bytes: Uint8Array,
  oldSize = 0,
): Promise<void> {
  const writer = new ChunkWriter(kv, id, part);
  for (let at = 0; at < bytes.byteLength; at += CHUNK) {
    await writer.write(bytes.subarray(at, at + CHUNK));
  }
  const written = await writer.close();
  const old = Math.ceil(oldSize / CHUNK);
  for (let first = written; first < old; first += 100) {
    const op = kv.atomic();
    for (let i = first; i < Math.min(old, first + 100); i++) op.delete(keys.fileChunk(id, part, i));
    await commitOrFail(op, "trimming file chunks");
  }
}

/** Reads a stored part back whole (for decoding an image: one at a time per isolate). */
export async function readWhole(
  kv: Deno.Kv,
  id: string,
  part: FilePart,
  size: number,
): Promise<Uint8Array<ArrayBuffer>> {
  const out = new Uint8Array(size);
  for (let i = 0; i * CHUNK < size; i++) {
    const chunk = (await kv.get<Uint8Array>(keys.fileChunk(id, part, i))).value;
    if (!chunk) throw new Error(`file ${id} is missing chunk ${i}`);
    out.set(chunk, i * CHUNK);
  }
  return out;
}

/** Marks an upload as arriving; resolves with the versionstamp {@link commitUpload} checks. */
export async function beginUpload(kv: Deno.Kv, id: string, nowMs: number): Promise<string> {
  const key = keys.fileStaging(id);
  const res = await commit(
    kv.atomic().check({ key, versionstamp: null }).set(key, { startedAt: nowMs }),
  );
  if (!res.ok) throw new Error("starting the upload failed");
  return res.versionstamp;
}

const dropped = () =>
  new AppError(409, "conflict", "The upload took too long and was dropped; send it again");

/** Fails with 409 when the sweeper took the upload for abandoned (its chunks are going). */
export async function assertStaged(kv: Deno.Kv, id: string, staging: string): Promise<void> {
  if ((await kv.get(keys.fileStaging(id))).versionstamp !== staging) throw dropped();
}

/** Removes what an upload that failed had written. */
export async function abortUpload(kv: Deno.Kv, id: string): Promise<void> {
  await deleteChunks(kv, id);
  await commit(kv.atomic().delete(keys.fileStaging(id)));
}

/**
 * Makes the upload a file: its record, its entries in the unsent indexes (by expiry and by
 * uploader) and the school's storage count, in one commit. Fails with 409 when the sweeper
 * already took the upload for abandoned.
 */
export async function commitUpload(
  kv: Deno.Kv,
  record: FileRecord,
  staging: string,
): Promise<void> {
  const stored = storedSize(record);
  const op = kv.atomic()
    .check({ key: keys.file(record.id), versionstamp: null })
    .check({ key: keys.fileStaging(record.id), versionstamp: staging })
    .delete(keys.fileStaging(record.id))
    .set(keys.file(record.id), record)
    .set(keys.unsentFileOfUser(record.uploaderId, record.id), stored)
    .sum(keys.orgStorageAdded(record.orgId), BigInt(stored));
  if (record.unsentUntil !== undefined) {
    op.set(keys.unsentFile(record.unsentUntil, record.id), record.uploaderId);
  }
  const res = await commit(op);
  if (!res.ok) throw dropped();
}
