import assert from "node:assert/strict";
import type { ChatEvent } from "./chat_model.ts";
import {
  applyToChat,
  applyToMessages,
  type ChatState,
  type MessageInput,
  type MessageView,
  pollOpen,
  toView,
} from "./chat_view.ts";

const AT = "2025-03-12T10:00:00.000Z";
const ME = "ME";

function ev<T extends ChatEvent["type"]>(
  seq: number,
  type: T,
  fields: Omit<Extract<ChatEvent, { type: T }>, "seq" | "at" | "actorId" | "type">,
): ChatEvent {
  return { seq, at: AT, actorId: "U1", type, ...fields } as unknown as ChatEvent;
}

/** A poll message as the API sends it. */
function pollInput(anonymous = false): MessageInput {
  return {
    seq: 1,
    id: "M1",
    chatId: "C1",
    clientId: "c1",
    authorId: "T",
    kind: "poll",
    text: "Куда поедем?",
    poll: {
      question: "Куда поедем?",
      options: [{ text: "Музей", votes: 0 }, { text: "Парк", votes: 0 }],
      multiple: false,
      anonymous,
      closed: false,
      voterCount: 0,
    },
    reactions: {},
    createdAt: AT,
  };
}

function pollMessage(anonymous = false): MessageView {
  return toView(pollInput(anonymous));
}

const pollOf = (m: MessageView[]) => m[0]!.poll!;

Deno.test("a poll from an event gets the viewer's empty vote, and voters only when named", () => {
  assert.deepEqual(pollMessage().poll!.myVote, []);
  assert.deepEqual(pollMessage().poll!.voters, [[], []]);
  assert.equal(pollMessage(true).poll!.voters, undefined);
});

Deno.test("poll.updated moves counts, names voters in named polls and marks the viewer's vote", () => {
  let messages = [pollMessage()];
  // Events carry counts and state only; the texts stay those of the message.
  const after = (poll: { votes: number[]; voterCount: number; closed?: boolean }) => ({
    options: [{ votes: poll.votes[0]! }, { votes: poll.votes[1]! }],
    multiple: false,
    anonymous: false,
    closed: poll.closed ?? false,
    voterCount: poll.voterCount,
  });
  messages = applyToMessages(
    messages,
    ev(2, "poll.updated", {
      messageSeq: 1,
      poll: after({ votes: [1, 0], voterCount: 1 }),
      vote: { userId: "A" as never, options: [0] },
    }),
    ME,
  );
  messages = applyToMessages(
    messages,
    ev(3, "poll.updated", {
      messageSeq: 1,
      poll: after({ votes: [2, 0], voterCount: 2 }),
      vote: { userId: ME as never, options: [0] },
    }),
    ME,
  );
  assert.deepEqual(pollOf(messages).voters, [["A", ME], []]);
  assert.deepEqual(pollOf(messages).myVote, [0]);
  // A changed vote moves the voter; the viewer's own vote stays theirs.
  messages = applyToMessages(
    messages,
    ev(4, "poll.updated", {
      messageSeq: 1,
      poll: after({ votes: [1, 1], voterCount: 2 }),
      vote: { userId: "A" as never, options: [1] },
    }),
    ME,
  );
  assert.deepEqual(pollOf(messages).voters, [[ME], ["A"]]);
  assert.deepEqual(pollOf(messages).options.map((o) => o.votes), [1, 1]);
  assert.deepEqual(pollOf(messages).myVote, [0]);
  // Closing carries no vote.
  messages = applyToMessages(
    messages,
    ev(5, "poll.updated", {
      messageSeq: 1,
      poll: after({ votes: [1, 1], voterCount: 2, closed: true }),
    }),
    ME,
  );
  assert.equal(pollOf(messages).closed, true);
  assert.deepEqual(pollOf(messages).voters, [[ME], ["A"]]);
  assert.deepEqual(pollOf(messages).options.map((o) => o.text), ["Музей", "Парк"]);
});

Deno.test("an anonymous poll's hidden counts stay hidden until an event shows them", () => {
  let messages = [pollMessage(true)];
  const hidden = { options: [{ votes: null }, { votes: null }], voterCount: 1 };
  const state = { multiple: false, anonymous: true, closed: false };
  messages = applyToMessages(
    messages,
    ev(2, "poll.updated", { messageSeq: 1, poll: { ...state, ...hidden } }),
    ME,
  );
  assert.deepEqual(pollOf(messages).options.map((o) => o.votes), [null, null]);
  assert.equal(pollOf(messages).voterCount, 1);
  assert.equal(pollOf(messages).voters, undefined);
  messages = applyToMessages(
    messages,
    ev(3, "poll.updated", {
      messageSeq: 1,
      poll: { ...state, closed: true, options: [{ votes: 2 }, { votes: 1 }], voterCount: 3 },
    }),
    ME,
  );
  assert.deepEqual(pollOf(messages).options, [{ text: "Музей", votes: 2 }, {
    text: "Парк",
    votes: 1,
  }]);
});

