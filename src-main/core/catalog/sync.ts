import { performance } from 'node:perf_hooks';
import type { ChannelSource, Logger, RemoteChannel } from '../types';
import type { ApplyCounts, ChannelsRepo, ReadTags, SyncedChannel, TagsToRead } from './repos/channels';

/**
 * One progress step of a region:
 * - no `phase` (listing): after each page listed (`done: false`, `channels` = listed so far);
 * - `phase: 'tags'`: the region's channels and their storage ARE in the catalog; its tags are being read
 *   (`channels` of `total` answered so far, read or failed, reported after each stored batch, from 0);
 * - `done: true` once everything of the region is in the catalog (or it failed, with `error`).
 */
export interface SyncProgress {
  region: string;
  pages: number;
  channels: number;
  done: boolean;
  /** Why the region failed (the source's error, as thrown); the other regions still sync. */
  error?: unknown;
  /** 'tags' while the region's tags are read (its channels and storage are applied); absent while listing. */
  phase?: 'tags';
  /** With `phase: 'tags'`: how many channels' tags this sync reads for the region. */
  total?: number;
}

export interface SyncOptions {
  profileId: string;
  regions: readonly string[];
  source: ChannelSource;
  onProgress?: (progress: SyncProgress) => void;
  /**
   * Aborting stops the sync: nothing is applied for the region being listed (earlier regions stay applied);
   * in the tags phase the batches already stored stay, nothing more is written.
   */
  signal?: AbortSignal;
  /** DescribeMediaStorageConfiguration (then ListTagsForResource) calls in flight at once. Default 8. */
  concurrency?: number;
  /**
   * Tags read longer ago than this are read again even when the channel's Version did not change
   * (TagResource does not change it). Default 24 h.
   */
  tagsMaxAgeMs?: number;
  /** Called synchronously just before a region's transaction starts (logs, and the crash test's cue). */
  onApplying?: (region: string, channels: number) => void;
  /** Called when a region's channels and storage were applied, before its tags are read. */
  onApplied?: (outcome: AppliedRegion) => void;
}

/** How the tags phase of a region went. */
export interface TagsOutcome {
  /** Channels whose tags were due: new, changed (another Version), or read more than `tagsMaxAgeMs` ago. */
  due: number;
  /** Channels whose tags were read and stored. */
  read: number;
  /** ListTagsForResource failures (those channels keep their tags and are due again next time). */
  failed: number;
  /** False when the sync was cancelled before every due channel was read. */
  complete: boolean;
  /** Time spent in the batch transactions. */
  applyMs: number;
}

/** A region whose channels and storage were applied. `tags` is absent when the source reads no tags. */
export interface AppliedRegion {
  region: string;
  ok: true;
  pages: number;
  counts: ApplyCounts;
  applyMs: number;
  tags?: TagsOutcome;
}

/** How one region went. */
export type RegionOutcome = AppliedRegion | { region: string; ok: false; pages: number; error: unknown };

export interface SyncResult {
  /**
   * True when the signal aborted the sync; `regions` then lists the regions whose channels were applied
   * before (a region cancelled in its tags phase has `tags.complete: false`).
   */
  cancelled: boolean;
  regions: RegionOutcome[];
}

/** Tags default to being read again after a day even when a channel's Version did not change. */
export const DEFAULT_TAGS_MAX_AGE_MS = 24 * 60 * 60 * 1000;
/** Tags are stored in transactions of this many channels (each one consistent on its own). */
export const TAGS_BATCH = 500;

/** Guards against a source that keeps returning a token (a bug, or a service fault) — 10,000 pages of 500. */
const MAX_PAGES = 10_000;

class Cancelled extends Error {}

/**
 * Syncs a profile's channels in two phases.
 *
 * 1. Region by region: pages through ListSignalingChannels, describes each channel's media storage with
 *    bounded concurrency while the next pages load (a failed describe records UNKNOWN rather than failing
 *    the sync; retrying throttled calls is the source's job), then applies the region in ONE transaction:
 *    upsert what was seen, flag what was not as missing. After this phase every listed channel and its
 *    storage configuration are in the catalog.
 * 2. Then, region by region, ListTagsForResource for the channels whose tags are due (new, changed Version,
 *    or older than `tagsMaxAgeMs`), stored in batches of TAGS_BATCH, one transaction each.
 *
 * Storage first: it is what the wall needs (recording, playback), and one call per channel is the cost
 * of a sync; tags only feed search, and an unchanged fleet needs none of them again.
 */
