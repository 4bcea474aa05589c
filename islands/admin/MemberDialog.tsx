/** Changing a member: roles, classes, the children a parent is linked to, phone. */
import { useState } from "preact/hooks";
import type { Locale, Role } from "../../shared/model.ts";
import { t } from "../../shared/i18n.ts";
import { api } from "../../shared/api_client.ts";
import { closeDialogOf, Dialog } from "./Dialog.tsx";
import { personName, type Problem, problemOf, ROLE_ORDER, roleName, valueOf } from "./shared.ts";
import type { AdminClass, AdminMember } from "../../shared/admin_view.ts";

export interface MemberDialogProps {
  locale: Locale;
  orgId: string;
  me: string;
  member: AdminMember;
  members: AdminMember[];
  classes: AdminClass[];
  onClose: () => void;
  onSaved: (member: AdminMember) => void;
}

export function MemberDialog(props: MemberDialogProps) {
  const { locale, member, members, classes } = props;
  const [roles, setRoles] = useState<Set<Role>>(new Set(member.roles));
  const [classIds, setClassIds] = useState<Set<string>>(new Set(member.classIds));
  const [childIds, setChildIds] = useState<string[]>(member.childIds ?? []);
  const [phone, setPhone] = useState(member.phone ?? "");
  const [childClass, setChildClass] = useState("");
  const [childPick, setChildPick] = useState("");
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<Problem | null>(null);
  const name = personName(locale, member);
  const byId = new Map(members.map((m) => [m.userId, m]));
  const students = members.filter((m) =>
    m.roles.includes("student") && m.userId !== member.userId && !childIds.includes(m.userId) &&
    (!childClass || m.classIds.includes(childClass))
  );

  const toggle = <T,>(set: Set<T>, value: T, on: boolean) => {
    const next = new Set(set);
    if (on) next.add(value);
    else next.delete(value);
    return next;
  };

  async function save(e: Event) {
    e.preventDefault();
    const form = e.currentTarget as HTMLFormElement;
    setProblem(null);
    if (roles.size === 0) return setProblem({ text: t(locale, "admin.error.roles") });
    setBusy(true);
    const ordered = ROLE_ORDER.filter((r) => roles.has(r));
    const body: Record<string, unknown> = {
      roles: ordered,
      classIds: classes.filter((c) => classIds.has(c.id)).map((c) => c.id),
      phone: phone.trim() === "" ? null : phone.trim(),
    };
    if (roles.has("parent")) body.childIds = childIds;
    try {
      const res = await api<{ member: AdminMember }>(
        "PATCH",
        `/orgs/${props.orgId}/members/${member.userId}`,
        body,
      );
      if (member.userId === props.me && !ordered.includes("admin")) {
        // No longer an admin here: the console is not theirs any more.
        location.assign("/chats");
        return;
      }
      props.onSaved(res.member);
      closeDialogOf(form);
    } catch (err) {
      setProblem(problemOf(locale, err, "admin.error.lastAdmin"));
      setBusy(false);
    }
  }

  const invalid = (field: string) => problem?.field === field || undefined;

  return (
    <Dialog
      locale={locale}
      id="member-dialog"
      title={t(locale, "members.editTitle", { name })}
      onClose={props.onClose}
      fallbackFocus="#members-title"
      wide
    >
      <form class="stack" onSubmit={save}>
        {problem && <p class="alert alert-error" role="alert">{problem.text}</p>}
        <fieldset class="admin-fieldset">
          <legend>{t(locale, "members.roles")}</legend>
          <div class="choice-grid">
            {ROLE_ORDER.map((r) => (
              <label key={r} class="choice">
                <input
                  type="checkbox"
                  checked={roles.has(r)}
                  onChange={(e) =>
                    setRoles(toggle(roles, r, (e.target as HTMLInputElement).checked))}
                />
                {roleName(locale, r)}
              </label>
            ))}
          </div>
          <p class="hint">{t(locale, "members.teacherHint")}</p>
        </fieldset>
        <fieldset class="admin-fieldset">
          <legend>{t(locale, "members.classes")}</legend>
          {classes.length === 0
            ? <p class="muted">{t(locale, "classes.empty")}</p>
            : (
              <div class="choice-grid">
                {classes.map((c) => (
                  <label key={c.id} class="choice">
                    <input
                      type="checkbox"
                      checked={classIds.has(c.id)}
                      onChange={(e) =>
                        setClassIds(toggle(classIds, c.id, (e.target as HTMLInputElement).checked))}
                    />
                    {c.name}
                  </label>
                ))}
              </div>
            )}
        </fieldset>
        {roles.has("parent") && (
          <fieldset class="admin-fieldset">
            <legend>{t(locale, "members.children")}</legend>
            {childIds.length === 0
              ? <p class="muted">{t(locale, "members.noChildren")}</p>
              : (
                <ul class="list-plain child-list">
                  {childIds.map((id) => {
                    const child = personName(locale, byId.get(id));
                    return (
                      <li key={id} class="row">
                        <span>{child}</span>
                        <button
                          type="button"
                          class="link"
                          aria-label={t(locale, "members.unlinkOf", { name: child })}
                          onClick={() => setChildIds(childIds.filter((x) => x !== id))}
                        >
                          {t(locale, "members.unlink")}
                        </button>
                      </li>
                    );
                  })}
                </ul>
              )}
            <div class="child-picker">
              <div class="field">
                <label for="child-class">{t(locale, "members.childClass")}</label>
                <select
                  id="child-class"
                  value={childClass}
                  onChange={(e) => {
                    setChildClass(valueOf(e));
                    setChildPick("");
                  }}
                >
                  <option value="">{t(locale, "members.allClasses")}</option>
                  {classes.map((c) => <option key={c.id} value={c.id}>{c.name}</option>)}
                </select>
              </div>
              <div class="field">
                <label for="child-pick">{t(locale, "members.childPick")}</label>
                <select
                  id="child-pick"
                  value={childPick}
                  aria-invalid={invalid("childIds")}
                  onChange={(e) => setChildPick(valueOf(e))}
                >
                  <option value="">
                    {students.length
                      ? t(locale, "members.childChoose")
                      : t(locale, "members.noStudents")}
                  </option>
                  {students.map((s) => (
                    <option key={s.userId} value={s.userId}>{personName(locale, s)}</option>
                  ))}
                </select>
              </div>
              <button
                type="button"
                class="secondary"
                disabled={!childPick}
                onClick={() => {
                  setChildIds([...childIds, childPick]);
                  setChildPick("");
                }}
              >
                {t(locale, "members.link")}
              </button>
            </div>
          </fieldset>
        )}
        <div class="field">
          <label for="member-phone">{t(locale, "members.phone")}</label>
          <input
            id="member-phone"
            type="tel"
            autoComplete="off"
            maxLength={32}
            value={phone}
            aria-invalid={invalid("phone")}
            onInput={(e) => setPhone(valueOf(e))}
          />
        </div>
        <div class="row admin-dialog-actions">
          <button type="submit" disabled={busy}>
            {t(locale, "common.save")}
          </button>
          <button type="button" class="secondary" onClick={(e) => closeDialogOf(e.currentTarget)}>
            {t(locale, "common.cancel")}
          </button>
        </div>
      </form>
    </Dialog>
  );
}
