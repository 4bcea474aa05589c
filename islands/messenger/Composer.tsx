/** Writing a message: Enter sends, Shift+Enter starts a new line, Escape cancels a reply or edit. */
import { useEffect, useRef, useState } from "preact/hooks";
import type { Locale } from "../../lib/model.ts";
import { t } from "../../lib/i18n.ts";
import { MAX_MESSAGE_CHARS } from "../../lib/chat_model.ts";
import type { MessageView, Person } from "../../lib/chat_view.ts";
import { personName } from "./names.ts";

export type ComposerMode = { kind: "reply" | "edit"; message: MessageView } | null;

export interface ComposerProps {
  locale: Locale;
  live: boolean;
  chatId: string;
  mode: ComposerMode;
  people: Record<string, Person>;
  onCancelMode: () => void;
  onSend: (text: string, replyToSeq?: number) => void;
  onEdit: (seq: number, text: string) => Promise<void>;
  onTyping: () => void;
  /** Arrow Up in an empty composer edits one's last message. */
  onEditLast: () => void;
}

/** Unsent drafts per chat, kept while the page lives. */
const drafts = new Map<string, string>();

export function Composer(props: ComposerProps) {
  const { locale, live, chatId, mode } = props;
  const [text, setText] = useState(() => drafts.get(chatId) ?? "");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const input = useRef<HTMLTextAreaElement>(null);

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
    if (!value || busy) return;
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
    props.onSend(value, mode?.kind === "reply" ? mode.message.seq : undefined);
    setText("");
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
            {mode.kind === "reply" && <span class="composer-mode-text">{mode.message.text}</span>}
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
      <div class="composer-row">
        <label for="composer-input" class="visually-hidden">{t(locale, "composer.label")}</label>
        <textarea
          id="composer-input"
          ref={input}
          rows={1}
          disabled={!live}
          value={text}
          placeholder={t(locale, "composer.placeholder")}
          aria-describedby="composer-hint"
          onInput={(e) => update((e.target as HTMLTextAreaElement).value)}
          onKeyDown={(e) => {
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
        <button type="submit" class="send-button" disabled={!live || busy || !text.trim()}>
          <span class="send-label">
            {t(locale, mode?.kind === "edit" ? "composer.save" : "composer.send")}
          </span>
          <span class="send-icon" aria-hidden="true">{mode?.kind === "edit" ? "✓" : "➤"}</span>
        </button>
      </div>
      <p id="composer-hint" class="composer-hint">{t(locale, "composer.hint")}</p>
    </form>
  );
}
