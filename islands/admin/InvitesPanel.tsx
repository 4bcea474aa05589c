/** Invite links: a new one (role, class, child, uses, validity), the usable ones, revoking. */
import { useEffect, useState } from "preact/hooks";
import type { Locale, Role } from "../../shared/model.ts";
import { formatDateTime, t } from "../../shared/i18n.ts";
import { api } from "../../shared/api_client.ts";
import { Dialog } from "./Dialog.tsx";
import { RevokeDialog } from "./RevokeDialog.tsx";
import { InviteLink } from "./InviteLink.tsx";
import { personName, type Problem, problemOf, roleName, valueOf } from "./shared.ts";
import type { AdminClass, AdminInvite, AdminMember } from "../../shared/admin_view.ts";

/** Roles in the order the invite form offers them. */
const INVITE_ROLES: readonly Role[] = ["teacher", "student", "parent", "admin"];
const MAX_USES = 1000;
/** How long an invite works, as a person chooses it (hours, and its words). */
const LIFETIMES = [
  [24, "invites.ttl.day"],
  [72, "invites.ttl.3days"],
  [168, "invites.ttl.week"],
  [720, "invites.ttl.month"],
] as const;
const DEFAULT_HOURS = 72;
const defaultUses = (role: Role) => role === "admin" || role === "teacher" ? 1 : 40;

export interface InvitesPanelProps {
  locale: Locale;
  orgId: string;
  timeZone: string;
  live: boolean;
  invites: AdminInvite[];
  classes: AdminClass[];
  members: AdminMember[];
  onInvites: (invites: AdminInvite[]) => void;
}

