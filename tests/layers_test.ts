/**
 * The house rules between floors, checked on every run:
 * - adapters (HTTP routes, socket frames, pages: everything under routes/) parse, call a service
 *   and render. They never build KV keys, touch KV helpers or decide permissions themselves, so
 *   they import none of platform/kv_keys.ts, platform/kv_util.ts and shared/policy.ts;
 * - islands run in the browser: they import only shared/ and each other;
 * - shared/ is what the browser and the server both load, so it imports only itself;
 * - browser code takes only types from the wire schemas (shared/api_schema.ts), so zod stays out
 *   of the islands' bundles.
 * The composition root (wiring.ts, beside main.ts) is the one place that builds every floor.
 */
import assert from "node:assert/strict";

const ROOT = new URL("..", import.meta.url);

/** The composition root builds every dependency. */
const COMPOSITION_ROOT = "wiring.ts";

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
      for (const target of await importsOf(path)) {
        if (forbidden(target)) found.push(`${path} imports ${target}`);
      }
    }
  }
  return found;
}

Deno.test("adapters import no KV keys, KV helpers or policy: they call services", async () => {
  const platform = new Set(["platform/kv_keys.ts", "platform/kv_util.ts", "shared/policy.ts"]);
  assert.deepEqual(await violations(["routes"], (t) => platform.has(t)), []);
});

/** Lines of `text` that take hold of the KV handle (`deps.kv`, or `kv` out of a destructuring). */
const kvHandles = (text: string) =>
  text.split("\n").flatMap((line, i) =>
    /\.kv\b|\{[^}]*\bkv\b[^}]*\}\s*=/.test(line) ? [`${i + 1}: ${line.trim()}`] : []
  );

Deno.test("adapters never hold the KV handle: every read goes through a service", async () => {
  const found: string[] = [];
  for await (const path of sources("routes")) {
    if (path === "routes/context.ts") continue; // declares the dependencies, reads none
    found.push(
      ...kvHandles(await Deno.readTextFile(new URL(path, ROOT))).map((l) => `${path}:${l}`),
    );
  }
  assert.deepEqual(found, []);
});

/** Modules a browser bundle may reach: shared/ and the islands themselves. */
const browserSafe = (target: string) => /^(shared|islands)\//.test(target);

Deno.test("islands import only shared/ and other islands", async () => {
  assert.deepEqual(await violations(["islands"], (t) => !browserSafe(t)), []);
});

Deno.test("shared/ imports nothing outside shared/", async () => {
  assert.deepEqual(await violations(["shared"], (t) => !t.startsWith("shared/")), []);
});

/** Lines of `path` that import `target` for more than its types. */
async function valueImports(path: string, target: string): Promise<string[]> {
  const text = await Deno.readTextFile(new URL(path, ROOT));
  const name = target.split("/").at(-1)!;
  return [...text.matchAll(/(?:^|\n)\s*(import|export)(\s+type)?[^"'`;]*?from\s*["']([^"']+)["']/g)]
    .filter((m) => m[3]!.endsWith(`/${name}`) && !m[2])
    .map((m) => `${path}: ${m[0].trim()}`);
}

Deno.test("browser code takes only types from the wire schemas", async () => {
  const found: string[] = [];
  for (const dir of ["islands", "shared"]) {
    for await (const path of sources(dir)) {
      if (path === "shared/api_schema.ts") continue;
      found.push(...await valueImports(path, "shared/api_schema.ts"));
    }
  }
  assert.deepEqual(found, []);
  // The check sees a value import where there is one: the OpenAPI route builds from the schemas.
  assert.ok((await valueImports("routes/api/openapi.ts", "shared/api_schema.ts")).length === 1);
});

Deno.test("the rules' own check sees an import when there is one", async () => {
  // A check that cannot fail proves nothing: services do reach KV, and the browser rule says so.
  assert.ok((await importsOf(COMPOSITION_ROOT)).some((t) => t.startsWith("actors/")));
  assert.ok((await importsOf("services/chat_scope.ts")).includes("platform/kv_keys.ts"));
  const serverSide = await violations(["services"], (t) => !browserSafe(t));
  assert.ok(
    serverSide.includes("services/chat_scope.ts imports platform/kv_keys.ts"),
    serverSide[0],
  );
  assert.deepEqual(
    kvHandles("const users = await getUsers(deps.kv, ids);\nconst { kv, clock } = deps;"),
    [
      "1: const users = await getUsers(deps.kv, ids);",
      "2: const { kv, clock } = deps;",
    ],
  );
});
