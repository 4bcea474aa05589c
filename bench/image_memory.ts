/**
 * What one image decode costs: peak memory and time of the upload path's image processing
 * (platform/image.ts → the jimp worker: decode, scale to 2560 px, re-encode, thumbnail) for photo-like
 * JPEGs (smooth gradients with sensor-like noise) and PNGs of several sizes. Each size runs in a
 * fresh process, which reports its resident set before the decode and its high-water mark
 * (VmHWM, Linux) after; the difference is the decode's peak. Figures go to docs/reliability.md
 * "Limits", and are what MAX_IMAGE_PIXELS is chosen from.
 *
 *   deno run -A bench/image_memory.ts [--mp 3,12,24,40] [--png]
 */
import { parseArgs } from "node:util";
// @ts-types="../platform/jimp.d.ts"
import { Jimp } from "jimp";
import { ImageProcessor, type ImageType } from "../platform/image.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    mp: { type: "string", default: "3,12,24,40" },
    png: { type: "boolean", default: false },
    child: { type: "string" },
    type: { type: "string", default: "image/jpeg" },
  },
});

async function hwm(): Promise<number> {
  const status = await Deno.readTextFile("/proc/self/status");
  return Number(/VmHWM:\s+(\d+) kB/.exec(status)![1]) * 1024;
}

if (values.child) {
  const bytes = await Deno.readFile(values.child);
  const before = Deno.memoryUsage().rss;
  const started = performance.now();
  const images = new ImageProcessor({ maxPixels: 1e12, timeoutMs: 600_000 });
  const result = await images.process(
    "bench",
    values.type as ImageType,
    () => Promise.resolve(bytes.slice()),
  );
  const ms = performance.now() - started;
  console.log(JSON.stringify({ ok: result.ok, before, peak: await hwm(), ms }));
  Deno.exit(0);
}

/** A photo-like image: gradients, a few shapes, per-pixel noise (so JPEG stays photo-sized). */
function photoLike(width: number, height: number) {
  const image = new Jimp({ width, height, color: 0x000000ff }) as unknown as {
    bitmap: { data: Uint8Array };
  };
  const data = image.bitmap.data;
  let seed = 12345;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      const noise = (seed >> 16) % 24;
      const i = (y * width + x) * 4;
      data[i] = (x * 255 / width + noise) & 255;
      data[i + 1] = (y * 255 / height + noise) & 255;
      data[i + 2] = ((x + y) * 128 / (width + height) + 64 + noise) & 255;
      data[i + 3] = 255;
    }
  }
  return image as unknown as { getBuffer(mime: string, o?: unknown): Promise<Uint8Array> };
}

const type = values.png ? "image/png" : "image/jpeg";
const dir = await Deno.makeTempDir({ prefix: "parta-image-" });
const rows: string[] = [];
try {
  for (const mp of values.mp!.split(",").map(Number)) {
    const width = Math.round(Math.sqrt(mp * 1e6 * 4 / 3));
    const height = Math.round(width * 3 / 4);
    const encoded = await photoLike(width, height).getBuffer(type, { quality: 90 });
    const path = `${dir}/${mp}.${values.png ? "png" : "jpg"}`;
    await Deno.writeFile(path, encoded);
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", import.meta.filename!, "--child", path, "--type", type],
      stdout: "piped",
    }).output();
    const r = JSON.parse(new TextDecoder().decode(out.stdout).trim().split("\n").at(-1)!);
    const mib = (r.peak - r.before) / 1024 ** 2;
    const pixels = width * height;
    rows.push(
      `| ${type} | ${width}×${height} | ${(pixels / 1e6).toFixed(1)} MP | ` +
        `${(encoded.byteLength / 1024 ** 2).toFixed(1)} MiB | ${mib.toFixed(0)} MiB | ` +
        `${(mib * 1024 ** 2 / pixels).toFixed(1)} B | ${(r.ms / 1000).toFixed(1)} s | ${r.ok} |`,
    );
    console.error(rows.at(-1));
  }
} finally {
  await Deno.remove(dir, { recursive: true });
}
console.log("| type | size | pixels | file | peak over baseline | per pixel | time | decoded |");
console.log("| --- | --- | --- | --- | --- | --- | --- | --- |");
for (const row of rows) console.log(row);
