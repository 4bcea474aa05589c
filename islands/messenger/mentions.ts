/**
 * `@` in the composer: the name being typed, the chat's members it may mean, and the mentions a
 * message carries when sent — people (by id) whose `@Имя` is still in the text, and `@все`.
 * Browser-safe, no DOM.
 */

/** Someone the composer can name: a member of the chat, or everyone (`id` {@link ALL}). */
export interface Mentionable {
  id: string;
  name: string;
}

export const ALL = "*all";

/** The `@word` being typed just before `caret`: where its `@` is and what follows it. */
export function mentionQuery(text: string, caret: number): { start: number; query: string } | null {
  const m = /(?:^|\s)@([\p{L}\p{N}_-]{0,30})$/u.exec(text.slice(0, caret));
  if (!m) return null;
  return { start: caret - m[1]!.length - 1, query: m[1]! };
}

const fold = (s: string) => s.toLocaleLowerCase("ru").replaceAll("ё", "е");

/** Those whose name, or a word of it, starts with `query` (case and ё folded), at most `limit`. */
export function candidates(people: readonly Mentionable[], query: string, limit = 6) {
  const q = fold(query);
  return people.filter((p) => {
    const name = fold(p.name);
    return name.startsWith(q) || name.split(/\s+/).some((w) => w.startsWith(q));
  }).slice(0, limit);
}

/** The text with the `@query` at `at` replaced by `@name ` and where the caret goes after it. */
export function insertMention(
  text: string,
  at: { start: number; query: string },
  name: string,
): { text: string; caret: number } {
  const head = `${text.slice(0, at.start)}@${name} `;
  return { text: head + text.slice(at.start + 1 + at.query.length), caret: head.length };
}

/** What a message names: the chosen people still written in it, and whether `@все` is. */
export function mentionsIn(
  text: string,
  chosen: ReadonlyMap<string, string>,
): { mentions: string[]; mentionAll: boolean } {
  const mentions: string[] = [];
  let mentionAll = false;
  for (const [id, name] of chosen) {
    if (!text.includes(`@${name}`)) continue;
    if (id === ALL) mentionAll = true;
    else mentions.push(id);
  }
  return { mentions, mentionAll };
}
