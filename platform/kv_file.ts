/**
 * Keeps a local KV store private to the server's user: its folder 0700, the SQLite file and its
 * `-wal`/`-shm` siblings 0600. Whoever can read the file can read every message and every
 * pending sign-in code's hash. Permission problems are reported, never thrown: the server
 * still starts.
 */

export interface KvFileOptions {
  /** Where problems are reported; default `console.warn`. */
  warn?: (message: string) => void;
}

const chmodWorks = Deno.build.os !== "windows";
const mode = (m: number) => `0${(m & 0o777).toString(8)}`;
const reason = (err: unknown) => err instanceof Error ? err.message : String(err);

const lastSeparator = (path: string) => Math.max(path.lastIndexOf("/"), path.lastIndexOf("\\"));

/** The folder of the KV file `path`: "." for a bare file name, "/" for a file in the root. */
export function kvDir(path: string): string {
  const cut = lastSeparator(path);
  if (cut < 0) return ".";
  return cut === 0 ? "/" : path.slice(0, cut);
}

/**
 * Creates the folder of the KV file `path` with mode 0700, or tightens an existing folder that
 * other users may enter — but only when it holds nothing except this store's files, so a
 * `KV_PATH` in a shared folder (the working directory, /var/lib) never locks anyone else out of
 * it; a warning says so instead. Failing to create the folder throws, as KV could not open.
 */
export async function prepareKvDir(path: string, options: KvFileOptions = {}): Promise<void> {
  const warn = options.warn ?? console.warn;
  const dir = kvDir(path);
  await Deno.mkdir(dir, { recursive: true, mode: 0o700 });
  if (!chmodWorks) return;
  try {
    const info = await Deno.stat(dir);
    if (info.mode === null || (info.mode & 0o077) === 0) return;
    const name = path.slice(lastSeparator(path) + 1);
    const others: string[] = [];
    for await (const entry of Deno.readDir(dir)) {
      if (entry.name !== name && !entry.name.startsWith(`${name}-`)) others.push(entry.name);
    }
    if (others.length > 0) {
      warn(
        `KV folder ${dir} is open to other users (mode ${mode(info.mode)}) and holds other ` +
          `files too, so Parta leaves it as it is: give KV_PATH a folder of its own or chmod 700 it`,
      );
      return;
    }
    await Deno.chmod(dir, 0o700);
  } catch (err) {
    warn(`Cannot make KV folder ${dir} private (chmod 700): ${reason(err)}`);
  }
}

/** Sets the KV file `path` and those of its `-wal`/`-shm` siblings that exist to mode 0600. */
export async function restrictKvFiles(path: string, options: KvFileOptions = {}): Promise<void> {
  const warn = options.warn ?? console.warn;
  if (!chmodWorks) return;
  for (const file of [path, `${path}-wal`, `${path}-shm`]) {
    try {
      const info = await Deno.stat(file);
      if (info.mode === null || (info.mode & 0o177) === 0) continue;
      await Deno.chmod(file, 0o600);
    } catch (err) {
      if (err instanceof Deno.errors.NotFound) continue;
      warn(`Cannot make KV file ${file} private (chmod 600): ${reason(err)}`);
    }
  }
}
