/**
 * «Исключённые»: the people an admin removed from the school, who cannot come back through an
 * invite until an admin lets them («Разрешить вернуться»). Loaded once the console is live, and
 * again whenever the roster loses someone.
 */
import { useEffect, useState } from "preact/hooks";
import type { Locale } from "../../shared/model.ts";
import { formatDateTime, t } from "../../shared/i18n.ts";
import { api, ApiError } from "../../shared/api_client.ts";
import { personName, problemOf } from "./shared.ts";
import type { AdminMember } from "../../shared/admin_view.ts";

/** A ban as `GET /orgs/:orgId/bans` lists it. */
export interface AdminBan {
  userId: string;
  displayName: string | null;
  bannedAt: string;
  bannedBy: string;
}

export interface BansPanelProps {
  locale: Locale;
  orgId: string;
  live: boolean;
  /** The roster, to name the admin who removed each person. */
  members: AdminMember[];
  /** Changes when someone is removed, so the list is read again. */
  version: number;
}

export function BansPanel(props: BansPanelProps) {
  const { locale, live, members } = props;
  const [bans, setBans] = useState<AdminBan[] | null>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [status, setStatus] = useState("");

  useEffect(() => {
    if (!live) return;
    let current = true;
    api<{ bans: AdminBan[] }>("GET", `/orgs/${props.orgId}/bans`)
      .then((res) => current && setBans(res.bans))
      .catch((err) => current && setProblem(problemOf(locale, err).text));
    return () => {
      current = false;
    };
  }, [live, props.version]);

  const byId = new Map(members.map((m) => [m.userId, m]));
  const nameOf = (ban: AdminBan) => ban.displayName ?? t(locale, "admin.noName");

  async function allow(ban: AdminBan) {
    setBusy(ban.userId);
    setProblem(null);
    try {
      await api("DELETE", `/orgs/${props.orgId}/bans/${ban.userId}`);
      setBans((list) => (list ?? []).filter((b) => b.userId !== ban.userId));
      setStatus(t(locale, "bans.allowed", { name: nameOf(ban) }));
    } catch (err) {
      // 404: another admin let them back meanwhile, which is what was asked.
      if (err instanceof ApiError && err.status === 404) {
        setBans((list) => (list ?? []).filter((b) => b.userId !== ban.userId));
      } else setProblem(problemOf(locale, err).text);
    } finally {
      setBusy(null);
    }
  }

  return (
    <section class="bans" aria-labelledby="bans-title">
      <h3 id="bans-title">{t(locale, "bans.title")}</h3>
      <p class="muted">{t(locale, "bans.lead")}</p>
      {problem && <p class="alert alert-error" role="alert">{problem}</p>}
      <p class="visually-hidden" role="status">{status}</p>
      {bans === null
        ? !problem && <p class="muted">{t(locale, "common.loading")}</p>
        : bans.length === 0
        ? <p class="admin-empty">{t(locale, "bans.empty")}</p>
        : (
          <ul class="invite-list" aria-labelledby="bans-title">
            {bans.map((ban) => {
              const name = nameOf(ban);
              return (
                <li key={ban.userId} class="invite-row ban-row">
                  <div class="invite-what">
                    <strong>{name}</strong>
                    <span class="muted">
                      {t(locale, "bans.when", {
                        date: formatDateTime(locale, ban.bannedAt),
                        by: personName(locale, byId.get(ban.bannedBy)),
                      })}
                    </span>
                  </div>
                  <button
                    type="button"
                    class="secondary small"
                    disabled={!live || busy === ban.userId}
                    aria-label={t(locale, "bans.allowOf", { name })}
                    onClick={() => allow(ban)}
                  >
                    {t(locale, "bans.allow")}
                  </button>
                </li>
              );
            })}
          </ul>
        )}
    </section>
  );
}
