import assert from "node:assert/strict";
import { OPERATOR, signedInPage, startE2E } from "./browser.ts";

Deno.test("the installed app opens offline to a clear no-connection page", async () => {
  await using e2e = await startE2E();
  const page = await signedInPage(e2e, OPERATOR);
  await page.goto("/profile");
  // The service worker installs and takes control; its cache then holds the shell.
  await page.evaluate(() =>
    Promise.race([
      navigator.serviceWorker.ready.then(() => true),
      new Promise((_, reject) => setTimeout(() => reject(new Error("no service worker")), 10_000)),
    ])
  );
  await page.reload();
  assert.ok(await page.evaluate(() => navigator.serviceWorker.controller !== null));

  await page.context().setOffline(true);
  await page.goto("/chats").catch(() => {});
  await page.getByRole("heading", { name: "Нет соединения с интернетом" }).waitFor({
    timeout: 10_000,
  });
  const manifest = await page.evaluate(() =>
    document.querySelector("link[rel=manifest]")?.getAttribute("href")
  );
  assert.equal(manifest, "/manifest.webmanifest");
  await page.context().setOffline(false);
  await page.goto("/profile");
  await page.getByRole("heading", { name: "Профиль" }).waitFor();
});
