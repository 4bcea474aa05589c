/** The platform operator's list of pending school applications: approve or decline. */
import { useState } from "preact/hooks";
import type { Locale } from "../shared/model.ts";
import { t } from "../shared/i18n.ts";
import { useHydrated } from "../shared/use_hydrated.ts";
import { api, errorText } from "../shared/api_client.ts";

export interface PendingApplication {
  id: string;
  schoolName: string;
  region: string;
  adminName: string;
  adminEmail: string;
  adminPhone: string;
  createdAt: string;
}

export interface OperatorApplicationsProps {
  locale: Locale;
  applications: PendingApplication[];
}

export default function OperatorApplications({ locale, applications }: OperatorApplicationsProps) {
  const live = useHydrated();
  const [outcome, setOutcome] = useState<Record<string, string>>({});
  const [reasons, setReasons] = useState<Record<string, string>>({});
  const [error, setError] = useState<string | null>(null);

  async function decide(id: string, approve: boolean) {
    setError(null);
    try {
      if (approve) {
        const res = await api<{ adminInvite: { url: string } }>(
          "POST",
          `/org-applications/${id}/approve`,
        );
        setOutcome({
          ...outcome,
          [id]: t(locale, "operator.approved", { url: res.adminInvite.url }),
        });
      } else {
        await api("POST", `/org-applications/${id}/reject`, { reason: reasons[id] ?? "" });
        setOutcome({ ...outcome, [id]: t(locale, "operator.rejected") });
      }
    } catch (err) {
      setError(errorText(locale, err));
    }
  }

  if (applications.length === 0) return <p class="muted">{t(locale, "operator.empty")}</p>;
  return (
    <div class="stack">
      {error && <p class="alert alert-error" role="alert">{error}</p>}
      {applications.map((a) => (
        <article class="card stack" key={a.id} aria-labelledby={`app-${a.id}`}>
          <h2 id={`app-${a.id}`}>{a.schoolName}</h2>
          <p class="muted">{t(locale, "operator.region", { region: a.region })}</p>
          <p>
            {t(locale, "operator.applicant", {
              name: a.adminName,
              email: a.adminEmail,
              phone: a.adminPhone,
            })}
          </p>
          {outcome[a.id] ? <p class="alert alert-ok" role="status">{outcome[a.id]}</p> : (
            <>
              <div class="field">
                <label for={`reason-${a.id}`}>{t(locale, "operator.reason")}</label>
                <input
                  disabled={!live}
                  id={`reason-${a.id}`}
                  maxLength={1000}
                  value={reasons[a.id] ?? ""}
                  onInput={(e) =>
                    setReasons({ ...reasons, [a.id]: (e.target as HTMLInputElement).value })}
                />
              </div>
              <div class="row">
                <button
                  type="button"
                  onClick={() => decide(a.id, true)}
                >
                  {t(locale, "operator.approve")}
                </button>
                <button
                  type="button"
                  class="secondary"
                  disabled={!live || !(reasons[a.id] ?? "").trim()}
                  onClick={() =>
                    decide(a.id, false)}
                >
                  {t(locale, "operator.reject")}
                </button>
              </div>
            </>
          )}
        </article>
      ))}
    </div>
  );
}
