import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { openCatalog } from '../../src-main/core/catalog';

const require = createRequire(import.meta.url);
const tsx = pathToFileURL(require.resolve('tsx')).href;
const child = join(import.meta.dirname, '../fixtures/catalogTagsChild.ts');
const dir = mkdtempSync(join(tmpdir(), 'catalog-tags-crash-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const N = 4_000;
const quiet = { info: () => {}, warn: () => {}, error: () => {} };

/** Runs the child; with `killAfter`, SIGKILLs it once it has stored that many tags (more are in flight). */
function run(file: string, killAfter?: number): Promise<{ out: string; signal: string | null }> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, ['--import', tsx, child, file, String(N)], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    p.stdout.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      const read = [...out.matchAll(/tags (\d+)/g)].map((m) => Number(m[1]));
      if (killAfter !== undefined && read.some((n) => n >= killAfter)) p.kill('SIGKILL');
    });
    p.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
    p.on('error', reject);
    p.on('exit', (code, signal) => {
      if (code !== 0 && signal === null) reject(new Error(`child exited ${code}: ${err}`));
      else resolve({ out, signal });
    });
  });
}

function tagState(file: string) {
  const c = openCatalog(file, { log: quiet, quickCheck: 'always' });
  try {
    const integrity = c.db.pragma('integrity_check', { simple: true });
    c.db.prepare("INSERT INTO channels_fts (channels_fts) VALUES ('integrity-check')").run();
    const rows = c.db
      .prepare('SELECT tags, tags_version, tags_read_at, storage_status FROM channels')
      .all() as {
      tags: string;
      tags_version: string | null;
      tags_read_at: number | null;
      storage_status: string;
    }[];
    const tagged = rows.filter((r) => r.tags !== '{}');
    return {
      integrity,
      channels: rows.length,
      storageKnown: rows.filter((r) => r.storage_status !== 'UNKNOWN').length,
      tagged: tagged.length,
      // Each channel's tags and their freshness mark were written together, or neither was.
      consistent: rows.every(
        (r) => (r.tags !== '{}') === (r.tags_version !== null && r.tags_read_at !== null),
      ),
      searchable:
        c.search({ profileId: 'p1', query: 'north' }).total +
        c.search({ profileId: 'p1', query: 'south' }).total,
    };
  } finally {
    c.close();
  }
}

describe('a sync killed with SIGKILL in its tags phase', () => {
  it('keeps the channels and storage, whole batches of tags, and the next sync reads the rest', async () => {
    const file = join(dir, 'catalog.db');
    const killed = await run(file, 1_000);
    expect(killed.signal).toBe('SIGKILL');
    expect(killed.out).not.toMatch(/done/);

    const after = tagState(file);
    expect(after.integrity).toBe('ok');
    expect(after.channels).toBe(N);
    expect(after.storageKnown).toBe(N);
    expect(after.consistent).toBe(true);
    // Batches of 500 land whole: at least the two reported, never a part of one.
    expect(after.tagged).toBeGreaterThanOrEqual(1_000);
    expect(after.tagged).toBeLessThan(N);
    expect(after.tagged % 500).toBe(0);
    expect(after.searchable).toBe(after.tagged);

    const resumed = await run(file);
    expect(resumed.out).toMatch(/done/);
    // Only the channels still due were read.
    expect(resumed.out).toContain(`tags ${N - after.tagged}\n`);
    expect(tagState(file)).toMatchObject({ tagged: N, consistent: true, searchable: N });
  });
});
