/**
 * Files: upload into a chat (multipart, field `file`), download with Range support. Only members
 * of the chat can fetch a file, and only while its message exists; until it is sent, only the
 * uploader can.
 */
import { Hono } from "hono";
import type { AppEnv, Ctx, Deps } from "../context.ts";
import { requireUser } from "../context.ts";
import { AppError, forbidden, invalidInput, notFound } from "../../lib/errors.ts";
import { isUlid } from "../../lib/ids.ts";
import { loadChatAccess } from "../../lib/chats.ts";
import { canPost } from "../../lib/policy.ts";
import { contentDisposition, type FilePart, fileView, getFile, readPart } from "../../lib/files.ts";
import { ENVELOPE, receiveUpload, tooLarge } from "../../lib/uploads.ts";
import { enforce } from "../../lib/rate_limit.ts";
import { keys } from "../../lib/kv_keys.ts";
import type { Message } from "../../lib/chat_model.ts";

const UPLOAD_RATE = { bucket: "uploads_user", limit: 120, windowMs: 3600_000 };

export function fileRoutes(deps: Deps) {
  const { kv, config } = deps;
  const app = new Hono<AppEnv>();

  app.post("/chats/:chatId/files", async (c) => {
    const user = requireUser(c);
    const { chat, caller } = await loadChatAccess(kv, c.req.param("chatId"), user.id);
    if (canPost(caller, chat.kind) !== "allow") {
      throw forbidden("Cannot upload: you cannot post here");
    }
    const max = config.maxUploadBytes;
    const length = Number(c.req.header("Content-Length") ?? "0");
    if (length > max + ENVELOPE) throw tooLarge(max);
    const type = c.req.header("Content-Type") ?? "";
    if (!/^multipart\/form-data;/i.test(type)) {
      throw new AppError(415, "unsupported_media_type", "Upload the file as multipart/form-data");
    }
    const leave = deps.files.gate.enter(user.id);
    try {
      await enforce(kv, deps.clock, UPLOAD_RATE, user.id);
      if (!c.req.raw.body) throw invalidInput("No file was sent", "file");
      const record = await receiveUpload(
        deps,
        {
          orgId: chat.orgId,
          chatId: chat.id,
          uploaderId: user.id,
        },
        c.req.raw.body,
        type,
      );
      return c.json({ file: fileView(record) }, 201);
    } finally {
      leave();
    }
  });

  async function serve(c: Ctx, part: FilePart): Promise<Response> {
    const user = requireUser(c);
    const id = c.req.param("fileId")!;
    const file = isUlid(id) ? await getFile(kv, id) : null;
    if (!file || file.deleted) throw notFound("No such file");
    await loadChatAccess(kv, file.chatId, user.id);
    if (file.messageSeq === null) {
      if (file.uploaderId !== user.id) throw notFound("No such file");
    } else {
      const message = (await kv.get<Message>(keys.message(file.chatId, file.messageSeq))).value;
      if (!message || message.deleted) throw notFound("No such file");
    }
    const size = part === "thumb" ? file.thumb?.size : file.size;
    if (size === undefined) throw notFound("This file has no preview");
    const type = part === "thumb" ? file.thumb!.type : file.type;
    const headers = new Headers({
      "Content-Type": type,
      "Accept-Ranges": "bytes",
      "Cache-Control": "private, max-age=86400, immutable",
      "ETag": `"${file.sha256}${part === "thumb" ? "-t" : ""}"`,
      "Content-Disposition": contentDisposition(
        file.kind === "image" ? "inline" : "attachment",
        part === "thumb" ? `preview-${file.name}` : file.name,
      ),
      "Content-Security-Policy": "default-src 'none'; sandbox; frame-ancestors 'none'",
    });
    const range = parseRange(c.req.header("Range"), size);
    if (range === "invalid") {
      headers.set("Content-Range", `bytes */${size}`);
      headers.set("Content-Type", "application/json");
      return new Response(
        JSON.stringify({
          error: {
            code: "range_not_satisfiable",
            message: "The requested range is outside the file",
          },
        }),
        { status: 416, headers },
      );
    }
    const [start, end] = range ?? [0, size - 1];
    headers.set("Content-Length", String(end - start + 1));
    if (range) headers.set("Content-Range", `bytes ${start}-${end}/${size}`);
    if (c.req.method === "HEAD") return new Response(null, { status: range ? 206 : 200, headers });
    return new Response(readPart(kv, file.id, part, start, end), {
      status: range ? 206 : 200,
      headers,
    });
  }

  app.get("/files/:fileId", (c) => serve(c, "main"));
  app.get("/files/:fileId/thumb", (c) => serve(c, "thumb"));

  return app;
}

/** One `bytes=` range of a file of `size` bytes: null when absent, "invalid" when unsatisfiable. */
export function parseRange(
  header: string | undefined,
  size: number,
): [number, number] | null | "invalid" {
  if (!header) return null;
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!match || (match[1] === "" && match[2] === "")) return "invalid";
  let start: number;
  let end: number;
  if (match[1] === "") {
    const suffix = Number(match[2]);
    if (suffix === 0) return "invalid";
    start = Math.max(0, size - suffix);
    end = size - 1;
  } else {
    start = Number(match[1]);
    end = match[2] === "" ? size - 1 : Math.min(Number(match[2]), size - 1);
  }
  if (start > end || start >= size) return "invalid";
  return [start, end];
}
