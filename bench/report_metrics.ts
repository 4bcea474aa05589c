/** The rows of the figures table, per workload: what each reads from a run, and its target. */

// deno-lint-ignore no-explicit-any
export type Load = Record<string, any>;

export type Agg = "median" | "max" | "sum";

/** One row of the table: how to read it from a run of each side, and its target. */
export interface Metric {
  metric: string;
  get: (run: Load) => unknown;
  /** For the baseline side when it differs from `get`. */
  getBare?: (run: Load) => unknown;
  agg?: Agg;
  /** False where Parta / bare means nothing (counts, flags). */
  ratio?: boolean;
  target?: { text: string; met: (parta: number, bare: number | null) => boolean };
}

export function fanOutMetrics(paced: boolean): Metric[] {
  return [
    {
      metric: "deliveries/s",
      get: (r) => r.deliveries_per_s,
      target: paced
        ? undefined
        : { text: "ratio ≥ 0.7", met: (p, b) => b !== null && p >= 0.7 * b },
    },
    { metric: "send→deliver p50 ms", get: (r) => r.lat_ms?.p50 },
    {
      metric: "send→deliver p99 ms",
      get: (r) => r.lat_ms?.p99,
      target: paced
        ? { text: "Parta ≤ bare + 10 ms", met: (p, b) => b !== null && p <= b + 10 }
        : undefined,
    },
    {
      metric: "server CPU µs/delivery",
      get: (r) => r.server_cpu_us_per_delivery,
      target: paced ? { text: "ratio ≤ 2", met: (p, b) => b !== null && p <= 2 * b } : undefined,
    },
    { metric: "server CPU %", get: (r) => r.server_cpu_pct },
    { metric: "server idle CPU % (sockets open)", get: (r) => r.server_idle_cpu_pct },
    { metric: "server peak RSS MB", get: (r) => r.server_rss_peak_mb, agg: "max" },
    { metric: "lost deliveries (all runs)", ratio: false, get: (r) => r.lost, agg: "sum" },
    { metric: "client CPU % (other core)", get: (r) => r.client_cpu_pct },
    { metric: "send→ack p50 ms", get: (r) => r.ack_ms?.p50 },
    { metric: "send→ack p99 ms", get: (r) => r.ack_ms?.p99 },
    { metric: "connect all sockets s", get: (r) => r.connect_s },
    { metric: "presence frames while connecting", get: (r) => r.presence_frames_while_connecting },
    {
      metric: "runs disturbed by foreign load",
      ratio: false,
      get: (r) => (r.disturbed ? 1 : 0),
      agg: "sum",
    },
  ];
}

/** `push`: one announcement's pushes to 1,000 subscribed browsers (bare: web-push's own loop). */
export const pushMetrics: Metric[] = [
  {
    metric: "pushes/s to the push endpoint (bare: web-push loop, same concurrency)",
    get: (r) => r.parta?.pushes_per_s,
    getBare: (r) => r.raw?.pushes_per_s,
  },
  {
    metric: "s from the send to the last push accepted",
    get: (r) => r.parta?.seconds_to_last,
    getBare: (r) => r.raw?.seconds_to_last,
  },
  {
    metric: "process CPU µs per push",
    get: (r) => r.parta?.cpu_us_per_push,
    getBare: (r) => r.raw?.cpu_us_per_push,
  },
  {
    metric: "chat send→ack p99 ms while pushing (bare: chat quiet)",
    get: (r) => r.chat_ack_ms_during?.p99,
    getBare: (r) => r.chat_ack_ms_idle?.p99,
  },
];

export const actorMetrics: Metric[] = [
  {
    metric: "acked msgs/s, 500 senders (bare: raw loop)",
    get: (r) => r.actor?.msgs_per_s,
    getBare: (r) => r.raw?.msgs_per_s,
    target: { text: "Parta ≥ 5,000/s", met: (p) => p >= 5000 },
  },
  {
    metric: "send→ack p50 ms",
    get: (r) => r.actor?.ack_ms?.p50,
    getBare: (r) => r.raw?.ack_ms?.p50,
  },
  {
    metric: "send→ack p99 ms",
    get: (r) => r.actor?.ack_ms?.p99,
    getBare: (r) => r.raw?.ack_ms?.p99,
  },
  {
    metric: "messages per commit",
    ratio: false,
    get: (r) => r.actor?.mean_batch,
    getBare: () => 1,
  },
  {
    metric: "process CPU µs per acked send",
    get: (r) => r.actor?.cpu_us_per_msg,
    getBare: (r) => r.raw?.cpu_us_per_msg,
  },
  {
    metric: "one send at a time: msgs/s",
    get: (r) => r.serial?.msgs_per_s,
    getBare: (r) => r.raw?.msgs_per_s,
  },
  {
    metric: "one send at a time: CPU µs per send",
    get: (r) => r.serial?.cpu_us_per_msg,
    getBare: (r) => r.raw?.cpu_us_per_msg,
  },
  {
    metric: "failed sends (all runs)",
    ratio: false,
    get: (r) => Object.values(r.actor?.failures ?? {}).reduce((a: number, b) => a + Number(b), 0),
    getBare: () => 0,
    agg: "sum",
  },
  {
    metric: "runs disturbed by foreign load",
    ratio: false,
    get: (r) => (r.disturbed ? 1 : 0),
    getBare: () => null,
    agg: "sum",
  },
  {
    metric: "runs with a gap-free event log",
    ratio: false,
    get: (r) => (r.log_gap_free ? 1 : 0),
    getBare: () => null,
    agg: "sum",
  },
];

