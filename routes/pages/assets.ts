/** The built browser assets: names from static/build/manifest.json, read once. */

let manifest: Record<string, string> | null = null;
const root = new URL("../../static/build/", import.meta.url);

function load(): Record<string, string> {
  if (!manifest) {
    try {
      manifest = JSON.parse(Deno.readTextFileSync(new URL("manifest.json", root)));
    } catch (err) {
      throw new Error(`Browser assets are not built; run \`deno task build\` (${err})`);
    }
  }
  return manifest!;
}

/** The URL of an asset (an island's bundle by name, or "app.css"). */
export function assetUrl(name: string): string {
  const file = load()[name];
  if (!file) throw new Error(`No built asset named ${name}`);
  return `/static/build/${file}`;
}

/** Every built file, for the service worker's cache. */
export function allAssetUrls(): string[] {
  return Object.values(load()).map((file) => `/static/build/${file}`);
}
