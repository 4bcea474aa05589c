/** Accepting an invite: sign in if needed, choose a display name if new, then join. */
import { useState } from "preact/hooks";
import type { Locale } from "../shared/model.ts";
import { t } from "../shared/i18n.ts";
import { useHydrated } from "../shared/use_hydrated.ts";
import { api, ApiError, errorText } from "../shared/api_client.ts";
import SignIn from "./SignIn.tsx";

export interface InviteAcceptProps {
  locale: Locale;
  token: string;
  orgName: string;
  signedIn: boolean;
  /** The signed-in user has no display name yet. */
  needsName: boolean;
  /** For a chat's invite link: the chat to open once joined. */
  chatId?: string | null;
  sso: boolean;
}

export default function InviteAccept(props: InviteAcceptProps) {
  const { locale, token, orgName } = props;
  const live = useHydrated();
  const [signedIn, setSignedIn] = useState(props.signedIn);
  const [needsName, setNeedsName] = useState(props.needsName);
  const [name, setName] = useState("");
  const [busy, setBusy] = useState(false);
  const [done, setDone] = useState(false);
  const [error, setError] = useState<
    { text: string; field?: string; rename?: boolean } | null
  >(null);

  async function afterSignIn() {
    setSignedIn(true);
    try {
      const me = await api<{ user: { displayName: string | null } }>("GET", "/me");
      setNeedsName(me.user.displayName === null);
    } catch (err) {
      setError({ text: errorText(locale, err) });
    }
  }

  async function accept(e: Event) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await api(
        "POST",
        `/invites/${encodeURIComponent(token)}/accept`,
        needsName ? { displayName: name } : {},
      );
      setDone(true);
    } catch (err) {
      const field = err instanceof ApiError ? err.field : undefined;
      // The name they already have passes for staff (or a badge): it is changed in the profile.
      const rename = field === "displayName" && !needsName;
      setError({
        text: rename ? t(locale, "invite.renameFirst") : errorText(locale, err),
        field,
        rename,
      });
    } finally {
      setBusy(false);
    }
  }

  if (done) {
    return (
      <div class="stack" role="status">
        <p class="alert alert-ok">{t(locale, "invite.accepted", { org: orgName })}</p>
        <a class="button" href={props.chatId ? `/chats/${props.chatId}` : "/chats"}>
          {t(locale, "invite.open")}
        </a>
      </div>
    );
  }
  if (!signedIn) {
    return (
      <div class="stack">
        <p>{t(locale, "invite.signinFirst")}</p>
        <SignIn
          locale={locale}
          next={`/invite/${token}`}
          sso={props.sso}
          onSignedIn={afterSignIn}
        />
      </div>
    );
  }
  return (
    <form class="stack" onSubmit={accept}>
      {error && (
        <p class="alert alert-error" role="alert" id="invite-error">
          {error.text} {error.rename && <a href="/profile">{t(locale, "invite.toProfile")}</a>}
        </p>
      )}
      {needsName && (
        <div class="field">
          <label for="invite-name">{t(locale, "invite.nameLabel")}</label>
          <p class="hint" id="invite-name-hint">{t(locale, "invite.nameHint")}</p>
          <input
            disabled={!live}
            id="invite-name"
            required
            maxLength={80}
            autoComplete="name"
            aria-describedby={error?.field === "displayName"
              ? "invite-name-hint invite-error"
              : "invite-name-hint"}
            aria-invalid={error?.field === "displayName" || undefined}
            value={name}
            onInput={(e) => setName((e.target as HTMLInputElement).value)}
          />
        </div>
      )}
      <button type="submit" disabled={busy || !live}>{t(locale, "invite.accept")}</button>
    </form>
  );
}
