/**
 * Storage of uploads (issue 10): the configurable school quota, each member's allowance of
 * unsent uploads, expiry and purging by the sweeper with space freed exactly once, and KV
 * contention that never turns into a 5xx.
 */
import assert from "node:assert/strict";
import { Hono } from "hono";
// @ts-types="../platform/jimp.d.ts"
import { Jimp } from "jimp";
import { groupWithStudent, json, type TestApp, testApp } from "./helpers.ts";
import { storageUsed } from "../domain/files.ts";
import { writeEffect } from "../effects/outbox.ts";
import { EffectRunner } from "../effects/runner.ts";
import { effectHandlers } from "../effects/handlers.ts";
import { sweepFiles } from "../domain/file_sweeper.ts";
import { keys } from "../platform/kv_keys.ts";
import type { OrgId } from "../shared/ids.ts";
import { errorResponse } from "../routes/http.ts";
import type { AppEnv } from "../routes/context.ts";
import { lockingKv } from "./locking_kv.ts";
import { NoSubscriptions } from "../domain/push.ts";

async function setup(options: Parameters<typeof testApp>[0] = {}) {
  const t = await testApp(options);
  const { orgId, teacher, student, chatId } = await groupWithStudent(t, "Файлы");
  return { t, orgId: orgId as OrgId, teacher, student, chatId };
}

async function upload(t: TestApp, token: string, chatId: string, bytes: Uint8Array<ArrayBuffer>) {
  const form = new FormData();
  form.append("file", new File([bytes], "notes.txt", { type: "text/plain" }));
  const res = await t.fetch(`/api/v1/chats/${chatId}/files`, {
    method: "POST",
    headers: { Authorization: `Bearer ${token}` },
    body: form,
  });
  return { status: res.status, body: await res.json() };
}

const text = (n: number) => new Uint8Array(n).map((_, i) => 97 + (i % 26));

async function send(t: TestApp, token: string, chatId: string, fileId: string) {
  const sent = await json<{ message: { seq: number } }>(
    t,
    "POST",
    `/chats/${chatId}/messages`,
    token,
    {
      clientId: crypto.randomUUID(),
      text: "",
      fileIds: [fileId],
    },
  );
  assert.equal(sent.status, 201);
  return sent.body.message.seq;
}

async function fetchStatus(t: TestApp, token: string, fileId: string): Promise<number> {
  const res = await t.fetch(`/api/v1/files/${fileId}`, {
    headers: { Authorization: `Bearer ${token}` },
  });
  await res.body?.cancel();
  return res.status;
}

async function count(kv: Deno.Kv, prefix: Deno.KvKey): Promise<number> {
  let n = 0;
  for await (const _ of kv.list({ prefix })) n++;
  return n;
}

Deno.test("the school's quota follows STORAGE_QUOTA_BYTES and each member's unsent uploads are bounded", async () => {
  // 100,000 bytes for the school: each member may hold 5,000 bytes unsent (1/20).
  const { t, orgId, teacher, student, chatId } = await setup({
    env: { STORAGE_QUOTA_BYTES: "100000" },
  });
  await using _ = t;
  const first = await upload(t, teacher.token, chatId, text(4000));
  assert.equal(first.status, 201);
  const second = await upload(t, teacher.token, chatId, text(4000));
  assert.equal(second.status, 413, "past the member's allowance of unsent uploads");
  assert.equal(second.body.error.code, "quota_exceeded");
  assert.match(second.body.error.message, /not sent/);
  assert.equal((await upload(t, student.token, chatId, text(4000))).status, 201, "others go on");
  await send(t, teacher.token, chatId, first.body.file.id);
  assert.equal((await upload(t, teacher.token, chatId, text(4000))).status, 201, "sent frees it");

  // The school has stored nearly all of its quota.
  const used = await storageUsed(t.kv, orgId);
  await t.kv.atomic().sum(keys.orgStorageAdded(orgId), BigInt(99_000 - used)).commit();
  const full = await upload(t, student.token, chatId, text(2000));
  assert.equal(full.status, 413);
  assert.equal(full.body.error.code, "quota_exceeded");
  assert.match(full.body.error.message, /school/);
  assert.equal((await upload(t, teacher.token, chatId, text(500))).status, 201, "what fits, fits");
});

