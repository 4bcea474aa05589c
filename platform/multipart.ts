/**
 * Streaming multipart/form-data parsing with busboy: a file part's bytes are handed on as they
 * arrive (with backpressure, so memory stays at a few buffers however large the file), and its
 * file name is read the way RFC 7578 and RFC 5987 say — quoted names keep `=`, `;` and escaped
 * quotes, `filename*=UTF-8''…` wins over `filename`, and raw UTF-8 names stay UTF-8.
 */
// @ts-types="./busboy.d.ts"
import busboy from "busboy";
import { Readable } from "node:stream";
import { AppError, invalidInput } from "../shared/errors.ts";

export interface FilePartStream {
  /** The name the client gave, as sent (not yet made safe). */
  filename: string;
  /** The part's bytes, as they arrive. */
  data: AsyncIterable<Uint8Array>;
}

const malformed = () => invalidInput("The upload is not valid multipart/form-data", "file");

/**
 * Parses `body` as it arrives and hands the first file part of form field `field` to `onFile`;
 * every other part is skipped. Resolves with what `onFile` resolved with (null when there was no
 * such part) once the whole body is parsed; rejects with 400 `invalid_input` for a malformed or
 * cut-off body, with the {@link AppError} `body` failed with, or with what `onFile` threw — in
 * each case only after `onFile` has settled, so whatever it cleans up is gone by then.
 */
export function parseUpload<T>(
  body: ReadableStream<Uint8Array>,
  contentType: string,
  field: string,
  onFile: (part: FilePartStream) => Promise<T>,
): Promise<T | null> {
  let parser;
  try {
    parser = busboy({
      headers: { "content-type": contentType },
      defParamCharset: "utf8",
      limits: { parts: 20, fields: 20, files: 5, fieldSize: 64 * 1024, headerPairs: 20 },
    });
  } catch {
    return Promise.reject(malformed());
  }
  const bb = parser;
  const source = Readable.fromWeb(body as import("node:stream/web").ReadableStream);
  return new Promise<T | null>((resolve, reject) => {
    let handled: Promise<T> | null = null;
    let failed = false;
    const fail = (err: unknown) => {
      if (failed) return;
      failed = true;
      source.unpipe(bb);
      source.destroy();
      bb.destroy();
      const settle = handled ?? Promise.resolve();
      settle.then(() => reject(err), () => reject(err));
    };
    bb.on("file", (name, stream, info) => {
      if (handled || failed || name !== field) {
        stream.resume();
        return;
      }
      handled = onFile({ filename: info.filename ?? "", data: stream });
      handled.catch(fail);
    });
    bb.on("error", () => fail(malformed()));
    bb.on("close", () => {
      if (failed) return;
      if (!handled) return resolve(null);
      handled.then(resolve, fail);
    });
    source.on("error", (err) => {
      fail(err instanceof AppError ? err : invalidInput("The upload could not be read", "file"));
    });
    source.pipe(bb);
  });
}
