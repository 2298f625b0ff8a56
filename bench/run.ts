/**
 * `npm run bench -- [name…]`: runs the named benchmarks (all known ones when none is named), prints each
 * one's table and writes bench/results/<name>.json.
 */
import { relative } from 'node:path';
import { killChildren } from './lib/child';
import { formatTable, writeResult, type BenchResult } from './lib/report';

const BENCHES: Record<string, () => Promise<BenchResult>> = {
  'kvs-local': async () => (await import('./kvsLocal')).runKvsLocalBench(),
  core: async () => (await import('./core')).runCoreBench(),
  wall: async () => (await import('./wall')).runWallBench(),
};
const known = Object.keys(BENCHES);

// A stuck benchmark must not hang CI: far above the ~1 minute the known ones take.
const WATCHDOG_MS = 6 * 60_000;

async function main(): Promise<number> {
  const names = process.argv.slice(2).filter((a) => a !== '--');
  const unknown = names.filter((n) => !(n in BENCHES));
  if (unknown.length > 0) {
    console.error(
      `bench: unknown benchmark ${unknown.map((n) => `'${n}'`).join(', ')}; known: ${known.join(', ')}`,
    );
    return 2;
  }
  const watchdog = setTimeout(() => {
    console.error(`bench: still running after ${WATCHDOG_MS / 1000} s, aborting`);
    killChildren();
    process.exit(1);
  }, WATCHDOG_MS);
  watchdog.unref();
  for (const name of names.length > 0 ? names : known) {
    const startedAt = new Date();
    const t0 = performance.now();
    console.log(`bench ${name}: running…`);
    const result = await BENCHES[name]!();
    const file = writeResult(result, startedAt, (performance.now() - t0) / 1000);
    console.log(`\n${formatTable(result)}\n\nwrote ${relative(process.cwd(), file)}\n`);
  }
  clearTimeout(watchdog);
  return 0;
}

process.on('exit', killChildren);
main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    console.error('bench: failed:', err);
    killChildren();
    process.exitCode = 1;
  },
);