Deno.test("uploads not sent within a day expire: bytes gone, space freed, sent files stay", async () => {
  const { t, orgId, teacher, chatId } = await setup();
  await using _ = t;
  const unsent = (await upload(t, teacher.token, chatId, text(150_000))).body.file;
  const sent = (await upload(t, teacher.token, chatId, text(1000))).body.file;
  await send(t, teacher.token, chatId, sent.id);
  assert.equal(await storageUsed(t.kv, orgId), 151_000);

  t.clock.advance(23 * 3600_000);
  assert.equal((await sweepFiles(t.kv, t.clock)).expired, 0, "not yet");
  assert.equal(await fetchStatus(t, teacher.token, unsent.id), 200);

  t.clock.advance(3600_000 + 1000);
  const swept = await t.deps.files.sweeper.sweep();
  assert.equal(swept.expired, 1);
  assert.equal(await fetchStatus(t, teacher.token, unsent.id), 404);
  assert.equal(await count(t.kv, keys.fileChunks(unsent.id)), 0, "its chunks are gone");
  assert.equal(await fetchStatus(t, teacher.token, sent.id), 200, "the sent file stays");
  assert.equal(await storageUsed(t.kv, orgId), 1000, "only the sent file counts");
  assert.equal(await count(t.kv, ["unsent_files_by_expiry"]), 0);
  assert.equal(await count(t.kv, ["unsent_files_by_user"]), 0);
  assert.equal((await sweepFiles(t.kv, t.clock)).expired, 0, "sweeping again changes nothing");
  assert.equal(await storageUsed(t.kv, orgId), 1000);
});

Deno.test("files of a deleted message are purged, and two sweepers at once free the space once", async () => {
  const { t, orgId, teacher, student, chatId } = await setup();
  await using _ = t;
  const a = (await upload(t, teacher.token, chatId, text(130_000))).body.file;
  const b = (await upload(t, teacher.token, chatId, text(70_000))).body.file;
  const seqA = await send(t, teacher.token, chatId, a.id);
  await send(t, teacher.token, chatId, b.id);
  assert.equal(await storageUsed(t.kv, orgId), 200_000);

  // Through the API: the file answers 404 at once, and its bytes go after the commit.
  const deleted = await json(t, "DELETE", `/chats/${chatId}/messages/${seqA}`, teacher.token);
  assert.equal(deleted.status, 204);
  assert.equal(await fetchStatus(t, student.token, a.id), 404);
  await t.deps.effects.drain();
  assert.equal(await count(t.kv, keys.fileChunks(a.id)), 0);
  assert.equal(await storageUsed(t.kv, orgId), 70_000);

  // The purge as the chat actor's delete commit writes it, run by two isolates at the same time.
  const op = t.kv.atomic();
  writeEffect(op, t.deps.ids.ulid(), { kind: "file.purge", fileId: b.id }, t.clock.now());
  assert.ok((await op.commit()).ok);
  const isolates = [1, 2].map(() =>
    new EffectRunner({
      kv: t.kv,
      clock: t.clock,
      handlers: effectHandlers({
        ...t.deps,
        livekit: t.deps.config.livekit,
        push: t.deps.config.push,
        unsubscribed: new NoSubscriptions(),
        appOrigin: t.deps.config.appOrigin,
      }),
    })
  );
  await Promise.all(isolates.map((runner) => runner.drain()));
  assert.equal(await storageUsed(t.kv, orgId), 0, "freed exactly once");
  assert.equal(await count(t.kv, keys.fileChunks(b.id)), 0);
  assert.equal(await count(t.kv, keys.filePurges()), 0);
  assert.equal(await count(t.kv, keys.effects()), 0);
  assert.equal(await fetchStatus(t, student.token, b.id), 404);
});

