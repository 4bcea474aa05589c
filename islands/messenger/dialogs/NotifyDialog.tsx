/** One's notifications of a chat: on, off for an hour or eight, or off until turned on. */
import { useRef, useState } from "preact/hooks";
import { formatDateTime, t } from "../../../shared/i18n.ts";
import { errorText } from "../../../shared/api_client.ts";
import type { ModalProps } from "../modal.ts";
import { closeDialog, DialogFooter, Modal } from "./Modal.tsx";

const CHOICES = [
  ["none", "notify.choiceOn"],
  ["1h", "notify.choice1h"],
  ["8h", "notify.choice8h"],
  ["forever", "notify.choiceForever"],
] as const;

type Mute = typeof CHOICES[number][0];

export function NotifyDialog(props: ModalProps<{ kind: "notifications"; chatId: string }>) {
  const { locale, spec, state } = props;
  const now = state.chats.find((c) => c.id === spec.chatId)?.notifications;
  const form = useRef<HTMLFormElement>(null);
  const [mute, setMute] = useState<Mute>(
    !now?.muted ? "none" : now.mutedUntil === null ? "forever" : "8h",
  );
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(e: Event) {
    e.preventDefault();
    setError(null);
    setBusy(true);
    try {
      await props.ctl.setNotifications(spec.chatId, mute);
      closeDialog(form.current);
    } catch (err) {
      setError(errorText(locale, err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <Modal
      locale={locale}
      id="notify-title"
      title={t(locale, "notify.chatTitle")}
      onClose={props.onClose}
    >
      <form class="stack" ref={form} onSubmit={submit}>
        {now?.muted && (
          <p>
            {now.mutedUntil
              ? t(locale, "notify.mutedUntil", { time: formatDateTime(locale, now.mutedUntil) })
              : t(locale, "notify.mutedForever")}
          </p>
        )}
        <fieldset class="choices">
          <legend class="visually-hidden">{t(locale, "notify.chatTitle")}</legend>
          {CHOICES.map(([value, key]) => (
            <label key={value} class="choice">
              <input
                type="radio"
                name="notify-mute"
                value={value}
                checked={mute === value}
                onChange={() => setMute(value)}
              />
              {t(locale, key)}
            </label>
          ))}
        </fieldset>
        <p class="hint">{t(locale, "notify.stillComes")}</p>
        <DialogFooter locale={locale} error={error} busy={busy} submit={t(locale, "common.save")} />
      </form>
    </Modal>
  );
}
