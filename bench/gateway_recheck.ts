/**
 * Cost of the gateway's safety net: one `recheck()` (every open socket's session and school
 * membership re-read from KV) and one `sweep()` (expired sessions) with N open sockets, each with
 * its own session and one school membership, on an in-memory KV or a KV file.
 *
 *   deno run -A bench/gateway_recheck.ts [sockets=10000] [kv-path=:memory:]
 */
import process from "node:process";
import { Gateway, type Sink } from "../actors/gateway.ts";
import { MemoryBusHub } from "../actors/bus.ts";
import { keys } from "../platform/kv_keys.ts";
import type { ChatId, OrgId, UserId } from "../shared/ids.ts";

const N = Number(Deno.args[0] ?? 10_000);
const kv = await Deno.openKv(Deno.args[1] ?? ":memory:");
const now = Date.now();
let closed = 0;
const sink = (): Sink => ({
  readyState: 1,
  bufferedAmount: 0,
  send() {},
  close: () => void closed++,
});
const gateway = new Gateway({
  kv,
  clock: { now: () => Date.now() },
  bus: new MemoryBusHub().endpoint(),
  recheckMs: 3600_000,
});
const orgId = "01BENCH0000000000000000ORG" as OrgId;
for (let i = 0; i < N; i += 250) {
  const op = kv.atomic();
  for (let j = i; j < Math.min(N, i + 250); j++) {
    const userId = `01BENCHUSER${String(j).padStart(15, "0")}` as UserId;
    const tokenHash = crypto.randomUUID().replaceAll("-", "").repeat(2);
    const expiresAt = now + 86_400_000;
    op.set(keys.session(tokenHash), {
      userId,
      createdAt: new Date(now).toISOString(),
      expiresAt: new Date(expiresAt).toISOString(),
    });
    op.set(keys.orgMember(orgId, userId), { userId, roles: ["student"] });
    const chatId = `01BENCHCHAT${String(j % 334).padStart(15, "0")}` as ChatId;
    const conn = gateway.attach(userId, sink(), [chatId], {
      chatOrgs: new Map([[chatId, orgId]]),
      session: { tokenHash, expiresAt, verifiedAt: now },
    });
    gateway.start(conn, new Map([[chatId, 0]]), new Map());
  }
  await op.commit();
}
for (let round = 0; round < 3; round++) {
  const cpu = process.cpuUsage();
  const t0 = performance.now();
  await gateway.recheck();
  const wall = performance.now() - t0;
  const used = process.cpuUsage(cpu);
  const s0 = performance.now();
  for (let k = 0; k < 1000; k++) gateway.sweep();
  const sweep = (performance.now() - s0) / 1000;
  console.log(JSON.stringify({
    sockets: gateway.size,
    closed,
    recheck_wall_ms: Math.round(wall),
    recheck_cpu_ms: Math.round((used.user + used.system) / 1000),
    sweep_us: +(sweep * 1000).toFixed(2),
  }));
}
gateway.close();
kv.close();
