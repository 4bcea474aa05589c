/** Removing a member from the school, after a confirmation; the server's refusal stays in view. */
import { useState } from "preact/hooks";
import type { Locale } from "../../shared/model.ts";
import { t } from "../../shared/i18n.ts";
import { api } from "../../shared/api_client.ts";
import { closeDialogOf, ConfirmActions, Dialog } from "./Dialog.tsx";
import { personName, problemOf } from "./shared.ts";
import type { AdminMember } from "../../shared/admin_view.ts";

export interface RemoveDialogProps {
  locale: Locale;
  orgId: string;
  orgName: string;
  me: string;
  member: AdminMember;
  onClose: () => void;
  onRemoved: (userId: string) => void;
}

export function RemoveDialog(props: RemoveDialogProps) {
  const { locale, member, me } = props;
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  const self = member.userId === me;
  const name = personName(locale, member);

  async function remove(e: Event) {
    const button = e.currentTarget as HTMLElement;
    setBusy(true);
    setProblem(null);
    try {
      await api("DELETE", `/orgs/${props.orgId}/members/${member.userId}`);
      if (self) {
        location.assign("/chats");
        return;
      }
      props.onRemoved(member.userId);
      closeDialogOf(button);
    } catch (err) {
      setProblem(problemOf(locale, err, "admin.error.lastAdmin").text);
      setBusy(false);
    }
  }

  return (
    <Dialog
      locale={locale}
      id="remove-dialog"
      title={self ? t(locale, "members.leaveTitle") : t(locale, "members.removeTitle", { name })}
      onClose={props.onClose}
      fallbackFocus="#members-title"
    >
      <div class="stack">
        <p>
          {self
            ? t(locale, "members.leaveText", { org: props.orgName })
            : t(locale, "members.removeText", { name, org: props.orgName })}
        </p>
        <ConfirmActions
          locale={locale}
          problem={problem}
          busy={busy}
          label={self ? t(locale, "members.leaveYes") : t(locale, "members.removeYes")}
          onConfirm={remove}
        />
      </div>
    </Dialog>
  );
}
