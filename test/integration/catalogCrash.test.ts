import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { openCatalog } from '../../src-main/core/catalog';
import { generation } from '../fixtures/catalogData';

const require = createRequire(import.meta.url);
// `node --import tsx` rather than the tsx CLI: the CLI runs the script in a grandchild, which a SIGKILL of
// the CLI would leave running.
const tsx = pathToFileURL(require.resolve('tsx')).href;
const child = join(import.meta.dirname, '../fixtures/catalogSyncChild.ts');
const dir = mkdtempSync(join(tmpdir(), 'catalog-crash-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const N = 10_000;
const quiet = { info: () => {}, warn: () => {}, error: () => {} };

const walSize = (file: string) => (existsSync(`${file}-wal`) ? statSync(`${file}-wal`).size : 0);

/**
 * Runs the child. With `killMidApply`, SIGKILLs it once it has said "applying" and its uncommitted
 * transaction has spilled at least 256 KiB into the -wal. Resolves with its output and the WAL growth seen.
 */
function run(
  file: string,
  gen: 1 | 2,
  killMidApply = false,
): Promise<{ out: string; signal: string | null; walGrowth: number }> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, ['--import', tsx, child, file, String(gen), String(N)], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ...(killMidApply ? { CATALOG_SMALL_CACHE: '1' } : {}) },
    });
    let out = '';
    let err = '';
    let walGrowth = 0;
    let poll: NodeJS.Timeout | undefined;
    p.stdout.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      if (killMidApply && !poll && out.includes('applying')) {
        const start = walSize(file);
        poll = setInterval(() => {
          walGrowth = walSize(file) - start;
          if (walGrowth >= 256 * 1024) {
            p.kill('SIGKILL');
            clearInterval(poll);
          }
        }, 1);
      }
    });
    p.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
    p.on('error', reject);
    p.on('exit', (code, signal) => {
      clearInterval(poll);
      if (code !== 0 && signal === null) reject(new Error(`child exited ${code}: ${err}`));
      else resolve({ out, signal, walGrowth });
    });
  });
}

/** The catalog's channel state, comparable with a generation. */
function state(file: string) {
  const c = openCatalog(file, { log: quiet, quickCheck: 'always' });
  try {
    const integrity = c.db.pragma('integrity_check', { simple: true });
    c.db.prepare("INSERT INTO channels_fts (channels_fts) VALUES ('integrity-check')").run();
    const live = c.db.prepare('SELECT arn, name FROM channels WHERE missing = 0 ORDER BY arn').all() as {
      arn: string;
      name: string;
    }[];
    const missing = c.db.prepare('SELECT count(*) FROM channels WHERE missing = 1').pluck().get() as number;
    const hits = c.search({ profileId: 'p1', query: 'moved' }).total;
    return { integrity, live, missing, hits };
  } finally {
    c.close();
  }
}

const expected = (gen: 1 | 2) =>
  generation(gen, N)
    .map((ch) => ({ arn: ch.arn, name: ch.name }))
    .sort((a, b) => (a.arn < b.arn ? -1 : 1));

describe('a sync killed with SIGKILL in the middle of its transaction', () => {
  it('leaves an intact catalog holding exactly the old or the new state', async () => {
    const file = join(dir, 'catalog.db');
    const seeded = await run(file, 1);
    expect(seeded.out).toMatch(/applied \[true\]/);
    const old = state(file);
    expect(old.live).toEqual(expected(1));

    const killed = await run(file, 2, true);
    expect(killed.signal).toBe('SIGKILL');
    // The kill must have landed inside the apply, with uncommitted frames already in the -wal, for this
    // test to mean anything.
    expect(killed.out).not.toMatch(/applied/);
    expect(killed.walGrowth).toBeGreaterThanOrEqual(256 * 1024);

    const after = state(file);
    expect(after.integrity).toBe('ok');
    const isOld = JSON.stringify(after.live) === JSON.stringify(expected(1));
    const isNew = JSON.stringify(after.live) === JSON.stringify(expected(2));
    expect(isOld || isNew).toBe(true);
    // Killed before the commit record was written, it must be the old state.
    expect(isOld).toBe(true);
    // Nothing half: missing flags and the search index agree with whichever state it is.
    expect(after.missing).toBe(isOld ? 0 : N / 10);
    expect(after.hits).toBe(isOld ? 0 : N);

    // And the catalog still works: the next sync completes and lands the new state.
    const resumed = await run(file, 2);
    expect(resumed.out).toMatch(/applied \[true\]/);
    expect(state(file).live).toEqual(expected(2));
  });
});