export async function startSync(
  channels: ChannelsRepo,
  options: SyncOptions,
  deps: { log: Logger; now: () => number },
): Promise<SyncResult> {
  const outer = options.signal ?? new AbortController().signal;
  const regions: RegionOutcome[] = [];
  const tagWork: { outcome: AppliedRegion; due: TagsToRead[] }[] = [];
  const maxAge = options.tagsMaxAgeMs ?? DEFAULT_TAGS_MAX_AGE_MS;
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
      const outcome: AppliedRegion = { region, ok: true, pages, counts, applyMs };
      regions.push(outcome);
      options.onApplied?.(outcome);
      const due = options.source.listTags
        ? channels.tagsToRead(options.profileId, region, deps.now() - maxAge)
        : [];
      if (due.length > 0) {
        tagWork.push({ outcome, due });
        options.onProgress?.({ region, pages, channels: 0, done: false, phase: 'tags', total: due.length });
      } else {
        if (options.source.listTags) outcome.tags = emptyTags();
        options.onProgress?.({ region, pages, channels: counts.seen, done: true });
      }
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
  for (const { outcome, due } of tagWork) {
    const { region, pages } = outcome;
    if (outer.aborted) {
      outcome.tags = { ...emptyTags(), due: due.length, complete: false };
      return { cancelled: true, regions };
    }
    try {
      const tags = await readTags(channels, options, due, outer, deps, (read) =>
        options.onProgress?.({
          region,
          pages,
          channels: read,
          done: false,
          phase: 'tags',
          total: due.length,
        }),
      );
      outcome.tags = tags;
      deps.log.info('catalog: sync read tags', { region, ...tags, applyMs: Math.round(tags.applyMs) });
      if (!tags.complete) return { cancelled: true, regions };
      options.onProgress?.({ region, pages, channels: outcome.counts.seen, done: true });
    } catch (error) {
      // The channels and storage stay applied; the tags not stored are read again next time.
      outcome.tags = { ...emptyTags(), due: due.length, complete: false };
      deps.log.warn('catalog: storing tags failed for a region', { region, error: String(error) });
      options.onProgress?.({ region, pages, channels: outcome.counts.seen, done: true, error });
    }
  }
  return { cancelled: false, regions };
}

function emptyTags(): TagsOutcome {
  return { due: 0, read: 0, failed: 0, complete: true, applyMs: 0 };
}

/**
 * The tags phase of one region: ListTagsForResource for each due channel with bounded concurrency, stored
 * every TAGS_BATCH answers in one transaction. Stops (complete: false) when `signal` aborts: the batches
 * stored so far stay, the answers not yet stored are dropped, nothing is written afterwards. A batch that
 * cannot be stored (the database failed) stops the phase too; that error is thrown after the calls in
 * flight have settled.
 */
async function readTags(
  channels: ChannelsRepo,
  options: SyncOptions,
  due: readonly TagsToRead[],
  outer: AbortSignal,
  deps: { log: Logger; now: () => number },
  onBatch: (read: number) => void,
): Promise<TagsOutcome> {
  const { source, profileId } = options;
  const out = { ...emptyTags(), due: due.length };
  const local = new AbortController();
  const stop = () => local.abort(outer.reason);
  outer.addEventListener('abort', stop, { once: true });
  const { signal } = local;
  const limit = limiter(options.concurrency ?? 8);
  let batch: ReadTags[] = [];
  let answered = 0;
  let storeError: { error: unknown } | undefined;
  const store = () => {
    if (batch.length === 0 || signal.aborted) return;
    const start = performance.now();
    try {
      out.read += channels.applyTags(profileId, batch, deps.now());
    } catch (error) {
      storeError = { error };
      local.abort(error);
      return;
    } finally {
      out.applyMs += performance.now() - start;
      batch = [];
    }
    onBatch(answered);
  };
  try {
    await Promise.all(
      due.map(({ arn, version }) =>
        limit(async () => {
          if (signal.aborted) return;
          try {
            // Only called with a source that reads tags (startSync checks).
            const tags = await source.listTags!(arn, signal);
            batch.push({ arn, version, tags });
          } catch {
            // The channel keeps its tags and stays due; a cancelled call is not a failure.
            if (!signal.aborted) out.failed++;
          }
          answered++;
          if (batch.length >= TAGS_BATCH) store();
        }),
      ),
    );
    store();
  } finally {
    outer.removeEventListener('abort', stop);
  }
  if (storeError) throw storeError.error;
  out.complete = !signal.aborted;
  return out;
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
  if (signal.aborted) return { channel, storage: null };
  try {
    return { channel, storage: await source.describeStorage(channel.arn, signal) };
  } catch {
    // Recorded as UNKNOWN; the next sync tries again.
    return { channel, storage: null };
  }
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
