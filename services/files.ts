/**
 * The files domain's way in: uploading into a chat and reading a file back. Only members of the
 * chat who may post upload; only members of the chat read a file, and only while its message
 * exists; until it is sent, only its uploader can. (HTTP framing, Range and headers are the
 * route's.)
 */
import type { Clock, Ids, UserId } from "../shared/ids.ts";
import { isUlid } from "../shared/ids.ts";
import { keys } from "../platform/kv_keys.ts";
import type { Config } from "../platform/config.ts";
import type { Message } from "../shared/chat_model.ts";
import { canPost } from "../shared/policy.ts";
import { forbidden, invalidInput, notFound } from "../shared/errors.ts";
import { loadChatAccess } from "../domain/chats.ts";
import { type FilePart, type FileRecord, fileView, getFile, readPart } from "../domain/files.ts";
import { type FileServices, receiveUpload } from "../domain/uploads.ts";
import { enforce } from "../platform/rate_limit.ts";

/** Uploads one member may start in an hour. */
const UPLOAD_RATE = { bucket: "uploads_user", limit: 120, windowMs: 3600_000 };

export interface FileServiceDeps {
  kv: Deno.Kv;
  clock: Clock;
  ids: Ids;
  config: Config;
  files: FileServices;
}

export class FileService {
  readonly #d: FileServiceDeps;

  constructor(deps: FileServiceDeps) {
    this.#d = deps;
  }

  /**
   * Checks that the caller may upload into the chat (404 outside it, 403 where they cannot
   * post) and returns the function that receives the multipart body.
   */
  async openUpload(userId: UserId, chatId: string) {
    const { chat, caller } = await loadChatAccess(this.#d.kv, chatId, userId);
    if (canPost(caller, chat.kind) !== "allow") {
      throw forbidden("Cannot upload: you cannot post here");
    }
    /** Stores the file of `body` (a multipart/form-data stream of `contentType`). */
    return async (body: ReadableStream<Uint8Array> | null, contentType: string) => {
      const leave = this.#d.files.gate.enter(userId);
      try {
        await enforce(this.#d.kv, this.#d.clock, UPLOAD_RATE, userId);
        if (!body) throw invalidInput("No file was sent", "file");
        const record = await receiveUpload(
          this.#d,
          { orgId: chat.orgId, chatId: chat.id, uploaderId: userId },
          body,
          contentType,
        );
        return fileView(record);
      } finally {
        leave();
      }
    };
  }

  /** The file (or its preview) if the caller may read it now; 404 otherwise. */
  async open(userId: UserId, fileId: string, part: FilePart): Promise<OpenFile> {
    const { kv } = this.#d;
    const file = isUlid(fileId) ? await getFile(kv, fileId) : null;
    if (!file || file.deleted) throw notFound("No such file");
    await loadChatAccess(kv, file.chatId, userId);
    if (file.messageSeq === null) {
      if (file.uploaderId !== userId) throw notFound("No such file");
    } else {
      const message = (await kv.get<Message>(keys.message(file.chatId, file.messageSeq))).value;
      if (!message || message.deleted) throw notFound("No such file");
    }
    const size = part === "thumb" ? file.thumb?.size : file.size;
    if (size === undefined) throw notFound("This file has no preview");
    return {
      file,
      size,
      type: part === "thumb" ? file.thumb!.type : file.type,
      name: part === "thumb" ? `preview-${file.name}` : file.name,
      etag: `"${file.sha256}${part === "thumb" ? "-t" : ""}"`,
      read: (start, end) => readPart(kv, file.id, part, start, end),
    };
  }
}

export interface OpenFile {
  file: FileRecord;
  size: number;
  type: string;
  /** The name to save it under. */
  name: string;
  etag: string;
  /** Bytes `start` to `end` (inclusive). */
  read(start: number, end: number): ReadableStream<Uint8Array>;
}
