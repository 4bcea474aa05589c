/**
 * Uploads against the real server (`deno task start`'s `deno serve --parallel`, two workers, one
 * KV file): the answers by status (any 5xx is a failure) and the server's peak resident memory.
 *
 * - `--mode burst` (default): `--people` members (7) each send `--each` (30) small files
 *   (20 KB, not images) at once — the attack of issue 10 that got "database is locked" 500s.
 *   A 429/503 with Retry-After is waited out and sent again, as a client should.
 * - `--mode big`: `--people` members (20) each send one `--mib` (25) MiB file (not an image) at
 *   the same moment; reports the server's peak RSS (VmHWM) over its RSS before.
 *
 *   deno run -A bench/uploads.ts [--mode burst|big] [--people N] [--each N] [--mib N]
 */
import { parseArgs } from "node:util";
import { openKvShared } from "../platform/kv_util.ts";
import { addPeople, createGroupChat, createSchool, fixtures } from "./school.ts";
import { startParta } from "./parta_proc.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    mode: { type: "string", default: "burst" },
    people: { type: "string" },
    each: { type: "string", default: "30" },
    mib: { type: "string", default: "25" },
    jobs: { type: "string", default: "2" },
  },
});
const big = values.mode === "big";
const people = Number(values.people ?? (big ? 20 : 7));
const each = big ? 1 : Number(values.each);
const size = big ? Number(values.mib) * 1024 ** 2 : 20_000;

const dir = await Deno.makeTempDir({ prefix: "parta-uploads-" });
const kvPath = `${dir}/parta.kv`;
const kv = await openKvShared(kvPath);
const f = fixtures(kv);
const school = await createSchool(f, "Школа загрузок");
const members = await addPeople(f, school, "teacher", people, "teacher");
const chatId = await createGroupChat(f, school, members[0]!, members.slice(1), "Загрузки");
kv.close();

const server = await startParta({ kvPath, jobs: Number(values.jobs) });
const status = async (field: string) => {
  const text = await Deno.readTextFile(`/proc/${server.pid}/status`);
  return Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(text)![1]) * 1024;
};
const counts = new Map<number, number>();
let retries = 0;
try {
  const rssBefore = await status("VmRSS");
  // Bytes that no type detection takes for an image: a text-like run of letters.
  const body = new Uint8Array(size).map((_, i) => 97 + (i % 26));
  const started = performance.now();
  await Promise.all(members.flatMap((m) =>
    Array.from({ length: each }, async (_, i) => {
      for (let attempt = 0;; attempt++) {
        const form = new FormData();
        form.append("file", new File([body], `file-${i}.txt`, { type: "text/plain" }));
        const res = await fetch(`${server.url}/api/v1/chats/${chatId}/files`, {
          method: "POST",
          headers: { Authorization: `Bearer ${m.token}` },
          body: form,
        });
        await res.body?.cancel();
        const retryAfter = Number(res.headers.get("Retry-After") ?? "0");
        if ((res.status === 429 || res.status === 503) && retryAfter > 0 && attempt < 100) {
          retries++;
          await new Promise((r) => setTimeout(r, retryAfter * 1000 * (0.5 + Math.random())));
          continue;
        }
        counts.set(res.status, (counts.get(res.status) ?? 0) + 1);
        return;
      }
    })
  ));
  const seconds = (performance.now() - started) / 1000;
  const peak = await status("VmHWM");
  const result = {
    mode: values.mode,
    uploads: people * each,
    bytes_each: size,
    statuses: Object.fromEntries([...counts].sort()),
    server_errors: [...counts].filter(([s]) => s >= 500).reduce((n, [, c]) => n + c, 0),
    retries_after_429_503: retries,
    seconds: +seconds.toFixed(1),
    rss_before_mib: +(rssBefore / 1024 ** 2).toFixed(0),
    peak_rss_mib: +(peak / 1024 ** 2).toFixed(0),
    peak_over_before_mib: +((peak - rssBefore) / 1024 ** 2).toFixed(0),
  };
  console.log(JSON.stringify(result));
  const errors = server.output().split("\n").filter((l) => /locked|unexpected error/i.test(l));
  if (errors.length) console.error(errors.slice(0, 5).join("\n"));
} finally {
  await server.stop();
  await Deno.remove(dir, { recursive: true });
}
