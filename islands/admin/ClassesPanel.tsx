/**
 * The school's classes: the list in natural order, a new class, renaming one in place, and each
 * class's timetable link and whether its students may write to each other.
 */
import { useEffect, useRef, useState } from "preact/hooks";
import type { Locale } from "../../shared/model.ts";
import { t } from "../../shared/i18n.ts";
import { api } from "../../shared/api_client.ts";
import { type Problem, problemOf, sortClasses, valueOf } from "./shared.ts";
import type { AdminClass, AdminMember } from "../../shared/admin_view.ts";
import { ClassDialog } from "./ClassDialog.tsx";

export interface ClassesPanelProps {
  locale: Locale;
  orgId: string;
  live: boolean;
  classes: AdminClass[];
  members: AdminMember[];
  /** Whether the whole school lets students write to classmates. */
  schoolDirect: boolean;
  onClasses: (classes: AdminClass[]) => void;
  /** Shows the roster of one class. */
  onShowMembers: (classId: string) => void;
}

export function ClassesPanel(props: ClassesPanelProps) {
  const { locale, orgId, live, classes, members } = props;
  const [name, setName] = useState("");
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<Problem | null>(null);
  const [status, setStatus] = useState("");
  const [editing, setEditing] = useState<string | null>(null);
  const [configuring, setConfiguring] = useState<string | null>(null);

  async function create(e: Event) {
    e.preventDefault();
    setBusy(true);
    setProblem(null);
    setStatus("");
    try {
      const created = await api<{ id: string; name: string }>("POST", `/orgs/${orgId}/classes`, {
        name,
      });
      props.onClasses(
        sortClasses([...classes, { ...created, scheduleUrl: null, studentDirectMessages: false }]),
      );
      setStatus(t(locale, "classes.created", { name: created.name }));
      setName("");
    } catch (err) {
      setProblem(problemOf(locale, err, "classes.taken"));
    } finally {
      setBusy(false);
    }
  }

  const configuringClass = classes.find((c) => c.id === configuring);
  const count = (classId: string, role: "student" | "teacher") =>
    members.filter((m) => m.roles.includes(role) && m.classIds.includes(classId)).length;

  return (
    <section id="classes" class="admin-section" aria-labelledby="classes-title">
      <h2 id="classes-title" tabIndex={-1}>{t(locale, "classes.title")}</h2>
      <form class="admin-inline-form" onSubmit={create}>
        <div class="field">
          <label for="class-new">{t(locale, "classes.newName")}</label>
          <p class="hint" id="class-new-hint">{t(locale, "classes.newHint")}</p>
          <div class="admin-input-row">
            <input
              id="class-new"
              disabled={!live}
              required
              maxLength={60}
              value={name}
              aria-describedby={problem ? "class-new-hint class-new-error" : "class-new-hint"}
              aria-invalid={problem ? true : undefined}
              onInput={(e) => {
                setName(valueOf(e));
                setProblem(null);
              }}
            />
            <button type="submit" disabled={busy || !live}>{t(locale, "classes.create")}</button>
          </div>
          {problem && <p class="field-error" id="class-new-error" role="alert">{problem.text}</p>}
        </div>
      </form>
      <p class="visually-hidden" role="status">{status}</p>
      {classes.length === 0
        ? <p class="muted">{t(locale, "classes.empty")}</p>
        : (
          <ul class="class-list" aria-labelledby="classes-title">
            {classes.map((cls) => (
              <li key={cls.id} class="class-item">
                {editing === cls.id
                  ? (
                    <RenameForm
                      locale={locale}
                      orgId={orgId}
                      cls={cls}
                      onDone={(renamed) => {
                        setEditing(null);
                        if (renamed) {
                          props.onClasses(
                            sortClasses(classes.map((c) => c.id === renamed.id ? renamed : c)),
                          );
                          setStatus(t(locale, "classes.renamed", { name: renamed.name }));
                        }
                        // Back to the button that opened the form, once it is rendered again.
                        setTimeout(() => document.getElementById(`rename-${cls.id}`)?.focus());
                      }}
                    />
                  )
                  : (
                    <>
                      <div class="class-main">
                        <span class="class-name">{cls.name}</span>
                        <span class="muted class-counts">
                          {t(locale, "classes.counts", {
                            students: count(cls.id, "student"),
                            teachers: count(cls.id, "teacher"),
                          })}
                        </span>
                      </div>
                      <dl class="class-facts">
                        <div>
                          <dt>{t(locale, "classes.schedule")}</dt>
                          <dd>
                            {cls.scheduleUrl
                              ? (
                                <a
                                  class="class-schedule"
                                  href={cls.scheduleUrl}
                                  target="_blank"
                                  rel="noopener noreferrer"
                                >
                                  {shortUrl(cls.scheduleUrl)}
                                </a>
                              )
                              : <span class="muted">{t(locale, "classes.noSchedule")}</span>}
                          </dd>
                        </div>
                        <div>
                          <dt>{t(locale, "classes.direct")}</dt>
                          <dd>
                            {cls.studentDirectMessages
                              ? t(locale, "classes.directClass")
                              : props.schoolDirect
                              ? t(locale, "classes.directSchool")
                              : t(locale, "classes.directOff")}
                          </dd>
                        </div>
                      </dl>
                      <div class="row class-actions">
                        <button
                          type="button"
                          class="secondary small"
                          onClick={() => props.onShowMembers(cls.id)}
                          aria-label={t(locale, "classes.showMembersOf", { name: cls.name })}
                        >
                          {t(locale, "classes.showMembers")}
                        </button>
                        <button
                          type="button"
                          id={`rename-${cls.id}`}
                          class="secondary small"
                          disabled={!live}
                          onClick={() => setEditing(cls.id)}
                          aria-label={t(locale, "classes.renameOf", { name: cls.name })}
                        >
                          {t(locale, "classes.rename")}
                        </button>
                        <button
                          type="button"
                          class="secondary small"
                          disabled={!live}
                          onClick={() => setConfiguring(cls.id)}
                          aria-label={t(locale, "classes.configureOf", { name: cls.name })}
                        >
                          {t(locale, "classes.configure")}
                        </button>
                      </div>
                    </>
                  )}
              </li>
            ))}
          </ul>
        )}
      {configuringClass && (
        <ClassDialog
          locale={locale}
          orgId={orgId}
          cls={configuringClass}
          schoolDirect={props.schoolDirect}
          onClose={() => setConfiguring(null)}
          onSaved={(saved) => {
            props.onClasses(sortClasses(classes.map((c) => c.id === saved.id ? saved : c)));
            setStatus(t(locale, "classes.saved", { name: saved.name }));
          }}
        />
      )}
    </section>
  );
}

