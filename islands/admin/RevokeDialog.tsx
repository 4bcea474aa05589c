/** Revoking an invite link, after a confirmation. */
import { useState } from "preact/hooks";
import type { Locale } from "../../shared/model.ts";
import { t } from "../../shared/i18n.ts";
import { api } from "../../shared/api_client.ts";
import { closeDialogOf, ConfirmActions, Dialog } from "./Dialog.tsx";
import { problemOf } from "./shared.ts";
import type { AdminInvite } from "../../shared/admin_view.ts";

export function RevokeDialog(
  { locale, invite, summary, onClose, onRevoked }: {
    locale: Locale;
    invite: AdminInvite;
    summary: string;
    onClose: () => void;
    onRevoked: (token: string) => void;
  },
) {
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);

  async function revoke(e: Event) {
    const button = e.currentTarget as HTMLElement;
    setBusy(true);
    setProblem(null);
    try {
      await api("DELETE", `/invites/${encodeURIComponent(invite.token)}`);
      onRevoked(invite.token);
      closeDialogOf(button);
    } catch (err) {
      setProblem(problemOf(locale, err).text);
      setBusy(false);
    }
  }

  return (
    <Dialog
      locale={locale}
      id="revoke-dialog"
      title={t(locale, "invites.revokeTitle")}
      onClose={onClose}
      fallbackFocus="#invites-active-title"
    >
      <div class="stack">
        <p>{t(locale, "invites.revokeText", { summary })}</p>
        <ConfirmActions
          locale={locale}
          problem={problem}
          busy={busy}
          label={t(locale, "invites.revokeYes")}
          onConfirm={revoke}
        />
      </div>
    </Dialog>
  );
}
