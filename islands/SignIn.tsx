/** Sign-in by email code (and the single sign-on button when configured). */
import { useState } from "preact/hooks";
import type { Locale } from "../shared/model.ts";
import { t } from "../shared/i18n.ts";
import { useHydrated } from "../shared/use_hydrated.ts";
import { api, ApiError, errorText } from "../shared/api_client.ts";

export interface SignInProps {
  locale: Locale;
  /** Where to go once signed in. */
  next: string;
  sso: boolean;
  ssoFailed?: boolean;
  /** Called instead of navigating, when embedded (e.g. on the invite page). */
  onSignedIn?: () => void;
}

export default function SignIn({ locale, next, sso, ssoFailed, onSignedIn }: SignInProps) {
  const live = useHydrated();
  const [email, setEmail] = useState("");
  const [code, setCode] = useState("");
  const [step, setStep] = useState<"email" | "code">("email");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<{ text: string; field?: string } | null>(
    ssoFailed ? { text: t(locale, "signin.ssoFailed") } : null,
  );

  async function run(action: () => Promise<void>) {
    setBusy(true);
    setError(null);
    try {
      await action();
    } catch (err) {
      const field = err instanceof ApiError ? err.field : undefined;
      setError({ text: errorText(locale, err), field });
    } finally {
      setBusy(false);
    }
  }

  const sendCode = (e?: Event) => {
    e?.preventDefault();
    void run(async () => {
      await api("POST", "/auth/code", { email });
      setStep("code");
      setCode("");
    });
  };

  const verify = (e: Event) => {
    e.preventDefault();
    void run(async () => {
      await api("POST", "/auth/verify", { email, code });
      if (onSignedIn) onSignedIn();
      else location.assign(next);
    });
  };

  const errorBox = error && (
    <p class="alert alert-error" role="alert" id="signin-error">{error.text}</p>
  );

  if (step === "code") {
    return (
      <form onSubmit={verify} class="stack" aria-describedby={error ? "signin-error" : undefined}>
        <p role="status">{t(locale, "signin.codeSent", { email })}</p>
        {errorBox}
        <div class="field">
          <label for="signin-code">{t(locale, "signin.code")}</label>
          <input
            disabled={!live}
            id="signin-code"
            name="code"
            inputMode="numeric"
            autoComplete="one-time-code"
            pattern="[0-9]{6}"
            maxLength={6}
            required
            autoFocus
            value={code}
            aria-invalid={error?.field === "code" || undefined}
            onInput={(e) =>
              setCode((e.target as HTMLInputElement).value.replace(/\D/g, ""))}
          />
        </div>
        <div class="row">
          <button type="submit" disabled={busy || !live}>{t(locale, "signin.verify")}</button>
          <button
            type="button"
            class="secondary"
            disabled={busy || !live}
            onClick={() =>
              sendCode()}
          >
            {t(locale, "signin.resend")}
          </button>
          <button
            type="button"
            class="link"
            onClick={() =>
              setStep("email")}
          >
            {t(locale, "signin.otherEmail")}
          </button>
        </div>
      </form>
    );
  }

  return (
    <div class="stack">
      <form onSubmit={sendCode} class="stack">
        <p>{t(locale, "signin.lead")}</p>
        {errorBox}
        <div class="field">
          <label for="signin-email">{t(locale, "signin.email")}</label>
          <input
            disabled={!live}
            id="signin-email"
            name="email"
            type="email"
            autoComplete="email"
            required
            maxLength={254}
            value={email}
            aria-invalid={error?.field === "email" || undefined}
            onInput={(e) => setEmail((e.target as HTMLInputElement).value)}
          />
        </div>
        <button type="submit" disabled={busy || !live}>{t(locale, "signin.sendCode")}</button>
      </form>
      {sso && (
        <>
          <p class="muted">{t(locale, "signin.or")}</p>
          <a class="button secondary" href="/api/v1/auth/oidc/start">{t(locale, "signin.sso")}</a>
        </>
      )}
    </div>
  );
}
