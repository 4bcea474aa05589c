/**
 * Files in chats, stored in Deno KV: metadata under `files`, the bytes in chunks of 60,000 bytes
 * under `file_chunks` (every value stays under KV's 64 KiB). Per-school storage is counted with
 * atomic sums so uploads never contend with each other. An upload not sent in a message within
 * a day expires, and a member may hold only so much unsent; the sweeper (file_sweeper.ts) frees
 * what expired and what was deleted with its message, counting each file's space free once.
 */
import type { ChatId, OrgId, UserId } from "../shared/ids.ts";
import type { FileRef } from "../shared/chat_model.ts";
import { keys } from "../platform/kv_keys.ts";
import { commit } from "../platform/kv_util.ts";

/** Bytes per stored chunk. */
export const CHUNK = 60_000;
/** How long an upload waits to be sent in a message before it is purged. */
export const UNSENT_TTL_MS = 24 * 3600_000;
/** Bytes one member may hold in uploads not sent yet (six uploads of the default 25 MiB). */
export const MAX_UNSENT_BYTES = 150 * 1024 ** 2;
/** …and at most this share of the school's quota, so a handful of members cannot fill it. */
export const MAX_UNSENT_SHARE = 1 / 20;

/** Uploads one member may hold not sent yet. */
export const MAX_UNSENT_FILES = 100;

/** Bytes of unsent uploads one member may hold in a school with `quota` bytes of storage. */
export const unsentAllowance = (quota: number): number =>
  Math.min(MAX_UNSENT_BYTES, Math.floor(quota * MAX_UNSENT_SHARE));

export type FilePart = "main" | "thumb";

export interface FileRecord {
  id: string;
  orgId: OrgId;
  chatId: ChatId;
  uploaderId: UserId;
  name: string;
  /** Detected from the bytes, never taken from the client. */
  type: string;
  size: number;
  sha256: string;
  /** Images are shown inline with a preview; everything else downloads. */
  kind: "image" | "file";
  width?: number;
  height?: number;
  thumb?: { size: number; type: string; width: number; height: number };
  createdAt: string;
  /** The message it was sent with, once sent. */
  messageSeq: number | null;
  /** When it is purged if not sent by then (ms since the epoch); absent on older records. */
  unsentUntil?: number;
  deleted: boolean;
}

/** A message's reference to a file. */
export function fileRef(f: FileRecord): FileRef {
  return {
    id: f.id,
    name: f.name,
    type: f.type,
    size: f.size,
    kind: f.kind,
    ...(f.width ? { width: f.width, height: f.height } : {}),
  };
}

/** What the upload answers. */
export function fileView(f: FileRecord) {
  return { id: f.id, name: f.name, type: f.type, size: f.size, sha256: f.sha256, kind: f.kind };
}

/** Writes a commit may carry: the chat actor's Plan satisfies this. */
export interface Writes {
  set(key: Deno.KvKey, value: unknown, size?: number): void;
  delete(key: Deno.KvKey): void;
}

/** Adds to a send's commit: the file now belongs to message `messageSeq` (its unsent index entries go). */
export function writeFileSent(w: Writes, file: FileRecord, messageSeq: number): void {
  w.set(keys.file(file.id), { ...file, messageSeq }, 1000);
  if (file.unsentUntil !== undefined) w.delete(keys.unsentFile(file.unsentUntil, file.id));
  w.delete(keys.unsentFileOfUser(file.uploaderId, file.id));
}

/** The file's record, or null. */
export async function getFile(kv: Deno.Kv, id: string): Promise<FileRecord | null> {
  return (await kv.get<FileRecord>(keys.file(id))).value;
}

/** Bytes stored by the school now (uploads minus removals). */
export async function storageUsed(kv: Deno.Kv, orgId: OrgId): Promise<number> {
  const [added, freed] = await kv.getMany<[Deno.KvU64, Deno.KvU64]>([
    keys.orgStorageAdded(orgId),
    keys.orgStorageFreed(orgId),
  ]);
  return Number((added.value?.value ?? 0n) - (freed.value?.value ?? 0n));
}

/** What a member holds in uploads not sent yet: how many, and their bytes. */
export async function unsentOfUser(
  kv: Deno.Kv,
  userId: UserId,
): Promise<{ files: number; bytes: number }> {
  let files = 0;
  let bytes = 0;
  const entries = kv.list<number>({ prefix: keys.unsentFilesOfUser(userId) }, {
    limit: MAX_UNSENT_FILES + 1,
  });
  for await (const e of entries) {
    files++;
    bytes += e.value;
  }
  return { files, bytes };
}

