/** A message's actions menu: quick reactions, reply, edit, delete (asked twice). */
import { useEffect, useRef, useState } from "preact/hooks";
import type { Locale } from "../../shared/model.ts";
import { t } from "../../shared/i18n.ts";
import type { MessageView } from "../../shared/chat_view.ts";

export const QUICK_REACTIONS = ["👍", "❤️", "😂", "😮", "🙏", "👏"];

export interface MessageActionsProps {
  locale: Locale;
  message: MessageView;
  canReply: boolean;
  canEdit: boolean;
  canDelete: boolean;
  /** Reactions are taken (not while the chat is frozen for the viewer, or they are muted). */
  canReact: boolean;
  /** Others' messages can be reported to the moderators. */
  canReport: boolean;
  onReport: (m: MessageView) => void;
  onReply: (m: MessageView) => void;
  onEdit: (m: MessageView) => void;
  onDelete: (m: MessageView) => void;
  onReact: (m: MessageView, emoji: string) => void;
}

export function MessageActions(props: MessageActionsProps) {
  const { locale, message: m, canEdit } = props;
  const [menu, setMenu] = useState(false);
  const [confirm, setConfirm] = useState(false);
  const toggle = useRef<HTMLButtonElement>(null);
  const box = useRef<HTMLDivElement>(null);
  const menuId = `msg-menu-${m.seq}`;

  // A click elsewhere closes the menu; opening it moves focus into it.
  useEffect(() => {
    if (!menu) return;
    const away = (e: Event) => {
      if (!box.current?.contains(e.target as Node)) close(false);
    };
    document.addEventListener("pointerdown", away);
    return () => document.removeEventListener("pointerdown", away);
  }, [menu]);

  useEffect(() => {
    if (menu) box.current?.querySelector<HTMLElement>(".msg-menu button")?.focus();
  }, [menu, confirm]);

  function close(focus = true) {
    setMenu(false);
    setConfirm(false);
    if (focus) toggle.current?.focus();
  }

  const act = (fn: () => void) => () => {
    close(false);
    fn();
  };

  return (
    <div
      class={`msg-actions${menu ? " is-open" : ""}`}
      ref={box}
      onKeyDown={(e) => {
        if (e.key === "Escape" && menu) {
          e.stopPropagation();
          close();
        }
      }}
    >
      <button
        type="button"
        class="msg-actions-toggle"
        ref={toggle}
        aria-expanded={menu}
        aria-controls={menuId}
        aria-label={t(locale, "chat.actions")}
        title={t(locale, "chat.actions")}
        onClick={() => (menu ? close(false) : setMenu(true))}
      >
        <span aria-hidden="true">⋯</span>
      </button>
      {menu && (
        <div class="msg-menu" id={menuId}>
          {confirm
            ? (
              <div class="msg-confirm" role="group" aria-label={t(locale, "chat.delete")}>
                <p>{t(locale, "chat.deleteConfirm")}</p>
                <div class="row">
                  <button
                    type="button"
                    class="danger"
                    onClick={act(() => props.onDelete(m))}
                  >
                    {t(locale, "chat.deleteYes")}
                  </button>
                  <button
                    type="button"
                    class="secondary"
                    onClick={() => close()}
                  >
                    {t(locale, "common.cancel")}
                  </button>
                </div>
              </div>
            )
            : (
              <>
                {props.canReact && (
                  <div
                    class="quick-reactions"
                    role="group"
                    aria-label={t(locale, "chat.reactions")}
                  >
                    {QUICK_REACTIONS.map((emoji) => (
                      <button
                        key={emoji}
                        type="button"
                        class={m.myReactions.includes(emoji) ? "is-mine" : undefined}
                        aria-pressed={m.myReactions.includes(emoji)}
                        aria-label={t(locale, "chat.react", { emoji })}
                        onClick={act(() => props.onReact(m, emoji))}
                      >
                        {emoji}
                      </button>
                    ))}
                  </div>
                )}
                {props.canReply && (
                  <button
                    type="button"
                    class="menu-item"
                    onClick={act(() => props.onReply(m))}
                  >
                    {t(locale, "chat.reply")}
                  </button>
                )}
                {canEdit && (
                  <button
                    type="button"
                    class="menu-item"
                    onClick={act(() => props.onEdit(m))}
                  >
                    {t(locale, "chat.edit")}
                  </button>
                )}
                {props.canReport && (
                  <button
                    type="button"
                    class="menu-item"
                    aria-haspopup="dialog"
                    onClick={() => {
                      close();
                      props.onReport(m);
                    }}
                  >
                    {t(locale, "chat.report")}
                  </button>
                )}
                {props.canDelete && (
                  <button
                    type="button"
                    class="menu-item menu-danger"
                    onClick={() => setConfirm(true)}
                  >
                    {t(locale, "chat.delete")}
                  </button>
                )}
              </>
            )}
        </div>
      )}
    </div>
  );
}
