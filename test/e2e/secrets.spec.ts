/**
 * After a full session on temporary credentials — a live wall, a talk burst, a tile recorded through a
 * storage session — the renderer holds no secret: the secret access key appears nowhere the page can
 * reach (globals, DOM, localStorage, sessionStorage, every IndexedDB database, console, IPC replies and
 * events, its whole JS heap), and the session token only as X-Amz-Security-Token of signed connect URLs.
 */
import { CreateStreamCommand } from '@aws-sdk/client-kinesis-video';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { controlClient } from '../helpers/kvsLocal';
import { auditTranscript, leaksIn, type Secret } from '../helpers/leaks';
import { startE2E, until, type E2E } from './harness';
import { readTile, tileOf, wallOf } from './ui';

let e: E2E;
let secretKey: Secret;
let token: Secret;
let keyId: Secret;
let streamArn = '';

beforeAll(async () => {
  e = await startE2E({ cameras: 2, temporaryCredentials: true });
  const { secretAccessKey, sessionToken, accessKeyId } = e.kvs.info;
  if (!sessionToken) throw new Error('kvs-local was expected to issue temporary credentials');
  secretKey = { label: 'secret access key', value: secretAccessKey };
  token = { label: 'session token', value: sessionToken };
  keyId = { label: 'access key id', value: accessKeyId };
  const kv = controlClient(e.kvs);
  try {
    streamArn = (await kv.send(new CreateStreamCommand({ StreamName: 'camera-1', DataRetentionInHours: 24 })))
      .StreamARN!;
  } finally {
    kv.destroy();
  }
});

afterAll(async () => {
  await e?.close();
});

/** Everything serialisable reachable from `window`'s own properties (cycles and DOM nodes skipped). */
async function globalsText(): Promise<string> {
  return e.page.evaluate(() => {
    const seen = new WeakSet<object>();
    const out: string[] = [];
    const walk = (v: unknown, depth: number): void => {
      if (typeof v === 'string') out.push(v);
      else if (typeof v === 'function') out.push(String(v).slice(0, 2_000));
      if (v === null || (typeof v !== 'object' && typeof v !== 'function') || depth > 5) return;
      if (seen.has(v) || v instanceof Node) return;
      seen.add(v);
      let keys: string[] = [];
      try {
        keys = Object.getOwnPropertyNames(v);
      } catch {
        return;
      }
      for (const k of keys.slice(0, 5_000)) {
        out.push(k);
        try {
          walk((v as Record<string, unknown>)[k], depth + 1);
        } catch {
          // A getter that throws (cross-origin, detached): nothing to read.
        }
      }
    };
    for (const k of Object.getOwnPropertyNames(window)) {
      if (
        k === 'window' ||
        k === 'self' ||
        k === 'globalThis' ||
        k === 'frames' ||
        k === 'parent' ||
        k === 'top'
      )
        continue;
      out.push(k);
      try {
        walk((window as unknown as Record<string, unknown>)[k], 0);
      } catch {
        // Same as above.
      }
    }
    return out.join('\n');
  });
}

async function storageText(): Promise<{ dom: string; local: string; session: string; idb: string }> {
  return e.page.evaluate(async () => {
    const entries = (s: Storage) =>
      JSON.stringify(Object.fromEntries(Object.keys(s).map((k) => [k, s.getItem(k)])));
    const dbs = await indexedDB.databases();
    const dumps: string[] = [];
    for (const info of dbs) {
      if (!info.name) continue;
      const db = await new Promise<IDBDatabase>((resolve, reject) => {
        const r = indexedDB.open(info.name!);
        r.onsuccess = () => resolve(r.result);
        r.onerror = () => reject(r.error ?? new Error('open failed'));
      });
      for (const store of Array.from(db.objectStoreNames)) {
        const rows = await new Promise<unknown[]>((resolve, reject) => {
          const r = db.transaction(store, 'readonly').objectStore(store).getAll();
          r.onsuccess = () => resolve(r.result as unknown[]);
          r.onerror = () => reject(r.error ?? new Error('read failed'));
        });
        dumps.push(`${info.name}/${store}: ${JSON.stringify(rows)}`);
      }
      db.close();
    }
    return {
      dom: document.documentElement.outerHTML,
      local: entries(localStorage),
      session: entries(sessionStorage),
      idb: `${dbs.length} databases\n${dumps.join('\n')}`,
    };
  });
}

/** The page's whole JS heap (a V8 heap snapshot over CDP), as text. */
async function heapText(): Promise<string> {
  const cdp = await e.context.newCDPSession(e.page);
  const chunks: string[] = [];
  cdp.on('HeapProfiler.addHeapSnapshotChunk', (p: { chunk: string }) => chunks.push(p.chunk));
  await cdp.send('HeapProfiler.enable');
  await cdp.send('HeapProfiler.collectGarbage');
  await cdp.send('HeapProfiler.takeHeapSnapshot', { reportProgress: false });
  await cdp.detach();
  return chunks.join('');
}

