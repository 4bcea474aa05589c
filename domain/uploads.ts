/**
 * Receiving an upload: the multipart body is parsed as it arrives and the file's bytes go
 * straight into KV chunks, hashed on the way, refused as soon as they pass the size limit. Only
 * then is the type detected (file-type, reading the stored chunks back as far as it needs) and a
 * JPEG or PNG re-encoded — unless its header declares more pixels than may be decoded, in which
 * case it is kept as a plain download without ever being decoded.
 */
import { createHash } from "node:crypto";
import { fileTypeFromStream } from "file-type";
import type { ChatId, Clock, Ids, OrgId, UserId } from "../shared/ids.ts";
import { AppError, invalidInput } from "../shared/errors.ts";
import {
  type FileRecord,
  MAX_UNSENT_FILES,
  readPart,
  safeFileName,
  storageUsed,
  storedSize,
  UNSENT_TTL_MS,
  unsentAllowance,
  unsentOfUser,
} from "./files.ts";
import {
  abortUpload,
  assertStaged,
  beginUpload,
  ChunkWriter,
  commitUpload,
  readWhole,
  replacePart,
} from "./file_store.ts";
import { parseUpload } from "../platform/multipart.ts";
import {
  declaredSize,
  type ImageProcessor,
  type ImageResult,
  type ImageType,
} from "../platform/image.ts";
import type { UploadGate } from "../platform/upload_gate.ts";
import type { FileSweeper } from "./file_sweeper.ts";

/** What each isolate keeps for files: its image queue, its upload gate, its sweeper. */
export interface FileServices {
  images: ImageProcessor;
  gate: UploadGate;
  sweeper: FileSweeper;
}

export interface UploadDeps {
  kv: Deno.Kv;
  clock: Clock;
  ids: Ids;
  config: { maxUploadBytes: number; storageQuotaBytes: number };
  files: FileServices;
}

export interface UploadTarget {
  orgId: OrgId;
  chatId: ChatId;
  uploaderId: UserId;
}

/** Bytes kept from the start of an upload, to read an image's declared size from. */
const HEAD_BYTES = 64 * 1024;
const IMAGE_TYPES = new Set(["image/jpeg", "image/png"]);

export const tooLarge = (max: number) =>
  new AppError(413, "too_large", `Files may be at most ${Math.floor(max / 1024 / 1024)} MiB`);

/** Room for the multipart envelope (boundaries, part headers, other fields) around the file. */
export const ENVELOPE = 64 * 1024;

/** `body`, failing with 413 once more than `limit` bytes have come (however the file is framed). */
function capped(body: ReadableStream<Uint8Array>, limit: number, max: number) {
  let seen = 0;
  return body.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        seen += chunk.byteLength;
        if (seen > limit) controller.error(tooLarge(max));
        else controller.enqueue(chunk);
      },
    }),
  );
}

interface Staged {
  id: string;
  staging: string;
  name: string;
  size: number;
  sha256: string;
  head: Uint8Array;
}

/**
 * Refuses with 413 `quota_exceeded` when `size` more bytes would pass the school's quota, or the
 * uploader's allowance of uploads not sent yet (see {@link unsentAllowance}). Both are checked
 * before and after the bytes arrive, not atomically with the commit: concurrent uploads may pass
 * them by what is in flight (at most 3 per member and 8 per isolate, each ≤ MAX_UPLOAD_BYTES).
 */
export async function assertRoom(deps: UploadDeps, target: UploadTarget, size: number) {
  const used = await storageUsed(deps.kv, target.orgId);
  if (used + Math.max(size, 1) > deps.config.storageQuotaBytes) {
    throw new AppError(413, "quota_exceeded", "The school's storage is full");
  }
  const unsent = await unsentOfUser(deps.kv, target.uploaderId);
  const allowance = unsentAllowance(deps.config.storageQuotaBytes);
  if (unsent.files >= MAX_UNSENT_FILES || unsent.bytes + Math.max(size, 1) > allowance) {
    throw new AppError(
      413,
      "quota_exceeded",
      "You have too many uploads not sent yet: send them in a message, or wait a day for them to expire",
    );
  }
}

