import assert from "node:assert/strict";
import { kvDir, prepareKvDir, restrictKvFiles } from "./kv_file.ts";

const modeOf = async (path: string) => (await Deno.stat(path)).mode! & 0o777;
const octal = (mode: number) => `0${mode.toString(8)}`;

/** Opens a real KV file at `path` and writes to it, so its -wal and -shm exist while open. */
async function openKvFile(path: string): Promise<Deno.Kv> {
  const kv = await Deno.openKv(path);
  await kv.set(["probe"], 1);
  return kv;
}

async function assertPrivate(dir: string, path: string) {
  assert.equal(octal(await modeOf(dir)), "0700", `folder ${dir}`);
  for (const file of [path, `${path}-wal`, `${path}-shm`]) {
    assert.equal(octal(await modeOf(file)), "0600", file);
  }
}

Deno.test("kvDir is the folder of a KV path", () => {
  assert.equal(kvDir("./data/parta.kv"), "./data");
  assert.equal(kvDir("/srv/parta/parta.kv"), "/srv/parta");
  assert.equal(kvDir("parta.kv"), ".");
  assert.equal(kvDir("/parta.kv"), "/");
  assert.equal(kvDir("C:\\parta\\parta.kv"), "C:\\parta");
});

Deno.test({
  name: "a new KV folder is made 0700 and the KV file with its -wal and -shm 0600",
  ignore: Deno.build.os === "windows",
  async fn() {
    const root = await Deno.makeTempDir({ prefix: "parta-kv-file-" });
    try {
      const dir = `${root}/data/nested`;
      const path = `${dir}/parta.kv`;
      const warnings: string[] = [];
      await prepareKvDir(path, { warn: (m) => warnings.push(m) });
      using kv = await openKvFile(path);
      await restrictKvFiles(path, { warn: (m) => warnings.push(m) });
      assert.deepEqual(warnings, []);
      assert.equal(octal(await modeOf(`${root}/data`)), "0700", "folders made on the way too");
      await assertPrivate(dir, path);
      assert.equal((await kv.get(["probe"])).value, 1, "the store still works");
    } finally {
      await Deno.remove(root, { recursive: true });
    }
  },
});

Deno.test({
  name: "an existing KV folder and files open to others are tightened when it holds only the store",
  ignore: Deno.build.os === "windows",
  async fn() {
    const root = await Deno.makeTempDir({ prefix: "parta-kv-file-" });
    try {
      const dir = `${root}/data`;
      const path = `${dir}/parta.kv`;
      await Deno.mkdir(dir, { mode: 0o755 });
      await Deno.chmod(dir, 0o755);
      // A store made before Parta kept it private: left open to others by the umask.
      using kv = await openKvFile(path);
      for (const f of [path, `${path}-wal`, `${path}-shm`]) await Deno.chmod(f, 0o644);
      const warnings: string[] = [];
      await prepareKvDir(path, { warn: (m) => warnings.push(m) });
      await restrictKvFiles(path, { warn: (m) => warnings.push(m) });
      assert.deepEqual(warnings, []);
      await assertPrivate(dir, path);
      assert.equal((await kv.get(["probe"])).value, 1, "the store still works");
    } finally {
      await Deno.remove(root, { recursive: true });
    }
  },
});

Deno.test({
  name: "a shared folder holding other files is left as it is, with a warning",
  ignore: Deno.build.os === "windows",
  async fn() {
    const root = await Deno.makeTempDir({ prefix: "parta-kv-file-" });
    try {
      await Deno.chmod(root, 0o755);
      await Deno.writeTextFile(`${root}/notes.txt`, "someone else's");
      const path = `${root}/parta.kv`;
      const warnings: string[] = [];
      await prepareKvDir(path, { warn: (m) => warnings.push(m) });
      assert.equal(octal(await modeOf(root)), "0755");
      assert.equal(warnings.length, 1);
      assert.match(warnings[0]!, /folder of its own/);
      using _kv = await openKvFile(path);
      await restrictKvFiles(path, { warn: (m) => warnings.push(m) });
      assert.equal(warnings.length, 1);
      assert.equal(octal(await modeOf(path)), "0600", "the files are still made private");
    } finally {
      await Deno.remove(root, { recursive: true });
    }
  },
});

Deno.test({
  name: "without permission to change modes, the server gets a warning and starts anyway",
  ignore: Deno.build.os === "windows",
  async fn() {
    const root = await Deno.makeTempDir({ prefix: "parta-kv-file-" });
    try {
      const path = `${root}/parta.kv`;
      using _kv = await openKvFile(path);
      await Deno.chmod(path, 0o644);
      const module = new URL("./kv_file.ts", import.meta.url).href;
      const script = `${root}/start.ts`;
      await Deno.writeTextFile(
        script,
        `import { restrictKvFiles } from "${module}";\n` +
          `await restrictKvFiles(${JSON.stringify(path)});\nconsole.log("started");\n`,
      );
      // Read-only: Deno refuses the chmod, as an OS would for a file of another user.
      const lib = new URL(".", import.meta.url).pathname;
      const out = await new Deno.Command(Deno.execPath(), {
        args: ["run", "--no-config", `--allow-read=${root},${lib}`, script],
        stdout: "piped",
        stderr: "piped",
      }).output();
      const stdout = new TextDecoder().decode(out.stdout);
      const stderr = new TextDecoder().decode(out.stderr);
      assert.equal(out.code, 0, stderr);
      assert.match(stdout, /started/);
      assert.match(stderr, /Cannot make KV file .*parta\.kv private \(chmod 600\)/);
      assert.equal(octal(await modeOf(path)), "0644");
    } finally {
      await Deno.remove(root, { recursive: true });
    }
  },
});
