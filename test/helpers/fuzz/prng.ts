/** mulberry32: small, fast, good enough to pick fuzz inputs, and fully determined by its seed. */
export class Rng {
  private s: number;

  constructor(seed: number) {
    this.s = seed >>> 0;
  }

  next(): number {
    this.s = (this.s + 0x6d2b79f5) >>> 0;
    let t = this.s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** Integer in [min, max]. */
  range(min: number, max: number): number {
    return min + this.int(max - min + 1);
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('pick from an empty list');
    return items[this.int(items.length)]!;
  }

  /** Picks a key with probability proportional to its weight. */
  weighted<K extends string>(table: Readonly<Record<K, number>>): K {
    const entries = Object.entries(table) as Array<[K, number]>;
    let total = 0;
    for (const [, w] of entries) total += w;
    let x = this.next() * total;
    for (const [k, w] of entries) {
      x -= w;
      if (x < 0) return k;
    }
    return entries[entries.length - 1]![0];
  }

  bytes(n: number): Buffer {
    const b = Buffer.alloc(n);
    for (let i = 0; i < n; i++) b[i] = this.int(256);
    return b;
  }

  /** An independent stream, so that one part of the suite drawing more numbers does not shift another. */
  fork(): Rng {
    return new Rng(this.int(2 ** 32));
  }
}

/** The independent streams of one fuzz run. */
export interface FuzzStreams {
  http: Rng;
  /** One stream per concurrently running part, so timing never changes what is drawn. */
  frames: { open: Rng; default: Rng };
  upgrades: Rng;
  abuse: Rng;
}

/**
 * Forks every stream from the seed in one fixed order, so each test file draws exactly the inputs the
 * same seed gives it, whichever parts it runs.
 */
export function fuzzStreams(seed: number): FuzzStreams {
  const root = new Rng(seed);
  const http = root.fork();
  const frames = { open: root.fork(), default: root.fork() };
  const upgrades = root.fork();
  const abuse = root.fork();
  return { http, frames, upgrades, abuse };
}
