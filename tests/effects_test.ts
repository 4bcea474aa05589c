/**
 * Durable effects (effects/): work written in the same commit as the change that calls for it
 * runs exactly once, whichever isolates or processes run the outbox, and survives a kill -9
 * between the commit and the work.
 */
import assert from "node:assert/strict";
import { call, FakeClock, OPERATOR, signIn, testApp } from "./helpers.ts";
import { type Mailer, outboxMailer } from "../platform/mail.ts";
import { AppError } from "../shared/errors.ts";
import { api, signInReal, startServer } from "./server.ts";
import { type EffectBody, writeEffect } from "../effects/outbox.ts";
import { type EffectHandlers, EffectRunner } from "../effects/runner.ts";
import { recordWebhook } from "../domain/attendance.ts";
import { keys } from "../platform/kv_keys.ts";
import { type ChatId, type OrgId, ulidSource, type UserId } from "../shared/ids.ts";
import type { Attendance, Call } from "../domain/calls.ts";
import type { WebhookEvent } from "livekit-server-sdk";

/** Handlers that only count, per effect id, how often each ran. */
function counting(runs: Map<string, number>, delay = 0): EffectHandlers {
  const count = async (_body: EffectBody, record: { id: string }) => {
    runs.set(record.id, (runs.get(record.id) ?? 0) + 1);
    if (delay) await new Promise((r) => setTimeout(r, delay));
  };
  return {
    "file.purge": count,
    "report.created": count,
    "school.left": count,
    "call.finished": count,
    "call.evict": count,
    "mail.send": count,
    "notify.messages": count,
    "notify.retry": count,
    "notify.quiet": count,
    "notify.email": count,
    "notify.digest": count,
  };
}

async function outboxSize(kv: Deno.Kv): Promise<number> {
  let n = 0;
  for await (const _ of kv.list({ prefix: keys.effects() })) n++;
  return n;
}

Deno.test("effects written with their commits run exactly once with two isolates running the outbox", async () => {
  await using kv = await Deno.openKv(":memory:");
  const clock = new FakeClock();
  const ids = ulidSource(clock);
  const written: string[] = [];
  for (let i = 0; i < 60; i++) {
    const op = kv.atomic().set(["things", i], i);
    written.push(writeEffect(op, ids.ulid(), { kind: "file.purge", fileId: `f${i}` }, 0).id);
    assert.ok((await op.commit()).ok);
  }
  const runs = new Map<string, number>();
  const isolates = [1, 2].map(() =>
    new EffectRunner({ kv, clock, handlers: counting(runs, 1), pollMs: 5 })
  );
  for (const runner of isolates) runner.start();
  await Promise.all(isolates.map((runner) => runner.drain()));
  await Promise.all(isolates.map((runner) => runner.stop()));
  assert.deepEqual([...runs.keys()].sort(), [...written].sort(), "every effect ran");
  assert.deepEqual(new Set(runs.values()), new Set([1]), "none ran twice");
  assert.equal(await outboxSize(kv), 0);
});

Deno.test("a failing effect is retried with backoff until it succeeds, and a dead runner's lease runs out", async () => {
  await using kv = await Deno.openKv(":memory:");
  const clock = new FakeClock();
  const op = kv.atomic();
  writeEffect(op, "01J000000000000000000EFFCT", { kind: "file.purge", fileId: "f" }, 0);
  await op.commit();
  let tries = 0;
  const flaky: EffectHandlers = {
    ...counting(new Map()),
    "file.purge": () => ++tries < 3 ? Promise.reject(new Error("disk busy")) : Promise.resolve(),
  };
  const runner = new EffectRunner({ kv, clock, handlers: flaky, pollMs: 5 });
  const errors = console.error;
  console.error = () => {};
  try {
    await runner.runNow(["01J000000000000000000EFFCT"]);
    assert.equal(tries, 1);
    await runner.runNow(["01J000000000000000000EFFCT"]);
    assert.equal(tries, 1, "not again before its backoff");
    clock.advance(2_000);
    await runner.runNow(["01J000000000000000000EFFCT"]);
    assert.equal(tries, 2);
    clock.advance(10 * 60_000);
    await runner.drain();
    assert.equal(tries, 3);
  } finally {
    console.error = errors;
  }
  assert.equal(await outboxSize(kv), 0);

  // A runner claimed an effect and died: nobody runs it while its lease holds, anyone after.
  const held = kv.atomic();
  const record = writeEffect(held, "01J000000000000000000LEASE", {
    kind: "file.purge",
    fileId: "g",
  }, 0);
  held.set(keys.effect(record.id), {
    ...record,
    lease: { owner: "gone", until: clock.now() + 60_000 },
  });
  await held.commit();
  const runs = new Map<string, number>();
  const survivor = new EffectRunner({ kv, clock, handlers: counting(runs) });
  await survivor.runNow([record.id]);
  assert.equal(runs.size, 0, "held by the dead runner");
  clock.advance(61_000);
  await survivor.drain();
  assert.equal(runs.get(record.id), 1);
});

