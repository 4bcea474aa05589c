import assert from "node:assert/strict";
import { assertAccessible, OPERATOR, signInThroughUi, startE2E } from "./browser.ts";
import { freePort } from "../server.ts";

Deno.test("a person signs in with a mailed code and lands in the app, in Russian", async () => {
  await using e2e = await startE2E();
  const context = await e2e.person();
  const page = await context.newPage();
  const errors: string[] = [];
  page.on("pageerror", (err) => errors.push(err.message));
  await page.goto("/signin");
  assert.equal(await page.locator("html").getAttribute("lang"), "ru");
  await assertAccessible(page, "sign-in page");
  await signInThroughUi(page, e2e.base, OPERATOR);
  // Someone new (the operator of a new platform too) starts by giving their name.
  await page.waitForURL(/\/profile$/);
  await page.goto("/profile");
  assert.equal(await page.inputValue("#profile-email"), OPERATOR);
  await assertAccessible(page, "profile page");
  const cookies = await context.cookies();
  const session = cookies.find((c) => c.name === "parta_session");
  assert.ok(session?.httpOnly, "the session cookie is HttpOnly");
  assert.equal(session?.sameSite, "Lax");
  assert.deepEqual(errors, []);
});

Deno.test("the address the server prints works: signing in at 127.0.0.1 when APP_ORIGIN says localhost", async () => {
  const port = freePort();
  // What `deno task start` does on one's own machine: APP_ORIGIN defaults to localhost, while
  // `deno serve` prints 127.0.0.1.
  await using e2e = await startE2E({ PORT: String(port), APP_ORIGIN: `http://localhost:${port}` });
  assert.ok(
    e2e.server.output().includes(`Parta: open http://localhost:${port}`),
    "the launcher names the address to open",
  );
  const page = await (await e2e.person()).newPage();
  const errors: string[] = [];
  page.on("pageerror", (err) => errors.push(err.message));
  await page.goto(`http://127.0.0.1:${port}/signin`);
  await signInThroughUi(page, e2e.base, OPERATOR);
  await page.waitForURL(/\/profile$/);
  assert.deepEqual(errors, []);
});
