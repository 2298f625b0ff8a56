import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { machineInfo, round } from './measure';

/** One row of a benchmark's table (and one top-level key of its JSON). */
export interface Metric {
  key: string;
  label: string;
  value: number;
  unit: string;
  /** Decimals shown and stored. */
  digits?: number;
  target?: { op: '>=' | '<='; value: number };
}

/** What a benchmark hands back to bench/run.ts. */
export interface BenchResult {
  name: string;
  metrics: Metric[];
  /** Parameters used (limits, counts, durations) and why. */
  settings: Record<string, unknown>;
  /** Everything else measured, for the JSON only. */
  details: Record<string, unknown>;
  /** Caveats printed under the table (e.g. other load on the machine while measuring). */
  notes: string[];
  /**
   * Top-level JSON keys in place of the flat metric keys, for benches whose result has a nested shape
   * (wall: `tiles_<N>: {fps_min, …}`); the table still prints `metrics`.
   */
  json?: Record<string, unknown>;
}

export type Verdict = 'ok' | 'miss' | '-';

export function verdict(m: Metric): Verdict {
  if (!m.target) return '-';
  if (!Number.isFinite(m.value)) return 'miss';
  return (m.target.op === '>=' ? m.value >= m.target.value : m.value <= m.target.value) ? 'ok' : 'miss';
}

function show(v: number, digits: number): string {
  const r = round(v, digits);
  return r === null ? 'n/a' : r.toLocaleString('en-US', { maximumFractionDigits: digits });
}

/** The printed table: metric, value, target, ok/miss, what was measured; then the notes. */
export function formatTable(result: BenchResult): string {
  const rows = result.metrics.map((m) => [
    m.key,
    `${show(m.value, m.digits ?? 1)} ${m.unit}`,
    m.target ? `${m.target.op === '>=' ? '≥' : '≤'} ${show(m.target.value, m.digits ?? 1)} ${m.unit}` : '',
    verdict(m),
    m.label,
  ]);
  const head = ['metric', 'value', 'target', 'result', 'what'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]): string =>
    cells
      .map((c, i) => c.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  const lines = [
    `bench ${result.name}`,
    line(head),
    line(widths.map((w) => '-'.repeat(w))),
    ...rows.map(line),
  ];
  for (const n of result.notes) lines.push(`note: ${n}`);
  return lines.join('\n');
}

const resultsDir = fileURLToPath(new URL('../results/', import.meta.url));

/** Writes bench/results/<name>.json: each metric as a top-level key, plus targets, machine, date, settings. */
export function writeResult(result: BenchResult, startedAt: Date, seconds: number): string {
  const flat: Record<string, number | null> = {};
  for (const m of result.metrics) flat[m.key] = round(m.value, m.digits ?? 1);
  const json = {
    ...(result.json ?? flat),
    targets: Object.fromEntries(
      result.metrics
        .filter((m) => m.target)
        .map((m) => [m.key, { ...m.target, unit: m.unit, result: verdict(m) }]),
    ),
    units: Object.fromEntries(result.metrics.map((m) => [m.key, m.unit])),
    machine: machineInfo(),
    date: startedAt.toISOString(),
    duration_s: round(seconds, 1),
    settings: result.settings,
    notes: result.notes,
    details: result.details,
  };
  mkdirSync(resultsDir, { recursive: true });
  const file = `${resultsDir}${result.name}.json`;
  writeFileSync(file, `${JSON.stringify(json, null, 2)}\n`);
  return file;
}
