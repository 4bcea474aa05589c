/**
 * Starting a chat: a group or channel (teachers and admins) with members picked from the school,
 * or a direct chat with one person. The server decides; its refusal is shown as it says.
 */
import { useEffect, useRef, useState } from "preact/hooks";
import type { Locale } from "../../shared/model.ts";
import { type MessageKey, t } from "../../shared/i18n.ts";
import { api, ApiError, errorText } from "../../shared/api_client.ts";
import type { ChatKind } from "../../shared/chat_model.ts";
import type { OrgInfo } from "./store.ts";

interface OrgMember {
  userId: string;
  displayName: string | null;
  roles: string[];
  classIds: string[];
}

export interface NewChatDialogProps {
  locale: Locale;
  me: string;
  orgs: OrgInfo[];
  orgId: string | null;
  onCreate: (orgId: string, kind: ChatKind, title: string | null, ids: string[]) => Promise<void>;
  onClose: () => void;
}

/** The most people listed at once; a search narrows the rest. */
const SHOWN = 100;

export function NewChatDialog(props: NewChatDialogProps) {
  const { locale, me, orgs } = props;
  const dialog = useRef<HTMLDialogElement>(null);
  const [orgId, setOrgId] = useState(props.orgId ?? orgs[0]?.id ?? "");
  const org = orgs.find((o) => o.id === orgId);
  const staff = !!org && (org.roles.includes("admin") || org.roles.includes("teacher"));
  const [kind, setKind] = useState<ChatKind>(staff ? "group" : "direct");
  const [title, setTitle] = useState("");
  const [query, setQuery] = useState("");
  const [members, setMembers] = useState<OrgMember[] | null>(null);
  const [classes, setClasses] = useState<{ id: string; name: string }[]>([]);
  const [picked, setPicked] = useState<Set<string>>(new Set());
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    const el = dialog.current;
    if (el && !el.open) el.showModal();
  }, []);

  useEffect(() => {
    if (!orgId) return;
    setMembers(null);
    setPicked(new Set());
    if (!staff) setKind("direct");
    let stale = false;
    Promise.all([
      api<{ members: OrgMember[] }>("GET", `/orgs/${orgId}/members`),
      api<{ classes: { id: string; name: string }[] }>("GET", `/orgs/${orgId}/classes`),
    ]).then(([m, c]) => {
      if (stale) return;
      setMembers(m.members.filter((x) => x.userId !== me));
      setClasses(c.classes);
    }).catch((err) => !stale && setError(errorText(locale, err)));
    return () => {
      stale = true;
    };
  }, [orgId]);

  const direct = kind === "direct";
  const q = query.trim().toLocaleLowerCase();
  const matching = (members ?? []).filter((m) =>
    !q || (m.displayName ?? "").toLocaleLowerCase().includes(q)
  );

  function toggle(userId: string, on: boolean) {
    setPicked((old) => {
      const next = new Set(direct ? [] : old);
      if (on) next.add(userId);
      else next.delete(userId);
      return next;
    });
  }

  function addClass(classId: string) {
    if (!classId || !members) return;
    setPicked((old) => {
      const next = new Set(old);
      for (const m of members) if (m.classIds.includes(classId)) next.add(m.userId);
      return next;
    });
  }

  async function submit(e: Event) {
    e.preventDefault();
    setError(null);
    const ids = [...picked];
    if (direct && ids.length !== 1) return setError(t(locale, "newChat.pickPerson"));
    if (!direct && !title.trim()) return setError(t(locale, "newChat.needName"));
    setBusy(true);
    try {
      await props.onCreate(orgId, kind, direct ? null : title.trim(), ids);
      dialog.current?.close();
    } catch (err) {
      if (err instanceof ApiError && err.status === 403) {
        setError(t(locale, direct ? "newChat.forbiddenDirect" : "newChat.forbiddenKind"));
      } else setError(errorText(locale, err));
    } finally {
      setBusy(false);
    }
  }

  const roleNames = (roles: string[]) =>
    roles.map((r) => t(locale, `role.${r}` as MessageKey)).join(", ");

  return (
    <dialog
      ref={dialog}
      class="new-chat-dialog"
      aria-labelledby="new-chat-title"
      onClose={props.onClose}
    >
      <form class="stack" onSubmit={submit}>
        <div class="dialog-head">
          <h2 id="new-chat-title">{t(locale, "newChat.title")}</h2>
          <button
            type="button"
            class="icon-button"
            aria-label={t(locale, "common.close")}
            onClick={() => dialog.current?.close()}
          >
            <span aria-hidden="true">×</span>
          </button>
        </div>
        {orgs.length > 1 && (
          <div class="field">
            <label for="new-chat-school">{t(locale, "newChat.school")}</label>
            <select
              id="new-chat-school"
              value={orgId}
              onChange={(e) => setOrgId((e.target as HTMLSelectElement).value)}
            >
              {orgs.map((o) => <option key={o.id} value={o.id}>{o.name}</option>)}
            </select>
          </div>
        )}
        {staff && (
          <fieldset class="kind-choice">
            <legend>{t(locale, "newChat.kind")}</legend>
            {(["group", "channel", "direct"] as const).map((k) => (
              <label key={k} class="choice">
                <input
                  type="radio"
                  name="kind"
                  value={k}
                  checked={kind === k}
                  onChange={() => {
                    setKind(k);
                    if (k === "direct") setPicked(new Set());
                  }}
                />
                <span>
                  {t(locale, `newChat.${k}` as MessageKey)}
                  <span class="hint">{t(locale, `newChat.${k}Hint` as MessageKey)}</span>
                </span>
              </label>
            ))}
          </fieldset>
        )}
        {!direct && (
          <div class="field">
            <label for="new-chat-name">{t(locale, "newChat.name")}</label>
            <input
              id="new-chat-name"
              required
              maxLength={100}
              value={title}
              onInput={(e) => setTitle((e.target as HTMLInputElement).value)}
            />
          </div>
        )}
        {!direct && classes.length > 0 && (
          <div class="field">
            <label for="new-chat-class">{t(locale, "newChat.class")}</label>
            <select
              id="new-chat-class"
              value=""
              onChange={(e) => addClass((e.target as HTMLSelectElement).value)}
            >
              <option value="">{t(locale, "newChat.classNone")}</option>
              {classes.map((c) => <option key={c.id} value={c.id}>{c.name}</option>)}
            </select>
          </div>
        )}
        <div class="field">
          <label for="new-chat-search">{t(locale, "newChat.search")}</label>
          <input
            id="new-chat-search"
            type="search"
            value={query}
            autoComplete="off"
            onInput={(e) => setQuery((e.target as HTMLInputElement).value)}
          />
        </div>
        <fieldset class="people-pick">
          <legend>
            {t(locale, direct ? "newChat.person" : "newChat.people")}
            {!direct && (
              <span class="muted">— {t(locale, "newChat.selected", { n: picked.size })}</span>
            )}
          </legend>
          {members === null
            ? <p class="muted">{t(locale, "common.loading")}</p>
            : matching.length === 0
            ? <p class="muted">{t(locale, "newChat.noPeople")}</p>
            : (
              <ul class="list-plain people-list">
                {matching.slice(0, SHOWN).map((m) => (
                  <li key={m.userId}>
                    <label class="choice">
                      <input
                        type={direct ? "radio" : "checkbox"}
                        name="people"
                        value={m.userId}
                        checked={picked.has(m.userId)}
                        onChange={(e) => toggle(m.userId, (e.target as HTMLInputElement).checked)}
                      />
                      <span>
                        {m.displayName ?? t(locale, "chats.unknownPerson")}
                        <span class="hint">{roleNames(m.roles)}</span>
                      </span>
                    </label>
                  </li>
                ))}
              </ul>
            )}
          {matching.length > SHOWN && <p class="muted">{t(locale, "newChat.more", { n: SHOWN })}
          </p>}
        </fieldset>
        {error && <p class="alert alert-error" role="alert">{error}</p>}
        <div class="row dialog-actions">
          <button type="submit" disabled={busy || !orgId}>{t(locale, "newChat.create")}</button>
          <button type="button" class="secondary" onClick={() => dialog.current?.close()}>
            {t(locale, "common.cancel")}
          </button>
        </div>
      </form>
    </dialog>
  );
}
