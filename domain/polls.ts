/**
 * How polls look to a reader: results, who voted for what (named polls), and their own vote.
 * An anonymous poll shows its counts only once it is closed and enough members voted that no
 * one's choice can be told from them; until then only how many voted moves.
 */
import type { ChatId, UserId } from "../shared/ids.ts";
import { keys } from "../platform/kv_keys.ts";
import { listAll } from "../platform/kv_util.ts";
import type { Message, Poll, PollResults } from "../shared/chat_model.ts";
import type { PollView } from "../shared/chat_view.ts";

/** Fewest voters an anonymous poll needs before its counts are shown (once it is closed). */
export const ANONYMOUS_MIN_VOTERS = 3;

/** Whether the poll takes no more votes at `now`: closed, or its closing time reached. */
export function pollClosed(poll: Poll, now: number): boolean {
  return poll.closed || (poll.closesAt !== undefined && Date.parse(poll.closesAt) <= now);
}

/**
 * Whether anyone may see the poll's counts at `now`: always for named polls; for anonymous
 * ones only after closing, and only with at least {@link ANONYMOUS_MIN_VOTERS} voters (with
 * fewer, the counts would tell someone's choice to anyone who knows who voted).
 */
export function countsVisible(poll: Poll, now: number): boolean {
  if (!poll.anonymous) return true;
  return pollClosed(poll, now) && poll.voterCount >= ANONYMOUS_MIN_VOTERS;
}

/**
 * What a `poll.updated` event carries: the counts as anyone may see them and the poll's state,
 * without its question or options (a deleted poll must leave no text in the log).
 */
export function pollResults(poll: Poll, now: number): PollResults {
  const visible = countsVisible(poll, now);
  return {
    options: poll.options.map((o) => ({ votes: visible ? o.votes : null })),
    multiple: poll.multiple,
    anonymous: poll.anonymous,
    closed: pollClosed(poll, now),
    ...(poll.closesAt !== undefined ? { closesAt: poll.closesAt } : {}),
    voterCount: poll.voterCount,
  };
}

/** A stored message as any member may see it: an anonymous poll's hidden counts left out. */
export function publicMessage(message: Message, now: number): PublicMessage {
  if (!message.poll || message.deleted) return message as PublicMessage;
  const { poll } = message;
  const visible = countsVisible(poll, now);
  return {
    ...message,
    poll: {
      ...poll,
      closed: pollClosed(poll, now),
      options: poll.options.map((o) => ({ text: o.text, votes: visible ? o.votes : null })),
    },
  } as PublicMessage;
}

/** Every vote of a poll: member → chosen options. */
export async function listVotes(
  kv: Deno.Kv,
  chatId: ChatId,
  seq: number,
): Promise<Map<UserId, number[]>> {
  const entries = await listAll<number[]>(kv, keys.pollVotes(chatId, seq));
  return new Map(entries.map((e) => [e.key[3] as UserId, e.value]));
}

/** The poll as `reader` sees it at `now`. */
export function pollView(
  poll: Poll,
  now: number,
  votes: Map<UserId, number[]>,
  reader: UserId,
): PollView {
  const visible = countsVisible(poll, now);
  const view: PollView = {
    question: poll.question,
    options: poll.options.map((o) => ({ text: o.text, votes: visible ? o.votes : null })),
    multiple: poll.multiple,
    anonymous: poll.anonymous,
    closed: pollClosed(poll, now),
    ...(poll.closesAt !== undefined ? { closesAt: poll.closesAt } : {}),
    voterCount: poll.voterCount,
    myVote: votes.get(reader) ?? [],
  };
  if (!poll.anonymous) {
    view.voters = poll.options.map((_, i) =>
      [...votes].filter(([, chosen]) => chosen.includes(i)).map(([userId]) => userId)
    );
  }
  return view;
}

/** A message as any member may see it: a poll carries its view, counts hidden as its rules say. */
export type PublicMessage = Omit<Message, "poll"> & { poll?: PollView | Omit<PollView, "myVote"> };

/** Messages with their polls as `reader` sees them (other messages unchanged). */
export async function withPollViews(
  kv: Deno.Kv,
  messages: Message[],
  now: number,
  reader: UserId,
): Promise<PublicMessage[]> {
  return await Promise.all(messages.map(async (m): Promise<PublicMessage> => {
    if (!m.poll || m.deleted) return m as PublicMessage;
    // An anonymous poll's votes are read for the reader's own choice only.
    const votes = m.poll.anonymous
      ? new Map(
        await kv.get<number[]>(keys.pollVote(m.chatId, m.seq, reader)).then((e) =>
          e.value ? [[reader, e.value] as const] : []
        ),
      )
      : await listVotes(kv, m.chatId, m.seq);
    return { ...m, poll: pollView(m.poll, now, votes, reader) };
  }));
}
