/**
 * The house rule between floors, checked on every run: adapters (HTTP routes, socket frames,
 * pages: everything under routes/ except the composition root) parse, call a service and render.
 * They never build KV keys, touch KV helpers or decide permissions themselves, so they import
 * none of lib/kv_keys.ts, lib/kv_util.ts and lib/policy.ts. Islands run in the browser and
 * import nothing that reaches KV or the server's floors.
 */
import assert from "node:assert/strict";

const ROOT = new URL("..", import.meta.url);

/** The composition root builds every dependency; it is the one file under routes/ allowed to. */
const COMPOSITION_ROOT = "routes/wiring.ts";

async function* sources(dir: string): AsyncGenerator<string> {
  for await (const entry of Deno.readDir(new URL(dir, ROOT))) {
    const path = `${dir}/${entry.name}`;
    if (entry.isDirectory) yield* sources(path);
    else if (/\.tsx?$/.test(entry.name) && !/_test\.tsx?$/.test(entry.name)) yield path;
  }
}

/** The modules `path` imports (static and dynamic), resolved against the project root. */
async function importsOf(path: string): Promise<string[]> {
  const text = await Deno.readTextFile(new URL(path, ROOT));
  const specifiers = [
    ...text.matchAll(/(?:^|\n)\s*(?:import|export)[^"'`;]*?from\s*["']([^"']+)["']/g),
    ...text.matchAll(/import\(\s*["']([^"']+)["']\s*\)/g),
  ].map((m) => m[1]!);
  return specifiers.filter((s) => s.startsWith(".")).map((s) =>
    new URL(s, new URL(path, ROOT)).href.slice(ROOT.href.length)
  );
}

async function violations(dirs: string[], forbidden: (target: string) => boolean) {
  const found: string[] = [];
  for (const dir of dirs) {
    for await (const path of sources(dir)) {
      if (path === COMPOSITION_ROOT) continue;
      for (const target of await importsOf(path)) {
        if (forbidden(target)) found.push(`${path} imports ${target}`);
      }
    }
  }
  return found;
}

Deno.test("adapters import no KV keys, KV helpers or policy: they call services", async () => {
  const platform = new Set(["lib/kv_keys.ts", "lib/kv_util.ts", "lib/policy.ts"]);
  assert.deepEqual(await violations(["routes"], (t) => platform.has(t)), []);
});

Deno.test("islands import nothing from the server's floors", async () => {
  const server =
    /^(routes|services|actors|effects)\/|^lib\/(kv_keys|kv_util|policy|chats|orgs|files|uploads|auth|mail|oidc)\.ts$/;
  assert.deepEqual(await violations(["islands"], (t) => server.test(t)), []);
});

Deno.test("the rule's own check sees an import when there is one", async () => {
  // A check that cannot fail proves nothing: the composition root does import KV helpers.
  assert.ok((await importsOf(COMPOSITION_ROOT)).some((t) => t.startsWith("actors/")));
  assert.ok((await importsOf("services/chats.ts")).includes("lib/kv_keys.ts"));
});
