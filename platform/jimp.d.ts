/**
 * The part of jimp's API Parta uses. Declared here so type checking does not pull in jimp's own
 * types, whose dependency image-q pins @types/node 16 and would replace Deno's Node types for the
 * whole project.
 */
export interface JimpImage {
  readonly width: number;
  readonly height: number;
  scaleToFit(options: { w: number; h: number }): JimpImage;
  getBuffer(mime: "image/png"): Promise<Uint8Array>;
  getBuffer(mime: "image/jpeg", options?: { quality?: number }): Promise<Uint8Array>;
}

export declare const Jimp: {
  read(data: ArrayBuffer): Promise<JimpImage>;
  new (options: { width: number; height: number; color: number }): JimpImage;
};
