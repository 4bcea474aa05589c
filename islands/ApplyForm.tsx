/** A school's application to join Parta. */
import { useState } from "preact/hooks";
import type { Locale } from "../shared/model.ts";
import { type MessageKey, t } from "../shared/i18n.ts";
import { useHydrated } from "../shared/use_hydrated.ts";
import { api, ApiError, errorText } from "../shared/api_client.ts";

const FIELDS = [
  ["schoolName", "apply.schoolName", "text", "organization"],
  ["region", "apply.region", "text", "address-level1"],
  ["adminName", "apply.adminName", "text", "name"],
  ["adminEmail", "apply.adminEmail", "email", "email"],
  ["adminPhone", "apply.adminPhone", "tel", "tel"],
] as const;

type Field = typeof FIELDS[number][0];

export default function ApplyForm({ locale }: { locale: Locale }) {
  const live = useHydrated();
  const [values, setValues] = useState<Record<Field, string>>({
    schoolName: "",
    region: "",
    adminName: "",
    adminEmail: "",
    adminPhone: "",
  });
  const [busy, setBusy] = useState(false);
  const [sent, setSent] = useState(false);
  const [error, setError] = useState<{ text: string; field?: string } | null>(null);

  async function submit(e: Event) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await api("POST", "/org-applications", values);
      setSent(true);
    } catch (err) {
      setError({
        text: errorText(locale, err),
        field: err instanceof ApiError ? err.field : undefined,
      });
    } finally {
      setBusy(false);
    }
  }

  if (sent) {
    return (
      <p class="alert alert-ok" role="status">
        {t(locale, "apply.sent", { email: values.adminEmail })}
      </p>
    );
  }
  return (
    <form class="card" onSubmit={submit}>
      {error && <p class="alert alert-error" role="alert">{error.text}</p>}
      {FIELDS.map(([field, label, type, autocomplete]) => (
        <div class="field" key={field}>
          <label for={`apply-${field}`}>{t(locale, label as MessageKey)}</label>
          <input
            disabled={!live}
            id={`apply-${field}`}
            type={type as "text"}
            required
            maxLength={field === "schoolName" ? 200 : 100}
            autoComplete={autocomplete}
            aria-invalid={error?.field === field || undefined}
            value={values[field]}
            onInput={(e) => setValues({ ...values, [field]: (e.target as HTMLInputElement).value })}
          />
        </div>
      ))}
      <button type="submit" disabled={busy || !live}>{t(locale, "apply.submit")}</button>
    </form>
  );
}
