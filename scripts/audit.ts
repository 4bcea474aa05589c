/**
 * `deno task audit`: checks every npm package in deno.lock against the npm registry's security
 * advisories and fails on any high or critical one. Sources, in order, until one answers:
 *
 * 1. `deno audit --level=high` (Deno's own audit of the lockfile);
 * 2. the registry's bulk advisory endpoint, asked directly with the lockfile's packages;
 * 3. `npm audit` on a package-lock.json generated from deno.lock in a temporary folder.
 *
 * Exit codes: 0 no high or critical advisory; 1 some found (listed); 2 no source could be
 * reached, so nothing was checked (a check that did not happen is not a pass).
 */

const ROOT = new URL("..", import.meta.url).pathname;
const BULK = "https://registry.npmjs.org/-/npm/v1/security/advisories/bulk";
const FAILING = new Set(["high", "critical"]);

export interface LockEntry {
  integrity?: string;
  dependencies?: string[];
}

export interface Lock {
  specifiers?: Record<string, string>;
  npm?: Record<string, LockEntry>;
}

export interface Advisory {
  id: number | string;
  title: string;
  severity: string;
  url: string;
  vulnerable_versions?: string;
}

/** A lockfile key ("@scope/name@1.2.3_peer@4.5.6") as name and version. */
export function parseKey(key: string): { name: string; version: string } {
  const match = /^(@?[^@]+)@([^_]+)/.exec(key);
  if (!match) throw new Error(`Unexpected deno.lock npm entry: ${key}`);
  return { name: match[1]!, version: match[2]! };
}

/** Every npm package of the lockfile: name → versions. */
export function lockedPackages(lock: Lock): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const key of Object.keys(lock.npm ?? {})) {
    const { name, version } = parseKey(key);
    if (!out.has(name)) out.set(name, new Set());
    out.get(name)!.add(version);
  }
  return out;
}

type Outcome =
  | { kind: "checked"; source: string; failing: string[]; report: string }
  | { kind: "unreachable"; source: string; reason: string };

const decoder = new TextDecoder();

async function run(cmd: string, args: string[], cwd = ROOT) {
  try {
    const out = await new Deno.Command(cmd, { args, cwd, stdout: "piped", stderr: "piped" })
      .output();
    return {
      code: out.code,
      stdout: decoder.decode(out.stdout),
      stderr: decoder.decode(out.stderr),
    };
  } catch (err) {
    return { code: -1, stdout: "", stderr: String(err) };
  }
}

const NETWORK =
  /error sending request|certificate|ENOTFOUND|ECONNREFUSED|ETIMEDOUT|EAI_AGAIN|E405|E403|E5\d\d|audit endpoint returned an error|fetch failed|Connect/i;

async function denoAudit(): Promise<Outcome> {
  const source = "deno audit";
  const { code, stdout, stderr } = await run(Deno.execPath(), ["audit", "--level=high"]);
  const text = `${stdout}\n${stderr}`.trim();
  if (NETWORK.test(text) && !/vulnerabilit/i.test(stdout)) {
    return { kind: "unreachable", source, reason: firstLine(text) };
  }
  if (code === 0) return { kind: "checked", source, failing: [], report: text };
  return { kind: "checked", source, failing: [text], report: text };
}

async function bulkEndpoint(packages: Map<string, Set<string>>): Promise<Outcome> {
  const source = "registry bulk advisories";
  const body = Object.fromEntries([...packages].map(([name, versions]) => [name, [...versions]]));
  let res: Response;
  try {
    res = await fetch(BULK, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(30_000),
    });
  } catch (err) {
    return { kind: "unreachable", source, reason: String(err) };
  }
  if (!res.ok) {
    await res.body?.cancel();
    return { kind: "unreachable", source, reason: `POST ${BULK} answered ${res.status}` };
  }
  return { kind: "checked", source, ...classify(await res.json(), packages) };
}

/** The bulk endpoint's answer as report lines, and the high or critical ones among them. */
export function classify(
  found: Record<string, Advisory[]>,
  packages: Map<string, Set<string>>,
): { failing: string[]; report: string } {
  const lines: string[] = [];
  const failing: string[] = [];
  for (const [name, advisories] of Object.entries(found)) {
    for (const a of advisories) {
      const versions = [...packages.get(name) ?? []].join(", ");
      const line = `${a.severity.padEnd(8)} ${name}@${versions} (${
        a.vulnerable_versions ?? "?"
      }): ${a.title} ${a.url}`;
      lines.push(line);
      if (FAILING.has(a.severity)) failing.push(line);
    }
  }
  return { failing, report: lines.join("\n") || "no advisories" };
}

