/**
 * Parta's entry point for `deno serve`: read the configuration, open KV, wire the actors and
 * the app. With `--parallel`, every worker runs this module on its own.
 */
import { CONFIG_VARIABLES, ConfigError, kvIsLocalFile, readConfig } from "./platform/config.ts";
import { openKvShared } from "./platform/kv_util.ts";
import { prepareKvDir, restrictKvFiles } from "./platform/kv_file.ts";
import { createApp } from "./routes/app.ts";
import { createDeps, stopDeps } from "./wiring.ts";

function loadConfig() {
  try {
    return readConfig(
      Object.fromEntries(CONFIG_VARIABLES.map((name) => [name, Deno.env.get(name)])),
    );
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(`Parta cannot start: ${err.message}`);
      Deno.exit(1);
    }
    throw err;
  }
}

const config = loadConfig();
const localKv = kvIsLocalFile(config);
if (localKv) await prepareKvDir(config.kvPath);
const kv = await openKvShared(config.kvPath);
if (localKv) await restrictKvFiles(config.kvPath);
const deps = createDeps(config, kv);
const app = createApp(deps);

let stopping = false;
async function shutdown() {
  if (stopping) return;
  stopping = true;
  const deadline = setTimeout(() => Deno.exit(0), 5000);
  await stopDeps(deps);
  kv.close();
  clearTimeout(deadline);
  Deno.exit(0);
}
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  try {
    Deno.addSignalListener(signal, () => void shutdown());
  } catch {
    // Signals are not available everywhere (e.g. some hosted runtimes); nothing to drain then.
  }
}

export default {
  fetch: (request: Request, info: Deno.ServeHandlerInfo) => app.fetch(request, info),
} satisfies Deno.ServeDefaultExport;
