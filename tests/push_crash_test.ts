/**
 * Exactly once across a crash: the real server (as `deno task start` runs it, two workers) is
 * killed with SIGKILL while an announcement's pushes are going out, then started again on the same
 * KV file. The push service's log (tests/push_service.ts) must show every device's push. A push
 * can come twice only where it was in flight at the kill — taken by the push service, its answer
 * not yet seen by the server: no sender can know those went through. Such a second copy carries the
 * same RFC 8030 topic (a push service still holding the first for an offline device keeps one) and
 * the same tag and seq (the service worker shows it once).
 */
import assert from "node:assert/strict";
import { startParta } from "../bench/parta_proc.ts";
import { addPeople, createGroupChat, createSchool, fixtures } from "../bench/school.ts";
import { PushService } from "./push_service.ts";
import { api } from "./server.ts";
import { until } from "./until.ts";

const PARENTS = 80;
/** Pushes the server sends at once (effects/notify.ts). */
const IN_FLIGHT = 16;

Deno.test("kill -9 mid-announcement: after the restart every device has its push, none lost", async () => {
  const dir = await Deno.makeTempDir({ prefix: "parta-push-crash-" });
  const kvPath = `${dir}/parta.kv`;
  const kv = await Deno.openKv(kvPath);
  const f = fixtures(kv);
  const school = await createSchool(f, "Школа № 3");
  const parents = await addPeople(f, school, "parent", PARENTS, "Родитель");
  const chatId = await createGroupChat(f, school, school.admin, parents, "Родители школы");
  kv.close();

  await using push = new PushService(20);
  const env = { DEV_OUTBOX: "1", PUSH_ALLOW_INSECURE_LOCALHOST: "1" };
  let server = await startParta({ kvPath, jobs: 2, env });
  try {
    const devices: string[] = [];
    for (const parent of parents) {
      const sub = push.subscribe();
      const res = await api(server.url, "POST", "/push-subscriptions", parent.token, sub.json);
      assert.equal(res.status, 201);
      devices.push(sub.id);
    }
    const sent = await api<{ message: { seq: number } }>(
      server.url,
      "POST",
      `/chats/${chatId}/messages`,
      school.admin.token,
      { clientId: "announcement", text: "Собрание родителей в четверг в 18:00", needsAck: true },
    );
    assert.equal(sent.status, 201);
    const seq = sent.body.message.seq;
    await until("a quarter of the pushes are out", () => push.received.length >= PARENTS / 4, {
      ms: 30_000,
      every: 2,
    });
    await server.stop("SIGKILL");
    const atKill = push.received.length;
    assert.ok(atKill < PARENTS, `the kill came before the last push (${atKill})`);

    server = await startParta({ kvPath, jobs: 2, env });
    // The dead worker's claim on the effect runs out (60 s), then a new one finishes it.
    await until(
      "every device has the announcement",
      () => devices.every((id) => push.to(id).some((p) => p.payload.seq === seq)),
      { ms: 120_000 },
    );
    const doubled = devices.filter((id) =>
      push.to(id).filter((p) => p.payload.seq === seq).length > 1
    );
    console.log(
      `push crash: ${atKill}/${PARENTS} accepted before the kill, all ${PARENTS} after the restart; ` +
        `${doubled.length} sent twice (in flight at the kill)`,
    );
    assert.ok(doubled.length <= IN_FLIGHT, `${doubled.length} doubled, more than were in flight`);
    for (const id of doubled) {
      const [a, b] = push.to(id).filter((p) => p.payload.seq === seq);
      assert.deepEqual(a!.payload, b!.payload, "a second copy is the same notification");
      // The same RFC 8030 topic: a push service still holding the first for an offline device
      // keeps only one.
      assert.ok(a!.topic && a!.topic === b!.topic);
    }
    assert.deepEqual(push.refused, []);
  } finally {
    await server.stop();
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
});
