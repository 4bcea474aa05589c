/**
 * History paging in a large chat: a page costs the same few KV calls at any depth and any page
 * size (regression: the route used to read the reader's reactions of every message on the page,
 * five getMany calls per page of 50), and scrolling back from the newest page visits every
 * message once, in order. Latency at depth is measured by bench/history.ts.
 */
import assert from "node:assert/strict";
import { createSchool, joinAs, json, testApp } from "./helpers.ts";
import type { ChatId, UserId } from "../shared/ids.ts";
import type { Message } from "../shared/chat_model.ts";

type Page = { messages: (Message & { myReactions: string[] })[]; lastSeq: number };

/** Queues that the effect runner and the file sweeper poll on timers of their own. */
const POLLED = new Set(["effects", "file_stagings", "unsent_files_by_expiry", "file_purges"]);

/** A background poll, which can land in the middle of any request and is no page's cost. */
function isBackgroundPoll(prop: string | symbol, args: unknown[]): boolean {
  const selector = args[0] as { prefix?: Deno.KvKey } | undefined;
  return prop === "list" && POLLED.has(String(selector?.prefix?.[0]));
}

/**
 * KV that counts the calls made through it (passed in as the app's store, not patched),
 * leaving out background polls, which can land in the middle of any request.
 */
function countingKv(kv: Deno.Kv) {
  const calls: Record<string, number> = {};
  const counted = new Proxy(kv, {
    get(target, prop) {
      const value = Reflect.get(target, prop, target);
      if (typeof value !== "function") return value;
      return (...args: unknown[]) => {
        if (!isBackgroundPoll(prop, args)) calls[String(prop)] = (calls[String(prop)] ?? 0) + 1;
        return value.apply(target, args);
      };
    },
  });
  return { kv: counted, calls, reset: () => Object.keys(calls).forEach((k) => delete calls[k]) };
}

/** Writes `n` messages through the chat actor, moving the fake clock so no allowance binds. */
async function fill(
  t: Awaited<ReturnType<typeof testApp>>,
  chatId: string,
  authors: UserId[],
  n: number,
) {
  const actor = t.deps.chats.get(chatId as ChatId);
  for (let i = 0; i < n; i += authors.length) {
    t.clock.advance(1000);
    await Promise.all(authors.map(async (author, j) => {
      if (i + j >= n) return;
      const result = await actor.send(author, {
        clientId: `h${i + j}`,
        text: `сообщение ${i + j}`,
      });
      assert.ok(result.ok);
    }));
  }
}

/** A school with a group chat of `n` messages (seq 1 is chat.created: messages are 2..n+1). */
async function longChat(t: Awaited<ReturnType<typeof testApp>>, n: number) {
  const school = await createSchool(t);
  const reader = await joinAs(t, school.admin, school.orgId, "teacher", "Ольга");
  const chat = await json<{ chat: { id: string } }>(
    t,
    "POST",
    `/orgs/${school.orgId}/chats`,
    school.admin,
    { kind: "group", title: "История", memberIds: [reader.id] },
  );
  const chatId = chat.body.chat.id;
  await fill(t, chatId, [reader.id as UserId, school.adminId as UserId], n);
  return { chatId, reader };
}

Deno.test("a history page costs the same few KV calls at any depth and page size", async () => {
  const counting = countingKv(await Deno.openKv(":memory:"));
  await using t = await testApp({ kv: counting.kv });
  try {
    const n = 3000;
    const { chatId, reader } = await longChat(t, n);
    for (const seq of [2900, 100]) {
      const liked = await json(
        t,
        "PUT",
        `/chats/${chatId}/messages/${seq}/reactions/👍`,
        reader.token,
      );
      assert.equal(liked.status, 200);
    }
    // The messages' follow-up work (their notifications) is done, and the outbox's runner stopped
    // (its polls would be counted too), before anything is counted.
    await t.deps.effects.drain(60_000);
    await t.deps.effects.stop();
    /** One page read; returns its KV calls. */
    const page = async (before: number | null, limit: number, reacted: number | null) => {
      counting.reset();
      const q = before === null ? "" : `&before=${before}`;
      const res = await json<Page>(
        t,
        "GET",
        `/chats/${chatId}/messages?limit=${limit}${q}`,
        reader.token,
      );
      assert.equal(res.status, 200);
      const top = (before ?? n + 2) - 1;
      assert.deepEqual(
        res.body.messages.map((m) => m.seq),
        Array.from({ length: limit }, (_, i) => top - i),
      );
      for (const m of res.body.messages) {
        assert.deepEqual(m.myReactions, m.seq === reacted ? ["👍"] : [], `seq ${m.seq}`);
      }
      return { ...counting.calls };
    };

    const newest = await page(null, 50, null);
    // access (chat, membership, head) in one getMany, then one listing of the page
    assert.deepEqual(newest.list, 1, JSON.stringify(newest));
    assert.ok((newest.getMany ?? 0) <= 1, JSON.stringify(newest));
    const total = (calls: Record<string, number>) =>
      Object.values(calls).reduce((a, b) => a + b, 0);
    assert.ok(
      total(newest) <= 6,
      `the newest page made ${total(newest)} KV calls: ${JSON.stringify(newest)}`,
    );
    // deeper pages and bigger pages cost exactly what the newest page costs
    for (const before of [2500, 1500, 700, 52]) {
      assert.deepEqual(await page(before, 50, null), newest);
    }
    assert.deepEqual(await page(1800, 200, null), newest);
    // a page holding a message the reader reacted to: one more getMany, wherever it is
    const withReaction = { ...newest, getMany: (newest.getMany ?? 0) + 1 };
    assert.deepEqual(await page(2920, 50, 2900), withReaction);
    assert.deepEqual(await page(120, 50, 100), withReaction);
  } finally {
    counting.kv.close();
  }
});

Deno.test("scrolling back from the newest page visits every message once, newest first", async () => {
  await using t = await testApp();
  const n = 1000;
  const { chatId, reader } = await longChat(t, n);
  const seen: number[] = [];
  let before: number | null = null;
  for (;;) {
    const q: string = before === null ? "" : `&before=${before}`;
    const page: { status: number; body: Page } = await json<Page>(
      t,
      "GET",
      `/chats/${chatId}/messages?limit=200${q}`,
      reader.token,
    );
    assert.equal(page.status, 200);
    if (page.body.messages.length === 0) break;
    seen.push(...page.body.messages.map((m) => m.seq));
    before = page.body.messages.at(-1)!.seq;
  }
  assert.equal(seen.length, n);
  assert.equal(seen[0], n + 1);
  assert.ok(seen.every((s, i) => i === 0 || s === seen[i - 1]! - 1));
});
