/**
 * Builds the browser assets: every island in `islands/` becomes an entry that hydrates it,
 * bundled by `deno bundle` (esbuild) with shared chunks, then renamed with a content hash and
 * listed in `static/build/manifest.json`. The stylesheet is copied in the same way. Pages link
 * only hashed names, served with immutable caching.
 *
 * The message catalogue is not in the islands' bundles: there shared/messages/catalogue.ts is
 * mapped to shared/messages/in_page.ts, and each locale's strings are a script of their own
 * (`messages-ru`, `messages-en`) holding that locale only. A page loads its locale's script
 * before its islands.
 */
const root = new URL("..", import.meta.url).pathname.replace(/\/$/, "");
const out = `${root}/static/build`;
const entries = `${root}/.build/entries`;

async function hash(bytes: Uint8Array<ArrayBuffer>): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  return Array.from(digest.slice(0, 6), (b) => b.toString(16).padStart(2, "0")).join("");
}

const islands: string[] = [];
for await (const entry of Deno.readDir(`${root}/islands`)) {
  if (entry.isFile && /^[A-Z]\w*\.tsx$/.test(entry.name)) islands.push(entry.name.slice(0, -4));
}
islands.sort();

await Deno.remove(out, { recursive: true }).catch(() => {});
await Deno.remove(entries, { recursive: true }).catch(() => {});
await Deno.mkdir(out, { recursive: true });
await Deno.mkdir(entries, { recursive: true });
for (const name of islands) {
  await Deno.writeTextFile(
    `${entries}/${name}.tsx`,
    `import Island from "../../islands/${name}.tsx";\n` +
      `import { hydrateIslands } from "../../shared/hydrate.ts";\n` +
      `hydrateIslands(${JSON.stringify(name)}, Island);\n`,
  );
}

// The islands' import map: the project's, with the catalogue read from the page.
const config = JSON.parse(await Deno.readTextFile(`${root}/deno.json`));
const importMap = `${root}/.build/browser-imports.json`;
await Deno.writeTextFile(
  importMap,
  JSON.stringify({
    imports: {
      ...config.imports,
      [`file://${root}/shared/messages/catalogue.ts`]: `file://${root}/shared/messages/in_page.ts`,
    },
  }),
);

const args = [
  "bundle",
  "--import-map",
  importMap,
  "--quiet",
  "--platform",
  "browser",
  "--format",
  "esm",
  "--minify",
  "--code-splitting",
  "--outdir",
  out,
  ...islands.map((name) => `${entries}/${name}.tsx`),
];
const bundled = await new Deno.Command(Deno.execPath(), { args, cwd: root }).output();
if (!bundled.success) {
  console.error(new TextDecoder().decode(bundled.stderr));
  Deno.exit(1);
}

// One script per locale: the catalogue's strings of that locale, written out as UTF-8 JSON
// (a bundler would escape every Cyrillic letter, half again as large gzipped).
const LOCALES = ["ru", "en"] as const;
const parts: string[] = [];
for await (const entry of Deno.readDir(`${root}/shared/messages`)) {
  if (entry.isFile && !["catalogue.ts", "in_page.ts"].includes(entry.name)) parts.push(entry.name);
}
parts.sort();
for (const locale of LOCALES) {
  const strings: Record<string, string> = {};
  for (const part of parts) {
    const module = await import(`${root}/shared/messages/${part}`);
    Object.assign(strings, module[locale]);
  }
  await Deno.writeTextFile(
    `${out}/messages-${locale}.js`,
    `const loaded = globalThis;\n` +
      `loaded.partaMessages = { ...loaded.partaMessages, ${locale}: ${
        JSON.stringify(strings)
      } };\n`,
  );
}
const scripts = [...islands, ...LOCALES.map((locale) => `messages-${locale}`)];

const manifest: Record<string, string> = {};
for (const name of scripts) {
  const file = `${out}/${name}.js`;
  const bytes = await Deno.readFile(file);
  const hashed = `${name}-${await hash(bytes)}.js`;
  await Deno.rename(file, `${out}/${hashed}`);
  manifest[name] = hashed;
}
// One stylesheet from static/css/*.css, in name order.
const sheets: string[] = [];
for await (const entry of Deno.readDir(`${root}/static/css`)) {
  if (entry.isFile && entry.name.endsWith(".css")) sheets.push(entry.name);
}
sheets.sort();
let css = "";
for (const sheet of sheets) css += await Deno.readTextFile(`${root}/static/css/${sheet}`) + "\n";
const cssBytes = new TextEncoder().encode(css);
manifest["app.css"] = `app-${await hash(cssBytes)}.css`;
await Deno.writeFile(`${out}/${manifest["app.css"]}`, cssBytes);
await Deno.writeTextFile(`${out}/manifest.json`, JSON.stringify(manifest, null, 2) + "\n");
await Deno.remove(`${root}/.build`, { recursive: true });
console.error(`built ${islands.length} islands and ${LOCALES.length} locales into static/build`);