const zero = { text: "0", met: (p: number) => p === 0 };
/** A count that means something only as it is (no ratio), summed over runs. */
const count = (metric: string, get: (r: Load) => unknown, target?: Metric["target"]): Metric => ({
  metric,
  get,
  ratio: false,
  agg: "sum",
  target,
});

export const crashMetrics: Metric[] = [
  count("rounds, each killed with SIGKILL mid-load", (r) => r.totals?.rounds),
  count("messages acknowledged", (r) => r.totals?.acked),
  count("acknowledged, found in log and history", (r) => r.totals?.found),
  count("lost (acknowledged, not found)", (r) => r.totals?.lost, zero),
  count("acknowledged, missing from the KV file", (r) => r.totals?.missing_in_kv, zero),
  count("duplicates", (r) => r.totals?.duplicates, zero),
  count("gaps in seq", (r) => r.totals?.gaps, zero),
  count("events a client missed or got out of order", (r) => r.totals?.client_gaps, zero),
  count("never acknowledged", (r) => r.totals?.never_acked, zero),
  count("acknowledged messages resent after restart", (r) => r.totals?.replayed),
  count("resends answered with another seq", (r) => r.totals?.replay_seq_changed, zero),
  {
    metric: "restart → first ack s (median)",
    get: (r) => r.totals?.restart_to_first_ack_s?.median,
  },
  { metric: "restart → first ack s (max)", get: (r) => r.totals?.restart_to_first_ack_s?.max },
];

export const stormMetrics: Metric[] = [
  { metric: "sockets", ratio: false, get: (r) => r.sockets },
  { metric: "restart → 99 % resynced s", get: (r) => r.restart_to_99_s },
  { metric: "restart → all resynced s", get: (r) => r.restart_to_all_s },
  { metric: "server CPU s, restart → all resynced", get: (r) => r.server_cpu_s_storm },
  { metric: "server peak RSS MB after restart", get: (r) => r.server_rss_peak_mb },
  // The bare relay has no hello: its sockets are ready once upgraded.
  { metric: "hello → ready p99 ms", get: (r) => r.hello_to_ready_ms?.p99, getBare: () => null },
  count("sockets not resynced", (r) => r.not_resynced, zero),
  count("failed handshakes", (r) => r.failed_handshakes),
  count("messages sent during the storm", (r) => r.sent_during_storm),
  count("events missed (or out of order)", (r) => r.missed_events, zero),
  count("events received twice", (r) => r.duplicate_events, zero),
];

export const idleMetrics: Metric[] = [
  { metric: "sockets open after the hold", ratio: false, get: (r) => r.still_open },
  { metric: "KB per connection", get: (r) => r.kb_per_conn },
  { metric: "server RSS MB, all open", get: (r) => r.server_rss_end_mb },
  { metric: "server idle CPU %", get: (r) => r.idle_cpu_pct },
  { metric: "connect all sockets s", get: (r) => r.connect_s },
  count("sockets closed while idle", (r) => r.closed_while_idle, zero),
];

/** History rows: the route (Parta) beside a raw kv.list of the same keys (bare). */
export function historyMetrics(): Metric[] {
  const rows: Metric[] = [
    { metric: "messages in the chat", ratio: false, get: (r) => r.messages },
  ];
  for (const depth of ["newest", "half", "oldest"]) {
    const at = (c: number) => (r: Load) => r.pages?.[`${depth}_c${c}`];
    rows.push(
      {
        metric: `${depth} page p50 ms, 1 reader`,
        get: (r) => at(1)(r)?.route_ms?.p50,
        getBare: (r) => at(1)(r)?.raw_ms?.p50,
      },
      {
        metric: `${depth} page p99 ms, 1 reader`,
        get: (r) => at(1)(r)?.route_ms?.p99,
        getBare: (r) => at(1)(r)?.raw_ms?.p99,
      },
      {
        metric: `${depth} page p99 ms, 16 readers`,
        get: (r) => at(16)(r)?.route_ms?.p99,
        getBare: (r) => at(16)(r)?.raw_ms?.p99,
      },
      {
        metric: `${depth} pages/s, 64 readers`,
        get: (r) => at(64)(r)?.route_pages_per_s,
        getBare: (r) => at(64)(r)?.raw_pages_per_s,
      },
    );
  }
  rows.push(count("wrong pages", (r) => r.wrong_pages, zero));
  // Counts are of the run itself, not of the raw side.
  return rows.map((m) => ({ getBare: () => null, ...m }));
}

export const fuzzMetrics: Metric[] = [
  count("cases", (r) => r.cases, { text: "≥ 50,000", met: (p) => p >= 50_000 }),
  count("properties failed (5xx, crash, hostile input accepted)", (r) => r.properties_failed, zero),
  count("unhandled rejections", (r) => r.unhandled_rejections, zero),
  { metric: "seconds", ratio: false, get: (r) => r.seconds },
];
