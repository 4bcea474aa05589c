/** Parts of the members dialog for those who run the chat: its rules, adding people, invite links. */
import { useEffect, useRef, useState } from "preact/hooks";
import { type MessageKey, t } from "../../../shared/i18n.ts";
import { api, errorText } from "../../../shared/api_client.ts";
import type { ChatSettings } from "../../../shared/chat_model.ts";
import { type ChatSummary, formatDay, type MemberView } from "../../../shared/chat_view.ts";
import type { ModalProps } from "../modal.ts";

type Props = ModalProps<{ kind: "members"; chatId: string }>;

/** Slow mode steps offered, in seconds (0: off). */
const SLOW = [0, 10, 30, 60, 300, 900, 3600];

function slowLabel(locale: Props["locale"], seconds: number): string {
  if (seconds === 0) return t(locale, "chatRules.slowOff");
  if (seconds < 60) return t(locale, "chatRules.seconds", { n: seconds });
  if (seconds < 3600) return t(locale, "chatRules.minutes", { n: seconds / 60 });
  return t(locale, "chatRules.hour");
}

/** Freeze and slow mode (moderators). */
export function ChatRules(props: Props & { summary: ChatSummary }) {
  const { locale, summary } = props;
  const saved = summary.settings ?? { frozen: false, slowModeSeconds: 0 };
  // What was just chosen shows until the server has answered.
  const [draft, setDraft] = useState<Partial<ChatSettings> | null>(null);
  const settings = { ...saved, ...draft };
  const [error, setError] = useState<string | null>(null);

  async function save(patch: Partial<ChatSettings>) {
    if (draft) return;
    setDraft(patch);
    setError(null);
    try {
      await props.ctl.saveSettings(summary.id, patch);
    } catch (err) {
      setError(errorText(locale, err));
    } finally {
      setDraft(null);
    }
  }

  return (
    <section class="chat-rules" aria-labelledby="rules-title">
      <h3 id="rules-title">{t(locale, "chatRules.title")}</h3>
      <label class="check">
        <input
          type="checkbox"
          checked={settings.frozen}
          onChange={(e) => save({ frozen: (e.target as HTMLInputElement).checked })}
        />
        <span>
          {t(locale, "chatRules.freeze")}
          <span class="hint">{t(locale, "chatRules.freezeHint")}</span>
        </span>
      </label>
      <div class="field row slow-row">
        <label for="rules-slow">{t(locale, "chatRules.slow")}</label>
        <select
          id="rules-slow"
          value={settings.slowModeSeconds}
          onChange={(e) => save({ slowModeSeconds: Number((e.target as HTMLSelectElement).value) })}
        >
          {[...new Set([...SLOW, settings.slowModeSeconds])].sort((a, b) => a - b).map((s) => (
            <option key={s} value={s}>{slowLabel(locale, s)}</option>
          ))}
        </select>
      </div>
      {error && <p class="field-error" role="alert">{error}</p>}
    </section>
  );
}

interface OrgMember {
  userId: string;
  displayName: string | null;
  roles: string[];
}

