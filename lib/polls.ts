/** How polls look to a reader: results, who voted for what (named polls), and their own vote. */
import type { ChatId, UserId } from "./ids.ts";
import { keys } from "./kv_keys.ts";
import { listAll } from "./kv_util.ts";
import type { Message, Poll } from "./chat_model.ts";

export interface PollView {
  question: string;
  options: { text: string; votes: number }[];
  multiple: boolean;
  anonymous: boolean;
  closed: boolean;
  closesAt?: string;
  voterCount: number;
  /** Per option, who chose it; only for polls that are not anonymous. */
  voters?: UserId[][];
  /** The reader's own choice. */
  myVote: number[];
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
  const closed = poll.closed || (poll.closesAt !== undefined && Date.parse(poll.closesAt) <= now);
  const view: PollView = {
    question: poll.question,
    options: poll.options,
    multiple: poll.multiple,
    anonymous: poll.anonymous,
    closed,
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

export type MessageView = Omit<Message, "poll"> & { poll?: PollView };

/** Messages with their polls as `reader` sees them (other messages unchanged). */
export async function withPollViews(
  kv: Deno.Kv,
  messages: Message[],
  now: number,
  reader: UserId,
): Promise<MessageView[]> {
  return await Promise.all(messages.map(async (m): Promise<MessageView> => {
    if (!m.poll || m.deleted) return m as MessageView;
    const votes = await listVotes(kv, m.chatId, m.seq);
    return { ...m, poll: pollView(m.poll, now, votes, reader) };
  }));
}
