/**
 * The chat's members, and for moderators the chat's rules: freeze, slow mode, muting a member for
 * a time, making members moderators; managers also add people and make invite links.
 */
import { useState } from "preact/hooks";
import { type MessageKey, t } from "../../../shared/i18n.ts";
import { api, errorText } from "../../../shared/api_client.ts";
import { formatTime, type MemberView } from "../../../shared/chat_view.ts";
import type { ModalProps } from "../modal.ts";
import { roleIn } from "../roles.ts";
import { Modal } from "./Modal.tsx";
import { AddMembers, ChatRules, InviteLink } from "./ChatAdmin.tsx";

/** Mute lengths offered, in minutes. */
const MUTES = [15, 60, 24 * 60, 7 * 24 * 60];
/** Members listed at once; a search narrows the rest. */
const SHOWN = 200;

export function MembersDialog(props: ModalProps<{ kind: "members"; chatId: string }>) {
  const { locale, spec, state, orgs } = props;
  const summary = state.chats.find((c) => c.id === spec.chatId);
  const chat = state.loaded[spec.chatId];
  const org = orgs.find((o) => o.id === summary?.orgId);
  const timeZone = org?.timeZone ?? "Europe/Moscow";
  const role = roleIn(state.me, chat?.members ?? [], org?.roles ?? [], summary?.kind ?? "group");
  const [query, setQuery] = useState("");
  const [openId, setOpenId] = useState<string | null>(null);
  const members = chat?.members ?? [];
  const q = query.trim().toLocaleLowerCase();
  const shown = members.filter((m) => !q || (m.displayName ?? "").toLocaleLowerCase().includes(q));

  return (
    <Modal
      locale={locale}
      id="members-title"
      title={t(locale, "roster.title", { n: members.length })}
      class="members-dialog"
      onClose={props.onClose}
    >
      {summary && role.moderator && summary.kind !== "direct" && (
        <ChatRules {...props} summary={summary} />
      )}
      {summary && role.manager && summary.kind !== "direct" && (
        <div class="admin-tools">
          <AddMembers {...props} summary={summary} members={members} />
          <InviteLink {...props} />
        </div>
      )}
      {members.length > 8 && (
        <div class="field">
          <label for="members-search">{t(locale, "newChat.search")}</label>
          <input
            id="members-search"
            type="search"
            autoComplete="off"
            value={query}
            onInput={(e) => setQuery((e.target as HTMLInputElement).value)}
          />
        </div>
      )}
      <ul class="list-plain chat-members">
        {shown.slice(0, SHOWN).map((m) => (
          <MemberRow
            key={m.userId}
            {...props}
            member={m}
            timeZone={timeZone}
            canMute={role.moderator && m.userId !== state.me && !isModerator(m)}
            canPromote={role.setsRoles && m.userId !== state.me && m.chatRole !== "owner" &&
              summary?.kind !== "direct"}
            open={openId === m.userId}
            onToggle={() => setOpenId(openId === m.userId ? null : m.userId)}
          />
        ))}
      </ul>
      {shown.length > SHOWN && <p class="muted">{t(locale, "newChat.more", { n: SHOWN })}</p>}
    </Modal>
  );
}

/** Whether a member moderates the chat (muting them is refused). */
function isModerator(m: MemberView): boolean {
  return m.chatRole !== "member" || m.roles.includes("admin");
}

function MemberRow(
  props: ModalProps<{ kind: "members"; chatId: string }> & {
    member: MemberView;
    timeZone: string;
    canMute: boolean;
    canPromote: boolean;
    open: boolean;
    onToggle: () => void;
  },
) {
  const { locale, member: m, state, spec } = props;
  const [minutes, setMinutes] = useState(60);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const muted = m.mutedUntil && Date.parse(m.mutedUntil) > Date.now() ? m.mutedUntil : null;
  const name = m.displayName ?? t(locale, "chats.unknownPerson");
  const online = state.online[m.userId] ?? m.online;
  const actions = props.canMute || props.canPromote;
  const panelId = `member-actions-${m.userId}`;

  async function run(method: string, path: string, body: unknown) {
    setBusy(true);
    setError(null);
    try {
      await api(method, `/chats/${spec.chatId}/members/${m.userId}${path}`, body);
    } catch (err) {
      setError(errorText(locale, err));
    } finally {
      setBusy(false);
    }
  }

  const roles = m.roles.map((r) => t(locale, `role.${r}` as MessageKey)).join(", ");
  return (
    <li class="chat-member">
      <div class="chat-member-line">
        <span class={`presence-dot static${online ? " is-on" : ""}`} aria-hidden="true" />
        <span class="chat-member-name">
          {name}
          {m.userId === state.me && <span class="muted">({t(locale, "chats.you")})</span>}
          <span class="hint">
            {roles}
            {online ? `, ${t(locale, "chats.online")}` : ""}
          </span>
        </span>
        {m.chatRole !== "member" && (
          <span class="badge">{t(locale, `roster.role.${m.chatRole}` as MessageKey)}</span>
        )}
        {muted && (
          <span class="badge badge-warn">
            {t(locale, "roster.mutedUntil", { time: formatTime(locale, muted, props.timeZone) })}
          </span>
        )}
        {actions && (
          <button
            type="button"
            class="secondary compact"
            aria-expanded={props.open}
            aria-controls={panelId}
            aria-label={t(locale, "roster.manage", { name })}
            onClick={props.onToggle}
          >
            {t(locale, "roster.manageShort")}
          </button>
        )}
      </div>
      {props.open && (
        <div class="chat-member-actions" id={panelId}>
          {props.canMute && (muted
            ? (
              <button
                type="button"
                class="secondary compact"
                disabled={busy}
                onClick={() => run("POST", "/mute", { minutes: 0 })}
              >
                {t(locale, "roster.unmute")}
              </button>
            )
            : (
              <div class="row">
                <label class="visually-hidden" for={`mute-${m.userId}`}>
                  {t(locale, "roster.muteFor", { name })}
                </label>
                <select
                  id={`mute-${m.userId}`}
                  class="compact"
                  value={minutes}
                  onChange={(e) => setMinutes(Number((e.target as HTMLSelectElement).value))}
                >
                  {MUTES.map((n) => (
                    <option key={n} value={n}>{t(locale, `roster.mute.${n}` as MessageKey)}</option>
                  ))}
                </select>
                <button
                  type="button"
                  class="secondary compact"
                  disabled={busy}
                  onClick={() => run("POST", "/mute", { minutes })}
                >
                  {t(locale, "roster.mute")}
                </button>
              </div>
            ))}
          {props.canPromote && (
            <button
              type="button"
              class="secondary compact"
              disabled={busy}
              onClick={() =>
                run("PATCH", "", { chatRole: m.chatRole === "moderator" ? "member" : "moderator" })}
            >
              {t(locale, m.chatRole === "moderator" ? "roster.demote" : "roster.promote")}
            </button>
          )}
          {error && <p class="field-error" role="alert">{error}</p>}
        </div>
      )}
    </li>
  );
}