/** Adding members of the school who are not in the chat yet (owners and moderators). */
export function AddMembers(props: Props & { summary: ChatSummary; members: MemberView[] }) {
  const { locale, summary } = props;
  const [open, setOpen] = useState(false);
  const [people, setPeople] = useState<OrgMember[] | null>(null);
  const [picked, setPicked] = useState<Set<string>>(new Set());
  const [query, setQuery] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const inChat = new Set(props.members.map((m) => m.userId));

  useEffect(() => {
    if (!open || people) return;
    api<{ members: OrgMember[] }>("GET", `/orgs/${summary.orgId}/members`)
      .then((r) => setPeople(r.members), (err) => setError(errorText(locale, err)));
  }, [open]);

  async function add() {
    if (!picked.size) return;
    setBusy(true);
    setError(null);
    try {
      const { added } = await api<{ added: string[] }>("POST", `/chats/${summary.id}/members`, {
        userIds: [...picked],
      });
      setPicked(new Set());
      setDone(t(locale, "addMembers.added", { n: added.length }));
    } catch (err) {
      setError(errorText(locale, err));
    } finally {
      setBusy(false);
    }
  }

  const q = query.trim().toLocaleLowerCase();
  const candidates = (people ?? []).filter((p) =>
    !inChat.has(p.userId) && (!q || (p.displayName ?? "").toLocaleLowerCase().includes(q))
  );

  return (
    <section class="add-members">
      <button
        type="button"
        class="secondary"
        aria-expanded={open}
        aria-controls="add-members-panel"
        onClick={() => setOpen(!open)}
      >
        {t(locale, "addMembers.open")}
      </button>
      {open && (
        <div id="add-members-panel" class="stack panel">
          <div class="field">
            <label for="add-members-search">{t(locale, "newChat.search")}</label>
            <input
              id="add-members-search"
              type="search"
              autoComplete="off"
              value={query}
              onInput={(e) => setQuery((e.target as HTMLInputElement).value)}
            />
          </div>
          {people === null && !error && <p class="muted">{t(locale, "common.loading")}</p>}
          {people && candidates.length === 0 && (
            <p class="muted">{t(locale, "addMembers.nobody")}</p>
          )}
          {candidates.length > 0 && (
            <ul class="list-plain people-list">
              {candidates.slice(0, 100).map((p) => (
                <li key={p.userId}>
                  <label class="check">
                    <input
                      type="checkbox"
                      checked={picked.has(p.userId)}
                      onChange={(e) => {
                        const next = new Set(picked);
                        if ((e.target as HTMLInputElement).checked) next.add(p.userId);
                        else next.delete(p.userId);
                        setPicked(next);
                      }}
                    />
                    <span>
                      {p.displayName ?? t(locale, "chats.unknownPerson")}
                      <span class="hint">
                        {p.roles.map((r) => t(locale, `role.${r}` as MessageKey)).join(", ")}
                      </span>
                    </span>
                  </label>
                </li>
              ))}
            </ul>
          )}
          <div class="row">
            <button type="button" disabled={busy || !picked.size} onClick={add}>
              {t(locale, "addMembers.add", { n: picked.size })}
            </button>
            <span role="status" class="muted">{done}</span>
          </div>
          {error && <p class="field-error" role="alert">{error}</p>}
        </div>
      )}
    </section>
  );
}

/** A link that lets members of the school join the chat, to copy and share. */
export function InviteLink(props: Props) {
  const { locale, spec, orgs, state } = props;
  const [link, setLink] = useState<{ url: string; expiresAt: string } | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [copied, setCopied] = useState(false);
  const field = useRef<HTMLInputElement>(null);
  const orgId = state.chats.find((c) => c.id === spec.chatId)?.orgId;
  const timeZone = orgs.find((o) => o.id === orgId)?.timeZone ?? "Europe/Moscow";

  async function make() {
    setBusy(true);
    setError(null);
    try {
      const made = await api<{ url: string; expiresAt: string }>(
        "POST",
        `/chats/${spec.chatId}/invites`,
        { ttlHours: 168, maxUses: 100 },
      );
      setLink(made);
      setTimeout(() => field.current?.select());
    } catch (err) {
      setError(errorText(locale, err));
    } finally {
      setBusy(false);
    }
  }

  async function copy() {
    if (!link) return;
    try {
      await navigator.clipboard.writeText(link.url);
      setCopied(true);
    } catch {
      field.current?.select();
      setError(t(locale, "chatInvite.copyByHand"));
    }
  }

  return (
    <section class="chat-invite-link">
      {!link
        ? (
          <button type="button" class="secondary" disabled={busy} onClick={make}>
            {t(locale, "chatInvite.make")}
          </button>
        )
        : (
          <div class="stack panel">
            <label for="chat-invite-url">{t(locale, "chatInvite.label")}</label>
            <div class="row">
              <input id="chat-invite-url" ref={field} readOnly value={link.url} />
              <button type="button" onClick={copy}>{t(locale, "chatInvite.copy")}</button>
            </div>
            <p class="hint" role="status">
              {copied ? t(locale, "chatInvite.copied") : t(locale, "chatInvite.expires", {
                date: formatDay(locale, link.expiresAt, timeZone),
              })}
            </p>
          </div>
        )}
      {error && <p class="field-error" role="alert">{error}</p>}
    </section>
  );
}
