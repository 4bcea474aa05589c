/**
 * A modal question with two answers. The browser's <dialog> keeps focus inside and closes on
 * Escape; focus goes back to the button that opened it.
 */
import { useEffect, useRef } from "preact/hooks";
import type { Locale } from "../../shared/model.ts";
import { t } from "../../shared/i18n.ts";

export interface ConfirmDialogProps {
  locale: Locale;
  text: string;
  confirm: string;
  onConfirm(): void;
  onClose(): void;
}

export function ConfirmDialog({ locale, text, confirm, onConfirm, onClose }: ConfirmDialogProps) {
  const ref = useRef<HTMLDialogElement>(null);
  const closing = useRef(onClose);
  closing.current = onClose;

  useEffect(() => {
    const opener = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    const dialog = ref.current!;
    if (!dialog.open) dialog.showModal();
    dialog.querySelector<HTMLElement>("[data-autofocus]")?.focus();
    return () => {
      if (dialog.open) dialog.close();
      if (opener?.isConnected) opener.focus();
    };
  }, []);

  return (
    <dialog
      ref={ref}
      class="call-dialog"
      aria-labelledby="call-dialog-text"
      onClose={() => closing.current()}
    >
      <p id="call-dialog-text">{text}</p>
      <div class="row call-dialog-actions">
        <button type="button" class="secondary" data-autofocus onClick={() => ref.current?.close()}>
          {t(locale, "common.cancel")}
        </button>
        <button
          type="button"
          class="danger"
          onClick={() => {
            onConfirm();
            ref.current?.close();
          }}
        >
          {confirm}
        </button>
      </div>
    </dialog>
  );
}