/** A KV store that dies once at the commit that would write attendance, as a crash would. */
function crashingAtAttendance(real: Deno.Kv) {
  const state = { armed: true, crashed: 0 };
  const kv = new Proxy(real, {
    get(target, prop) {
      if (prop !== "atomic") {
        const value = Reflect.get(target, prop, target);
        return typeof value === "function" ? value.bind(target) : value;
      }
      return () => {
        const op = target.atomic();
        let attendance = false;
        const proxy: Deno.AtomicOperation = new Proxy(op, {
          get(o, p) {
            if (p === "commit") {
              return () => {
                if (attendance && state.armed) {
                  state.armed = false;
                  state.crashed++;
                  return Promise.reject(new Error("the process died here"));
                }
                return o.commit();
              };
            }
            const value = Reflect.get(o, p, o);
            if (typeof value !== "function") return value;
            return (...args: unknown[]) => {
              if (p === "set" && String((args[0] as Deno.KvKey)[0]) === "call_attendance") {
                attendance = true;
              }
              value.apply(o, args);
              return proxy;
            };
          },
        });
        return proxy;
      };
    },
  });
  return { kv, state };
}

Deno.test("a LiveKit webhook that fails mid-way and is delivered again records its join once", async () => {
  await using real = await Deno.openKv(":memory:");
  const clock = new FakeClock();
  const ids = ulidSource(clock);
  const call = {
    id: "01J0000000000000000000CALL",
    chatId: "01J0000000000000000000CHAT" as ChatId,
    orgId: "01J00000000000000000000ORG" as OrgId,
    room: "room-lesson",
    messageSeq: 2,
    screenShareForAll: false,
  } as unknown as Call;
  await real.atomic().set(keys.call(call.id), call).set(keys.callByRoom(call.room), call.id)
    .commit();
  const { kv, state } = crashingAtAttendance(real);
  const student = ids.ulid() as UserId;
  const joined = {
    id: "EV_join_1",
    event: "participant_joined",
    room: { name: call.room },
    participant: { identity: student },
    createdAt: 1_700_000_000n,
  } as unknown as WebhookEvent;

  await assert.rejects(recordWebhook({ kv, clock, ids }, joined), /died here/);
  assert.equal(state.crashed, 1);
  // LiveKit did not get its 200, so it delivers the webhook again; and once more, by mistake.
  await recordWebhook({ kv, clock, ids }, joined);
  await recordWebhook({ kv, clock, ids }, joined);
  const entries: Attendance[] = [];
  for await (const e of real.list<Attendance>({ prefix: keys.callAttendance(call.id) })) {
    entries.push(e.value);
  }
  assert.deepEqual(entries.map((e) => e.userId), [student], "the join is there, once");
});

