/**
 * The school admin console: classes, members and roles, invite links, settings and child-safety
 * rules, reports of messages and the moderation log. The page renders it on the server with the
 * school's current state (so it reads without JavaScript); hydrated, each part talks to the API
 * and keeps the shared state here up to date.
 */
import { useMemo, useRef, useState } from "preact/hooks";
import type { Locale } from "../shared/model.ts";
import { t } from "../shared/i18n.ts";
import { useHydrated } from "../shared/use_hydrated.ts";
import type {
  AdminAuditEntry,
  AdminClass,
  AdminInvite,
  AdminMember,
  AdminOrg,
  AdminReport,
  ChatRef,
} from "../shared/admin_view.ts";
import { ClassesPanel } from "./admin/ClassesPanel.tsx";
import { MembersPanel, type RosterFilter } from "./admin/MembersPanel.tsx";
import { InvitesPanel } from "./admin/InvitesPanel.tsx";
import { SettingsPanel } from "./admin/SettingsPanel.tsx";
import { ReportsPanel } from "./admin/ReportsPanel.tsx";
import { AuditPanel } from "./admin/AuditPanel.tsx";
import { loadChatRefs, type Names } from "./admin/moderation.ts";

export interface AdminConsoleProps {
  locale: Locale;
  /** The signed-in admin's user id. */
  me: string;
  org: AdminOrg;
  classes: AdminClass[];
  members: AdminMember[];
  invites: AdminInvite[];
  /** Reports of messages, newest first. */
  reports: AdminReport[];
  /** The newest page of the moderation log, and whether older entries exist. */
  audit: { entries: AdminAuditEntry[]; more: boolean };
  /** The chats named in `reports` and `audit`, by id. */
  chats: Record<string, ChatRef>;
  /** Names of people named in `reports` and `audit` who are no longer in the roster. */
  people: Record<string, string | null>;
  /** Whether LiveKit is configured on this server (calls come with it). */
  callsConfigured: boolean;
  /** Other schools this person administers. */
  otherSchools: { id: string; name: string }[];
}

const SECTIONS = [
  ["classes", "classes.title"],
  ["members", "members.title"],
  ["invites", "invites.title"],
  ["settings", "settings.title"],
  ["safety", "safety.title"],
  ["reports", "reports.title"],
  ["audit", "audit.title"],
] as const;

/** The roster unfiltered: every role, every class, no search. */
const WHOLE_ROSTER: RosterFilter = { role: "", classId: "", query: "" };

export default function AdminConsole(props: AdminConsoleProps) {
  const { locale, me, callsConfigured } = props;
  const live = useHydrated();
  const [org, setOrg] = useState(props.org);
  const [classes, setClasses] = useState(props.classes);
  const [members, setMembers] = useState(props.members);
  const [invites, setInvites] = useState(props.invites);
  const [reports, setReports] = useState(props.reports);
  const [chats, setChats] = useState(props.chats);
  const [filter, setFilter] = useState(WHOLE_ROSTER);
  const names: Names = useMemo(
    () => ({ members: new Map(members.map((m) => [m.userId, m])), people: props.people }),
    [members],
  );
  const looked = useRef(new Set<string>());

  /** Looks up chats named by newly loaded reports or log entries, each at most once. */
  function lookUpChats(ids: string[]) {
    const fresh = [...new Set(ids)].filter((id) => !looked.current.has(id));
    if (fresh.length === 0) return;
    fresh.forEach((id) => looked.current.add(id));
    loadChatRefs(fresh).then((found) => setChats((known) => ({ ...known, ...found })));
  }

  function showClass(classId: string) {
    setFilter({ ...WHOLE_ROSTER, classId });
    const heading = document.getElementById("members-title");
    heading?.scrollIntoView({ block: "start" });
    heading?.focus({ preventScroll: true });
  }

  return (
    <div class="admin">
      <header class="admin-head">
        <h1>
          {t(locale, "admin.title")}
          <span class="admin-org">{org.name}</span>
        </h1>
        <ul class="admin-stats" aria-label={t(locale, "admin.summary")}>
          <li>{t(locale, "admin.statClasses", { n: classes.length })}</li>
          <li>{t(locale, "admin.statMembers", { n: members.length })}</li>
          <li>{t(locale, "admin.statInvites", { n: invites.length })}</li>
          <li>
            <a href="#reports">{t(locale, "admin.statReports", { n: reports.length })}</a>
          </li>
        </ul>
        <p class={callsConfigured ? "admin-calls admin-calls-on" : "admin-calls"}>
          <span class="admin-dot" aria-hidden="true" />
          {callsConfigured ? t(locale, "admin.callsOn") : t(locale, "admin.callsOff")}
          {!callsConfigured && (
            <>
              {" "}
              <a href="/docs/calls" target="_blank" rel="noopener">
                {t(locale, "admin.callsDocs")}
              </a>
            </>
          )}
        </p>
        {props.otherSchools.length > 0 && (
          <p class="admin-other">
            {t(locale, "admin.otherSchools")} {props.otherSchools.map((s, i) => (
              <span key={s.id}>
                {i > 0 && ", "}
                <a href={`/admin/${s.id}`}>{s.name}</a>
              </span>
            ))}
          </p>
        )}
      </header>
      <div class="admin-layout">
        <nav class="admin-nav" aria-label={t(locale, "admin.sections")}>
          <ul>
            {SECTIONS.map(([id, key]) => (
              <li key={id}>
                <a href={`#${id}`}>{t(locale, key)}</a>
              </li>
            ))}
          </ul>
        </nav>
        <div class="admin-sections">
          <ClassesPanel
            locale={locale}
            orgId={org.id}
            live={live}
            classes={classes}
            members={members}
            schoolDirect={org.settings.studentDirectMessages}
            onClasses={setClasses}
            onShowMembers={showClass}
          />
          <MembersPanel
            locale={locale}
            orgId={org.id}
            orgName={org.name}
            me={me}
            live={live}
            members={members}
            classes={classes}
            filter={filter}
            onFilter={setFilter}
            onMembers={setMembers}
          />
          <InvitesPanel
            locale={locale}
            orgId={org.id}
            timeZone={org.settings.timeZone}
            live={live}
            invites={invites}
            classes={classes}
            members={members}
            onInvites={setInvites}
          />
          <SettingsPanel
            locale={locale}
            org={org}
            classes={classes}
            live={live}
            onOrg={setOrg}
          />
          <ReportsPanel
            locale={locale}
            orgId={org.id}
            timeZone={org.settings.timeZone}
            live={live}
            reports={reports}
            names={names}
            chats={chats}
            onReports={setReports}
            onUnknownChats={lookUpChats}
          />
          <AuditPanel
            locale={locale}
            orgId={org.id}
            timeZone={org.settings.timeZone}
            live={live}
            entries={props.audit.entries}
            more={props.audit.more}
            names={names}
            chats={chats}
            onUnknownChats={lookUpChats}
          />
        </div>
      </div>
    </div>
  );
}
