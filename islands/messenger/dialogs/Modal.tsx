/**
 * The frame of every messenger dialog: a modal `<dialog>` (focus stays inside, Escape closes)
 * with a heading and a close button; on closing, focus goes back to what opened it.
 */
import type { ComponentChildren } from "preact";
import { useEffect, useRef } from "preact/hooks";
import type { Locale } from "../../../shared/model.ts";
import { t } from "../../../shared/i18n.ts";

export interface ModalFrameProps {
  locale: Locale;
  /** The id of the heading, unique per dialog. */
  id: string;
  title: string;
  onClose: () => void;
  /** Extra class, e.g. for a wider dialog. */
  class?: string;
  children: ComponentChildren;
}

/** Where focus goes when the element that opened a dialog has gone meanwhile. */
function fallbackFocus(): HTMLElement | null {
  const composer = document.getElementById("composer-input") as HTMLTextAreaElement | null;
  if (composer && !composer.disabled) return composer;
  return document.getElementById("chat-title");
}

export function Modal(props: ModalFrameProps) {
  const dialog = useRef<HTMLDialogElement>(null);
  const opener = useRef<Element | null>(null);

  useEffect(() => {
    opener.current = document.activeElement;
    const el = dialog.current;
    if (el && !el.open) el.showModal();
    return () => {
      const back = opener.current;
      const target = back instanceof HTMLElement && back.isConnected && back !== document.body
        ? back
        : fallbackFocus();
      target?.focus();
    };
  }, []);

  return (
    <dialog
      ref={dialog}
      class={`modal ${props.class ?? ""}`}
      aria-labelledby={props.id}
      onClose={props.onClose}
    >
      <div class="dialog-head">
        <h2 id={props.id}>{props.title}</h2>
        <button
          type="button"
          class="icon-button"
          aria-label={t(props.locale, "common.close")}
          onClick={() => dialog.current?.close()}
        >
          <span aria-hidden="true">×</span>
        </button>
      </div>
      {props.children}
    </dialog>
  );
}

/** Closes the dialog around `el` (its `close` event then calls onClose). */
export function closeDialog(el: Element | null | undefined): void {
  el?.closest("dialog")?.close();
}

/** A dialog form's end: its error, if any, then submit and cancel (which closes the dialog). */
export function DialogFooter(props: {
  locale: Locale;
  error: string | null;
  busy: boolean;
  submit: string;
}) {
  return (
    <>
      {props.error && <p class="alert alert-error" role="alert">{props.error}</p>}
      <div class="row dialog-actions">
        <button type="submit" disabled={props.busy}>{props.submit}</button>
        <button
          type="button"
          class="secondary"
          onClick={(e) => closeDialog(e.currentTarget as Element)}
        >
          {t(props.locale, "common.cancel")}
        </button>
      </div>
    </>
  );
}

/** A date and a time, labelled, for when something happens; ids are `${idPrefix}-date`/`-time`. */
export function WhenFields(props: {
  locale: Locale;
  idPrefix: string;
  date: string;
  time: string;
  onDate: (date: string) => void;
  onTime: (time: string) => void;
}) {
  const { locale, idPrefix } = props;
  return (
    <>
      <div class="field">
        <label for={`${idPrefix}-date`}>{t(locale, "when.date")}</label>
        <input
          id={`${idPrefix}-date`}
          type="date"
          required
          value={props.date}
          onInput={(e) => props.onDate((e.target as HTMLInputElement).value)}
        />
      </div>
      <div class="field">
        <label for={`${idPrefix}-time`}>{t(locale, "when.time")}</label>
        <input
          id={`${idPrefix}-time`}
          type="time"
          required
          value={props.time}
          onInput={(e) => props.onTime((e.target as HTMLInputElement).value)}
        />
      </div>
    </>
  );
}