Deno.test("kill -9 between a removal's commit and its effect: after a restart on two workers the member leaves the school's chats once", async () => {
  const dir = await Deno.makeTempDir();
  const kvPath = `${dir}/parta.kv`;
  const env = { KV_PATH: kvPath, DEV_OUTBOX: "1", OPERATOR_EMAILS: "operator@parta.test" };
  try {
    let orgId = "", adminId = "", pupilId = "", chatId = "", admin = "";
    {
      await using server = await startServer({ ...env, DENO_JOBS: "1" });
      const base = server.url;
      const applied = await api<{ id: string }>(base, "POST", "/org-applications", null, {
        schoolName: "Школа № 9",
        region: "Казань",
        adminName: "Гульнара Ринатовна",
        adminEmail: "head@school9.test",
        adminPhone: "+7 900 000 00 09",
      });
      const operator = await signInReal(base, "operator@parta.test", "Оператор");
      const approved = await api<{ org: { id: string }; adminInvite: { token: string } }>(
        base,
        "POST",
        `/org-applications/${applied.body.id}/approve`,
        operator,
      );
      orgId = approved.body.org.id;
      admin = await signInReal(base, "head@school9.test");
      await api(base, "POST", `/invites/${approved.body.adminInvite.token}/accept`, admin, {
        displayName: "Гульнара Ринатовна",
      });
      const invite = await api<{ token: string }>(base, "POST", `/orgs/${orgId}/invites`, admin, {
        role: "student",
      });
      const pupil = await signInReal(base, "timur@school9.test");
      const accepted = await api(base, "POST", `/invites/${invite.body.token}/accept`, pupil, {
        displayName: "Тимур Г.",
      });
      assert.equal(accepted.status, 200, JSON.stringify(accepted.body));
      adminId = (await api<{ user: { id: string } }>(base, "GET", "/me", admin)).body.user.id;
      pupilId = (await api<{ user: { id: string } }>(base, "GET", "/me", pupil)).body.user.id;
      const chat = await api<{ chat: { id: string } }>(
        base,
        "POST",
        `/orgs/${orgId}/chats`,
        admin,
        {
          kind: "group",
          title: "Кружок робототехники",
          memberIds: [pupilId],
        },
      );
      assert.equal(chat.status, 201, JSON.stringify(chat.body));
      chatId = chat.body.chat.id;
      assert.equal(await server.stop(), 0);
    }

    const died = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "--allow-read",
        "--allow-write",
        new URL("./fixtures/remove_then_die.ts", import.meta.url).pathname,
        kvPath,
        orgId,
        adminId,
        pupilId,
      ],
      stdout: "inherit",
      stderr: "inherit",
    }).output();
    assert.equal(died.signal, "SIGKILL", "the process died right after the commit");
    {
      await using kv = await Deno.openKv(kvPath);
      assert.equal((await kv.get(keys.orgMember(orgId as OrgId, pupilId as UserId))).value, null);
      assert.equal(await outboxSize(kv), 1, "the effect is committed, not run");
      const still = await kv.get(keys.chatMember(chatId as ChatId, pupilId as UserId));
      assert.ok(still.value, "still in the chat's member list before the restart");
    }

    await using server = await startServer({ ...env, DENO_JOBS: "2" });
    const members = async () =>
      (await api<{ chat: { members: { userId: string }[] } }>(
        server.url,
        "GET",
        `/chats/${chatId}`,
        admin,
      )).body.chat.members.map((m) => m.userId);
    const deadline = Date.now() + 20_000;
    while ((await members()).includes(pupilId)) {
      assert.ok(Date.now() < deadline, "the member left the chat after the restart");
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.deepEqual(await members(), [adminId]);
    const events = await api<{ events: { type: string; userId?: string }[] }>(
      server.url,
      "GET",
      `/chats/${chatId}/events?after=0`,
      admin,
    );
    const left = events.body.events.filter((e) => e.type === "member.left");
    assert.equal(left.length, 1, "left once, though two workers looked at the outbox");
    assert.equal(await server.stop(), 0);
    await using kv = await Deno.openKv(kvPath);
    assert.equal(await outboxSize(kv), 0);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("an application's decision mail outlives a mail server that is down: it goes once the server is back", async () => {
  await using kv = await Deno.openKv(":memory:");
  const outbox = outboxMailer(kv, new FakeClock(), ulidSource(new FakeClock()));
  let down = true;
  const sent: string[] = [];
  // Sign-in codes go through (the test signs in with them); the decision's mail finds SMTP down.
  const mailer: Mailer = {
    async send(mail) {
      if (mail.subject.includes("Школа № 4") && down) {
        throw new AppError(503, "mail_unavailable", "The mail server did not answer");
      }
      if (mail.subject.includes("Школа № 4")) sent.push(mail.to);
      await outbox.send(mail);
    },
    close() {},
  };
  await using t = await testApp({ kv, mailer });
  const errors = console.error;
  console.error = () => {};
  try {
    const applied = await call(t, "POST", "/org-applications", null, {
      schoolName: "Школа № 4",
      region: "Пермь",
      adminName: "Ольга Николаевна",
      adminEmail: "olga@school4.test",
      adminPhone: "+7 900 000 00 04",
    });
    const { id } = await applied.json();
    const operator = await signIn(t, OPERATOR, "Оператор");
    const approved = await call(t, "POST", `/org-applications/${id}/approve`, operator);
    assert.equal(approved.status, 201, "the decision stands though the mail could not go");
    await approved.body?.cancel();
    assert.deepEqual(sent, []);
    assert.equal(await outboxSize(kv), 1, "the mail waits in the outbox");
    down = false;
    t.clock.advance(10 * 60_000);
    await t.deps.effects.drain();
    assert.deepEqual(sent, ["olga@school4.test"], "sent once, when the server was back");
  } finally {
    console.error = errors;
  }
});
