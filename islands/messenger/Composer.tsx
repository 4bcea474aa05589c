/**
 * Writing a message: Enter sends, Shift+Enter starts a new line, Escape cancels a reply or edit.
 * Files come by the attach button, by dropping them on the chat or by pasting; moderators may ask
 * members to confirm they have read an announcement. `@` suggests the chat's members by name
 * (teachers and admins also `@все`); a chosen name is sent as that person, not just as text.
 */
import type { RefObject } from "preact";
import { useEffect, useRef, useState } from "preact/hooks";
import type { Locale } from "../../shared/model.ts";
import { t } from "../../shared/i18n.ts";
import { MAX_MESSAGE_CHARS } from "../../shared/chat_model.ts";
import type { MessageView, Person } from "../../shared/chat_view.ts";
import { messageGist, personName } from "./names.ts";
import type { SendExtra } from "./outbox.ts";
import { AttachmentList, useAttachments } from "./Attachments.tsx";
import { type Tool, ToolsMenu } from "./ToolsMenu.tsx";
import {
  ALL,
  candidates,
  insertMention,
  type Mentionable,
  mentionQuery,
  mentionsIn,
} from "./mentions.ts";

export type ComposerMode = { kind: "reply" | "edit"; message: MessageView } | null;

export interface ComposerProps {
  locale: Locale;
  live: boolean;
  chatId: string;
  mode: ComposerMode;
  people: Record<string, Person>;
  onCancelMode: () => void;
  onSend: (text: string, replyToSeq?: number, extra?: SendExtra) => void;
  /** The largest file the server takes. */
  maxUploadBytes: number;
  /** The writer may ask members to confirm an announcement (moderators, not in direct chats). */
  canAsk: boolean;
  /** More things to post: a poll, a lesson. */
  tools: Tool[];
  /** Where the chat hands over files dropped on it. */
  dropped: RefObject<((files: File[]) => void) | null>;
  /** Says something to screen readers. */
  announce: (text: string) => void;
  onEdit: (seq: number, text: string) => Promise<void>;
  onTyping: () => void;
  /** Arrow Up in an empty composer edits one's last message. */
  onEditLast: () => void;
  /** The chat's other members, for `@`. */
  members: Mentionable[];
  /** The writer may call on everyone with `@все` (teachers and admins, not in direct chats). */
  canMentionAll: boolean;
}

/** Unsent drafts per chat, kept while the page lives. */
const drafts = new Map<string, string>();

