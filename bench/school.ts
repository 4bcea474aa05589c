/**
 * Benchmark fixtures built with Parta's own code, in-process, on a KV store: a school created
 * the real way (application, approval, invites accepted through the org actor), people signed
 * in with real sessions, and group chats created by `createChat` (then grown through the chat
 * actor past the 300 initial members a create allows).
 */
import { type ChatId, type OrgId, systemClock, ulidSource, type UserId } from "../shared/ids.ts";
import { outboxMailer } from "../platform/mail.ts";
import { signInVerifiedEmail } from "../domain/auth.ts";
import { approveApplication, createApplication } from "../domain/applications.ts";
import type { Role } from "../shared/model.ts";
import { MAX_USES } from "../domain/invites.ts";
import { OrgActor } from "../actors/org_actor.ts";
import { ChatActor } from "../actors/chat_actor.ts";
import { createChat, MAX_INITIAL_MEMBERS } from "../actors/chat_create.ts";
import { unwrap } from "../actors/mailbox.ts";

export interface Person {
  userId: UserId;
  /** Bearer token of a real session. */
  token: string;
}

export interface School {
  orgId: OrgId;
  admin: Person;
}

export interface Fixtures {
  kv: Deno.Kv;
  clock: typeof systemClock;
  ids: ReturnType<typeof ulidSource>;
}

export function fixtures(kv: Deno.Kv): Fixtures {
  return { kv, clock: systemClock, ids: ulidSource(systemClock) };
}

/** Runs `fn(i)` for i in 0..n-1 with at most `concurrency` in flight; results in order. */
export async function pool<T>(
  n: number,
  concurrency: number,
  fn: (i: number) => Promise<T>,
): Promise<T[]> {
  const out = new Array<T>(n);
  let next = 0;
  const worker = async () => {
    while (next < n) {
      const i = next++;
      out[i] = await fn(i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, n) }, worker));
  return out;
}

function orgActor(f: Fixtures, orgId: OrgId): OrgActor {
  return new OrgActor(orgId, { kv: f.kv, clock: f.clock, ids: f.ids });
}

async function signIn(f: Fixtures, email: string): Promise<Person> {
  const deps = { ...f, mailer: outboxMailer(f.kv, f.clock, f.ids) };
  const { user, token } = await signInVerifiedEmail(deps, email, null);
  return { userId: user.id, token };
}

/** A school with its first admin signed in and joined. */
export async function createSchool(f: Fixtures, name: string): Promise<School> {
  const tag = crypto.randomUUID().slice(0, 8);
  const operator = await signIn(f, `operator.${tag}@bench.test`);
  const application = await createApplication(f, {
    schoolName: name,
    region: "Москва",
    adminName: "Анна Петровна",
    adminEmail: `admin.${tag}@bench.test`,
    adminPhone: "+7 900 000-00-00",
  });
  const approval = await approveApplication(f, application.id, operator.userId);
  const admin = await signIn(f, `admin.${tag}@bench.test`);
  const org = orgActor(f, approval.org.id);
  unwrap(await org.acceptInvite(admin.userId, approval.adminInvite.token, "Анна Петровна"));
  // The fan-out is measured at any hour: quiet hours would hold students' pushes back.
  unwrap(
    await org.updateOrg(admin.userId, {
      settings: { quietHours: { enabled: false, start: "21:00", end: "08:00" } },
    }),
  );
  await org.stop();
  return { orgId: approval.org.id, admin };
}

/** Signs `count` new people in and joins them to the school with `role` through invites. */
export async function addPeople(
  f: Fixtures,
  school: School,
  role: Role,
  count: number,
  label: string,
): Promise<Person[]> {
  const org = orgActor(f, school.orgId);
  const tokens: string[] = [];
  for (let made = 0; made < count; made += MAX_USES) {
    const invite = unwrap(
      await org.createInvite(school.admin.userId, {
        role,
        maxUses: Math.min(MAX_USES, count - made),
        ttlHours: 720,
      }),
    );
    tokens.push(invite.token);
  }
  const tag = crypto.randomUUID().slice(0, 8);
  const people = await pool(count, 32, async (i) => {
    const person = await signIn(f, `${label}.${i}.${tag}@bench.test`);
    const token = tokens[Math.floor(i / MAX_USES)]!;
    unwrap(await org.acceptInvite(person.userId, token, `${label} ${i + 1}`));
    return person;
  });
  await org.stop();
  return people;
}

/** A group chat owned by `creator` with `members` (any number), all posting allowed. */
export async function createGroupChat(
  f: Fixtures,
  school: School,
  creator: Person,
  members: readonly Person[],
  title: string,
): Promise<ChatId> {
  const ids = members.map((m) => m.userId);
  const noPublish = () => {};
  const { chat } = await createChat({ ...f, publish: noPublish }, {
    orgId: school.orgId,
    kind: "group",
    title,
    creatorId: creator.userId,
    memberIds: ids.slice(0, MAX_INITIAL_MEMBERS),
  });
  if (ids.length > MAX_INITIAL_MEMBERS) {
    const actor = new ChatActor(chat.id, { ...f, publish: noPublish });
    for (let i = MAX_INITIAL_MEMBERS; i < ids.length; i += 300) {
      unwrap(
        await actor.run({
          type: "addMembers",
          actorId: creator.userId,
          userIds: ids.slice(i, i + 300),
        }),
      );
    }
    await actor.stop();
  }
  return chat.id;
}