/** A package-lock.json (v3) with the lockfile's exact tree, for `npm audit`. */
export function packageLock(lock: Lock): Record<string, unknown> {
  const entries = lock.npm ?? {};
  const keys = Object.keys(entries);
  const resolve = (dep: string): string | undefined =>
    entries[dep] ? dep : keys.find((k) => k.startsWith(`${dep}_`)) ??
      keys.find((k) => parseKey(k).name === dep);
  const placed = new Map<string, string>();
  const visit = (key: string, at: string) => {
    for (const dep of entries[key]!.dependencies ?? []) {
      const resolved = resolve(dep);
      if (resolved) place(resolved, at);
    }
  };
  const place = (key: string, parent: string) => {
    const top = `node_modules/${parseKey(key).name}`;
    const at = !placed.has(top) ? top : placed.get(top) === key ? null : `${parent}/${top}`;
    if (at === null || placed.has(at)) return;
    placed.set(at, key);
    visit(key, at);
  };
  const specifiers = Object.entries(lock.specifiers ?? {}).filter(([s]) => s.startsWith("npm:"));
  const roots = specifiers.length
    ? specifiers.map(([s, v]) => `${parseKey(s.slice(4)).name}@${v}`)
    : keys;
  // The project's own dependencies take the top level first, as npm would install them.
  const rootKeys = roots.map(resolve).filter((k): k is string => k !== undefined);
  const rootDeps: Record<string, string> = {};
  for (const key of rootKeys) {
    rootDeps[parseKey(key).name] = parseKey(key).version;
    placed.set(`node_modules/${parseKey(key).name}`, key);
  }
  for (const key of rootKeys) visit(key, `node_modules/${parseKey(key).name}`);
  const packages: Record<string, unknown> = {
    "": { name: "parta-audit", version: "0.0.0", dependencies: rootDeps },
  };
  for (const [path, key] of placed) {
    const deps: Record<string, string> = {};
    for (const dep of entries[key]!.dependencies ?? []) {
      const resolved = resolve(dep);
      if (resolved) deps[parseKey(resolved).name] = parseKey(resolved).version;
    }
    packages[path] = {
      version: parseKey(key).version,
      ...(entries[key]!.integrity ? { integrity: entries[key]!.integrity } : {}),
      ...(Object.keys(deps).length ? { dependencies: deps } : {}),
    };
  }
  return {
    name: "parta-audit",
    version: "0.0.0",
    lockfileVersion: 3,
    requires: true,
    packages,
  };
}

async function npmAudit(lock: Lock): Promise<Outcome> {
  const source = "npm audit";
  const dir = await Deno.makeTempDir({ prefix: "parta-audit-" });
  try {
    const generated = packageLock(lock);
    const root = (generated.packages as Record<string, { dependencies: unknown }>)[""]!;
    await Deno.writeTextFile(
      `${dir}/package.json`,
      JSON.stringify({ name: "parta-audit", version: "0.0.0", dependencies: root.dependencies }),
    );
    await Deno.writeTextFile(`${dir}/package-lock.json`, JSON.stringify(generated, null, 2));
    const { stdout, stderr } = await run("npm", ["audit", "--json", "--package-lock-only"], dir);
    let report: {
      message?: string;
      error?: { summary?: string };
      vulnerabilities?: Record<string, { severity: string; range?: string; via: unknown[] }>;
    };
    try {
      report = JSON.parse(stdout);
    } catch {
      return { kind: "unreachable", source, reason: firstLine(stderr || stdout || "no output") };
    }
    if (report.error) {
      const reason = report.message || report.error.summary || "npm audit failed";
      return { kind: "unreachable", source, reason: firstLine(reason) };
    }
    const lines: string[] = [];
    const failing: string[] = [];
    for (const [name, v] of Object.entries(report.vulnerabilities ?? {})) {
      const titles = v.via.filter((x): x is { title: string; url: string } =>
        typeof x === "object" && x !== null && "title" in x
      ).map((x) => `${x.title} ${x.url}`);
      const line = `${v.severity.padEnd(8)} ${name} (${v.range ?? "?"}): ${
        titles.join("; ") || "through a dependency"
      }`;
      lines.push(line);
      if (FAILING.has(v.severity)) failing.push(line);
    }
    return { kind: "checked", source, failing, report: lines.join("\n") || "no advisories" };
  } finally {
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
}

function firstLine(text: string): string {
  // deno-lint-ignore no-control-regex
  return text.replace(/\x1b\[[0-9;]*m/g, "").split("\n").map((l) => l.trim()).find((l) => l) ?? "";
}

if (import.meta.main) {
  const lock = JSON.parse(await Deno.readTextFile(`${ROOT}/deno.lock`)) as Lock;
  const packages = lockedPackages(lock);
  const versions = [...packages.values()].reduce((n, s) => n + s.size, 0);
  console.log(`Auditing ${versions} npm package versions (${packages.size} names) from deno.lock`);
  const tries: (() => Promise<Outcome>)[] = [
    denoAudit,
    () => bulkEndpoint(packages),
    () => npmAudit(lock),
  ];
  const unreachable: string[] = [];
  for (const attempt of tries) {
    const outcome = await attempt();
    if (outcome.kind === "unreachable") {
      unreachable.push(`${outcome.source}: ${outcome.reason}`);
      console.log(`- ${outcome.source}: not reachable (${outcome.reason})`);
      continue;
    }
    console.log(`- ${outcome.source}:\n${outcome.report.replace(/^/gm, "    ")}`);
    if (outcome.failing.length) {
      console.error(`${outcome.failing.length} high or critical advisories; upgrade or replace:`);
      for (const line of outcome.failing) console.error(`  ${line}`);
      Deno.exit(1);
    }
    console.log("No high or critical advisories.");
    Deno.exit(0);
  }
  console.error(
    `No advisory source could be reached, so nothing was checked:\n  ${unreachable.join("\n  ")}`,
  );
  Deno.exit(2);
}
