/**
 * Uploads under attack (issue 10): decompression bombs, file names the multipart parser must
 * keep whole, bytes streamed into storage as they arrive, and uploads in flight per member.
 */
import assert from "node:assert/strict";
import { deflateSync } from "node:zlib";
import { groupWithStudent, type TestApp, testApp } from "./helpers.ts";
import { until } from "./until.ts";

const encoder = new TextEncoder();

async function setup(env: Record<string, string> = {}) {
  const t = await testApp({ env });
  const { orgId, teacher, student, chatId } = await groupWithStudent(t, "Загрузки");
  return { t, orgId, teacher, student, chatId };
}

/** A multipart body written by hand: `disposition` goes into the part's header as it is. */
function rawMultipart(
  disposition: string,
  content: Uint8Array<ArrayBuffer>,
  boundary = "b0undaryXyZ",
) {
  const head = encoder.encode(
    `--${boundary}\r\nContent-Disposition: form-data; name="file"; ${disposition}\r\n` +
      `Content-Type: application/octet-stream\r\n\r\n`,
  );
  const tail = encoder.encode(`\r\n--${boundary}--\r\n`);
  return { head, tail, type: `multipart/form-data; boundary=${boundary}`, content };
}

function post(t: TestApp, token: string, chatId: string, type: string, body: BodyInit) {
  return t.fetch(`/api/v1/chats/${chatId}/files`, {
    method: "POST",
    headers: { Authorization: `Bearer ${token}`, "Content-Type": type },
    body,
  });
}

const soon = { ms: 10_000, every: 5 };

async function count(kv: Deno.Kv, prefix: string): Promise<number> {
  let n = 0;
  for await (const _ of kv.list({ prefix: [prefix] })) n++;
  return n;
}

Deno.test("file names with =, ;, quotes and RFC 5987 filename* come through whole", async () => {
  const { t, teacher, chatId } = await setup();
  await using _ = t;
  const cases: [string, string][] = [
    ['filename="Итоги 1+1=2.pdf"', "Итоги 1+1=2.pdf"],
    ['filename="a; b=c.txt"', "a; b=c.txt"],
    ['filename="say \\"hi\\"; ok.txt"', "say _hi_; ok.txt"],
    ["filename*=UTF-8''%D0%98%D1%82%D0%BE%D0%B3%D0%B8%201%2B1%3D2.pdf", "Итоги 1+1=2.pdf"],
    [`filename="plain.txt"; filename*=UTF-8''%D0%BE%D1%82%D1%87%D1%91%D1%82.txt`, "отчёт.txt"],
  ];
  for (const [disposition, expected] of cases) {
    const m = rawMultipart(disposition, encoder.encode("hello"));
    const res = await post(t, teacher.token, chatId, m.type, new Blob([m.head, m.content, m.tail]));
    const body = await res.json();
    assert.equal(res.status, 201, `${disposition}: ${JSON.stringify(body)}`);
    assert.equal(body.file.name, expected, disposition);
    assert.equal(body.file.size, 5);
  }
});

