/**
 * Sign-in limits that protect the owner of an email from others (security review, issue 10):
 * nobody locks a person out from one address, the server mails at most so many codes to emails
 * without an account, and a stored code resists offline guessing.
 */
import assert from "node:assert/strict";
import { sha256Hex } from "../shared/ids.ts";
import { keys } from "../platform/kv_keys.ts";
import { listOutbox } from "../platform/mail.ts";
import { hit } from "../platform/rate_limit.ts";
import { RATE, SERVER } from "../domain/sign_in_limits.ts";
import { lastCode, signIn, type TestApp, testApp } from "./helpers.ts";

type ErrorBody = { error: { code: string; message: string; field?: string } };
type Answer = { status: number; body: ErrorBody; retryAfter: number | null };

const WINDOW_MS = 15 * 60_000;
const OWNER = "198.51.100.7";

async function askCode(t: TestApp, email: string, address: string): Promise<Answer> {
  return answer(
    await t.fetch("/api/v1/auth/code", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ email }),
      address,
    }),
  );
}

async function verify(t: TestApp, email: string, code: string, address: string): Promise<Answer> {
  return answer(
    await t.fetch("/api/v1/auth/verify", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ email, code }),
      address,
    }),
  );
}

async function answer(res: Response): Promise<Answer> {
  const text = await res.text();
  const header = res.headers.get("Retry-After");
  if (res.status === 429) assert.match(header ?? "", /^[1-9]\d*$/, "Retry-After: whole seconds");
  return {
    status: res.status,
    body: text ? JSON.parse(text) : null,
    retryAfter: header === null ? null : Number(header),
  };
}

/** A six-digit code that is not `code`, different for each `n`. */
const wrong = (code: string, n = 1) =>
  String((Number(code) + 1 + (n % 999_999)) % 1_000_000).padStart(6, "0");

function assertInvalid(res: Answer, context: string) {
  assert.equal(res.status, 400, `${context}: ${JSON.stringify(res.body)}`);
  assert.equal(res.body.error.code, "invalid_code", context);
  assert.equal(res.body.error.field, "code", context);
}

function assertLimited(res: Answer, context: string) {
  assert.equal(res.status, 429, `${context}: ${JSON.stringify(res.body)}`);
  assert.equal(res.body.error.code, "rate_limited", context);
}

/** Makes `email` an account: signed in once, from the test's default address. */
async function account(t: TestApp, email: string): Promise<void> {
  await signIn(t, email);
}

// ── Item 7: nobody locks another person out ──────────────────────────────────────────────────

Deno.test("wrong verifies while no code is live never hold back the email: its owner's next code signs in", async () => {
  await using t = await testApp();
  const email = "teacher@school.test";
  await account(t, email);
  // 300 wrong verifies from ten addresses, none of them at a live code.
  for (let a = 0; a < 10; a++) {
    for (let i = 0; i < 30; i++) {
      assertInvalid(await verify(t, email, wrong("000000", i), `203.0.113.${a}`), `guess ${i}`);
    }
  }
  assert.equal((await askCode(t, email, OWNER)).status, 202);
  const res = await verify(t, email, await lastCode(t, email), OWNER);
  assert.equal(res.status, 200, JSON.stringify(res.body));
});

Deno.test("five wrong guesses from one address void the code for that address only: the owner still signs in with it", async () => {
  await using t = await testApp();
  const email = "pupil@school.test";
  assert.equal((await askCode(t, email, OWNER)).status, 202);
  const code = await lastCode(t, email);
  const attacker = "203.0.113.9";
  for (let i = 0; i < 5; i++) assertInvalid(await verify(t, email, wrong(code, i), attacker), "");
  // The contract's "void after 5 wrong attempts", from that address, even for the right code.
  assertInvalid(await verify(t, email, code, attacker), "the right code from the guessing address");
  const res = await verify(t, email, code, OWNER);
  assert.equal(res.status, 200, JSON.stringify(res.body));
});

Deno.test("twenty wrong guesses from several addresses void the code for everyone, and a new code still signs in", async () => {
  await using t = await testApp();
  const email = "pupil@school.test";
  assert.equal((await askCode(t, email, OWNER)).status, 202);
  const code = await lastCode(t, email);
  for (let a = 0; a < 4; a++) {
    for (let i = 0; i < 5; i++) {
      assertInvalid(await verify(t, email, wrong(code, a * 5 + i), `203.0.113.${a}`), "guess");
    }
  }
  assertInvalid(await verify(t, email, code, OWNER), "the right code after 20 wrong guesses");
  assert.equal((await askCode(t, email, OWNER)).status, 202);
  const res = await verify(t, email, await lastCode(t, email), OWNER);
  assert.equal(res.status, 200, JSON.stringify(res.body));
});

