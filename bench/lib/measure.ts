import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { cpus, release, totalmem } from 'node:os';
import { monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks';

/** Resolves after `ms` (never keeps the process alive on its own once the awaiting code is gone). */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Rejects with `what` timed out after `ms`; the timer is cleared when `p` settles. */
export async function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      p,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** Runs `fn` over `items` with at most `limit` in flight. */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<R>,
): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

/** A bounded sample of latencies (ms); samples past `capacity` are counted but not kept. */
export class Samples {
  private readonly data: Float64Array;
  private n = 0;
  dropped = 0;

  constructor(capacity: number) {
    this.data = new Float64Array(capacity);
  }

  add(v: number): void {
    if (this.n < this.data.length) this.data[this.n++] = v;
    else this.dropped++;
  }

  get count(): number {
    return this.n;
  }

  /** Nearest-rank percentiles (p in 0..100) and the maximum; NaN when empty. */
  summary(): {
    count: number;
    p50: number;
    p90: number;
    p95: number;
    p99: number;
    max: number;
    mean: number;
  } {
    const sorted = this.data.slice(0, this.n).sort();
    const at = (p: number): number =>
      this.n === 0
        ? Number.NaN
        : sorted[Math.min(this.n - 1, Math.max(0, Math.ceil((p / 100) * this.n) - 1))]!;
    return {
      count: this.n,
      p50: at(50),
      p90: at(90),
      p95: at(95),
      p99: at(99),
      max: this.n ? sorted[this.n - 1]! : Number.NaN,
      mean: this.n ? sorted.reduce((a, b) => a + b, 0) / this.n : Number.NaN,
    };
  }
}

let clockTicks: number | undefined;

/** Clock ticks per second for /proc stat times (almost always 100 on Linux). */
function ticksPerSecond(): number {
  if (clockTicks === undefined) {
    try {
      clockTicks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      clockTicks = 100;
    }
  }
  return clockTicks;
}

/**
 * CPU seconds (user + system, all threads) a process has used, from /proc/<pid>/stat; undefined off Linux
 * or once the process is gone. Read from outside so a busy event loop in that process does not skew it.
 */
export function procCpuSeconds(pid: number): number | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // Fields after the parenthesised command name start at field 3 (state); utime is 14, stime 15.
  const rest = text.slice(text.lastIndexOf(')') + 2).split(' ');
  const utime = Number(rest[11]);
  const stime = Number(rest[12]);
  if (!Number.isFinite(utime) || !Number.isFinite(stime)) return undefined;
  return (utime + stime) / ticksPerSecond();
}

/** CPU seconds this process has used (all threads). */
export function selfCpuSeconds(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

/** Busy and total ticks of the whole machine from /proc/stat (undefined off Linux). */
function machineTicks(): { busy: number; total: number } | undefined {
  try {
    const first = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0] ?? '';
    // cpu user nice system idle iowait irq softirq steal …
    const f = first.trim().split(/\s+/).slice(1, 9).map(Number);
    const total = f.reduce((a, b) => a + b, 0);
    return { busy: total - (f[3] ?? 0) - (f[4] ?? 0), total };
  } catch {
    return undefined;
  }
}

/** CPU seconds of every process (/proc; empty off Linux). */
function allProcesses(): Map<number, number> {
  const out = new Map<number, number>();
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return out;
  }
  for (const e of entries) {
    if (!/^\d+$/.test(e)) continue;
    const cpu = procCpuSeconds(Number(e));
    if (cpu !== undefined) out.set(Number(e), cpu);
  }
  return out;
}

function commandOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ').trim().slice(0, 100) || '?';
  } catch {
    return '?';
  }
}

export interface CpuReading {
  seconds: number;
  /** % of one core used by this process. */
  selfPct: number;
  /** % of one core used by each watched process (NaN when unreadable). */
  pidPct: number[];
  /** % of one core busy machine-wide (processes, kernel, softirq); up to cpus × 100. */
  machinePct: number;
  /** Other processes on the machine (not this one, not the watched ones). */
  othersPct: number;
  /**
   * Busy time no live process is charged with: kernel work such as loopback TCP in softirq, and processes
   * that started and exited inside the window (short tool runs: on a shared machine, usually other load).
   */
  unattributedPct: number;
  /** The busiest other processes. */
  topOthers: Array<{ pid: number; command: string; pct: number }>;
}

