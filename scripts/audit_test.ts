import assert from "node:assert/strict";
import { classify, type Lock, lockedPackages, packageLock, parseKey } from "./audit.ts";

const lock: Lock = {
  specifiers: { "npm:zod@4.6.7": "4.6.7", "npm:sdk@1.0.0": "1.0.0_peer@2.0.0" },
  npm: {
    "zod@3.25.76": { integrity: "sha512-a" },
    "zod@4.6.7": { integrity: "sha512-b" },
    "sdk@1.0.0_peer@2.0.0": { integrity: "sha512-c", dependencies: ["zod@3.25.76", "@s/x"] },
    "@s/x@0.1.0": { integrity: "sha512-d" },
  },
};

Deno.test("lockfile keys are read as name and version, scopes and peer suffixes included", () => {
  assert.deepEqual(parseKey("@s/x@0.1.0"), { name: "@s/x", version: "0.1.0" });
  assert.deepEqual(parseKey("preact@11.2.0_preact-render-to-string@6.8.2"), {
    name: "preact",
    version: "11.2.0",
  });
  const packages = lockedPackages(lock);
  assert.deepEqual([...packages.get("zod")!].sort(), ["3.25.76", "4.6.7"]);
});

Deno.test("the generated package-lock keeps the project's versions on top and nests the others", () => {
  const generated = packageLock(lock) as { packages: Record<string, { version: string }> };
  assert.equal(generated.packages["node_modules/zod"]!.version, "4.6.7");
  assert.equal(generated.packages["node_modules/sdk/node_modules/zod"]!.version, "3.25.76");
  assert.equal(generated.packages["node_modules/@s/x"]!.version, "0.1.0");
});

Deno.test("high and critical advisories fail the audit, lower ones are only reported", () => {
  const packages = lockedPackages(lock);
  const advisory = (severity: string) => ({
    id: 1,
    title: `a ${severity} one`,
    severity,
    url: "https://example.test/advisory",
    vulnerable_versions: "<4",
  });
  const low = classify({ zod: [advisory("moderate"), advisory("low")] }, packages);
  assert.deepEqual(low.failing, []);
  assert.match(low.report, /moderate/);
  const high = classify({ zod: [advisory("high")], "@s/x": [advisory("critical")] }, packages);
  assert.equal(high.failing.length, 2);
  assert.deepEqual(classify({}, packages), { failing: [], report: "no advisories" });
});
