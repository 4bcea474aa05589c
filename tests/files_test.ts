import assert from "node:assert/strict";
// @ts-types="../platform/jimp.d.ts"
import { Jimp } from "jimp";
import { createSchool, joinAs, json, type TestApp, testApp } from "./helpers.ts";

const MARKER = "SECRET-GPS-55.7558N-37.6173E";

/** A JPEG carrying EXIF with GPS coordinates and a description holding MARKER. */
async function photoWithGps(): Promise<Uint8Array> {
  const image = new Jimp({ width: 640, height: 480, color: 0x2a7f62ff });
  const jpeg = new Uint8Array(await image.getBuffer("image/jpeg"));
  const desc = new TextEncoder().encode(MARKER + "\0");
  // TIFF (big endian): IFD0 with ImageDescription and a GPS IFD pointer; the GPS IFD with
  // GPSLatitudeRef "N".
  const tiff: number[] = [0x4d, 0x4d, 0x00, 0x2a, 0, 0, 0, 8];
  const u16 = (n: number) => [n >> 8, n & 255];
  const u32 = (n: number) => [n >>> 24, (n >> 16) & 255, (n >> 8) & 255, n & 255];
  const ifd0Size = 2 + 2 * 12 + 4;
  const gpsOffset = 8 + ifd0Size;
  const gpsSize = 2 + 12 + 4;
  const descOffset = gpsOffset + gpsSize;
  tiff.push(...u16(2));
  tiff.push(...u16(0x010e), ...u16(2), ...u32(desc.length), ...u32(descOffset));
  tiff.push(...u16(0x8825), ...u16(4), ...u32(1), ...u32(gpsOffset));
  tiff.push(...u32(0));
  tiff.push(...u16(1));
  tiff.push(...u16(0x0001), ...u16(2), ...u32(2), 0x4e, 0, 0, 0);
  tiff.push(...u32(0));
  tiff.push(...desc);
  const payload = [...new TextEncoder().encode("Exif\0\0"), ...tiff];
  const app1 = [0xff, 0xe1, ...u16(payload.length + 2), ...payload];
  return new Uint8Array([...jpeg.subarray(0, 2), ...app1, ...jpeg.subarray(2)]);
}

function includes(haystack: Uint8Array, needle: string): boolean {
  return new TextDecoder("latin1").decode(haystack).includes(needle);
}

async function upload(t: TestApp, token: string, chatId: string, bytes: Uint8Array, name: string) {
  const form = new FormData();
  form.append("file", new File([new Uint8Array(bytes)], name, { type: "image/png" }));
  const res = await t.fetch(`/api/v1/chats/${chatId}/files`, {
    method: "POST",
    headers: { Authorization: `Bearer ${token}` },
    body: form,
  });
  const body = await res.json();
  return { status: res.status, body };
}

async function get(t: TestApp, token: string, path: string, headers: Record<string, string> = {}) {
  const res = await t.fetch(`/api/v1${path}`, {
    headers: { Authorization: `Bearer ${token}`, ...headers },
  });
  return { res, bytes: new Uint8Array(await res.arrayBuffer()) };
}

async function setup(env: Record<string, string> = {}) {
  const t = await testApp({ env });
  const { orgId, admin } = await createSchool(t);
  const teacher = await joinAs(t, admin, orgId, "teacher", "Учитель");
  const student = await joinAs(t, admin, orgId, "student", "Ученик");
  const outsider = await joinAs(t, admin, orgId, "student", "Не в чате");
  const chat = await json<{ chat: { id: string } }>(
    t,
    "POST",
    `/orgs/${orgId}/chats`,
    teacher.token,
    {
      kind: "group",
      title: "Фото с экскурсии",
      memberIds: [student.id],
    },
  );
  return { t, teacher, student, outsider, chatId: chat.body.chat.id };
}