Deno.test("an upload abandoned midway is swept with its chunks, and cannot finish after", async () => {
  const { t, orgId, teacher, chatId } = await setup();
  await using _ = t;
  const boundary = "abandonXYZ";
  const head = new TextEncoder().encode(
    `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="x.txt"\r\n\r\n`,
  );
  let release!: () => void;
  const held = new Promise<void>((r) => release = r);
  const body = new ReadableStream<Uint8Array>({
    async start(controller) {
      controller.enqueue(head);
      controller.enqueue(text(300_000));
      await held;
      controller.enqueue(new TextEncoder().encode(`\r\n--${boundary}--\r\n`));
      controller.close();
    },
  });
  const answer = t.fetch(`/api/v1/chats/${chatId}/files`, {
    method: "POST",
    headers: {
      Authorization: `Bearer ${teacher.token}`,
      "Content-Type": `multipart/form-data; boundary=${boundary}`,
    },
    body,
  });
  const deadline = Date.now() + 10_000;
  while (await count(t.kv, ["file_chunks"]) < 4) {
    if (Date.now() > deadline) throw new Error("no chunks were written");
    await new Promise((r) => setTimeout(r, 5));
  }
  t.clock.advance(3600_000 + 1000);
  assert.equal((await sweepFiles(t.kv, t.clock)).abandoned, 1);
  assert.equal(await count(t.kv, ["file_chunks"]), 0);
  release();
  const res = await answer;
  assert.equal(res.status, 409);
  await res.body?.cancel();
  assert.equal(await count(t.kv, ["files"]), 0);
  assert.equal(await count(t.kv, ["file_chunks"]), 0);
  assert.equal(await count(t.kv, ["file_stagings"]), 0);
  assert.equal(await storageUsed(t.kv, orgId), 0);
});

Deno.test("a locked KV store never makes an upload, an expiry or a purge fail: every write retries", async () => {
  const real = await Deno.openKv(":memory:");
  const locking = lockingKv(real);
  const { t, orgId, teacher, chatId } = await setup({ kv: locking.kv });
  try {
    const photo = new Uint8Array(
      await new Jimp({ width: 64, height: 48, color: 0x336699ff }).getBuffer("image/png"),
    );
    locking.state.on = true;
    const file = await upload(t, teacher.token, chatId, text(200_000));
    assert.equal(file.status, 201, JSON.stringify(file.body));
    const form = new FormData();
    form.append("file", new File([photo], "photo.png", { type: "image/png" }));
    const image = await t.fetch(`/api/v1/chats/${chatId}/files`, {
      method: "POST",
      headers: { Authorization: `Bearer ${teacher.token}` },
      body: form,
    });
    const imageBody = await image.json();
    assert.equal(image.status, 201, JSON.stringify(imageBody));
    assert.equal(imageBody.file.kind, "image");
    t.clock.advance(25 * 3600_000);
    assert.equal((await t.deps.files.sweeper.sweep()).expired, 2);
    assert.ok(locking.state.thrown > 10, `${locking.state.thrown} locked errors were injected`);
    locking.state.on = false;
    assert.equal(await storageUsed(real, orgId), 0);
    assert.equal(await count(real, ["file_chunks"]), 0);
  } finally {
    await t[Symbol.asyncDispose]();
    real.close();
  }
});

Deno.test("a 'database is locked' error that escapes anywhere is 503 unavailable with Retry-After", async () => {
  const app = new Hono<AppEnv>();
  app.get("/locked", () => {
    throw new TypeError("database is locked");
  });
  app.get("/busy", () => {
    throw new Error("commit failed", { cause: new Error("SQLITE_BUSY: database is busy") });
  });
  app.onError(errorResponse);
  for (const path of ["/locked", "/busy"]) {
    const res = await app.request(path);
    assert.equal(res.status, 503, path);
    assert.equal(res.headers.get("Retry-After"), "1");
    assert.equal((await res.json()).error.code, "unavailable");
  }
});
