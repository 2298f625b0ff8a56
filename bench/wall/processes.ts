/**
 * CPU and memory of Chromium's processes, read from outside the pages: CDP SystemInfo for the pids and
 * their CPU time, /proc/<pid>/smaps_rollup for proportional memory (shared pages split between users).
 */
import { readFileSync } from 'node:fs';
import type { CDPSession } from 'playwright-core';

export interface ProcessReading {
  pid: number;
  type: string;
  cpuSeconds: number;
}

export async function chromiumProcesses(session: CDPSession): Promise<ProcessReading[]> {
  const info: { processInfo: Array<{ type: string; id: number; cpuTime: number }> } =
    await session.send('SystemInfo.getProcessInfo');
  return info.processInfo.map((p) => ({ pid: p.id, type: p.type, cpuSeconds: p.cpuTime }));
}

/**
 * Memory of a process in MiB: PSS (shared pages split between their users: what the metric uses), USS
 * (private pages only: what closing it would free) and RSS (everything mapped in, shared libraries
 * counted again in every process); null once it is gone.
 */
export function memMiB(pid: number): { pss: number; uss: number; rss: number } | null {
  try {
    const text = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
    const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? 0);
    return {
      pss: kb('Pss') / 1024,
      uss: (kb('Private_Clean') + kb('Private_Dirty')) / 1024,
      rss: kb('Rss') / 1024,
    };
  } catch {
    return null;
  }
}

export interface Usage {
  /** Percent of one core over the window. */
  cpuPct: number;
  /** PSS. */
  memMiB: number;
  ussMiB: number;
  rssMiB: number;
  processes: number;
}

/**
 * Usage of the processes of `type` that were not in `existing` (the renderers a run created), between
 * two readings `seconds` apart; memory is read now.
 */
export function usageOf(
  type: string,
  before: ProcessReading[],
  after: ProcessReading[],
  seconds: number,
  existing: ReadonlySet<number>,
): Usage {
  const start = new Map(before.map((p) => [p.pid, p.cpuSeconds]));
  let cpu = 0;
  const mem = { pss: 0, uss: 0, rss: 0 };
  let processes = 0;
  for (const p of after) {
    if (p.type !== type || existing.has(p.pid)) continue;
    cpu += p.cpuSeconds - (start.get(p.pid) ?? 0);
    const m = memMiB(p.pid);
    if (m) {
      mem.pss += m.pss;
      mem.uss += m.uss;
      mem.rss += m.rss;
    }
    processes++;
  }
  return { cpuPct: (cpu / seconds) * 100, memMiB: mem.pss, ussMiB: mem.uss, rssMiB: mem.rss, processes };
}

/** CPU % of every process type over the window (renderer, GPU, browser, network…), for the details. */
export function cpuByType(before: ProcessReading[], after: ProcessReading[], seconds: number) {
  const start = new Map(before.map((p) => [p.pid, p.cpuSeconds]));
  const out: Record<string, number> = {};
  for (const p of after) {
    out[p.type] = (out[p.type] ?? 0) + ((p.cpuSeconds - (start.get(p.pid) ?? 0)) / seconds) * 100;
  }
  return Object.fromEntries(Object.entries(out).map(([k, v]) => [k, Math.round(v * 10) / 10]));
}
