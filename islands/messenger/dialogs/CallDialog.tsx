/** Starting a call as a teacher or admin: a quick call, an online lesson or a meeting. */
import { useState } from "preact/hooks";
import { type MessageKey, t } from "../../../shared/i18n.ts";
import type { CallKind } from "../../../shared/chat_model.ts";
import type { ModalProps } from "../modal.ts";
import { DialogFooter, Modal } from "./Modal.tsx";

export function CallDialog(props: ModalProps<{ kind: "call"; chatId: string }>) {
  const { locale, spec } = props;
  const [kind, setKind] = useState<CallKind>("call");
  const [title, setTitle] = useState("");
  const [screens, setScreens] = useState(false);
  /** Meetings start with a lobby: the host lets each person in. */
  const [lobby, setLobby] = useState(true);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(e: Event) {
    e.preventDefault();
    setError(null);
    setBusy(true);
    try {
      await props.ctl.life.startCall(spec.chatId, kind, title.trim() || null, {
        screenShareForAll: screens,
        lobby: kind === "meeting" && lobby,
      });
    } catch (err) {
      setError((err as Error).message);
      setBusy(false);
    }
  }

  return (
    <Modal
      locale={locale}
      id="call-new-title"
      title={t(locale, "chatCallNew.title")}
      onClose={props.onClose}
    >
      <form class="stack" onSubmit={submit}>
        <fieldset class="kind-choice">
          <legend>{t(locale, "chatCallNew.kind")}</legend>
          {(["call", "lesson", "meeting"] as const).map((k) => (
            <label key={k} class="check">
              <input
                type="radio"
                name="call-kind"
                checked={kind === k}
                autoFocus={k === "call"}
                onChange={() => setKind(k)}
              />
              <span>
                {t(locale, `chatCall.kind.${k}` as MessageKey)}
                <span class="hint">{t(locale, `chatCallNew.${k}Hint` as MessageKey)}</span>
              </span>
            </label>
          ))}
        </fieldset>
        <div class="field">
          <label for="call-title">{t(locale, "chatCallNew.name")}</label>
          <input
            id="call-title"
            maxLength={200}
            value={title}
            onInput={(e) => setTitle((e.target as HTMLInputElement).value)}
          />
        </div>
        <label class="check">
          <input
            type="checkbox"
            checked={screens}
            onChange={(e) => setScreens((e.target as HTMLInputElement).checked)}
          />
          {t(locale, "chatCallNew.screens")}
        </label>
        {kind === "meeting" && (
          <label class="check">
            <input
              type="checkbox"
              checked={lobby}
              onChange={(e) => setLobby((e.target as HTMLInputElement).checked)}
            />
            <span>
              {t(locale, "chatCallNew.lobby")}
              <span class="hint">{t(locale, "chatCallNew.lobbyHint")}</span>
            </span>
          </label>
        )}
        <DialogFooter
          locale={locale}
          error={error}
          busy={busy}
          submit={t(locale, "chatCallNew.start")}
        />
      </form>
    </Modal>
  );
}