/** CPU over a window for this process, watched processes (/proc, all threads), other processes and the machine. */
export class CpuWindow {
  private readonly t0 = performance.now();
  private readonly self0 = selfCpuSeconds();
  private readonly pid0: Array<number | undefined>;
  private readonly machine0 = machineTicks();
  private readonly procs0 = allProcesses();

  constructor(private readonly pids: readonly number[] = []) {
    this.pid0 = pids.map((p) => procCpuSeconds(p));
  }

  read(): CpuReading {
    const seconds = (performance.now() - this.t0) / 1000;
    const pct = (cpuSeconds: number): number => (cpuSeconds / seconds) * 100;
    const selfPct = pct(selfCpuSeconds() - this.self0);
    const pidPct = this.pids.map((p, i) => {
      const a = this.pid0[i];
      const b = procCpuSeconds(p);
      return a === undefined || b === undefined ? Number.NaN : pct(b - a);
    });
    const m1 = machineTicks();
    const m0 = this.machine0;
    const machinePct =
      m0 && m1 && m1.total > m0.total
        ? ((m1.busy - m0.busy) / (m1.total - m0.total)) * cpus().length * 100
        : Number.NaN;
    const ours = new Set([process.pid, ...this.pids]);
    const others: Array<{ pid: number; pct: number }> = [];
    let allPct = 0;
    for (const [pid, now] of allProcesses()) {
      const used = pct(now - (this.procs0.get(pid) ?? 0));
      allPct += used;
      if (!ours.has(pid) && used > 0) others.push({ pid, pct: used });
    }
    others.sort((a, b) => b.pct - a.pct);
    const othersPct = others.reduce((a, o) => a + o.pct, 0);
    return {
      seconds,
      selfPct,
      pidPct,
      machinePct,
      othersPct,
      unattributedPct: Math.max(0, machinePct - allPct),
      topOthers: others.slice(0, 3).map((o) => ({ ...o, command: commandOf(o.pid), pct: Math.round(o.pct) })),
    };
  }
}

export interface LoopStats {
  /** Event-loop delay (lateness of a 5 ms timer) percentiles and maximum, ms. */
  delayP50Ms: number;
  delayP99Ms: number;
  delayMaxMs: number;
  gcCount: number;
  gcTotalMs: number;
  gcMaxMs: number;
}

/** Event-loop delay and GC pauses of this process over a window. */
export class LoopProbe {
  private static readonly RESOLUTION_MS = 5;
  private readonly histogram = monitorEventLoopDelay({ resolution: LoopProbe.RESOLUTION_MS });
  private gc = { count: 0, total: 0, max: 0 };
  private readonly observer = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      this.gc.count++;
      this.gc.total += e.duration;
      this.gc.max = Math.max(this.gc.max, e.duration);
    }
  });

  start(): void {
    this.histogram.reset();
    this.histogram.enable();
    this.gc = { count: 0, total: 0, max: 0 };
    this.observer.observe({ entryTypes: ['gc'] });
  }

  read(): LoopStats {
    this.histogram.disable();
    this.observer.disconnect();
    // The histogram holds whole timer intervals; the delay is what exceeds the resolution.
    const ms = (ns: number): number => Math.max(0, ns / 1e6 - LoopProbe.RESOLUTION_MS);
    return {
      delayP50Ms: ms(this.histogram.percentile(50)),
      delayP99Ms: ms(this.histogram.percentile(99)),
      delayMaxMs: ms(this.histogram.max),
      gcCount: this.gc.count,
      gcTotalMs: this.gc.total,
      gcMaxMs: this.gc.max,
    };
  }
}

export interface MachineInfo {
  cpus: number;
  cpuModel: string;
  totalMemMb: number;
  node: string;
  platform: string;
  kernel: string;
}

export function machineInfo(): MachineInfo {
  const list = cpus();
  return {
    cpus: list.length,
    cpuModel: list[0]?.model ?? 'unknown',
    totalMemMb: Math.round(totalmem() / 2 ** 20),
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    kernel: release(),
  };
}

/** Rounds for display and JSON: `digits` decimals, NaN → null. */
export function round(v: number, digits = 1): number | null {
  if (!Number.isFinite(v)) return null;
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}
