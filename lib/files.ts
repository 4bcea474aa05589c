/**
 * Files in chats, stored in Deno KV: metadata under `files`, the bytes in chunks of 60,000 bytes
 * under `file_chunks` (every value stays under KV's 64 KiB). Per-school storage is counted with
 * atomic sums so uploads never contend with each other.
 */
import type { ChatId, Clock, Ids, OrgId, UserId } from "./ids.ts";
import { keys } from "./kv_keys.ts";
import { listAll } from "./kv_util.ts";

/** Bytes per stored chunk. */
export const CHUNK = 60_000;
/** Chunks written per atomic operation (well under 800 KiB). */
const CHUNKS_PER_COMMIT = 10;
/** Storage a school may use unless the operator sets otherwise. */
export const DEFAULT_STORAGE_QUOTA = 10 * 1024 ** 3;

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
  deleted: boolean;
}

/** What a message carries about each of its files. */
export interface FileRef {
  id: string;
  name: string;
  type: string;
  size: number;
  kind: "image" | "file";
  width?: number;
  height?: number;
}

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

const chunkCount = (size: number) => Math.ceil(size / CHUNK);

async function writeChunks(kv: Deno.Kv, id: string, part: FilePart, bytes: Uint8Array) {
  const n = chunkCount(bytes.byteLength);
  for (let first = 0; first < n; first += CHUNKS_PER_COMMIT) {
    const op = kv.atomic();
    for (let i = first; i < Math.min(n, first + CHUNKS_PER_COMMIT); i++) {
      op.set(keys.fileChunk(id, part, i), bytes.subarray(i * CHUNK, (i + 1) * CHUNK));
    }
    const res = await op.commit();
    if (!res.ok) throw new Error("storing file chunks failed");
  }
}

async function deleteChunks(kv: Deno.Kv, id: string): Promise<void> {
  const entries = await listAll(kv, keys.fileChunks(id));
  for (let i = 0; i < entries.length; i += 500) {
    const op = kv.atomic();
    for (const e of entries.slice(i, i + 500)) op.delete(e.key);
    await op.commit();
  }
}

/** Hex SHA-256 of bytes. */
export async function sha256Bytes(bytes: Uint8Array<ArrayBuffer>): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  return Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
}

export interface NewFile {
  orgId: OrgId;
  chatId: ChatId;
  uploaderId: UserId;
  name: string;
  type: string;
  kind: "image" | "file";
  bytes: Uint8Array<ArrayBuffer>;
  width?: number;
  height?: number;
  thumb?: { bytes: Uint8Array; type: string; width: number; height: number };
}

/** Stores the bytes, then the record; the file is visible only once both are written. */
export async function storeFile(
  deps: { kv: Deno.Kv; clock: Clock; ids: Ids },
  file: NewFile,
): Promise<FileRecord> {
  const { kv } = deps;
  const id = deps.ids.ulid();
  const record: FileRecord = {
    id,
    orgId: file.orgId,
    chatId: file.chatId,
    uploaderId: file.uploaderId,
    name: file.name,
    type: file.type,
    size: file.bytes.byteLength,
    sha256: await sha256Bytes(file.bytes),
    kind: file.kind,
    ...(file.width ? { width: file.width, height: file.height } : {}),
    ...(file.thumb
      ? {
        thumb: {
          size: file.thumb.bytes.byteLength,
          type: file.thumb.type,
          width: file.thumb.width,
          height: file.thumb.height,
        },
      }
      : {}),
    createdAt: new Date(deps.clock.now()).toISOString(),
    messageSeq: null,
    deleted: false,
  };
  try {
    await writeChunks(kv, id, "main", file.bytes);
    if (file.thumb) await writeChunks(kv, id, "thumb", file.thumb.bytes);
    const stored = file.bytes.byteLength + (file.thumb?.bytes.byteLength ?? 0);
    const res = await kv.atomic()
      .check({ key: keys.file(id), versionstamp: null })
      .set(keys.file(id), record)
      .sum(keys.orgStorageAdded(file.orgId), BigInt(stored))
      .commit();
    if (!res.ok) throw new Error("storing the file record failed");
  } catch (err) {
    await deleteChunks(kv, id);
    throw err;
  }
  return record;
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

/** Removes a file's bytes for good and counts the space as free again. */
export async function purgeFile(kv: Deno.Kv, record: FileRecord): Promise<void> {
  await deleteChunks(kv, record.id);
  const stored = record.size + (record.thumb?.size ?? 0);
  await kv.atomic()
    .set(keys.file(record.id), { ...record, deleted: true })
    .sum(keys.orgStorageFreed(record.orgId), BigInt(stored))
    .commit();
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
