/**
 * The hostile-input suite at full size: every JSON route, upload, webhook and realtime frame,
 * fuzzed with a random seed (printed) and enough runs for at least 50,000 cases. Figures: cases,
 * failed properties (a 5xx, a crash, or hostile input accepted fails one; must be 0),
 * unhandled rejections (an uncaught error fails `deno test` itself). A failure is replayed with
 * `FUZZ_SEED=<seed> FUZZ_RUNS=<runs> deno test -A tests/fuzz_test.ts --filter "<name>"`.
 *
 *   deno run -A bench/fuzz.ts [--runs 1200] [--seed N]     (or: deno task bench --only fuzz)
 */
import { parseArgs } from "node:util";

const { values } = parseArgs({
  args: Deno.args,
  options: { runs: { type: "string", default: "1200" }, seed: { type: "string" } },
});
const seed = values.seed ?? String(Math.floor(Math.random() * 2 ** 31));
const root = new URL("..", import.meta.url).pathname;
console.error(`fuzz: seed ${seed}, ${values.runs} runs per property (FUZZ_SEED=${seed} replays)`);
const started = performance.now();
const out = await new Deno.Command(Deno.execPath(), {
  args: ["test", "-A", "--no-check", "tests/fuzz_test.ts", "tests/fuzz_frames_test.ts"],
  cwd: root,
  env: { FUZZ_SEED: seed, FUZZ_RUNS: values.runs!, NO_COLOR: "1" },
  stdout: "piped",
  stderr: "piped",
}).output();
const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
const cases = [...text.matchAll(/fuzz cases: (\d+)/g)].reduce((n, m) => n + Number(m[1]), 0);
const failed = Number(/(\d+) failed/.exec(text)?.[1] ?? (out.success ? 0 : 1));
const passed = Number(/(\d+) passed/.exec(text)?.[1] ?? 0);
const uncaught = (text.match(/uncaught error|Uncaught \(in promise\)/gi) ?? []).length;
const result = {
  seed: Number(seed),
  cases,
  properties_passed: passed,
  properties_failed: failed,
  unhandled_rejections: uncaught,
  seconds: +((performance.now() - started) / 1000).toFixed(1),
};
console.log(JSON.stringify(result));
if (!out.success) {
  console.error(
    text.split("\n").filter((l) => /FAILED|Counterexample|Caused by|error:/.test(l))
      .slice(0, 30).join("\n"),
  );
  Deno.exit(1);
}
