/**
 * Chat commands on polls: create, vote (a new vote replaces the old), close. A vote in a named
 * poll is an event naming the voter and their choice; in an anonymous poll it is an event only
 * when the number of voters moves, attributed to the poll's author and carrying no counts
 * until the poll closes (domain/polls.ts), so neither an event nor its timing tells a choice.
 */
import type { UserId } from "../shared/ids.ts";
import { keys } from "../platform/kv_keys.ts";
import type { Message, Poll } from "../shared/chat_model.ts";
import { conflict, invalidInput } from "../shared/errors.ts";
import * as policy from "../shared/policy.ts";
import { assertAllowed, type Cost, type Needs, pair, type Round, utf8Bound } from "./chat_round.ts";
import { assertNotSilenced, postMessage, type SendOutcome } from "./chat_messages.ts";
import { pollClosed, pollResults } from "../domain/polls.ts";

export type CreatePollCommand = {
  type: "createPoll";
  actorId: UserId;
  clientId: string;
  question: string;
  options: string[];
  multiple: boolean;
  anonymous: boolean;
  closesAt?: string;
};
export type VoteCommand = { type: "vote"; actorId: UserId; seq: number; options: number[] };
export type ClosePollCommand = { type: "closePoll"; actorId: UserId; seq: number };

function pollSize(c: CreatePollCommand): number {
  return utf8Bound(c.question) + c.options.reduce((n, o) => n + utf8Bound(o) + 20, 0);
}

export const create = {
  needs(c: CreatePollCommand, n: Needs) {
    n.clientId(c.actorId, c.clientId);
  },
  cost: (c: CreatePollCommand): Cost => [4, 1500 + 2 * pollSize(c), 0],
  apply(r: Round, c: CreatePollCommand): SendOutcome {
    if (c.closesAt !== undefined && Date.parse(c.closesAt) <= r.now) {
      throw invalidInput("closesAt must be in the future", "closesAt");
    }
    const poll: Poll = {
      question: c.question,
      options: c.options.map((text) => ({ text, votes: 0 })),
      multiple: c.multiple,
      anonymous: c.anonymous,
      closed: false,
      ...(c.closesAt !== undefined ? { closesAt: c.closesAt } : {}),
      voterCount: 0,
    };
    return postMessage(r, c, { kind: "poll", text: c.question, poll }, pollSize(c));
  },
};

function pollMessage(r: Round, seq: number): Message & { poll: Poll } {
  const message = r.message(seq);
  if (message.kind !== "poll" || !message.poll || message.deleted) {
    throw invalidInput("This message is not a poll", "seq");
  }
  return message as Message & { poll: Poll };
}

function storePoll(r: Round, message: Message, poll: Poll): Message {
  const updated = { ...message, poll };
  r.plan.messages.set(message.seq, updated);
  r.plan.set(keys.message(r.chatId, message.seq), updated, utf8Bound(JSON.stringify(poll)));
  return updated;
}

export const vote = {
  needs(c: VoteCommand, n: Needs) {
    n.message(c.seq);
    n.pollVote(c.seq, c.actorId);
  },
  cost: (): Cost => [3, 8000, 0],
  apply(r: Round, c: VoteCommand): Poll {
    assertAllowed(policy.canReadChat(r.caller(c.actorId)), "vote");
    assertNotSilenced(r, c.actorId);
    const message = pollMessage(r, c.seq);
    const poll = message.poll;
    if (pollClosed(poll, r.now)) throw conflict("Cannot vote: the poll is closed");
    const chosen = [...new Set(c.options)].sort((a, b) => a - b);
    if (chosen.some((i) => i < 0 || i >= poll.options.length)) {
      throw invalidInput("options names an option the poll does not have", "options");
    }
    if (!poll.multiple && chosen.length > 1) {
      throw invalidInput("This poll takes one option", "options");
    }
    const voteKey = pair(c.seq, c.actorId);
    const previous = r.plan.pollVotes.get(voteKey) ?? r.reads.pollVotes.get(voteKey) ?? [];
    if (JSON.stringify(previous) === JSON.stringify(chosen)) return poll;
    const options = poll.options.map((o, i) => ({
      text: o.text,
      votes: o.votes - Number(previous.includes(i)) + Number(chosen.includes(i)),
    }));
    const voterCount = poll.voterCount - Number(previous.length > 0) +
      Number(chosen.length > 0);
    const next: Poll = { ...poll, options, voterCount };
    storePoll(r, message, next);
    r.plan.pollVotes.set(voteKey, chosen);
    const stored = keys.pollVote(r.chatId, c.seq, c.actorId);
    if (chosen.length > 0) r.plan.set(stored, chosen);
    else r.plan.delete(stored);
    if (!poll.anonymous) {
      r.plan.append({
        type: "poll.updated",
        actorId: c.actorId,
        messageSeq: c.seq,
        poll: pollResults(next, r.now),
        vote: { userId: c.actorId, options: chosen },
      });
    } else if (next.voterCount !== poll.voterCount) {
      r.plan.append({
        type: "poll.updated",
        actorId: message.authorId,
        messageSeq: c.seq,
        poll: pollResults(next, r.now),
      });
    }
    return next;
  },
};

export const close = {
  needs(c: ClosePollCommand, n: Needs) {
    n.message(c.seq);
  },
  cost: (): Cost => [2, 8000, 0],
  apply(r: Round, c: ClosePollCommand): Poll {
    const message = pollMessage(r, c.seq);
    assertAllowed(
      policy.canDeleteMessage(r.caller(c.actorId), message.authorId),
      "close this poll",
    );
    if (message.poll.closed) return message.poll;
    const next: Poll = { ...message.poll, closed: true };
    storePoll(r, message, next);
    r.plan.append({
      type: "poll.updated",
      actorId: c.actorId,
      messageSeq: c.seq,
      poll: pollResults(next, r.now),
    });
    return next;
  },
};
