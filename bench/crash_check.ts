/**
 * Reading back what the crash rounds acknowledged: each chat's event log and history through the
 * API, and the KV file itself once the server has stopped.
 */
import type { ChatId, UserId } from "../shared/ids.ts";
import type { ChatEvent, Message } from "../shared/chat_model.ts";
import { keys } from "../platform/kv_keys.ts";
import { getManyChunked, openKvShared } from "../platform/kv_util.ts";

/** An acknowledgement a client received. */
export interface Ack {
  chatId: ChatId;
  seq: number;
  clientId: string;
  authorId: UserId;
}

async function get<T>(base: string, token: string, path: string): Promise<T> {
  const res = await fetch(`${base}/api/v1${path}`, {
    headers: { Authorization: `Bearer ${token}` },
  });
  if (!res.ok) throw new Error(`GET ${path}: ${res.status} ${await res.text()}`);
  return await res.json() as T;
}

/** Every event of a chat through the API, oldest first. */
export async function readLog(base: string, token: string, chatId: ChatId): Promise<ChatEvent[]> {
  const out: ChatEvent[] = [];
  for (;;) {
    const after = out.at(-1)?.seq ?? 0;
    const page = await get<{ events: ChatEvent[]; lastSeq: number }>(
      base,
      token,
      `/chats/${chatId}/events?after=${after}&limit=200`,
    );
    out.push(...page.events);
    if (page.events.length === 0 || out.at(-1)!.seq >= page.lastSeq) return out;
  }
}

/** Every message of a chat through the history pages, newest first. */
export async function readHistory(base: string, token: string, chatId: ChatId): Promise<Message[]> {
  const out: Message[] = [];
  for (;;) {
    const before = out.length ? `&before=${out.at(-1)!.seq}` : "";
    const page = await get<{ messages: Message[] }>(
      base,
      token,
      `/chats/${chatId}/messages?limit=200${before}`,
    );
    if (page.messages.length === 0) return out;
    out.push(...page.messages);
  }
}

/** Checks every acknowledgement against each chat's log and history. */
export function check(
  acks: Ack[],
  logs: Map<ChatId, ChatEvent[]>,
  histories: Map<ChatId, Message[]>,
) {
  let gaps = 0, duplicates = 0;
  const inLog = new Set<string>(), inHistory = new Set<string>();
  const countDuplicates = (chatId: ChatId, messages: Message[], into: Set<string>) => {
    const seen = new Set<string>();
    for (const m of messages) {
      const key = `${m.authorId}/${m.clientId}`;
      if (seen.has(key)) duplicates++;
      seen.add(key);
      into.add(`${chatId}/${m.seq}/${key}`);
    }
  };
  for (const [chatId, events] of logs) {
    for (const [i, e] of events.entries()) if (e.seq !== i + 1) gaps++;
    const created = events.flatMap((e) => e.type === "message.created" ? [e.message] : []);
    countDuplicates(chatId, created, inLog);
    countDuplicates(chatId, histories.get(chatId)!, inHistory);
  }
  const found = acks.filter((a) => {
    const key = `${a.chatId}/${a.seq}/${a.authorId}/${a.clientId}`;
    return inLog.has(key) && inHistory.has(key);
  }).length;
  return { found, gaps, duplicates };
}

/** The acknowledgements not at their key in the KV file (read with the server stopped). */
export async function missingInKv(kvPath: string, acks: Ack[]): Promise<number> {
  const kv = await openKvShared(kvPath);
  try {
    const entries = await getManyChunked<Message>(
      kv,
      acks.map((a) => keys.message(a.chatId, a.seq)),
    );
    return entries.filter((e, i) =>
      e.value?.clientId !== acks[i]!.clientId || e.value?.authorId !== acks[i]!.authorId
    ).length;
  } finally {
    kv.close();
  }
}
