/**
 * The part of busboy's API Parta uses (busboy ships no types, and @types/busboy would pull in
 * @types/node over Deno's own Node types).
 */
import type { Readable, Writable } from "node:stream";

export interface FileInfo {
  filename: string | undefined;
  encoding: string;
  mimeType: string;
}

export interface BusboyConfig {
  headers: { "content-type": string };
  /** Charset of parameters without an RFC 5987 charset (default latin1). */
  defParamCharset?: string;
  limits?: {
    fieldSize?: number;
    fields?: number;
    fileSize?: number;
    files?: number;
    parts?: number;
    headerPairs?: number;
  };
}

export interface BusboyEvents {
  on(event: "file", listener: (name: string, stream: Readable, info: FileInfo) => void): this;
}

/** A writable stream of the body that emits each part as it is parsed. */
export type Busboy = Writable & BusboyEvents;

declare function busboy(config: BusboyConfig): Busboy;
export default busboy;