it('runs a full session on temporary credentials', async () => {
  await wallOf(e.page, '2x2', 2);

  const talk = tileOf(e.page, 'camera-1').locator('[data-testid="talk"]');
  await talk.hover({ timeout: 5_000 });
  await e.page.mouse.down();
  await e.page.waitForTimeout(2_000);
  await e.page.mouse.up();

  const tile = tileOf(e.page, 'camera-1');
  await tile.click();
  await tile.locator('[data-testid="storage-toggle"]').click();
  const panel = e.page.locator('[data-testid="storage-panel"]');
  // The panel lists the region's streams (that reply is in the leak audit too); pick the one made above.
  await panel.locator('[data-testid="storage-stream-select"]').selectOption(streamArn, { timeout: 15_000 });
  await panel.getByRole('button', { name: 'Enable storage' }).click({ timeout: 5_000 });
  await e.page
    .getByRole('dialog')
    .getByRole('button', { name: 'Enable and record' })
    .click({ timeout: 5_000 });
  await until(
    'camera-1 live through storage',
    async () => {
      const t = await readTile(e.page, 'camera-1');
      return t.mode === 'storage' && t.status === 'Live';
    },
    60_000,
    250,
  );
  const audit = await e.ok('audit:list', { limit: 100 });
  expect(audit.entries.map((x) => x.kind)).toEqual(expect.arrayContaining(['talk', 'storage']));
});

/** Plants a harmless value everywhere the search looks, so a search that reads nothing cannot pass. */
async function plantCanary(value: string): Promise<void> {
  await e.page.evaluate(async (v) => {
    (window as unknown as { __canary: unknown }).__canary = { nested: { list: [v] } };
    localStorage.setItem('canary', v);
    sessionStorage.setItem('canary', JSON.stringify({ v }));
    document.body.dataset.canary = v;
    console.log('canary', { v });
    await new Promise<void>((resolve, reject) => {
      const r = indexedDB.open('canary-db', 1);
      r.onupgradeneeded = () => r.result.createObjectStore('things', { autoIncrement: true });
      r.onerror = () => reject(r.error ?? new Error('open failed'));
      r.onsuccess = () => {
        const tx = r.result.transaction('things', 'readwrite');
        tx.objectStore('things').add({ deep: { v } });
        tx.oncomplete = () => (r.result.close(), resolve());
        tx.onerror = () => reject(tx.error ?? new Error('write failed'));
      };
    });
  }, value);
}

it('leaves no secret access key and no session token outside signed connect URLs', async () => {
  const canary: Secret = {
    label: 'canary',
    value: `canary-${Math.random().toString(36).slice(2)}-0123456789`,
  };
  await plantCanary(canary.value);
  await e.flushConsole();
  const [globals, stores] = [await globalsText(), await storageText()];
  const places: Record<string, string> = {
    globals,
    DOM: stores.dom,
    localStorage: stores.local,
    sessionStorage: stores.session,
    IndexedDB: stores.idb,
    console: e.transcript.console.join('\n'),
    'page errors': e.transcript.pageErrors.join('\n'),
    'main log': e.transcript.mainLog.join('\n'),
  };
  // Every place that the page can write was read: the canary shows up in each.
  for (const where of ['globals', 'DOM', 'localStorage', 'sessionStorage', 'IndexedDB', 'console']) {
    expect(leaksIn(places[where]!, [canary]), `canary found in ${where}`).toEqual(['canary']);
  }
  const found = Object.entries(places).flatMap(([where, text]) =>
    leaksIn(text, [secretKey, token]).map((label) => `${where}: ${label}`),
  );
  expect(found).toEqual([]);

  // Replies and events: the token and key id only in signed connect URLs, and they were really used.
  const audit = auditTranscript(e.transcript.lines, { never: [secretKey], tokens: [token], keyIds: [keyId] });
  expect(audit.problems).toEqual([]);
  expect(audit.signedUrls).toBeGreaterThan(0);
  expect(audit.withToken).toBe(audit.signedUrls);

  // The renderer's memory as a whole never held the secret key (the token lives there inside URLs).
  const heap = await heapText();
  expect(heap.length).toBeGreaterThan(1_000_000);
  expect(leaksIn(heap, [secretKey])).toEqual([]);
  // The snapshot does hold the page's strings, so the search means something.
  expect(heap.includes(canary.value)).toBe(true);
  expect(heap.includes(e.kvs.info.channels[0]!.arn)).toBe(true);
});