Deno.test("an uploaded photo is served without its metadata, with a preview, to members only", async () => {
  const { t, teacher, student, outsider, chatId } = await setup();
  await using _ = t;
  const photo = await photoWithGps();
  assert.ok(includes(photo, MARKER), "the original carries the GPS description");
  const up = await upload(t, teacher.token, chatId, photo, "../../экскурсия.jpg");
  assert.equal(up.status, 201);
  const file = up.body.file;
  assert.equal(file.kind, "image");
  assert.equal(file.type, "image/jpeg");
  assert.equal(file.name, "экскурсия.jpg", "no path survives in the name");

  const early = await get(t, student.token, `/files/${file.id}`);
  assert.equal(early.res.status, 404, "before it is sent, only the uploader sees it");
  const sent = await json<{ message: { kind: string; files: { id: string }[] } }>(
    t,
    "POST",
    `/chats/${chatId}/messages`,
    teacher.token,
    { clientId: "photo", text: "", fileIds: [file.id] },
  );
  assert.equal(sent.status, 201);
  assert.equal(sent.body.message.kind, "file");
  assert.deepEqual(sent.body.message.files.map((f) => f.id), [file.id]);

  const served = await get(t, student.token, `/files/${file.id}`);
  assert.equal(served.res.status, 200);
  assert.equal(served.res.headers.get("Content-Type"), "image/jpeg");
  assert.equal(served.res.headers.get("X-Content-Type-Options"), "nosniff");
  assert.match(served.res.headers.get("Content-Disposition") ?? "", /^inline;/);
  assert.equal(includes(served.bytes, MARKER), false, "the description is gone");
  assert.equal(includes(served.bytes, "Exif"), false, "no EXIF at all");
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", served.bytes));
  assert.equal(Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join(""), file.sha256);
  const decoded = await Jimp.read(served.bytes.buffer as ArrayBuffer);
  assert.equal(decoded.width, 640);

  const thumb = await get(t, student.token, `/files/${file.id}/thumb`);
  assert.equal(thumb.res.status, 200);
  assert.ok((await Jimp.read(thumb.bytes.buffer as ArrayBuffer)).width <= 320);

  assert.equal((await get(t, outsider.token, `/files/${file.id}`)).res.status, 404);

  const part = await get(t, student.token, `/files/${file.id}`, { Range: "bytes=10-19" });
  assert.equal(part.res.status, 206);
  assert.equal(part.res.headers.get("Content-Range"), `bytes 10-19/${file.size}`);
  assert.deepEqual(part.bytes, served.bytes.subarray(10, 20));
  const tail = await get(t, student.token, `/files/${file.id}`, { Range: "bytes=-5" });
  assert.deepEqual(tail.bytes, served.bytes.subarray(served.bytes.length - 5));
  const beyond = await get(t, student.token, `/files/${file.id}`, { Range: `bytes=${file.size}-` });
  assert.equal(beyond.res.status, 416);

  const seq = (await json<{ messages: { seq: number; kind: string }[] }>(
    t,
    "GET",
    `/chats/${chatId}/messages`,
    teacher.token,
  ))
    .body.messages.find((m) => m.kind === "file")!.seq;
  assert.equal(
    (await json(t, "DELETE", `/chats/${chatId}/messages/${seq}`, teacher.token)).status,
    204,
  );
  assert.equal(
    (await get(t, student.token, `/files/${file.id}`)).res.status,
    404,
    "deleted with its message",
  );
  assert.equal((await get(t, teacher.token, `/files/${file.id}`)).res.status, 404);
});

Deno.test("a renamed executable claiming to be an image is stored as a download", async () => {
  const { t, teacher, student, chatId } = await setup();
  await using _ = t;
  const elf = new Uint8Array(4096);
  elf.set([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0]);
  const up = await upload(t, teacher.token, chatId, elf, "cute-cat.png");
  assert.equal(up.status, 201);
  assert.equal(up.body.file.kind, "file");
  assert.notEqual(up.body.file.type, "image/png");
  await json(t, "POST", `/chats/${chatId}/messages`, teacher.token, {
    clientId: "exe",
    text: "смотрите",
    fileIds: [up.body.file.id],
  });
  const served = await get(t, student.token, `/files/${up.body.file.id}`);
  assert.equal(served.res.status, 200);
  assert.match(served.res.headers.get("Content-Disposition") ?? "", /^attachment;/);
  assert.notEqual(served.res.headers.get("Content-Type"), "image/png");
  assert.equal((await get(t, student.token, `/files/${up.body.file.id}/thumb`)).res.status, 404);
  const notYours = await json(t, "POST", `/chats/${chatId}/messages`, student.token, {
    clientId: "steal",
    text: "",
    fileIds: [up.body.file.id],
  });
  assert.equal(notYours.status, 400, "only the uploader sends their file, and only once");
});

Deno.test("a file over the limit is refused with 413 and nothing is stored", async () => {
  const { t, teacher, chatId } = await setup({ MAX_UPLOAD_BYTES: "2000" });
  await using _ = t;
  const up = await upload(t, teacher.token, chatId, new Uint8Array(5000).fill(65), "big.txt");
  assert.equal(up.status, 413);
  assert.equal(up.body.error.code, "too_large");
  for (const prefix of ["files", "file_chunks", "org_storage_added"]) {
    const stored = [];
    for await (const e of t.kv.list({ prefix: [prefix] })) stored.push(e);
    assert.deepEqual(stored, [], `nothing under ${prefix}`);
  }
});
