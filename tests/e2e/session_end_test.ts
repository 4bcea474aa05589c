/** The browser side of a session ending while the messenger is open (close code 4401). */
import assert from "node:assert/strict";
import { OPERATOR, signedInPage, startE2E } from "./browser.ts";

Deno.test("signing out in one tab sends the messenger in another tab to sign-in (close 4401)", async () => {
  await using e2e = await startE2E();
  const page = await signedInPage(e2e, OPERATOR);
  await page.goto("/chats");
  await page.locator('.messenger[data-status="online"]').waitFor({ timeout: 15_000 });
  const other = await page.context().newPage();
  await other.goto("/profile");
  const status = await other.evaluate(async () =>
    (await fetch("/api/v1/auth/logout", { method: "POST", credentials: "same-origin" })).status
  );
  assert.equal(status, 204);
  await page.waitForURL(/\/signin\?next=%2Fchats$/, { timeout: 10_000 });
});