export function InvitesPanel(props: InvitesPanelProps) {
  const { locale, orgId, live, invites, classes, members, timeZone } = props;
  const [role, setRole] = useState<Role>("teacher");
  const [classId, setClassId] = useState("");
  const [childId, setChildId] = useState("");
  const [uses, setUses] = useState(String(defaultUses("teacher")));
  const [hours, setHours] = useState(String(DEFAULT_HOURS));
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<Problem | null>(null);
  const [created, setCreated] = useState<AdminInvite | null>(null);
  const [showing, setShowing] = useState<string | null>(null);
  const [revoking, setRevoking] = useState<string | null>(null);
  const [status, setStatus] = useState("");

  // The new link is what the admin came for: focus moves to it.
  useEffect(() => {
    if (created) document.getElementById("invite-created-title")?.focus();
  }, [created?.token]);

  const byId = new Map(members.map((m) => [m.userId, m]));
  const classNames = new Map(classes.map((c) => [c.id, c.name]));
  const students = members.filter((m) =>
    m.roles.includes("student") && (!classId || m.classIds.includes(classId))
  );

  /** "Student · 5 А · for Maria" — what an invite grants. */
  const summary = (i: Pick<AdminInvite, "role" | "classId" | "childId">) =>
    [
      roleName(locale, i.role),
      i.classId ? classNames.get(i.classId) ?? t(locale, "invites.goneClass") : null,
      i.childId
        ? t(locale, "invites.forChild", { name: personName(locale, byId.get(i.childId)) })
        : null,
    ].filter(Boolean).join(" · ");
  const until = (iso: string) => formatDateTime(locale, iso, timeZone);

  async function refresh() {
    const res = await api<{ invites: AdminInvite[] }>("GET", `/orgs/${orgId}/invites`);
    props.onInvites(res.invites);
  }

  async function create(e: Event) {
    e.preventDefault();
    setBusy(true);
    setProblem(null);
    setCreated(null);
    try {
      const body = {
        role,
        classId: classId || null,
        childId: role === "parent" && childId ? childId : null,
        maxUses: Number(uses),
        ttlHours: Number(hours),
      };
      const res = await api<{ id: string; token: string; url: string; expiresAt: string }>(
        "POST",
        `/orgs/${orgId}/invites`,
        body,
      );
      setCreated({
        ...res,
        role,
        classId: body.classId,
        childId: body.childId,
        maxUses: body.maxUses,
        uses: 0,
        createdBy: null,
        createdAt: new Date().toISOString(),
      });
      await refresh().catch(() => {});
    } catch (err) {
      setProblem(problemOf(locale, err));
    } finally {
      setBusy(false);
    }
  }

  function pickRole(next: Role) {
    setRole(next);
    setUses(String(defaultUses(next)));
    if (next !== "parent") setChildId("");
  }

  const invalid = (field: string) => problem?.field === field || undefined;
  const showingInvite = invites.find((i) => i.token === showing) ??
    (created?.token === showing ? created : undefined);
  const revokingInvite = invites.find((i) => i.token === revoking);

  return (
    <section id="invites" class="admin-section" aria-labelledby="invites-title">
      <h2 id="invites-title" tabIndex={-1}>{t(locale, "invites.title")}</h2>
      <p class="muted">{t(locale, "invites.lead")}</p>
      <form class="card invite-form" onSubmit={create} aria-labelledby="invite-new-title">
        <h3 id="invite-new-title">{t(locale, "invites.new")}</h3>
        {problem && <p class="alert alert-error" role="alert">{problem.text}</p>}
        <div class="invite-grid">
          <div class="field">
            <label for="invite-role">{t(locale, "invites.role")}</label>
            <select
              id="invite-role"
              disabled={!live}
              value={role}
              onChange={(e) => pickRole(valueOf(e) as Role)}
            >
              {INVITE_ROLES.map((r) => <option key={r} value={r}>{roleName(locale, r)}</option>)}
            </select>
          </div>
          <div class="field">
            <label for="invite-class">{t(locale, "invites.class")}</label>
            <select
              id="invite-class"
              disabled={!live}
              value={classId}
              aria-invalid={invalid("classId")}
              onChange={(e) => {
                setClassId(valueOf(e));
                setChildId("");
              }}
            >
              <option value="">{t(locale, "invites.noClass")}</option>
              {classes.map((c) => <option key={c.id} value={c.id}>{c.name}</option>)}
            </select>
          </div>
          {role === "parent" && (
            <div class="field">
              <label for="invite-child">{t(locale, "invites.child")}</label>
              <select
                id="invite-child"
                disabled={!live}
                value={childId}
                aria-invalid={invalid("childId")}
                onChange={(e) => setChildId(valueOf(e))}
              >
                <option value="">{t(locale, "invites.noChild")}</option>
                {students.map((s) => (
                  <option key={s.userId} value={s.userId}>{personName(locale, s)}</option>
                ))}
              </select>
            </div>
          )}
          <div class="field">
            <label for="invite-uses">{t(locale, "invites.maxUses")}</label>
            <input
              id="invite-uses"
              type="number"
              inputMode="numeric"
              disabled={!live}
              required
              min={1}
              max={MAX_USES}
              value={uses}
              aria-describedby="invite-uses-hint"
              aria-invalid={invalid("maxUses")}
              onInput={(e) => setUses(valueOf(e))}
            />
            <p class="hint" id="invite-uses-hint">{t(locale, "invites.maxUsesHint")}</p>
          </div>
          <div class="field">
            <label for="invite-hours">{t(locale, "invites.hours")}</label>
            <select
              id="invite-hours"
              disabled={!live}
              value={hours}
              aria-describedby="invite-hours-hint"
              aria-invalid={invalid("ttlHours")}
              onChange={(e) => setHours(valueOf(e))}
            >
              {LIFETIMES.map(([h, key]) => (
                <option key={h} value={String(h)}>{t(locale, key)}</option>
              ))}
            </select>
            <p class="hint" id="invite-hours-hint">{t(locale, "invites.hoursHint")}</p>
          </div>
        </div>
        <p class="hint">{t(locale, `invites.roleHint.${role}`)}</p>
        <button type="submit" disabled={busy || !live}>{t(locale, "invites.create")}</button>
      </form>

      {created && (
        <div class="card invite-created" role="region" aria-labelledby="invite-created-title">
          <h3 id="invite-created-title" tabIndex={-1}>
            {t(locale, "invites.created")}
          </h3>
          <p>
            {summary(created)} · {t(locale, "invites.until", { date: until(created.expiresAt) })}
          </p>
          <InviteLink
            locale={locale}
            id="invite-new"
            url={created.url}
            summary={summary(created)}
            live={live}
          />
        </div>
      )}

      <h3 id="invites-active-title" tabIndex={-1}>{t(locale, "invites.active")}</h3>
      <p class="visually-hidden" role="status">{status}</p>
      {invites.length === 0
        ? <p class="muted">{t(locale, "invites.none")}</p>
        : (
          <ul class="invite-list" aria-labelledby="invites-active-title">
            {invites.map((i) => (
              <li key={i.token} class="invite-row">
                <div class="invite-what">
                  <strong>{summary(i)}</strong>
                  <span class="muted">
                    {t(locale, "invites.uses", { uses: i.uses, max: i.maxUses })} ·{" "}
                    {t(locale, "invites.until", { date: until(i.expiresAt) })}
                  </span>
                  <span class="muted">
                    {t(locale, "invites.by", {
                      name: i.createdBy
                        ? personName(locale, byId.get(i.createdBy))
                        : t(locale, "invites.byOperator"),
                    })}
                  </span>
                </div>
                <div class="row invite-actions">
                  <button
                    type="button"
                    class="secondary small"
                    disabled={!live}
                    aria-label={t(locale, "invites.showOf", { summary: summary(i) })}
                    onClick={() => setShowing(i.token)}
                  >
                    {t(locale, "invites.show")}
                  </button>
                  <button
                    type="button"
                    class="secondary danger-text small"
                    disabled={!live}
                    aria-label={t(locale, "invites.revokeOf", { summary: summary(i) })}
                    onClick={() => setRevoking(i.token)}
                  >
                    {t(locale, "invites.revoke")}
                  </button>
                </div>
              </li>
            ))}
          </ul>
        )}

      {showingInvite && (
        <Dialog
          locale={locale}
          id="invite-dialog"
          title={summary(showingInvite)}
          onClose={() => setShowing(null)}
          fallbackFocus="#invites-title"
          wide
        >
          <p class="muted">
            {t(locale, "invites.until", { date: until(showingInvite.expiresAt) })}
          </p>
          <InviteLink
            locale={locale}
            id="invite-shown"
            url={showingInvite.url}
            summary={summary(showingInvite)}
            live={live}
          />
        </Dialog>
      )}
      {revokingInvite && (
        <RevokeDialog
          locale={locale}
          invite={revokingInvite}
          summary={summary(revokingInvite)}
          onClose={() => setRevoking(null)}
          onRevoked={(token) => {
            props.onInvites(invites.filter((x) => x.token !== token));
            if (created?.token === token) setCreated(null);
            setStatus(t(locale, "invites.revoked"));
          }}
        />
      )}
    </section>
  );
}