async function stage(
  deps: UploadDeps,
  id: string,
  filename: string,
  data: AsyncIterable<Uint8Array>,
): Promise<Staged> {
  const max = deps.config.maxUploadBytes;
  const staging = await beginUpload(deps.kv, id, deps.clock.now());
  const writer = new ChunkWriter(deps.kv, id, "main");
  const hash = createHash("sha256");
  const head = new Uint8Array(HEAD_BYTES);
  let headUsed = 0;
  for await (const piece of data) {
    if (writer.size + piece.byteLength > max) throw tooLarge(max);
    hash.update(piece);
    if (headUsed < HEAD_BYTES) {
      const n = Math.min(HEAD_BYTES - headUsed, piece.byteLength);
      head.set(piece.subarray(0, n), headUsed);
      headUsed += n;
    }
    await writer.write(piece);
  }
  await writer.close();
  const name = safeFileName(filename, "file");
  return {
    id,
    staging,
    name,
    size: writer.size,
    sha256: hash.digest("hex"),
    head: head.subarray(0, headUsed),
  };
}

/**
 * Receives the multipart `body` (field `file`) into storage and resolves with the new file's
 * record; refuses with 413 past the size limit or a quota, 400 for a body that is not a
 * well-formed upload, 429 when the uploader's image queue is full. Whatever was stored of a
 * refused upload is removed before this settles.
 */
export async function receiveUpload(
  deps: UploadDeps,
  target: UploadTarget,
  body: ReadableStream<Uint8Array>,
  contentType: string,
): Promise<FileRecord> {
  const { kv } = deps;
  const max = deps.config.maxUploadBytes;
  await assertRoom(deps, target, 0);
  const started: { id?: string } = {};
  try {
    const staged = await parseUpload(
      capped(body, max + ENVELOPE, max),
      contentType,
      "file",
      (part) => {
        started.id = deps.ids.ulid();
        return stage(deps, started.id, part.filename, part.data);
      },
    );
    if (!staged) throw invalidInput("Send the file in the field `file`", "file");
    if (staged.size === 0) throw invalidInput("The file is empty", "file");
    await assertRoom(deps, target, staged.size);
    const record = await finish(deps, target, staged).catch(async (err) => {
      // A chunk gone missing means the sweeper dropped the upload meanwhile: say so.
      if (!(err instanceof AppError)) await assertStaged(kv, staged.id, staged.staging);
      throw err;
    });
    await assertRoom(deps, target, storedSize(record));
    await commitUpload(kv, record, staged.staging);
    return record;
  } catch (err) {
    if (started.id !== undefined) await abortUpload(kv, started.id);
    throw err;
  }
}

/** Detects the type, re-encodes an image that may be decoded, and builds the record. */
async function finish(
  deps: UploadDeps,
  target: UploadTarget,
  staged: Staged,
): Promise<FileRecord> {
  const { kv } = deps;
  const now = deps.clock.now();
  const base: FileRecord = {
    id: staged.id,
    ...target,
    name: staged.name,
    type: "application/octet-stream",
    size: staged.size,
    sha256: staged.sha256,
    kind: "file",
    createdAt: new Date(now).toISOString(),
    messageSeq: null,
    unsentUntil: now + UNSENT_TTL_MS,
    deleted: false,
  };
  const detected = (await fileTypeFromStream(readPart(kv, staged.id, "main", 0, staged.size - 1)))
    ?.mime ?? "application/octet-stream";
  if (!IMAGE_TYPES.has(detected)) return { ...base, type: detected };
  // An image we cannot vouch for (too large to decode, or not decoding) is stored as it came,
  // and only ever downloaded, as an opaque file.
  const { images } = deps.files;
  const declared = declaredSize(staged.head, detected as ImageType);
  if (declared && !images.fits(declared)) return base;
  const image: ImageResult = await images.process(
    target.uploaderId,
    detected as ImageType,
    () => readWhole(kv, staged.id, "main", staged.size),
  );
  if (!image.ok) return base;
  await replacePart(kv, staged.id, "main", image.image, staged.size);
  await replacePart(kv, staged.id, "thumb", image.thumb);
  return {
    ...base,
    type: detected,
    kind: "image",
    size: image.image.byteLength,
    sha256: createHash("sha256").update(image.image).digest("hex"),
    width: image.width,
    height: image.height,
    thumb: {
      size: image.thumb.byteLength,
      type: "image/jpeg",
      width: image.thumbWidth,
      height: image.thumbHeight,
    },
  };
}