Deno.test("an edit whose text was taken away later changes nothing; the latest edit does", () => {
  const text = toView({ ...pollInput(), kind: "text", text: "первое", poll: undefined });
  let messages = [text];
  messages = applyToMessages(
    messages,
    ev(2, "message.edited", { messageSeq: 1, editedAt: AT, redacted: true }),
    ME,
  );
  assert.equal(messages[0]!.text, "первое");
  messages = applyToMessages(
    messages,
    ev(3, "message.edited", { messageSeq: 1, editedAt: AT, text: "третье" }),
    ME,
  );
  assert.equal(messages[0]!.text, "третье");
});

Deno.test("a poll closes by its deadline as well as by its author", () => {
  const poll = pollMessage().poll!;
  const now = Date.parse(AT);
  assert.equal(pollOpen(poll, now), true);
  assert.equal(pollOpen({ ...poll, closesAt: AT }, now), false);
  assert.equal(pollOpen({ ...poll, closesAt: "2025-03-13T00:00:00.000Z" }, now), true);
  assert.equal(pollOpen({ ...poll, closed: true }, now), false);
});

Deno.test("confirmations count up, and the viewer's own marks the message as confirmed", () => {
  const notice = toView({
    seq: 7,
    id: "M7",
    chatId: "C1",
    clientId: "c7",
    authorId: "T",
    kind: "text",
    text: "Сбор в 8:30",
    needsAck: true,
    ackCount: 0,
    myAck: false,
    reactions: {},
    createdAt: AT,
  });
  let messages = applyToMessages(
    [notice],
    ev(8, "message.acked", { messageSeq: 7, userId: "A" as never, count: 1 }),
    ME,
  );
  assert.deepEqual([messages[0]!.ackCount, messages[0]!.myAck], [1, false]);
  messages = applyToMessages(
    messages,
    ev(9, "message.acked", { messageSeq: 7, userId: ME as never, count: 2 }),
    ME,
  );
  assert.deepEqual([messages[0]!.ackCount, messages[0]!.myAck], [2, true]);
  // The message's own event arriving late keeps what only the viewer's read knew.
  messages = applyToMessages(
    messages,
    ev(7, "message.created", { message: { ...notice, ackCount: 2 } as never }),
    ME,
  );
  assert.equal(messages[0]!.myAck, true);
});

Deno.test("call.ended closes the call's card with its length", () => {
  const call = toView({
    seq: 3,
    id: "M3",
    chatId: "C1",
    clientId: "call:K",
    authorId: "T",
    kind: "call",
    text: "",
    call: { id: "K", kind: "lesson", title: null, startedBy: "T" as never, startedAt: AT },
    reactions: {},
    createdAt: AT,
  });
  const [ended] = applyToMessages(
    [call],
    ev(5, "call.ended", { callId: "K", messageSeq: 3, durationSeconds: 720 }),
    ME,
  );
  assert.deepEqual([ended!.call!.endedAt, ended!.call!.durationSeconds], [AT, 720]);
});

Deno.test("a deleted message keeps nothing of its content", () => {
  const [m] = applyToMessages(
    [
      toView({
        ...pollInput(),
        files: [{ id: "F", name: "a.pdf", type: "application/pdf", size: 3, kind: "file" }],
        needsAck: true,
        ackCount: 3,
        myAck: true,
      }),
    ],
    ev(9, "message.deleted", { messageSeq: 1 }),
    ME,
  );
  assert.equal(m!.deleted, true);
  for (const field of ["files", "poll", "needsAck", "ackCount", "myAck"] as const) {
    assert.equal(m![field], undefined, field);
  }
});

Deno.test("member.updated changes a member's role and mute in the chat held", () => {
  const chat: ChatState = {
    id: "C",
    members: [{
      userId: "B",
      displayName: "Борис",
      roles: ["student"],
      verified: false,
      chatRole: "member",
    }],
    messages: [],
    stateSeq: 4,
    hasMore: false,
    dividerSeq: null,
  };
  const until = "2025-03-12T10:15:00.000Z";
  const muted = applyToChat(
    chat,
    ev(5, "member.updated", { userId: "B" as never, chatRole: "member", mutedUntil: until }),
    ME,
  );
  assert.equal(muted.members[0]!.mutedUntil, until);
  const freed = applyToChat(
    muted,
    ev(6, "member.updated", { userId: "B" as never, chatRole: "moderator" }),
    ME,
  );
  assert.deepEqual([freed.members[0]!.mutedUntil, freed.members[0]!.chatRole], [
    undefined,
    "moderator",
  ]);
  assert.equal(applyToChat(freed, ev(6, "member.left", { userId: "B" as never }), ME), freed);
});