Deno.test("one address cannot fill an email's five codes per 15 minutes: its fourth request is 429 and the owner gets a code", async () => {
  await using t = await testApp();
  const email = "teacher@school.test";
  await account(t, email);
  t.clock.advance(WINDOW_MS);
  const attacker = "203.0.113.9";
  const statuses = [];
  for (let i = 0; i < 5; i++) statuses.push((await askCode(t, email, attacker)).status);
  assert.deepEqual(statuses, [202, 202, 202, 429, 429]);
  assert.equal((await askCode(t, email, OWNER)).status, 202);
  const res = await verify(t, email, await lastCode(t, email), OWNER);
  assert.equal(res.status, 200, JSON.stringify(res.body));
});

Deno.test("one address gets at most 20 guesses a day at one email, then 429; the owner is not held back", async () => {
  await using t = await testApp();
  const email = "teacher@school.test";
  await account(t, email);
  const attacker = "203.0.113.9";
  let checked = 0;
  let refused: Answer | null = null;
  for (let w = 0; w < 8 && !refused; w++) {
    t.clock.advance(WINDOW_MS);
    assert.equal((await askCode(t, email, attacker)).status, 202, `code ${w}`);
    const code = await lastCode(t, email);
    for (let i = 0; i < 5 && !refused; i++) {
      const res = await verify(t, email, wrong(code, i), attacker);
      if (res.status === 429) refused = res;
      else assertInvalid(res, `guess ${checked++}`);
    }
  }
  assert.equal(checked, 20);
  assert.ok(refused, "never refused");
  assertLimited(refused, "the 21st guess");
  assert.ok(refused.retryAfter! > WINDOW_MS / 1000, `Retry-After ${refused.retryAfter}`);
  assert.ok(refused.retryAfter! <= 24 * 3600);
  assert.equal((await askCode(t, email, OWNER)).status, 202);
  const res = await verify(t, email, await lastCode(t, email), OWNER);
  assert.equal(res.status, 200, JSON.stringify(res.body));
});

Deno.test("100 guesses a day at one email take five addresses and five codes mailed to it; then it is 429 for the day", async () => {
  await using t = await testApp();
  const email = "teacher@school.test";
  await account(t, email);
  t.clock.advance(WINDOW_MS);
  const before = (await listOutbox(t.kv, email)).length;
  let checked = 0;
  let address = 0;
  for (let c = 0; c < 5; c++) {
    assert.equal((await askCode(t, email, `192.0.2.${c}`)).status, 202, `code ${c}`);
    const code = await lastCode(t, email);
    // Four addresses make the code's 20 wrong guesses; each address stays within its 20 a day.
    for (let a = 0; a < 4; a++, address++) {
      for (let i = 0; i < 5; i++) {
        const from = `203.0.113.${address % 5}`;
        assertInvalid(await verify(t, email, wrong(code, checked), from), `guess ${checked++}`);
      }
    }
  }
  assert.equal(checked, 100);
  assert.equal(
    (await listOutbox(t.kv, email)).length - before,
    5,
    "five codes mailed to the owner",
  );
  assert.equal((await askCode(t, email, OWNER)).status, 429, "the email's 15-minute codes");
  t.clock.advance(WINDOW_MS);
  assert.equal((await askCode(t, email, OWNER)).status, 202);
  const refused = await verify(t, email, await lastCode(t, email), OWNER);
  assertLimited(refused, "after 100 guesses in the day");
  assert.ok(refused.retryAfter! <= 24 * 3600);
});

// ── Item 17: the server is no mail cannon ────────────────────────────────────────────────────

Deno.test("one address asking codes for 200 emails without an account is refused after 100 and mails no more", async () => {
  await using t = await testApp();
  await account(t, "known@school.test");
  const spammer = "203.0.113.66";
  let refusedAt = -1;
  for (let i = 0; i < 200 && refusedAt < 0; i++) {
    const res = await askCode(t, `stranger${i}@mail.test`, spammer);
    if (res.status === 429) {
      refusedAt = i;
      assertLimited(res, `request ${i}`);
      assert.ok(res.retryAfter! <= WINDOW_MS / 1000);
    } else assert.equal(res.status, 202, `request ${i}`);
  }
  assert.equal(refusedAt, 100);
  const mailed = (await listOutbox(t.kv, null)).filter((m) => m.to.endsWith("@mail.test"));
  assert.equal(mailed.length, 100);
  for (let i = 100; i < 110; i++) {
    assertLimited(await askCode(t, `stranger${i}@mail.test`, spammer), "still refused");
  }
  assert.equal((await listOutbox(t.kv, "stranger105@mail.test")).length, 0);
  assert.equal((await askCode(t, "known@school.test", spammer)).status, 202, "accounts are apart");
});

Deno.test("codes that get used give their place back: one address onboards 105 new pupils in 15 minutes", async () => {
  await using t = await testApp();
  const school = "203.0.113.70";
  for (let i = 0; i < 105; i++) {
    const email = `pupil${i}@school.test`;
    assert.equal((await askCode(t, email, school)).status, 202, `code ${i}`);
    const res = await verify(t, email, await lastCode(t, email), school);
    assert.equal(res.status, 200, `sign-in ${i}: ${JSON.stringify(res.body)}`);
  }
  // Unused codes still count: the address has its 100 for strangers left.
  for (let i = 0; i < 100; i++) {
    assert.equal((await askCode(t, `stranger${i}@mail.test`, school)).status, 202, `${i}`);
  }
  assertLimited(await askCode(t, "stranger100@mail.test", school), "the 101st unused");
});

