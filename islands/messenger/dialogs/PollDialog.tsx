/** A new poll: a question, 2 to 10 options, one or several choices, named or anonymous, a deadline. */
import type { ComponentChildren } from "preact";
import { useRef, useState } from "preact/hooks";
import { t } from "../../../shared/i18n.ts";
import { api, errorText } from "../../../shared/api_client.ts";
import { MAX_POLL_OPTIONS } from "../../../shared/chat_model.ts";
import { type MessageInput, toView } from "../../../shared/chat_view.ts";
import type { ModalProps } from "../modal.ts";
import { zonedParts, zonedToIso } from "../format.ts";
import { closeDialog, DialogFooter, Modal, WhenFields } from "./Modal.tsx";

export function PollDialog(props: ModalProps<{ kind: "poll"; chatId: string }>) {
  const { locale, spec, state, orgs } = props;
  const chatId = spec.chatId;
  const orgId = state.chats.find((c) => c.id === chatId)?.orgId;
  const timeZone = orgs.find((o) => o.id === orgId)?.timeZone ?? "Europe/Moscow";
  const tomorrow = zonedParts(Date.now() + 24 * 3600_000, timeZone);
  const form = useRef<HTMLFormElement>(null);
  const clientId = useRef(crypto.randomUUID());
  const [question, setQuestion] = useState("");
  const [options, setOptions] = useState(["", ""]);
  const [multiple, setMultiple] = useState(false);
  const [anonymous, setAnonymous] = useState(false);
  const [deadline, setDeadline] = useState(false);
  const [date, setDate] = useState(tomorrow.date);
  const [time, setTime] = useState("18:00");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  function setOption(i: number, value: string) {
    setOptions((all) => all.map((o, j) => j === i ? value : o));
  }

  function addOption() {
    setOptions((all) => [...all, ""]);
    // The new field takes focus once rendered.
    setTimeout(() => {
      const fields = form.current?.querySelectorAll<HTMLInputElement>(".poll-new-option input");
      fields?.[fields.length - 1]?.focus();
    });
  }

  function removeOption(i: number) {
    setOptions((all) => all.filter((_, j) => j !== i));
    setTimeout(() =>
      form.current?.querySelector<HTMLInputElement>(".poll-new-option input")?.focus()
    );
  }

  async function submit(e: Event) {
    e.preventDefault();
    const filled = options.map((o) => o.trim()).filter(Boolean);
    if (!question.trim()) return setError(t(locale, "pollNew.needQuestion"));
    if (filled.length < 2) return setError(t(locale, "pollNew.needOptions"));
    if (new Set(filled).size !== filled.length) return setError(t(locale, "pollNew.duplicate"));
    let closesAt: string | undefined;
    if (deadline) {
      closesAt = zonedToIso(date, time, timeZone) ?? undefined;
      if (!closesAt || Date.parse(closesAt) <= Date.now()) {
        return setError(t(locale, "pollNew.pastDeadline"));
      }
    }
    setError(null);
    setBusy(true);
    try {
      const { message } = await api<{ message: MessageInput }>("POST", `/chats/${chatId}/polls`, {
        clientId: clientId.current,
        question: question.trim(),
        options: filled,
        multiple,
        anonymous,
        ...(closesAt ? { closesAt } : {}),
      });
      props.ctl.outbox.arrived(chatId, toView(message));
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
      id="poll-new-title"
      title={t(locale, "pollNew.title")}
      onClose={props.onClose}
    >
      <form class="stack" ref={form} onSubmit={submit}>
        <div class="field">
          <label for="poll-question">{t(locale, "pollNew.question")}</label>
          <input
            id="poll-question"
            autoFocus
            required
            maxLength={300}
            value={question}
            onInput={(e) => setQuestion((e.target as HTMLInputElement).value)}
          />
        </div>
        <fieldset class="poll-new-options">
          <legend>{t(locale, "pollNew.options")}</legend>
          <ol class="list-plain">
            {options.map((o, i) => (
              <li key={i} class="poll-new-option row">
                <label class="visually-hidden" for={`poll-option-${i}`}>
                  {t(locale, "pollNew.option", { n: i + 1 })}
                </label>
                <input
                  id={`poll-option-${i}`}
                  maxLength={100}
                  value={o}
                  placeholder={t(locale, "pollNew.option", { n: i + 1 })}
                  onInput={(e) => setOption(i, (e.target as HTMLInputElement).value)}
                />
                {options.length > 2 && (
                  <button
                    type="button"
                    class="icon-button"
                    aria-label={t(locale, "pollNew.removeOption", { n: i + 1 })}
                    title={t(locale, "pollNew.removeOption", { n: i + 1 })}
                    onClick={() => removeOption(i)}
                  >
                    <span aria-hidden="true">×</span>
                  </button>
                )}
              </li>
            ))}
          </ol>
          {options.length < MAX_POLL_OPTIONS && (
            <button type="button" class="secondary add-option" onClick={addOption}>
              {t(locale, "pollNew.addOption")}
            </button>
          )}
        </fieldset>
        <Check checked={multiple} onChange={setMultiple}>{t(locale, "pollNew.multiple")}</Check>
        <Check checked={anonymous} onChange={setAnonymous}>
          <span>
            {t(locale, "pollNew.anonymous")}
            <span class="hint">{t(locale, "pollNew.anonymousHint")}</span>
          </span>
        </Check>
        <Check checked={deadline} onChange={setDeadline}>{t(locale, "pollNew.deadline")}</Check>
        {deadline && (
          <div class="row when-row">
            <WhenFields
              locale={locale}
              idPrefix="poll"
              date={date}
              time={time}
              onDate={setDate}
              onTime={setTime}
            />
          </div>
        )}
        <DialogFooter
          locale={locale}
          error={error}
          busy={busy}
          submit={t(locale, "pollNew.create")}
        />
      </form>
    </Modal>
  );
}

/** A labelled checkbox for one of the poll's switches. */
function Check(
  props: { checked: boolean; onChange: (checked: boolean) => void; children: ComponentChildren },
) {
  return (
    <label class="check">
      <input
        type="checkbox"
        checked={props.checked}
        onChange={(e) => props.onChange((e.target as HTMLInputElement).checked)}
      />
      {props.children}
    </label>
  );
}
