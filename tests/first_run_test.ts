/**
 * What a newcomer meets first on their own server: the mail kept in development as a page to read
 * and click, and the operator landing on the schools' applications rather than an empty chat list.
 */
import assert from "node:assert/strict";
import { createSchool, OPERATOR, signIn, testApp } from "./helpers.ts";

const page = (t: Awaited<ReturnType<typeof testApp>>, path: string, token?: string) =>
  t.fetch(path, { headers: token ? { Cookie: `parta_session=${token}` } : {} });

Deno.test("in development the outbox is a page: codes easy to read, links clickable, text never HTML", async () => {
  await using t = await testApp();
  await createSchool(t, "Школа <b>№ 5</b>");
  const res = await page(t, "/dev/outbox");
  assert.equal(res.status, 200);
  assert.match(res.headers.get("Content-Type") ?? "", /text\/html/);
  const html = await res.text();
  // The admin's sign-in code stands out; the approval mail's invite link is a link.
  assert.match(html, /<strong class="outbox-code">\d{6}<\/strong>/);
  assert.match(html, /<a href="http:\/\/parta\.test\/invite\/[A-Za-z0-9_-]{43}">/);
  // A school's name is shown as text, whatever it holds.
  assert.ok(
    html.includes("Школа &lt;b>№ 5&lt;/b>") || html.includes("Школа &lt;b&gt;№ 5&lt;/b&gt;"),
  );
  assert.ok(!html.includes("<b>№ 5</b>"));
  // One address only.
  const mine = await (await page(t, `/dev/outbox?to=${encodeURIComponent(OPERATOR)}`)).text();
  assert.ok(!mine.includes("/invite/"), "the operator got no invite");
});

Deno.test("without DEV_OUTBOX there is no outbox page", async () => {
  await using t = await testApp({ env: { DEV_OUTBOX: "" } });
  const res = await page(t, "/dev/outbox");
  assert.equal(res.status, 404);
  await res.body?.cancel();
});

Deno.test("the operator lands on the schools' applications, not on an empty chat list", async () => {
  await using t = await testApp();
  const operator = await signIn(t, OPERATOR, "Оператор");
  const landing = await page(t, "/", operator);
  assert.equal(landing.status, 302);
  assert.equal(landing.headers.get("Location"), "/operator");
  await landing.body?.cancel();
  // Where sign-in goes when nothing else was asked for.
  const signin = await page(t, "/signin", operator);
  assert.equal(signin.headers.get("Location"), "/");
  await signin.body?.cancel();
  // Anyone else starts in their chats (which say what comes next), or on the profile first.
  const newcomer = await signIn(t, "new@school.test", "Новичок");
  const own = await page(t, "/", newcomer);
  assert.equal(own.headers.get("Location"), "/chats");
  await own.body?.cancel();
  const unnamed = await signIn(t, "noname@school.test");
  const first = await page(t, "/", unnamed);
  assert.equal(first.headers.get("Location"), "/profile");
  await first.body?.cancel();
});
