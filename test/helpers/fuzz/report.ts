/** What a fuzz run found and counted: the problem list, outcome tallies and the printed table. */

/** Problems collected across a test file; each test asserts that it added none. */
export class Problems {
  readonly list: string[] = [];
  private finished = false;

  /** Records a problem (bounded; ignored once the run has finished and sockets are closing). */
  readonly add = (text: string): void => {
    if (!this.finished && this.list.length < 5000) this.list.push(text);
  };

  /** A mark to pass to `since`. */
  mark(): number {
    return this.list.length;
  }

  /** The problems found since `mark` (the first 40, so a failure stays readable). */
  since(mark: number): string[] {
    return this.list.slice(mark, mark + 40);
  }

  finish(): void {
    this.finished = true;
  }
}

export class Tally {
  readonly counts = new Map<string, number>();

  add(key: string, n = 1): void {
    this.counts.set(key, (this.counts.get(key) ?? 0) + n);
  }

  get(key: string): number {
    return this.counts.get(key) ?? 0;
  }

  total(): number {
    let t = 0;
    for (const n of this.counts.values()) t += n;
    return t;
  }

  sorted(): Array<[string, number]> {
    return [...this.counts.entries()].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  }
}

export interface TableSection {
  heading: string;
  rows: Array<[string, number | string]>;
}

/** A plain-text table: a title line, then sections of `key  count` rows. */
export function formatTable(title: string, sections: TableSection[]): string {
  const width = Math.max(
    40,
    ...sections.flatMap((s) => s.rows.map(([k]) => k.length + 2)),
    ...sections.map((s) => s.heading.length),
  );
  const line = '-'.repeat(width + 12);
  const out = [line, title, line];
  for (const s of sections) {
    out.push(s.heading);
    for (const [k, n] of s.rows) out.push(`  ${k.padEnd(width)}${String(n).padStart(10)}`);
    out.push('');
  }
  out.push(line);
  return out.join('\n');
}

/** Seconds with one decimal, for headings. */
export function seconds(ms: number): string {
  return (ms / 1000).toFixed(1);
}
