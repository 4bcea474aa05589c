/**
 * `deno task start`: validates the configuration, then runs `deno serve --parallel` on main.ts
 * with exactly the permissions that configuration needs (no `-A`): listen on HOST:PORT, read
 * and write the KV directory (which also lets main.ts make it 0700 and the KV files 0600:
 * `Deno.chmod` needs write access to the path and nothing else), read the static assets, the
 * image worker's module and the calls guide (docs/calls.md), reach only the configured mail, SSO,
 * call and KV hosts and the browsers' push services (PUSH_SERVICE_HOSTS). Its environment holds
 * only Parta's own variables and Deno's.
 *
 * `--dev` also watches the sources and turns on the dev outbox.
 */
import { CONFIG_VARIABLES, ConfigError, kvIsLocalFile, readConfig } from "../platform/config.ts";

const dev = Deno.args.includes("--dev");
const env = Deno.env.toObject();
if (dev) env.DEV_OUTBOX ??= "1";

let config;
try {
  config = readConfig(env);
} catch (err) {
  if (err instanceof ConfigError) {
    console.error(`Parta cannot start: ${err.message}`);
    Deno.exit(1);
  }
  throw err;
}

const root = new URL("..", import.meta.url).pathname.replace(/\/$/, "");
const hostPort = (u: URL, fallback: string) => `${u.hostname}:${u.port || fallback}`;

const net = [`${config.host}:${config.port}`];
if (config.smtp) {
  net.push(hostPort(config.smtp.url, config.smtp.url.protocol === "smtps:" ? "465" : "587"));
}
if (config.oidc) net.push(config.oidc.issuer.hostname);
if (config.livekit) net.push(new URL(config.livekit.url).hostname);
if (/^https?:/.test(config.kvPath)) net.push(new URL(config.kvPath).hostname);
// Web Push: the push services' hosts only (a subscription naming any other is refused).
net.push(...config.push.hosts.map((host) => `${host}:443`));
if (config.push.allowInsecureLocalhost) net.push("127.0.0.1");

// The image worker (platform/image_worker.ts) is loaded at run time, so its module must be readable.
const read = [`${root}/static`, `${root}/platform/image_worker.ts`, `${root}/docs/calls.md`];
const write: string[] = [];
if (kvIsLocalFile(config)) {
  const path = config.kvPath.startsWith("/") ? config.kvPath : `${Deno.cwd()}/${config.kvPath}`;
  const dir = path.replace(/\/[^/]*$/, "");
  read.push(dir);
  write.push(dir);
}

const args = [
  "serve",
  "--parallel",
  "--host",
  config.host,
  "--port",
  String(config.port),
  `--allow-net=${net.join(",")}`,
  // Some npm dependencies list the whole environment when they load, so the server may read
  // all of it — and is given nothing but its own configuration (see serverEnv below).
  "--allow-env",
  `--allow-read=${read.join(",")}`,
  ...(write.length ? [`--allow-write=${write.join(",")}`] : []),
  ...(dev ? ["--watch"] : []),
  `${root}/main.ts`,
];

/** What the server process gets to see: Parta's variables and what Deno itself needs. */
const PASSED = [
  ...CONFIG_VARIABLES,
  "DENO_KV_ACCESS_TOKEN",
  "DENO_DIR",
  "DENO_JOBS",
  "DENO_V8_FLAGS",
  "DENO_NO_UPDATE_CHECK",
  "HOME",
  "XDG_CACHE_HOME",
  "PATH",
  "TMPDIR",
  "TZ",
];
const serverEnv = Object.fromEntries(
  PASSED.flatMap((name) => env[name] === undefined ? [] : [[name, env[name]!]]),
);

// `deno serve` prints the address it listens on; the one people open is APP_ORIGIN (on this
// machine, any spelling of loopback works too).
console.log(`Parta: open ${config.appOrigin}`);
const child = new Deno.Command(Deno.execPath(), { args, env: serverEnv, clearEnv: true }).spawn();
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  Deno.addSignalListener(signal, () => {
    try {
      child.kill(signal);
    } catch { /* already gone */ }
  });
}
const status = await child.status;
Deno.exit(status.code);