export function Composer(props: ComposerProps) {
  const { locale, live, chatId, mode } = props;
  const [text, setText] = useState(() => drafts.get(chatId) ?? "");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [ask, setAsk] = useState(false);
  const input = useRef<HTMLTextAreaElement>(null);
  const picker = useRef<HTMLInputElement>(null);
  const files = useAttachments(chatId, locale, props.maxUploadBytes, props.announce);
  const editing = mode?.kind === "edit";
  // `@`: what is being typed, the people it may mean, the one picked with the arrows, and who
  // was chosen (id → name as written).
  const [at, setAt] = useState<{ start: number; query: string } | null>(null);
  const [active, setActive] = useState(0);
  const chosen = useRef(new Map<string, string>());
  const everyone: Mentionable = { id: ALL, name: t(locale, "mention.all") };
  const suggestions = at && !editing
    ? candidates([...(props.canMentionAll ? [everyone] : []), ...props.members], at.query)
    : [];

  function choose(person: Mentionable) {
    if (!at) return;
    const next = insertMention(text, at, person.name);
    chosen.current.set(person.id, person.name);
    update(next.text);
    setAt(null);
    const el = input.current;
    if (el) {
      el.focus();
      // After the render that puts the text in.
      requestAnimationFrame(() => el.setSelectionRange(next.caret, next.caret));
    }
  }

  function attach(list: File[]) {
    if (!list.length) return;
    if (editing) return setError(t(locale, "upload.notWhileEditing"));
    setError(files.add(list));
  }
  props.dropped.current = live ? attach : null;

  useEffect(() => {
    if (mode?.kind === "edit") setText(mode.message.text);
    if (mode) input.current?.focus();
    setError(null);
  }, [mode]);

  function update(value: string) {
    setText(value);
    if (!mode || mode.kind !== "edit") drafts.set(chatId, value);
    if (value.trim()) props.onTyping();
  }

  async function submit() {
    const value = text.trim();
    if (busy) return;
    if (!editing && files.uploading) return setError(t(locale, "upload.wait"));
    if (!value && (editing || !files.ready.length)) return;
    if ([...value].length > MAX_MESSAGE_CHARS) {
      setError(t(locale, "composer.tooLong", { max: MAX_MESSAGE_CHARS }));
      return;
    }
    setError(null);
    if (mode?.kind === "edit") {
      if (value === mode.message.text) return props.onCancelMode();
      setBusy(true);
      try {
        await props.onEdit(mode.message.seq, value);
        setText(drafts.get(chatId) ?? "");
        props.onCancelMode();
      } catch (err) {
        setError((err as Error).message);
      } finally {
        setBusy(false);
      }
      input.current?.focus();
      return;
    }
    props.onSend(value, mode?.kind === "reply" ? mode.message.seq : undefined, {
      files: files.ready,
      needsAck: props.canAsk && ask,
      ...mentionsIn(value, chosen.current),
    });
    chosen.current.clear();
    setAt(null);
    setText("");
    setAsk(false);
    files.clear();
    drafts.delete(chatId);
    if (mode) props.onCancelMode();
    input.current?.focus();
  }

  function cancel() {
    if (mode?.kind === "edit") setText(drafts.get(chatId) ?? "");
    props.onCancelMode();
    input.current?.focus();
  }

  return (
    <form
      class="composer"
      onSubmit={(e) => {
        e.preventDefault();
        void submit();
      }}
    >
      {mode && (
        <div class="composer-mode">
          <p>
            <strong>
              {mode.kind === "edit"
                ? t(locale, "composer.editing")
                : t(locale, "composer.replyTo", {
                  name: personName(locale, props.people, mode.message.authorId),
                })}
            </strong>
            {mode.kind === "reply" && (
              <span class="composer-mode-text">{messageGist(locale, mode.message)}</span>
            )}
          </p>
          <button
            type="button"
            class="icon-button"
            aria-label={t(
              locale,
              mode.kind === "edit" ? "composer.cancelEdit" : "composer.cancelReply",
            )}
            onClick={cancel}
          >
            <span aria-hidden="true">×</span>
          </button>
        </div>
      )}
      {error && <p class="composer-error" role="alert">{error}</p>}
      <AttachmentList locale={locale} attachments={files} />
      {suggestions.length > 0 && (
        <ul
          class="mention-list"
          role="listbox"
          id="mention-list"
          aria-label={t(locale, "mention.label")}
        >
          {suggestions.map((p, i) => (
            <li
              key={p.id}
              id={`mention-${i}`}
              role="option"
              aria-selected={i === active}
              class={i === active ? "is-active" : undefined}
              onMouseDown={(e) => {
                e.preventDefault();
                choose(p);
              }}
            >
              {p.id === ALL ? t(locale, "mention.allLabel") : p.name}
            </li>
          ))}
        </ul>
      )}
      <div class="composer-row">
        {!editing && (
          <>
            <input
              ref={picker}
              type="file"
              multiple
              hidden
              tabIndex={-1}
              aria-hidden="true"
              onChange={(e) => {
                const el = e.target as HTMLInputElement;
                attach([...el.files ?? []]);
                el.value = "";
              }}
            />
            <button
              type="button"
              class="composer-tool"
              disabled={!live}
              aria-label={t(locale, "composer.attach")}
              title={t(locale, "composer.attach")}
              onClick={() => picker.current?.click()}
            >
              <span aria-hidden="true">📎</span>
            </button>
            {props.tools.length > 0 && (
              <ToolsMenu locale={locale} live={live} tools={props.tools} />
            )}
          </>
        )}
        <label for="composer-input" class="visually-hidden">{t(locale, "composer.label")}</label>
        <textarea
          id="composer-input"
          ref={input}
          rows={1}
          disabled={!live}
          value={text}
          placeholder={t(locale, "composer.placeholder")}
          aria-describedby="composer-hint"
          aria-autocomplete="list"
          aria-controls={suggestions.length > 0 ? "mention-list" : undefined}
          aria-activedescendant={suggestions.length > 0 ? `mention-${active}` : undefined}
          onInput={(e) => {
            const el = e.target as HTMLTextAreaElement;
            update(el.value);
            setAt(mentionQuery(el.value, el.selectionStart ?? el.value.length));
            setActive(0);
          }}
          onPaste={(e) => {
            const data = e.clipboardData;
            const pasted = [...data?.files ?? []];
            // Pasted pictures and files attach; pasted text stays text.
            if (pasted.length && !data?.getData("text/plain")) {
              e.preventDefault();
              attach(pasted);
            }
          }}
          onKeyDown={(e) => {
            if (suggestions.length > 0) {
              const n = suggestions.length;
              if (e.key === "ArrowDown" || e.key === "ArrowUp") {
                e.preventDefault();
                setActive((active + (e.key === "ArrowDown" ? 1 : n - 1)) % n);
                return;
              }
              if ((e.key === "Enter" || e.key === "Tab") && !e.isComposing) {
                e.preventDefault();
                choose(suggestions[Math.min(active, n - 1)]!);
                return;
              }
              if (e.key === "Escape") {
                e.preventDefault();
                setAt(null);
                return;
              }
            }
            if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
              e.preventDefault();
              void submit();
            } else if (e.key === "Escape" && mode) {
              e.preventDefault();
              cancel();
            } else if (e.key === "ArrowUp" && !text && !mode) {
              e.preventDefault();
              props.onEditLast();
            }
          }}
        />
        <button
          type="submit"
          class="send-button"
          disabled={!live || busy || (!text.trim() && (editing || !files.ready.length))}
        >
          <span class="send-label">
            {t(locale, mode?.kind === "edit" ? "composer.save" : "composer.send")}
          </span>
          <span class="send-icon" aria-hidden="true">{mode?.kind === "edit" ? "✓" : "➤"}</span>
        </button>
      </div>
      <div class="composer-foot">
        {props.canAsk && !editing && (
          <label class="composer-ask">
            <input
              type="checkbox"
              checked={ask}
              disabled={!live}
              onChange={(e) => setAsk((e.target as HTMLInputElement).checked)}
            />
            {t(locale, "composer.askAck")}
          </label>
        )}
        <p id="composer-hint" class="composer-hint">{t(locale, "composer.hint")}</p>
      </div>
    </form>
  );
}
