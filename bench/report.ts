/** The benchmark's figures table: workload × metric × Parta × bare × ratio, with targets. */

import {
  actorMetrics,
  crashMetrics,
  fanOutMetrics,
  fuzzMetrics,
  historyMetrics,
  idleMetrics,
  type Load,
  type Metric,
  pushMetrics,
  stormMetrics,
} from "./report_metrics.ts";

export interface Row {
  workload: string;
  metric: string;
  parta: number | null;
  bare: number | null;
  /** parta / bare */
  ratio: number | null;
  target?: string;
  /** Whether the target is met; absent when the row has none. */
  met?: boolean;
  /** min–max over the runs, when there were several */
  partaRange?: string;
  bareRange?: string;
}

function median(xs: number[]): number {
  const s = xs.toSorted((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : +((s[mid - 1]! + s[mid]!) / 2).toFixed(3);
}

/** One run-shaped object per side: medians of numeric fields, the largest peak RSS, all losses. */
function combine(runs: Load[]): Load {
  const first = runs[0]!;
  const out: Load = {};
  for (const [key, value] of Object.entries(first)) {
    const values = runs.map((r) => r[key]);
    if (typeof value === "number" && values.every((v) => typeof v === "number")) {
      out[key] = key.endsWith("rss_peak_mb")
        ? Math.max(...values)
        : key === "lost"
        ? values.reduce((a, b) => a + b, 0)
        : median(values);
    } else if (value && typeof value === "object" && !Array.isArray(value)) {
      out[key] = values.every((v) => v && typeof v === "object") ? combine(values) : value;
    } else {
      out[key] = value;
    }
  }
  return out;
}

export function summarize(
  runs: Record<string, Record<string, Load[]>>,
): Record<string, Record<string, Load>> {
  const out: Record<string, Record<string, Load>> = {};
  for (const [workload, sides] of Object.entries(runs)) {
    out[workload] = {};
    for (const [side, list] of Object.entries(sides)) {
      if (list.length > 0) out[workload][side] = { ...combine(list), runs: list.length };
    }
  }
  return out;
}

const num = (x: unknown): number | null => typeof x === "number" && Number.isFinite(x) ? x : null;
const ratio = (a: number | null, b: number | null) =>
  a !== null && b !== null && b !== 0 ? +(a / b).toFixed(2) : null;

/** The aggregate and the min–max of a metric over runs (nulls when no run has it). */
function over(
  runs: Load[] | undefined,
  m: Metric,
  get = m.get,
): { value: number | null; range: string } {
  const xs = (runs ?? []).map((r) => num(get(r))).filter((x): x is number => x !== null);
  if (xs.length === 0) return { value: null, range: "" };
  const agg = m.agg ?? "median";
  const value = agg === "max"
    ? Math.max(...xs)
    : agg === "sum"
    ? xs.reduce((a, b) => a + b, 0)
    : median(xs);
  const lo = Math.min(...xs), hi = Math.max(...xs);
  const range = xs.length > 1 && agg === "median" ? `${fmt(lo)}–${fmt(hi)}` : "";
  return { value, range };
}

function rowsOf(workload: string, parta: Load[], bare: Load[] | undefined, metrics: Metric[]) {
  return metrics.map((m): Row => {
    const p = over(parta, m), b = over(bare, m, m.getBare ?? m.get);
    const row: Row = {
      workload,
      metric: m.metric,
      parta: p.value,
      bare: b.value,
      ratio: m.ratio === false ? null : ratio(p.value, b.value),
      partaRange: p.range,
      bareRange: b.range,
    };
    if (m.target) {
      row.target = m.target.text;
      row.met = p.value !== null && m.target.met(p.value, b.value);
    }
    return row;
  });
}

/**
 * Rows for whatever workloads ran. "bare" is the bare-Deno relay for the socket workloads, the
 * raw commit loop for `actor`, a raw kv.list for `history`; crash and fuzz have no baseline.
 */
export function buildTable(runs: Record<string, Record<string, Load[]>>): Row[] {
  const rows: Row[] = [];
  for (const name of ["class", "announce"]) {
    const sides = runs[name];
    if (sides?.parta?.length) {
      rows.push(...rowsOf(name, sides.parta, sides.bare, fanOutMetrics(name === "class")));
    }
  }
  const actor = runs.actor?.actor;
  if (actor?.length) {
    rows.push(...rowsOf("actor", actor, actor, actorMetrics));
  }
  const push = runs.push?.parta;
  if (push?.length) rows.push(...rowsOf("push", push, push, pushMetrics));
  const own: [string, Metric[]][] = [["crash", crashMetrics], ["history", historyMetrics()]];
  for (const [name, metrics] of own) {
    const list = runs[name]?.parta;
    if (list?.length) {
      rows.push(...rowsOf(name, list, name === "history" ? list : undefined, metrics));
    }
  }
  for (const [name, metrics] of [["storm", stormMetrics], ["idle", idleMetrics]] as const) {
    const sides = runs[name];
    if (sides?.parta?.length || sides?.bare?.length) {
      rows.push(...rowsOf(name, sides.parta ?? [], sides.bare, metrics));
    }
  }
  if (runs.fuzz?.parta?.length) {
    rows.push(...rowsOf("fuzz", runs.fuzz.parta, undefined, fuzzMetrics));
  }
  return rows.filter((r) => r.parta !== null || r.bare !== null);
}

function fmt(x: number | null): string {
  if (x === null) return "—";
  return Math.abs(x) >= 1000 ? Math.round(x).toLocaleString("en-US") : String(+x.toFixed(2));
}

/** Prints the table to stdout. */
export function printTable(rows: Row[], repeat: number): void {
  if (repeat > 1) {
    console.log(
      `\nmedians of ${repeat} runs per server, [min–max] beside them (peak RSS: largest; ` +
        `lost and failed: totals)`,
    );
  }
  const head = ["workload", "metric", "Parta", "[range]", "bare", "[range]", "ratio", "target", ""];
  const body = rows.map((r) => [
    r.workload,
    r.metric,
    fmt(r.parta),
    r.partaRange ? `[${r.partaRange}]` : "",
    fmt(r.bare),
    r.bareRange ? `[${r.bareRange}]` : "",
    r.ratio === null ? "—" : `${r.ratio}×`,
    r.target ?? "",
    r.met === undefined ? "" : r.met ? "met" : "MISSED",
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const right = new Set([2, 4, 6]);
  const line = (cells: string[]) =>
    cells.map((c, i) => (right.has(i) ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
      .join("  ").trimEnd();
  console.log("\n" + line(head));
  console.log(widths.map((w) => "-".repeat(w)).join("  "));
  for (const b of body) console.log(line(b));
}
