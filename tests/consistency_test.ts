/**
 * Lint: no `consistency: "eventual"` read in policy, membership or sequence code. An eventual
 * read may return a stale value, so a permission, a membership or a seq decided from one can be
 * wrong (a removed member still let in, a seq handed out twice). The scan covers every server
 * floor (domain/, platform/, shared/, services/, effects/, actors/, routes/), and is proven able
 * to fail on a temporary file.
 */
import assert from "node:assert/strict";

const ROOT = new URL("..", import.meta.url).pathname;
const DIRS = ["domain", "platform", "shared", "services", "effects", "actors", "routes"];

/** Modules whose every read is about policy, membership or sequence numbers. */
const SENSITIVE_FILE =
  /(^|\/)(policy|auth|orgs|chats?|chat_[a-z_]+|org_actor|gateway|realtime|invites|members?|sessions?|kv_util|rate_limit|acks|polls|calls|reports)\.tsx?$/;

/** What such code reads or decides: key families and names of membership, rights and seqs. */
const SENSITIVE_NEARBY =
  /\b(orgMembers?|orgByUser|orgsByUser|orgAdminCount|chatMembers?|chatByUser|chatsByUser|chatHead|chatByOrg|chatsByOrg|directChat|events?|clientMessage|readMarker|sendAllowance|session|sessionByUser|invite|seq|lastSeq|role|roles|can[A-Z]\w*|policy|member|membership)\b/i;

/** An eventual read: the option written inline, or the level named anywhere as a string. */
const EVENTUAL = /consistency\s*:\s*(["'`])eventual\1|(["'`])eventual\2\s*(as const)?\s*[,;)}]/;

export interface Finding {
  file: string;
  line: number;
  text: string;
  why: string;
}

/** Source without comments, line numbers kept (a comment may discuss the option freely). */
function stripComments(source: string): string {
  return source
    .replace(/\/\*[\s\S]*?\*\//g, (c) => c.replace(/[^\n]/g, " "))
    .replace(/(^|[^:"'`\\])\/\/.*$/gm, "$1");
}

/** The eventual reads of `source` (at `file`) that sit in policy, membership or sequence code. */
export function eventualReads(file: string, source: string): Finding[] {
  const lines = stripComments(source).split("\n");
  const findings: Finding[] = [];
  lines.forEach((text, i) => {
    if (!EVENTUAL.test(text)) return;
    const around = lines.slice(Math.max(0, i - 12), i + 3).join("\n");
    const why = SENSITIVE_FILE.test(file)
      ? "in a module of policy, membership or sequence code"
      : SENSITIVE_NEARBY.exec(around)?.[0];
    if (why) findings.push({ file, line: i + 1, text: text.trim(), why: `near ${why}` });
  });
  return findings;
}

/** Scans every .ts/.tsx file under `dirs` of `root`. */
export async function scan(root: string, dirs: string[] = DIRS): Promise<Finding[]> {
  const findings: Finding[] = [];
  async function walk(dir: string) {
    let entries: Deno.DirEntry[];
    try {
      entries = await Array.fromAsync(Deno.readDir(`${root}/${dir}`));
    } catch (err) {
      if (err instanceof Deno.errors.NotFound) return;
      throw err;
    }
    for (const entry of entries) {
      const path = `${dir}/${entry.name}`;
      if (entry.isDirectory) await walk(path);
      else if (/\.tsx?$/.test(entry.name) && !/_test\.tsx?$/.test(entry.name)) {
        findings.push(...eventualReads(path, await Deno.readTextFile(`${root}/${path}`)));
      }
    }
  }
  for (const dir of dirs) await walk(dir);
  return findings;
}

const report = (findings: Finding[]) =>
  findings.map((f) => `${f.file}:${f.line}: ${f.text} (${f.why})`).join("\n");

Deno.test("no eventually consistent read in policy, membership or sequence code", async () => {
  const findings = await scan(ROOT);
  assert.deepEqual(findings, [], `eventual reads where they can do harm:\n${report(findings)}`);
});

Deno.test("the eventual-read lint fails on a planted eventual read of membership or seq", async () => {
  const root = await Deno.makeTempDir({ prefix: "parta-lint-" });
  try {
    await Deno.mkdir(`${root}/domain`, { recursive: true });
    await Deno.mkdir(`${root}/actors`, { recursive: true });
    // Membership read in an innocently named module: caught by what it reads.
    await Deno.writeTextFile(
      `${root}/domain/directory.ts`,
      [
        "export async function isMember(kv: Deno.Kv, chatId: string, userId: string) {",
        "  const entry = await kv.get(keys.chatMember(chatId, userId), {",
        '    consistency: "eventual",',
        "  });",
        "  return entry.value !== null;",
        "}",
      ].join("\n"),
    );
    // A seq read through an options constant in the chat actor: caught by where it is.
    await Deno.writeTextFile(
      `${root}/actors/chat_round.ts`,
      [
        'const FAST = { consistency: "eventual" } as const;',
        "export const head = (kv: Deno.Kv, id: string) => kv.get(['chat_heads', id], FAST);",
      ].join("\n"),
    );
    // Harmless: an eventual read of the mail outbox, and comments that mention the option.
    await Deno.writeTextFile(
      `${root}/domain/outbox_view.ts`,
      [
        '// Never use consistency: "eventual" for membership.',
        '/* consistency: "eventual" is fine for mail */',
        "export const mails = (kv: Deno.Kv) =>",
        '  kv.list({ prefix: ["outbox"] }, { consistency: "eventual" });',
      ].join("\n"),
    );
    const findings = await scan(root);
    assert.deepEqual(
      findings.map((f) => `${f.file}:${f.line}`).sort(),
      ["actors/chat_round.ts:1", "domain/directory.ts:3"],
      report(findings),
    );
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
