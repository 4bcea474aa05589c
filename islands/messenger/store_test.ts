import assert from "node:assert/strict";
import type { ChatSummary } from "../../shared/chat_view.ts";
import { type Action, reducer, type State } from "./store.ts";
import { Outbox } from "./outbox.ts";

const CHAT: ChatSummary = {
  id: "C1",
  orgId: "O1",
  kind: "group",
  title: "5 «А»",
  lastSeq: 1,
  lastReadSeq: 1,
  unread: 0,
  lastActivityAt: "2025-03-12T10:00:00.000Z",
  settings: { frozen: false, slowModeSeconds: 0 },
};

function initial(): State {
  return {
    me: "ME",
    chats: [CHAT],
    people: {},
    online: {},
    loaded: {},
    openId: "C1",
    orgId: null,
    outbox: [],
    typing: {},
    othersRead: {},
    status: "online",
    lessons: [],
    schedules: {},
  };
}

Deno.test("a chat's new rules apply to its row at once", () => {
  const frozen = reducer(initial(), {
    type: "settings",
    chatId: "C1",
    settings: { frozen: true, slowModeSeconds: 30 },
  });
  assert.deepEqual(frozen.chats[0]!.settings, { frozen: true, slowModeSeconds: 30 });
  const other = reducer(frozen, {
    type: "settings",
    chatId: "elsewhere",
    settings: { frozen: false, slowModeSeconds: 0 },
  });
  assert.equal(other.chats, frozen.chats);
});

Deno.test("a message refused in a frozen chat says the chat is frozen", () => {
  let state = reducer(initial(), {
    type: "settings",
    chatId: "C1",
    settings: { frozen: true, slowModeSeconds: 0 },
  });
  const outbox = new Outbox({
    locale: "ru",
    dispatch: (action: Action) => state = reducer(state, action),
    state: () => state,
    send: () => true,
  });
  outbox.send("C1", "Можно?");
  const { clientId } = state.outbox[0]!;
  outbox.refused(clientId, { code: "forbidden", message: "Cannot write: the chat is frozen" });
  assert.equal(state.outbox[0]!.status, "failed");
  assert.equal(state.outbox[0]!.error, "чат заморожен модератором");
});

Deno.test("a message refused during quiet hours says the class chat is read-only then", () => {
  let state = reducer(initial(), {
    type: "loaded",
    chatId: "C1",
    members: [],
    messages: [],
    lastSeq: 1,
    hasMore: false,
    quietUntil: new Date(Date.now() + 3600_000).toISOString(),
  });
  const outbox = new Outbox({
    locale: "ru",
    dispatch: (action: Action) => state = reducer(state, action),
    state: () => state,
    send: () => true,
  });
  outbox.send("C1", "Спокойной ночи");
  const { clientId } = state.outbox[0]!;
  outbox.refused(clientId, { code: "forbidden", message: "Cannot write" });
  assert.equal(state.outbox[0]!.error, "в тихие часы классный чат только для чтения");
});
