/**
 * A modal dialog: opens with focus inside it (on `[data-autofocus]`, else the first control of
 * its body), Escape and the close button close it, and focus goes back to what opened it (or to
 * `fallbackFocus` when that is gone, e.g. the row of a removed member).
 */
import type { ComponentChildren } from "preact";
import { useEffect, useRef } from "preact/hooks";
import type { Locale } from "../../shared/model.ts";
import { t } from "../../shared/i18n.ts";

export interface DialogProps {
  locale: Locale;
  id: string;
  title: string;
  onClose: () => void;
  /** A selector of the element to focus after closing when the opener left the page. */
  fallbackFocus?: string;
  wide?: boolean;
  children: ComponentChildren;
}

export function Dialog({ locale, id, title, onClose, fallbackFocus, wide, children }: DialogProps) {
  const ref = useRef<HTMLDialogElement>(null);
  const closing = useRef(onClose);
  closing.current = onClose;

  useEffect(() => {
    const opener = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    const dialog = ref.current!;
    if (!dialog.open) dialog.showModal();
    dialog.querySelector<HTMLElement>(
      "[data-autofocus], input:not([type=hidden]), select, textarea, .admin-dialog-body button",
    )?.focus();
    return () => {
      if (dialog.open) dialog.close();
      const target = opener?.isConnected
        ? opener
        : fallbackFocus
        ? document.querySelector<HTMLElement>(fallbackFocus)
        : null;
      target?.focus();
    };
  }, []);

  return (
    <dialog
      ref={ref}
      id={id}
      class={wide ? "admin-dialog admin-dialog-wide" : "admin-dialog"}
      aria-labelledby={`${id}-title`}
      onClose={() => closing.current()}
    >
      <div class="admin-dialog-head">
        <h2 id={`${id}-title`}>{title}</h2>
        <button
          type="button"
          class="admin-icon-button"
          aria-label={t(locale, "common.close")}
          onClick={() => ref.current?.close()}
        >
          <span aria-hidden="true">×</span>
        </button>
      </div>
      <div class="admin-dialog-body">{children}</div>
    </dialog>
  );
}

/** Closes the dialog that holds `el` (its `close` event then tells the owner). */
export function closeDialogOf(el: Element | null): void {
  el?.closest("dialog")?.close();
}

/**
 * The end of a confirmation: the refusal if there was one, the dangerous action, and «Отмена»,
 * which takes the focus first so that Enter never destroys anything.
 */
export function ConfirmActions(
  { locale, problem, busy, label, onConfirm }: {
    locale: Locale;
    problem: string | null;
    busy: boolean;
    label: string;
    onConfirm: (e: Event) => void;
  },
) {
  return (
    <>
      {problem && <p class="alert alert-error" role="alert">{problem}</p>}
      <div class="row admin-dialog-actions">
        <button type="button" class="danger" disabled={busy} onClick={onConfirm}>
          {label}
        </button>
        <button
          type="button"
          class="secondary"
          data-autofocus
          onClick={(e) => closeDialogOf(e.currentTarget)}
        >
          {t(locale, "common.cancel")}
        </button>
      </div>
    </>
  );
}
