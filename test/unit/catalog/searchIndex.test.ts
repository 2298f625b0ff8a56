import { afterEach, describe, expect, it } from 'vitest';
import { openCatalog, type Catalog } from '../../../src-main/core/catalog';
import { channel, FakeSource, memoryLog } from './fakes';

let c: Catalog;
afterEach(() => c?.close());

/** How many segments the FTS index is in (each segment has at least one row in the %_idx table). */
const segments = (cat: Catalog) =>
  cat.db.prepare('SELECT count(DISTINCT segid) FROM channels_fts_idx').pluck().get() as number;

/** Writes in many small transactions, as syncs and tag batches do: each leaves at least one segment. */
function fragment(cat: Catalog, batches: number): void {
  for (let b = 0; b < batches; b++) {
    const seen = Array.from({ length: 20 }, (_, i) => ({
      channel: channel(`cam-${b}-${i}`, 'us-west-2'),
      storage: null,
      tags: { batch: String(b) },
    }));
    cat.channels.applyRegion('p1', `region-${b}`, seen, 1000 + b);
  }
}

const find = (cat: Catalog, q: string) => cat.search({ profileId: 'p1', query: q, limit: 500 }).total;

describe('search index tidy', () => {
  it('merges the index into one segment in small steps, and then has nothing to do', async () => {
    const log = memoryLog();
    c = openCatalog(':memory:', { log });
    fragment(c, 12);
    expect(segments(c)).toBeGreaterThan(1);
    const before = [find(c, 'cam'), find(c, 'batch 7'), find(c, 'cam-3-1')];
    const outcome = await c.searchIndex.schedule();
    expect(outcome).toMatchObject({ stopped: false });
    expect(outcome.steps).toBeGreaterThan(1);
    expect(segments(c)).toBe(1);
    expect([find(c, 'cam'), find(c, 'batch 7'), find(c, 'cam-3-1')]).toEqual(before);
    c.db.prepare("INSERT INTO channels_fts (channels_fts, rank) VALUES ('integrity-check', 1)").run();
    expect(c.searchIndex.step()).toBe(true);
    expect(log.lines).toContainEqual(expect.objectContaining({ message: 'catalog: search index tidied' }));
  });

  it('runs after a sync, in the background', async () => {
    c = openCatalog(':memory:', { log: memoryLog() });
    fragment(c, 6);
    const source = new FakeSource({ 'us-west-2': [channel('front-door')] });
    await c.sync({ profileId: 'p1', regions: ['us-west-2'], source });
    // The sync scheduled it; asking again joins the run in progress (or finds nothing left).
    await c.searchIndex.schedule();
    expect(segments(c)).toBe(1);
  });

  it('stops when the catalog closes', async () => {
    c = openCatalog(':memory:', { log: memoryLog() });
    fragment(c, 12);
    const run = c.searchIndex.schedule();
    c.close();
    await expect(run).resolves.toMatchObject({ stopped: true });
  });
});