/** A valid PNG of `side`×`side` RGB pixels whose image data is a few bytes of zlib. */
function pngBomb(side: number): Uint8Array<ArrayBuffer> {
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc = (bytes: Uint8Array) => {
    let c = 0xffffffff;
    for (const b of bytes) c = crcTable[(c ^ b) & 0xff]! ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (type: string, data: Uint8Array) => {
    const out = new Uint8Array(12 + data.length);
    const view = new DataView(out.buffer);
    view.setUint32(0, data.length);
    out.set(encoder.encode(type), 4);
    out.set(data, 8);
    view.setUint32(8 + data.length, crc(out.subarray(4, 8 + data.length)));
    return out;
  };
  const ihdr = new Uint8Array(13);
  new DataView(ihdr.buffer).setUint32(0, side);
  new DataView(ihdr.buffer).setUint32(4, side);
  ihdr.set([8, 2, 0, 0, 0], 8); // 8-bit RGB, no interlace
  const parts = [
    new Uint8Array([137, 80, 78, 71, 13, 10, 26, 10]),
    chunk("IHDR", ihdr),
    chunk("IDAT", deflateSync(new Uint8Array(64))),
    chunk("IEND", new Uint8Array()),
  ];
  return new Uint8Array(parts.flatMap((p) => [...p]));
}

Deno.test("a PNG declaring 12000×12000 is kept as a plain download and never decoded", async () => {
  const { t, teacher, chatId } = await setup();
  await using _ = t;
  const bomb = pngBomb(12_000);
  assert.ok(bomb.length < 200, `the bomb is ${bomb.length} bytes`);
  const form = new FormData();
  form.append("file", new File([bomb], "котик.png", { type: "image/png" }));
  const res = await t.fetch(`/api/v1/chats/${chatId}/files`, {
    method: "POST",
    headers: { Authorization: `Bearer ${teacher.token}` },
    body: form,
  });
  const body = await res.json();
  assert.equal(res.status, 201, JSON.stringify(body));
  assert.equal(body.file.kind, "file");
  assert.equal(body.file.type, "application/octet-stream");
  assert.equal(body.file.size, bomb.length, "kept as it came");
  const images = t.deps.files.images;
  assert.equal(images.decodes, 0, "no decode was started");
  assert.equal(images.queue.count(teacher.id), 0, "it never joined the image queue");

  const served = await t.fetch(`/api/v1/files/${body.file.id}`, {
    headers: { Authorization: `Bearer ${teacher.token}` },
  });
  assert.equal(served.status, 200);
  assert.match(served.headers.get("Content-Disposition") ?? "", /^attachment;/);
  assert.equal(served.headers.get("Content-Type"), "application/octet-stream");
  assert.deepEqual(new Uint8Array(await served.arrayBuffer()), bomb);
});

Deno.test("an upload's bytes reach storage while its body is still arriving", async () => {
  const { t, teacher, chatId } = await setup();
  await using _ = t;
  const content = new Uint8Array(700_000).map((_, i) => 97 + (i % 23));
  const m = rawMultipart('filename="big.txt"', content);
  let release!: () => void;
  const held = new Promise<void>((r) => release = r);
  const body = new ReadableStream<Uint8Array>({
    async start(controller) {
      controller.enqueue(m.head);
      controller.enqueue(content.subarray(0, 400_000));
      await held;
      controller.enqueue(content.subarray(400_000));
      controller.enqueue(m.tail);
      controller.close();
    },
  });
  const answer = post(t, teacher.token, chatId, m.type, body);
  // Nothing more is sent until chunks of the first 400,000 bytes are in KV.
  await until("chunks in storage", async () => await count(t.kv, "file_chunks") >= 4, soon);
  release();
  const res = await answer;
  const file = (await res.json()).file;
  assert.equal(res.status, 201);
  assert.equal(file.size, content.length);
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", content));
  assert.equal(file.sha256, Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join(""));
  assert.equal(await count(t.kv, "file_chunks"), Math.ceil(content.length / 60_000));
  assert.equal(await count(t.kv, "file_stagings"), 0);
});

Deno.test("an upload past MAX_UPLOAD_BYTES is cut off while streaming and leaves nothing", async () => {
  const { t, teacher, chatId } = await setup({ MAX_UPLOAD_BYTES: "300000" });
  await using _ = t;
  const file = rawMultipart('filename="endless.bin"', new Uint8Array());
  // An endless form field instead of a file: the body as a whole is bounded too.
  const field = encoder.encode(
    '--b0undaryXyZ\r\nContent-Disposition: form-data; name="note"\r\n\r\n',
  );
  for (const head of [file.head, field]) {
    let sent = 0;
    let cancelled = false;
    const piece = new Uint8Array(50_000).fill(120);
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(head);
      },
      pull(controller) {
        sent += piece.length;
        controller.enqueue(piece);
      },
      cancel() {
        cancelled = true;
      },
    }, { highWaterMark: 0 });
    const res = await post(t, teacher.token, chatId, file.type, body);
    assert.equal(res.status, 413);
    assert.equal((await res.json()).error.code, "too_large");
    assert.ok(cancelled, "the body is no longer read");
    assert.ok(sent < 300_000 + 64 * 1024 + 4 * piece.length, `read ${sent} bytes of endless`);
    for (const prefix of ["files", "file_chunks", "file_stagings", "org_storage_added"]) {
      assert.equal(await count(t.kv, prefix), 0, `nothing under ${prefix}`);
    }
  }
});

Deno.test("a member has at most three uploads in flight; the fourth is 429, others go on", async () => {
  const { t, teacher, student, chatId } = await setup();
  await using _ = t;
  const m = rawMultipart('filename="slow.txt"', encoder.encode("slow"));
  const releases: (() => void)[] = [];
  const slow = () =>
    new ReadableStream<Uint8Array>({
      async start(controller) {
        controller.enqueue(m.head);
        await new Promise<void>((r) => releases.push(r));
        controller.enqueue(m.content);
        controller.enqueue(m.tail);
        controller.close();
      },
    });
  const open = [1, 2, 3].map(() => post(t, teacher.token, chatId, m.type, slow()));
  await until("three uploads in flight", () => t.deps.files.gate.inFlight === 3, soon);
  const fourth = await post(
    t,
    teacher.token,
    chatId,
    m.type,
    new Blob([m.head, m.content, m.tail]),
  );
  assert.equal(fourth.status, 429);
  assert.equal((await fourth.json()).error.code, "rate_limited");
  assert.ok(Number(fourth.headers.get("Retry-After")) >= 1);
  const other = await post(t, student.token, chatId, m.type, new Blob([m.head, m.content, m.tail]));
  assert.equal(other.status, 201, "another member is not held back");
  await other.body?.cancel();
  releases.forEach((r) => r());
  for (const res of await Promise.all(open)) {
    assert.equal(res.status, 201);
    await res.body?.cancel();
  }
  assert.equal(t.deps.files.gate.inFlight, 0);
});
