/**
 * The authorization matrix's world: two schools holding every role, built once through the API,
 * and helpers that make a fresh target (chat, message, invite, member, twin of a caller) per
 * request, so that no request changes the answer to a later one.
 */
// @ts-types="../../platform/jimp.d.ts"
import { Jimp } from "jimp";
import { type TestApp, testApp } from "../helpers.ts";
import { join, must, type Person, send, signIn, unique } from "./client.ts";
import { keys } from "../../platform/kv_keys.ts";
import type { OrgId, UserId } from "../../shared/ids.ts";
import { type FakeLiveKit, fakeLiveKit, LIVEKIT_KEY, LIVEKIT_SECRET } from "./livekit.ts";

/** Every platform operator the matrix may sign in as (the first is the operator caller). */
export const OPERATORS = Array.from({ length: 24 }, (_, i) => `operator${i}@parta.test`);

export type CallerName =
  | "admin"
  | "teacher"
  | "student"
  | "parent"
  | "outsider"
  | "removed"
  | "lapsed"
  | "operator"
  | "anon";

/**
 * Admin, teacher, student, parent, removed member of school A; B's admin; a member of A caught
 * between their removal's commit and its tidy-up (still listed in chats); the operator.
 */
export const CALLERS: readonly CallerName[] = [
  "admin",
  "teacher",
  "student",
  "parent",
  "outsider",
  "removed",
  "lapsed",
  "operator",
  "anon",
];

/** Commits what removing `userId` from the school commits, without the chats' tidy-up. */
async function lapse(kv: Deno.Kv, orgId: string, userId: string) {
  const committed = await kv.atomic()
    .delete(keys.orgMember(orgId as OrgId, userId as UserId))
    .delete(keys.orgByUser(userId as UserId, orgId as OrgId))
    .commit();
  if (!committed.ok) throw new Error("setup: lapse failed");
}

export type ChatVariant = "group" | "channel" | "class" | "direct";

export interface SharedChat {
  id: string;
  /** A text message by the teacher. */
  message: number;
  /** An announcement by the teacher that asks for confirmation. */
  announcement: number;
  /** A poll by the teacher. */
  poll: number;
}

/** One school with every role, its shared chats, files and calls. */
export interface SchoolFx {
  label: "A" | "B";
  orgId: string;
  classA: string;
  classB: string;
  admin: Person;
  /** Teaches class A. */
  teacher: Person;
  /** Also teaches class A; never a caller (a direct-message target). */
  teacher2: Person;
  /** In class A; the parent's child. */
  student: Person;
  /** In class A, in every chat; never a caller (target of mute, roles, removal). */
  bystander: Person;
  /** In class B; never a caller (a direct-message target). */
  student2: Person;
  /** Parent of `student`. */
  parent: Person;
  /** Was a student of class A and in the shared group and class chats, then removed. */
  removed: Person;
  /**
   * Removed from the school like `removed`, but still listed in the shared group and class chats:
   * the state between the removal's commit and the tidy-up that takes them out of each chat
   * (wiring.ts: access is already gone, as chat reads check school membership).
   */
  lapsed: Person;
  chats: Record<ChatVariant, SharedChat>;
  files: { sent: string; unsent: string; deleted: string };
  calls: { byStudent: string; byTeacher: string; ended: string };
}

export class World implements AsyncDisposable {
  a!: SchoolFx;
  b!: SchoolFx;
  operator!: Person;
  #operators = 1;
  #image!: Uint8Array;

  private constructor(readonly t: TestApp, readonly livekit: FakeLiveKit) {}

