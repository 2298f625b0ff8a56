import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, release, totalmem } from 'node:os';

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
  summary(): { count: number; p50: number; p90: number; p99: number; max: number } {
    const sorted = this.data.slice(0, this.n).sort();
    const at = (p: number): number =>
      this.n === 0
        ? Number.NaN
        : sorted[Math.min(this.n - 1, Math.max(0, Math.ceil((p / 100) * this.n) - 1))]!;
    return {
      count: this.n,
      p50: at(50),
      p90: at(90),
      p99: at(99),
      max: this.n ? sorted[this.n - 1]! : Number.NaN,
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

/** Measures CPU of this process and optionally another over a window: % of one core. */
export class CpuWindow {
  private readonly t0 = performance.now();
  private readonly self0 = selfCpuSeconds();
  private readonly other0: number | undefined;

  constructor(private readonly otherPid?: number) {
    this.other0 = otherPid === undefined ? undefined : procCpuSeconds(otherPid);
  }

  /** Elapsed seconds and CPU % of one core for this process and the other one (NaN when unreadable). */
  read(): { seconds: number; selfPct: number; otherPct: number } {
    const seconds = (performance.now() - this.t0) / 1000;
    const selfPct = ((selfCpuSeconds() - this.self0) / seconds) * 100;
    const other1 = this.otherPid === undefined ? undefined : procCpuSeconds(this.otherPid);
    const otherPct =
      other1 === undefined || this.other0 === undefined
        ? Number.NaN
        : ((other1 - this.other0) / seconds) * 100;
    return { seconds, selfPct, otherPct };
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
