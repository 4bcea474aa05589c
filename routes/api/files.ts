/**
 * Files: upload into a chat (multipart, field `file`), download with Range support. Only members
 * of the chat can fetch a file, and only while its message exists; until it is sent, only the
 * uploader can.
 */
import { Hono } from "hono";
import type { AppEnv, Ctx, Deps } from "../context.ts";
import { requireUser } from "../context.ts";
import { AppError } from "../../shared/errors.ts";
import { contentDisposition, type FilePart } from "../../domain/files.ts";
import { ENVELOPE, tooLarge } from "../../domain/uploads.ts";

export function fileRoutes(deps: Deps) {
  const files = deps.services.files;
  const app = new Hono<AppEnv>();

  app.post("/chats/:chatId/files", async (c) => {
    const user = requireUser(c);
    const receive = await files.openUpload(user.id, c.req.param("chatId"));
    const max = deps.config.maxUploadBytes;
    const length = Number(c.req.header("Content-Length") ?? "0");
    if (length > max + ENVELOPE) throw tooLarge(max);
    const type = c.req.header("Content-Type") ?? "";
    if (!/^multipart\/form-data;/i.test(type)) {
      throw new AppError(415, "unsupported_media_type", "Upload the file as multipart/form-data");
    }
    return c.json({ file: await receive(c.req.raw.body, type) }, 201);
  });

  async function serve(c: Ctx, part: FilePart): Promise<Response> {
    const user = requireUser(c);
    const opened = await files.open(user.id, c.req.param("fileId")!, part);
    const { file, size } = opened;
    const headers = new Headers({
      "Content-Type": opened.type,
      "Accept-Ranges": "bytes",
      "Cache-Control": "private, max-age=86400, immutable",
      "ETag": opened.etag,
      "Content-Disposition": contentDisposition(
        file.kind === "image" ? "inline" : "attachment",
        opened.name,
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
    return new Response(opened.read(start, end), { status: range ? 206 : 200, headers });
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