/** Bytes a file holds in storage (its part and its preview). */
export const storedSize = (f: { size: number; thumb?: { size: number } }) =>
  f.size + (f.thumb?.size ?? 0);

/**
 * Deletes every chunk stored under `id`, a few at a time (bounded memory), retrying a locked
 * store. Idempotent.
 */
export async function deleteChunks(kv: Deno.Kv, id: string): Promise<void> {
  for (;;) {
    const op = kv.atomic();
    let n = 0;
    for await (const e of kv.list({ prefix: keys.fileChunks(id) }, { limit: 16 })) {
      op.delete(e.key);
      n++;
    }
    if (n === 0) return;
    await commitOrFail(op, "deleting file chunks");
  }
}

/**
 * Takes a file out of storage for good, exactly once however many isolates try at the same
 * time: marks it deleted and counts its space free in one checked commit (with a purge entry, so
 * a crash before the chunks are gone leaves work for the sweeper), then deletes its chunks.
 * `expect` must be true of the record as read, or nothing is done (a file sent meanwhile is not
 * expired). Resolves with whether this call freed the space.
 */
export async function retireFile(
  kv: Deno.Kv,
  id: string,
  nowIso: string,
  expect: (f: FileRecord) => boolean = () => true,
): Promise<boolean> {
  let freed = false;
  for (let attempt = 0;; attempt++) {
    const [entry, marker] = await kv.getMany<[FileRecord, unknown]>([
      keys.file(id),
      keys.fileFreed(id),
    ]);
    const f = entry.value;
    if (!f || f.deleted) break;
    if (!expect(f)) return false;
    if (attempt >= 20) throw new Error(`retiring file ${id} kept colliding`);
    const op = kv.atomic()
      .check(entry)
      .check(marker)
      .set(keys.file(id), { ...f, deleted: true })
      .set(keys.filePurge(id), { at: nowIso })
      .delete(keys.unsentFileOfUser(f.uploaderId, id));
    if (f.unsentUntil !== undefined) op.delete(keys.unsentFile(f.unsentUntil, id));
    // Freed before (a stale copy of the record was written back since): not counted again.
    if (marker.versionstamp === null) {
      op.set(keys.fileFreed(id), nowIso).sum(keys.orgStorageFreed(f.orgId), BigInt(storedSize(f)));
    }
    if ((await commit(op)).ok) {
      freed = marker.versionstamp === null;
      break;
    }
  }
  const purge = await kv.get(keys.filePurge(id));
  if (purge.versionstamp !== null) {
    await deleteChunks(kv, id);
    await commit(kv.atomic().check(purge).delete(keys.filePurge(id)));
  }
  return freed;
}

/** Removes a file's bytes for good and counts the space as free again (once). */
export async function purgeFile(kv: Deno.Kv, record: FileRecord): Promise<void> {
  await retireFile(kv, record.id, new Date().toISOString());
}

/** Commits `op` (retrying a locked store); a failed check is an error here. */
export async function commitOrFail(op: Deno.AtomicOperation, what: string): Promise<void> {
  const res = await commit(op);
  if (!res.ok) throw new Error(`${what} failed`);
}

/** Streams bytes [start, end] (inclusive) of a stored part, reading chunks as they are sent. */
export function readPart(
  kv: Deno.Kv,
  id: string,
  part: FilePart,
  start: number,
  end: number,
): ReadableStream<Uint8Array> {
  let index = Math.floor(start / CHUNK);
  const last = Math.floor(end / CHUNK);
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (index > last) {
        controller.close();
        return;
      }
      const chunk = (await kv.get<Uint8Array>(keys.fileChunk(id, part, index))).value;
      if (!chunk) {
        controller.error(new Error(`file ${id} is missing chunk ${index}`));
        return;
      }
      const from = index === Math.floor(start / CHUNK) ? start % CHUNK : 0;
      const to = index === last ? (end % CHUNK) + 1 : chunk.byteLength;
      controller.enqueue(chunk.subarray(from, to));
      index++;
    },
  });
}

// deno-lint-ignore no-control-regex
const UNSAFE_NAME = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069/\\:*?"<>|]/g;

/** A file name safe to show and to send back in headers: no paths, no control characters. */
export function safeFileName(name: string, fallback: string): string {
  const base = name.split(/[/\\]/).pop() ?? "";
  const clean = base.replace(UNSAFE_NAME, "_").trim().replace(/^\.+/, "");
  const limited = [...clean].slice(0, 200).join("");
  return limited || fallback;
}

/** `Content-Disposition` for a stored file: images inline, everything else as a download. */
export function contentDisposition(kind: "inline" | "attachment", name: string): string {
  const ascii = name.replace(/[^\x20-\x7e]|["\\%]/g, "_");
  return `${kind}; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(name)}`;
}
