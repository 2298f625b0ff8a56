import { performance } from 'node:perf_hooks';
import type { ChannelSource, Logger, RemoteChannel } from '../types';
import type { ApplyCounts, ChannelsRepo, SyncedChannel } from './repos/channels';

/** One progress step: after each page listed (`done: false`) and when a region is applied or failed. */
export interface SyncProgress {
  region: string;
  pages: number;
  channels: number;
  done: boolean;
  /** Why the region failed (the source's error, as thrown); the other regions still sync. */
  error?: unknown;
}

export interface SyncOptions {
  profileId: string;
  regions: readonly string[];
  source: ChannelSource;
  onProgress?: (progress: SyncProgress) => void;
  /** Aborting stops the sync; nothing is applied for the region in progress (earlier regions stay applied). */
  signal?: AbortSignal;
  /** DescribeMediaStorageConfiguration (and ListTagsForResource) calls in flight at once. Default 8. */
  concurrency?: number;
  /** Called synchronously just before a region's transaction starts (logs, and the crash test's cue). */
  onApplying?: (region: string, channels: number) => void;
}

/** How one region went. */
export type RegionOutcome =
  | { region: string; ok: true; pages: number; counts: ApplyCounts; applyMs: number }
  | { region: string; ok: false; pages: number; error: unknown };

export interface SyncResult {
  /** True when the signal aborted the sync; `regions` then lists only what finished before. */
  cancelled: boolean;
  regions: RegionOutcome[];
}

/** Guards against a source that keeps returning a token (a bug, or a service fault) — 10,000 pages of 500. */
const MAX_PAGES = 10_000;

class Cancelled extends Error {}

/**
 * Syncs a profile's channels region by region: pages through ListSignalingChannels, describes each channel's
 * media storage with bounded concurrency while the next pages load (a failed describe records UNKNOWN
 * rather than failing the sync; retrying throttled calls is the source's job), then applies the region in
 * one transaction: upsert what was seen, flag what was not as missing.
 */
export async function startSync(
  channels: ChannelsRepo,
  options: SyncOptions,
  deps: { log: Logger; now: () => number },
): Promise<SyncResult> {
  const outer = options.signal ?? new AbortController().signal;
  const regions: RegionOutcome[] = [];
  for (const region of options.regions) {
    if (outer.aborted) return { cancelled: true, regions };
    // A region of its own, so a failed listing stops its describes without cancelling the whole sync.
    const local = new AbortController();
    const stop = () => local.abort(outer.reason);
    outer.addEventListener('abort', stop, { once: true });
    let pages = 0;
    try {
      const listed = await listRegion(region, options, local.signal, (n) => (pages = n));
      if (outer.aborted) return { cancelled: true, regions };
      options.onApplying?.(region, listed.length);
      const start = performance.now();
      const counts = channels.applyRegion(options.profileId, region, listed, deps.now());
      const applyMs = performance.now() - start;
      deps.log.info('catalog: sync applied', { region, ...counts, applyMs: Math.round(applyMs) });
      regions.push({ region, ok: true, pages, counts, applyMs });
      options.onProgress?.({ region, pages, channels: counts.seen, done: true });
    } catch (error) {
      local.abort(error);
      if (outer.aborted || error instanceof Cancelled) return { cancelled: true, regions };
      deps.log.warn('catalog: sync failed for a region', { region, error: String(error) });
      regions.push({ region, ok: false, pages, error });
      options.onProgress?.({ region, pages, channels: 0, done: true, error });
    } finally {
      outer.removeEventListener('abort', stop);
    }
  }
  return { cancelled: false, regions };
}

async function listRegion(
  region: string,
  options: SyncOptions,
  signal: AbortSignal,
  onPage: (pages: number) => void,
): Promise<SyncedChannel[]> {
  const { source } = options;
  const limit = limiter(options.concurrency ?? 8);
  const pending: Promise<SyncedChannel>[] = [];
  const tokens = new Set<string>();
  let token: string | undefined;
  let pages = 0;
  do {
    if (signal.aborted) throw new Cancelled();
    const page = await source.listPage(region, token, signal);
    onPage(++pages);
    for (const channel of page.channels) pending.push(limit(() => describe(source, channel, signal)));
    options.onProgress?.({ region, pages, channels: pending.length, done: false });
    token = page.nextToken || undefined;
    if (token !== undefined) {
      if (tokens.has(token) || pages >= MAX_PAGES)
        throw new Error(`ListSignalingChannels did not end (page ${pages})`);
      tokens.add(token);
    }
  } while (token !== undefined);
  const all = await Promise.all(pending);
  if (signal.aborted) throw new Cancelled();
  return all;
}

// Never rejects: a pending describe must not become an unhandled rejection when the listing fails before
// Promise.all is reached. An aborted describe returns UNKNOWN, and the caller checks the signal before applying.
async function describe(
  source: ChannelSource,
  channel: RemoteChannel,
  signal: AbortSignal,
): Promise<SyncedChannel> {
  const out: SyncedChannel = { channel, storage: null };
  if (signal.aborted) return out;
  // The two reads are independent: issue them together (half the latency per channel at the same limit).
  await Promise.all([
    source.describeStorage(channel.arn, signal).then(
      (storage) => void (out.storage = storage),
      // Recorded as UNKNOWN; the next sync tries again.
      () => undefined,
    ),
    source.listTags?.(channel.arn, signal).then(
      (tags) => void (out.tags = tags),
      // Tags stay as the catalog last knew them.
      () => undefined,
    ),
  ]);
  return out;
}

/** Runs at most `n` of the given tasks at once, in the order they were queued. */
function limiter(n: number): <T>(task: () => Promise<T>) => Promise<T> {
  let active = 0;
  const queue: (() => void)[] = [];
  const next = () => {
    active--;
    queue.shift()?.();
  };
  return (task) =>
    new Promise((resolve, reject) => {
      const run = () => {
        active++;
        void task().then(resolve, reject).finally(next);
      };
      if (active < n) run();
      else queue.push(run);
    });
}
