/**
 * The roster: names, roles, badges, classes, contacts; filters; editing and removing members;
 * and the people removed by an admin, who may be let back.
 */
import { Tick } from "../ui/Tick.tsx";
import { useState } from "preact/hooks";
import type { Locale, Role } from "../../shared/model.ts";
import { t } from "../../shared/i18n.ts";
import { personName, ROLE_ORDER, roleName, valueOf } from "./shared.ts";
import type { AdminClass, AdminMember } from "../../shared/admin_view.ts";
import { MemberDialog } from "./MemberDialog.tsx";
import { RemoveDialog } from "./RemoveDialog.tsx";
import { BansPanel } from "./BansPanel.tsx";

/** Rows shown before "show more". */
const PAGE = 100;

export interface RosterFilter {
  role: Role | "";
  classId: string;
  query: string;
}

export interface MembersPanelProps {
  locale: Locale;
  orgId: string;
  orgName: string;
  me: string;
  live: boolean;
  members: AdminMember[];
  classes: AdminClass[];
  filter: RosterFilter;
  onFilter: (filter: RosterFilter) => void;
  onMembers: (members: AdminMember[]) => void;
}

export function MembersPanel(props: MembersPanelProps) {
  const { locale, me, live, members, classes, filter } = props;
  const [shown, setShown] = useState(PAGE);
  const [editing, setEditing] = useState<string | null>(null);
  const [removing, setRemoving] = useState<string | null>(null);
  const [status, setStatus] = useState("");
  const [removals, setRemovals] = useState(0);

  const byId = new Map(members.map((m) => [m.userId, m]));
  const classNames = new Map(classes.map((c) => [c.id, c.name]));
  const parentsOf = new Map<string, string[]>();
  for (const m of members) {
    for (const child of m.childIds ?? []) {
      parentsOf.set(child, [...parentsOf.get(child) ?? [], personName(locale, m)]);
    }
  }
  const query = filter.query.trim().toLocaleLowerCase();
  const matching = members.filter((m) =>
    (!filter.role || m.roles.includes(filter.role)) &&
    (!filter.classId || m.classIds.includes(filter.classId)) &&
    (!query || (m.displayName ?? "").toLocaleLowerCase().includes(query) ||
      (m.email ?? "").toLocaleLowerCase().includes(query))
  );
  const setFilter = (patch: Partial<RosterFilter>) => {
    setShown(PAGE);
    props.onFilter({ ...filter, ...patch });
  };
  const classList = (ids: string[]) =>
    ids.map((id) => classNames.get(id)).filter((n): n is string => !!n).join(", ");

  return (
    <section id="members" class="admin-section" aria-labelledby="members-title">
      <h2 id="members-title" tabIndex={-1}>{t(locale, "members.title")}</h2>
      <div class="roster-filters" role="search" aria-label={t(locale, "members.filters")}>
        <div class="field">
          <label for="filter-role">{t(locale, "members.filterRole")}</label>
          <select
            id="filter-role"
            disabled={!live}
            value={filter.role}
            onChange={(e) => setFilter({ role: valueOf(e) as Role | "" })}
          >
            <option value="">{t(locale, "members.allRoles")}</option>
            {ROLE_ORDER.map((r) => <option key={r} value={r}>{roleName(locale, r)}</option>)}
          </select>
        </div>
        <div class="field">
          <label for="filter-class">{t(locale, "members.filterClass")}</label>
          <select
            id="filter-class"
            disabled={!live}
            value={filter.classId}
            onChange={(e) => setFilter({ classId: valueOf(e) })}
          >
            <option value="">{t(locale, "members.allClasses")}</option>
            {classes.map((c) => <option key={c.id} value={c.id}>{c.name}</option>)}
          </select>
        </div>
        <div class="field">
          <label for="filter-query">{t(locale, "members.search")}</label>
          <input
            id="filter-query"
            disabled={!live}
            type="search"
            value={filter.query}
            onInput={(e) => setFilter({ query: valueOf(e) })}
          />
        </div>
      </div>
      <p class="muted" role="status">
        {t(locale, "members.shown", { shown: matching.length, total: members.length })}
      </p>
      <p class="visually-hidden" role="status">{status}</p>
      {matching.length === 0
        ? <p>{t(locale, "members.none")}</p>
        : (
          <ul class="roster" aria-labelledby="members-title">
            {matching.slice(0, shown).map((m) => {
              const name = personName(locale, m);
              const children = (m.childIds ?? []).map((id) => personName(locale, byId.get(id)));
              const parents = parentsOf.get(m.userId) ?? [];
              return (
                <li key={m.userId} class="member-row">
                  <div class="member-who">
                    <h3 class="member-name">
                      {name}
                      {m.userId === me && (
                        <span class="muted member-you">{t(locale, "members.you")}</span>
                      )}
                    </h3>
                    {m.verified && m.roles.includes("teacher") && <VerifiedBadge locale={locale} />}
                    {(m.email || m.phone) && (
                      <p class="member-contacts">
                        {m.email && <a href={`mailto:${m.email}`}>{m.email}</a>}
                        {m.email && m.phone && <span aria-hidden="true">·</span>}
                        {m.phone && <a href={`tel:${m.phone.replace(/[^\d+]/g, "")}`}>{m.phone}</a>}
                      </p>
                    )}
                  </div>
                  <dl class="member-facts">
                    <div>
                      <dt>{t(locale, "members.roles")}</dt>
                      <dd>{m.roles.map((r) => roleName(locale, r)).join(", ")}</dd>
                    </div>
                    <div>
                      <dt>{t(locale, "members.classes")}</dt>
                      <dd>{classList(m.classIds) || t(locale, "members.noClasses")}</dd>
                    </div>
                    {parents.length > 0 && (
                      <div>
                        <dt>{t(locale, "members.parents")}</dt>
                        <dd>{parents.join(", ")}</dd>
                      </div>
                    )}
                    {m.roles.includes("parent") && (
                      <div>
                        <dt>{t(locale, "members.children")}</dt>
                        <dd>{children.join(", ") || t(locale, "members.noChildren")}</dd>
                      </div>
                    )}
                  </dl>
                  <div class="member-actions">
                    <button
                      type="button"
                      class="secondary small"
                      disabled={!live}
                      aria-label={t(locale, "members.editOf", { name })}
                      onClick={() => setEditing(m.userId)}
                    >
                      {t(locale, "members.edit")}
                    </button>
                    <button
                      type="button"
                      class="secondary danger-text small"
                      disabled={!live}
                      aria-label={t(locale, "members.removeOf", { name })}
                      onClick={() => setRemoving(m.userId)}
                    >
                      {t(locale, "members.remove")}
                    </button>
                  </div>
                </li>
              );
            })}
          </ul>
        )}
      {matching.length > shown && (
        <button
          type="button"
          class="secondary"
          onClick={() => setShown(shown + PAGE)}
        >
          {t(locale, "members.more", { n: Math.min(PAGE, matching.length - shown) })}
        </button>
      )}
      {editing && byId.get(editing) && (
        <MemberDialog
          locale={locale}
          orgId={props.orgId}
          me={me}
          member={byId.get(editing)!}
          members={members}
          classes={classes}
          onClose={() => setEditing(null)}
          onSaved={(saved) => {
            props.onMembers(members.map((x) => x.userId === saved.userId ? saved : x));
            setStatus(t(locale, "members.saved", { name: personName(locale, saved) }));
          }}
        />
      )}
      {removing && byId.get(removing) && (
        <RemoveDialog
          locale={locale}
          orgId={props.orgId}
          orgName={props.orgName}
          me={me}
          member={byId.get(removing)!}
          onClose={() => setRemoving(null)}
          onRemoved={(userId) => {
            props.onMembers(
              members.filter((x) => x.userId !== userId).map((x) =>
                x.childIds?.includes(userId)
                  ? { ...x, childIds: x.childIds.filter((id) => id !== userId) }
                  : x
              ),
            );
            setStatus(t(locale, "members.removed", { name: personName(locale, byId.get(userId)) }));
            setRemovals((n) => n + 1);
          }}
        />
      )}
      <BansPanel
        locale={locale}
        orgId={props.orgId}
        live={live}
        members={members}
        version={removals}
      />
    </section>
  );
}

/**
 * The verified-teacher badge: an element of its own beside the name, with a drawn tick (not a
 * character a name could hold) and its meaning in words.
 */
function VerifiedBadge({ locale }: { locale: Locale }) {
  return (
    <span class="badge badge-verified" title={t(locale, "role.verified")}>
      <Tick />
      {t(locale, "role.verified")}
    </span>
  );
}