Deno.test("an address mails at most 300 unused codes a day to emails without an account", async () => {
  await using t = await testApp();
  const address = "203.0.113.67";
  assert.equal(RATE.newCodePerAddressDaily.limit, 300);
  // 299 such codes already mailed today (the counter the rule keeps), then the 300th and 301st.
  for (let i = 0; i < 299; i++) {
    assert.ok((await hit(t.kv, t.clock, RATE.newCodePerAddressDaily, address)).ok);
  }
  assert.equal((await askCode(t, "new300@mail.test", address)).status, 202);
  t.clock.advance(WINDOW_MS);
  const refused = await askCode(t, "new301@mail.test", address);
  assertLimited(refused, "the 301st");
  assert.ok(refused.retryAfter! > WINDOW_MS / 1000, `Retry-After ${refused.retryAfter}`);
  assert.equal((await listOutbox(t.kv, "new301@mail.test")).length, 0);
});

Deno.test("the server mails at most 1,000 unused codes an hour to emails without an account, from any number of addresses", async () => {
  await using t = await testApp();
  await account(t, "known@school.test");
  t.clock.advance(3600_000);
  assert.equal(RATE.newCodeServerHourly.limit, 1000);
  // 999 such codes already mailed this hour (the counter the rule keeps), then the 1,000th.
  for (let i = 0; i < 999; i++) {
    assert.ok((await hit(t.kv, t.clock, RATE.newCodeServerHourly, SERVER)).ok);
  }
  assert.equal((await askCode(t, "last@mail.test", "198.51.100.1")).status, 202);
  const refused = await askCode(t, "over@mail.test", "198.51.100.2");
  assertLimited(refused, "the 1,001st");
  assert.ok(refused.retryAfter! <= 3600);
  assert.equal((await listOutbox(t.kv, "over@mail.test")).length, 0);
  assert.equal((await askCode(t, "known@school.test", "198.51.100.3")).status, 202);
  // The 1,000th is used: its place is free again at once.
  const used = await verify(
    t,
    "last@mail.test",
    await lastCode(t, "last@mail.test"),
    "198.51.100.1",
  );
  assert.equal(used.status, 200);
  assert.equal((await askCode(t, "over@mail.test", "198.51.100.2")).status, 202);
  assertLimited(await askCode(t, "over2@mail.test", "198.51.100.4"), "full again");
  t.clock.advance(refused.retryAfter! * 1000);
  assert.equal((await askCode(t, "over2@mail.test", "198.51.100.4")).status, 202);
});

// ── Item 12: a stored code resists offline guessing ──────────────────────────────────────────

Deno.test("a stored sign-in code is a PBKDF2-SHA256 hash with its salt and rounds, not a fast hash", async () => {
  await using t = await testApp();
  const email = "pupil@school.test";
  assert.equal((await askCode(t, email, OWNER)).status, 202);
  const code = await lastCode(t, email);
  const stored = (await t.kv.get<Record<string, unknown>>(keys.loginCode(email))).value!;
  assert.equal(stored.kdf, "pbkdf2-sha256");
  assert.ok(Number(stored.iterations) >= 100_000, `iterations ${stored.iterations}`);
  const salt = String(stored.salt);
  assert.ok(salt.length >= 16);
  assert.ok(!JSON.stringify(stored).includes(code), "the code itself is not stored");
  for (const fast of [`${salt}:${code}`, `${salt}${code}`, `${code}${salt}`, code]) {
    assert.notEqual(stored.hash, await sha256Hex(fast), `sha256(${fast})`);
  }
  // Recomputed independently with WebCrypto.
  const enc = new TextEncoder();
  const key = await crypto.subtle.importKey("raw", enc.encode(code), "PBKDF2", false, [
    "deriveBits",
  ]);
  const bits = await crypto.subtle.deriveBits(
    {
      name: "PBKDF2",
      hash: "SHA-256",
      salt: enc.encode(salt),
      iterations: Number(stored.iterations),
    },
    key,
    256,
  );
  const hex = Array.from(new Uint8Array(bits), (b) => b.toString(16).padStart(2, "0")).join("");
  assert.equal(stored.hash, hex);
});

Deno.test("a code stored in the old fast-hash format is void: it no longer signs in", async () => {
  await using t = await testApp();
  const email = "pupil@school.test";
  const salt = "0123456789abcdef";
  await t.kv.set(keys.loginCode(email), {
    hash: await sha256Hex(`${salt}:123456`),
    salt,
    attempts: 0,
    expiresAt: t.clock.now() + 5 * 60_000,
  });
  assertInvalid(await verify(t, email, "123456", OWNER), "an old-format code");
});
