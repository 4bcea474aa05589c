/**
 * Runs in a Web Worker so decoding a large photo never stalls the isolate's sockets. Decodes a
 * JPEG or PNG (turning it upright by its EXIF orientation), re-encodes it without any metadata
 * (no GPS, no camera data), scaled to at most 2560 px, and makes a thumbnail of at most 320 px.
 */
// @ts-types="./jimp.d.ts"
import { Jimp } from "jimp";
import type { ImageJob, ImageResult } from "./image.ts";

const MAX_SIDE = 2560;
const THUMB_SIDE = 320;

async function process({ bytes, type }: ImageJob): Promise<ImageResult> {
  const image = await Jimp.read(
    bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer,
  );
  if (image.width > MAX_SIDE || image.height > MAX_SIDE) {
    image.scaleToFit({ w: MAX_SIDE, h: MAX_SIDE });
  }
  const encoded = type === "image/png"
    ? await image.getBuffer("image/png")
    : await image.getBuffer("image/jpeg", { quality: 88 });
  const { width, height } = image;
  image.scaleToFit({ w: THUMB_SIDE, h: THUMB_SIDE });
  const thumb = await image.getBuffer("image/jpeg", { quality: 80 });
  return {
    ok: true,
    image: new Uint8Array(encoded),
    thumb: new Uint8Array(thumb),
    width,
    height,
    thumbWidth: image.width,
    thumbHeight: image.height,
  };
}

self.onmessage = async (e: MessageEvent<ImageJob>) => {
  let result: ImageResult;
  try {
    result = await process(e.data);
  } catch (err) {
    result = { ok: false, error: err instanceof Error ? err.message : String(err) };
  }
  (self as unknown as Worker).postMessage(result);
};