  static async create(): Promise<World> {
    const livekit = fakeLiveKit();
    const t = await testApp({
      env: {
        OPERATOR_EMAILS: OPERATORS.join(","),
        LIVEKIT_URL: livekit.url,
        LIVEKIT_API_KEY: LIVEKIT_KEY,
        LIVEKIT_API_SECRET: LIVEKIT_SECRET,
      },
    });
    const w = new World(t, livekit);
    const image = new Jimp({ width: 24, height: 16, color: 0x2a7f62ff });
    w.#image = new Uint8Array(await image.getBuffer("image/png"));
    w.operator = await signIn(t, OPERATORS[0]!, "Оператор");
    [w.a, w.b] = await Promise.all([w.#school("A"), w.#school("B")]);
    return w;
  }

  async [Symbol.asyncDispose]() {
    await this.t[Symbol.asyncDispose]();
    await this.livekit.close();
  }

  /** The person behind a caller name (null for the signed-out caller). */
  caller(who: CallerName): Person | null {
    switch (who) {
      case "outsider":
        return this.b.admin;
      case "operator":
        return this.operator;
      case "anon":
        return null;
      default:
        return this.a[who];
    }
  }

  /** A new person standing exactly where `who` stands (same roles, classes, children). */
  async twin(who: CallerName): Promise<Person | null> {
    const { a, b } = this;
    switch (who) {
      case "admin":
        return await join(this.t, a.admin, a.orgId, "admin");
      case "teacher":
        return await join(this.t, a.admin, a.orgId, "teacher", { classId: a.classA });
      case "student":
        return await join(this.t, a.admin, a.orgId, "student", { classId: a.classA });
      case "parent":
        return await join(this.t, a.admin, a.orgId, "parent", {
          classId: a.classA,
          childId: a.student.id,
        });
      case "removed": {
        const p = await join(this.t, a.admin, a.orgId, "student", { classId: a.classA });
        await must(this.t, "DELETE", `/orgs/${a.orgId}/members/${p.id}`, a.admin.token);
        return p;
      }
      case "lapsed": {
        const p = await join(this.t, a.admin, a.orgId, "student", { classId: a.classA });
        await lapse(this.t.kv, a.orgId, p.id);
        return p;
      }
      case "outsider":
        return await join(this.t, b.admin, b.orgId, "admin");
      case "operator": {
        const email = OPERATORS[this.#operators++];
        if (!email) throw new Error("setup: more operator twins than OPERATORS");
        return await signIn(this.t, email, "Оператор");
      }
      case "anon":
        return null;
    }
  }

  /** A second session of the caller's own account (one a request may end). */
  async session(who: CallerName): Promise<Person | null> {
    const person = this.caller(who);
    return person && await signIn(this.t, person.email);
  }

  /** Ends the session of `token` the way a person signs out (`POST /auth/logout`). */
  async signOut(token: string): Promise<void> {
    const res = await send(this.t, { method: "POST", path: "/auth/logout", token });
    if (res.status !== 204) throw new Error(`setup: logout answered ${res.status}`);
  }

  /** A new member of `s` (a student of class A). */
  member(s: SchoolFx): Promise<Person> {
    return join(this.t, s.admin, s.orgId, "student", { classId: s.classA });
  }

  /** A new chat of the given shape in `s`; direct chats are unique, so the shared one. */
  async chat(s: SchoolFx, variant: ChatVariant): Promise<string> {
    if (variant === "direct") return s.chats.direct.id;
    const shapes = {
      group: [s.teacher, { kind: "group", memberIds: [s.admin.id, s.student.id, s.bystander.id] }],
      channel: [s.teacher, {
        kind: "channel",
        memberIds: [s.admin.id, s.student.id, s.parent.id, s.bystander.id],
      }],
      class: [s.admin, { kind: "group", classId: s.classA, memberIds: [] }],
    } as const;
    const [creator, shape] = shapes[variant];
    const created = await must<{ chat: { id: string } }>(
      this.t,
      "POST",
      `/orgs/${s.orgId}/chats`,
      creator.token,
      { ...shape, title: unique(variant) },
    );
    return created.chat.id;
  }

  /** Posts a message; returns its seq. */
  async post(chatId: string, author: Person, extra: Record<string, unknown> = {}) {
    const sent = await must<{ message: { seq: number } }>(
      this.t,
      "POST",
      `/chats/${chatId}/messages`,
      author.token,
      { clientId: unique("m"), text: "Добрый день", ...extra },
    );
    return sent.message.seq;
  }

  /** Creates a poll; returns its seq. */
  async poll(chatId: string, author: Person) {
    const made = await must<{ message: { seq: number } }>(
      this.t,
      "POST",
      `/chats/${chatId}/polls`,
      author.token,
      { clientId: unique("p"), question: "Когда собрание?", options: ["Пн", "Вт"] },
    );
    return made.message.seq;
  }

  /** A multipart body holding a small PNG (or, with `text`, a plain file). */
  upload(text = false): FormData {
    const form = new FormData();
    const file = text
      ? new File(["Домашнее задание"], "homework.txt", { type: "text/plain" })
      : new File([new Uint8Array(this.#image)], "photo.png", { type: "image/png" });
    form.append("file", file);
    return form;
  }

  /** Uploads the image to `chatId` as `uploader`; returns the file id. */
  async file(chatId: string, uploader: Person): Promise<string> {
    const res = await send(this.t, {
      method: "POST",
      path: `/chats/${chatId}/files`,
      token: uploader.token,
      form: this.upload(),
    });
    const body = await res.json();
    if (res.status !== 201) throw new Error(`setup upload: ${res.status} ${JSON.stringify(body)}`);
    return body.file.id;
  }

  /** Starts a call in `chatId`; returns its id. */
  async call(chatId: string, starter: Person, kind = "call"): Promise<string> {
    const started = await must<{ call: { id: string } }>(
      this.t,
      "POST",
      `/chats/${chatId}/calls`,
      starter.token,
      { kind },
    );
    return started.call.id;
  }

  /** An invite into `s`; returns its token. */
  async invite(s: SchoolFx, creator: Person, role: string, classId?: string): Promise<string> {
    const made = await must<{ token: string }>(
      this.t,
      "POST",
      `/orgs/${s.orgId}/invites`,
      creator.token,
      { role, ...(classId ? { classId } : {}) },
    );
    return made.token;
  }

  /** An invite link into `chatId`, made by one of its managers. */
  async chatInvite(chatId: string, creator: Person): Promise<string> {
    const made = await must<{ token: string }>(
      this.t,
      "POST",
      `/chats/${chatId}/invites`,
      creator.token,
      {},
    );
    return made.token;
  }

  /** A pending school application; returns its id. */
  async application(): Promise<string> {
    const applied = await must<{ id: string }>(this.t, "POST", "/org-applications", null, {
      schoolName: unique("Школа"),
      region: "Москва",
      adminName: "Анна Петровна",
      adminEmail: `${unique("applicant")}@school.test`,
      adminPhone: "+7 900 123-45-67",
    });
    return applied.id;
  }

  async #school(label: "A" | "B"): Promise<SchoolFx> {
    const { t } = this;
    const applicationId = await this.application();
    const approved = await must<{ org: { id: string }; adminInvite: { token: string } }>(
      t,
      "POST",
      `/org-applications/${applicationId}/approve`,
      this.operator.token,
    );
    const orgId = approved.org.id;
    const admin = await signIn(t, `${unique("admin")}@school.test`);
    await must(t, "POST", `/invites/${approved.adminInvite.token}/accept`, admin.token, {
      displayName: `Админ ${label}`,
    });
    const classA =
      (await must<{ id: string }>(t, "POST", `/orgs/${orgId}/classes`, admin.token, { name: "5А" }))
        .id;
    const classB =
      (await must<{ id: string }>(t, "POST", `/orgs/${orgId}/classes`, admin.token, { name: "6Б" }))
        .id;
    const teacher = await join(t, admin, orgId, "teacher", { classId: classA });
    const teacher2 = await join(t, admin, orgId, "teacher", { classId: classA });
    const student = await join(t, admin, orgId, "student", { classId: classA });
    const bystander = await join(t, admin, orgId, "student", { classId: classA });
    const student2 = await join(t, admin, orgId, "student", { classId: classB });
    const parent = await join(t, admin, orgId, "parent", { classId: classA, childId: student.id });
    const removed = await join(t, admin, orgId, "student", { classId: classA });
    const lapsed = await join(t, admin, orgId, "student", { classId: classA });
    const s = {
      label,
      orgId,
      classA,
      classB,
      admin,
      teacher,
      teacher2,
      student,
      bystander,
      student2,
      parent,
      removed,
      lapsed,
    } as SchoolFx;

    // Shared chats, made while `removed` was still a member of the school (and of two of them).
    const group = await must<{ chat: { id: string } }>(
      t,
      "POST",
      `/orgs/${orgId}/chats`,
      teacher.token,
      {
        kind: "group",
        title: "Кружок",
        memberIds: [admin.id, student.id, bystander.id, removed.id, lapsed.id],
      },
    );
    const ids: Record<ChatVariant, string> = {
      group: group.chat.id,
      channel: await this.chat(s, "channel"),
      class: await this.chat(s, "class"),
      direct:
        (await must<{ chat: { id: string } }>(t, "POST", `/orgs/${orgId}/chats`, teacher.token, {
          kind: "direct",
          memberIds: [student.id],
        })).chat.id,
    };
    const chats = {} as Record<ChatVariant, SharedChat>;
    for (const variant of ["group", "channel", "class", "direct"] as const) {
      const id = ids[variant];
      chats[variant] = {
        id,
        message: await this.post(id, teacher),
        announcement: variant === "direct" ? 0 : await this.post(id, teacher, { needsAck: true }),
        poll: await this.poll(id, teacher),
      };
    }
    s.chats = chats;

    const sent = await this.file(ids.group, teacher);
    await this.post(ids.group, teacher, { fileIds: [sent] });
    const unsent = await this.file(ids.group, teacher);
    const deleted = await this.file(ids.group, teacher);
    const doomed = await this.post(ids.group, teacher, { fileIds: [deleted] });
    await must(t, "DELETE", `/chats/${ids.group}/messages/${doomed}`, teacher.token);
    s.files = { sent, unsent, deleted };

    const ended = await this.call(ids.class, admin, "meeting");
    await must(t, "POST", `/calls/${ended}/end`, admin.token);
    s.calls = {
      byStudent: await this.call(ids.group, student),
      byTeacher: await this.call(ids.channel, teacher, "lesson"),
      ended,
    };

    await must(t, "POST", `/chats/${ids.group}/lessons`, teacher.token, {
      kind: "lesson",
      title: "Контрольная",
      startsAt: new Date(t.clock.now() + 86_400_000).toISOString(),
    });
    await must(t, "DELETE", `/orgs/${orgId}/members/${removed.id}`, admin.token);
    await lapse(t.kv, orgId, lapsed.id);
    return s;
  }
}