/** A link as people read it: no scheme, no trailing slash ("school12.ru/raspisanie/5a"). */
function shortUrl(url: string): string {
  return url.replace(/^https?:\/\//, "").replace(/\/$/, "");
}

function RenameForm(
  { locale, orgId, cls, onDone }: {
    locale: Locale;
    orgId: string;
    cls: AdminClass;
    onDone: (renamed: AdminClass | null) => void;
  },
) {
  const [name, setName] = useState(cls.name);
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<Problem | null>(null);
  const inputId = `rename-input-${cls.id}`;
  const input = useRef<HTMLInputElement>(null);
  useEffect(() => {
    input.current?.focus();
    input.current?.select();
  }, []);

  async function save(e: Event) {
    e.preventDefault();
    if (name.trim() === cls.name) return onDone(null);
    setBusy(true);
    setProblem(null);
    try {
      onDone(await api<AdminClass>("PATCH", `/orgs/${orgId}/classes/${cls.id}`, { name }));
    } catch (err) {
      setProblem(problemOf(locale, err, "classes.taken"));
      setBusy(false);
    }
  }

  return (
    <form
      class="class-rename"
      onSubmit={save}
      onKeyDown={(e) => {
        if (e.key === "Escape") {
          e.preventDefault();
          onDone(null);
        }
      }}
    >
      <label for={inputId}>{t(locale, "classes.renameLabel", { name: cls.name })}</label>
      <div class="admin-input-row">
        <input
          id={inputId}
          ref={input}
          required
          maxLength={60}
          value={name}
          aria-invalid={problem ? true : undefined}
          aria-describedby={problem ? `${inputId}-error` : undefined}
          onInput={(e) => setName(valueOf(e))}
        />
        <button type="submit" disabled={busy}>{t(locale, "common.save")}</button>
        <button type="button" class="secondary" onClick={() => onDone(null)}>
          {t(locale, "common.cancel")}
        </button>
      </div>
      {problem && <p class="field-error" id={`${inputId}-error`} role="alert">{problem.text}</p>}
    </form>
  );
}
