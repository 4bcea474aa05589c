/**
 * Above the chat list, for someone whose browser could notify them but was never asked: why
 * notifications help and a button to turn them on (the browser's question follows that click,
 * never before). «Не сейчас» hides it for a week; a refusal is the browser's to keep, and the
 * profile explains how to change it.
 */
import { useEffect, useState } from "preact/hooks";
import type { Locale } from "../../shared/model.ts";
import { t } from "../../shared/i18n.ts";
import { currentSubscription, enablePush, pushState } from "../../shared/push_client.ts";

const LATER_KEY = "parta.pushPromptLater";
const LATER_MS = 7 * 24 * 3600_000;

export function PushPrompt({ locale, live }: { locale: Locale; live: boolean }) {
  const [shown, setShown] = useState(false);
  const [note, setNote] = useState<string | null>(null);

  useEffect(() => {
    if (!live || pushState() !== "default") return;
    if (Number(localStorage.getItem(LATER_KEY) ?? 0) > Date.now()) return;
    currentSubscription().then((sub) => setShown(sub === null), () => {});
  }, [live]);

  if (!shown) return null;

  async function turnOn() {
    try {
      const { state } = await enablePush();
      if (state === "granted") return setShown(false);
      setNote(t(locale, state === "denied" ? "notify.promptDenied" : "notify.notNow"));
    } catch {
      setNote(t(locale, "notify.failed"));
    }
  }

  return (
    <div class="push-prompt" role="region" aria-label={t(locale, "notify.settings")}>
      <p>{t(locale, "notify.prompt")}</p>
      {note && <p role="status">{note}</p>}
      <div class="row">
        <button type="button" onClick={turnOn}>{t(locale, "notify.promptOn")}</button>
        <button
          type="button"
          class="secondary"
          onClick={() => {
            localStorage.setItem(LATER_KEY, String(Date.now() + LATER_MS));
            setShown(false);
          }}
        >
          {t(locale, "notify.promptLater")}
        </button>
      </div>
    </div>
  );
}
