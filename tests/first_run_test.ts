/**
 * What a newcomer meets first on their own server: each person lands where their work starts, the
 * operator on the schools' applications rather than an empty chat list.
 */
import assert from "node:assert/strict";
import { OPERATOR, signIn, testApp } from "./helpers.ts";

const page = (t: Awaited<ReturnType<typeof testApp>>, path: string, token?: string) =>
  t.fetch(path, { headers: token ? { Cookie: `parta_session=${token}` } : {} });

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
