import type { z } from 'zod';
import type { EventPayload } from '../../src-shared/ipc/contract';
import type { channelStatus, group, storageStatus } from '../../src-shared/ipc/schemas';
import type { Ipc } from '../lib/ipc.svelte';
import type { Notices } from '../lib/notices.svelte';
import type { ChannelSummary } from '../wall/wallState.svelte';

export type ChannelStatus = z.infer<typeof channelStatus>;
export type StorageStatus = z.infer<typeof storageStatus>;
export type Group = z.infer<typeof group>;
export type SyncProgress = EventPayload<'catalog:syncProgress'>;

// Typing pauses shorter than this are one search; the catalog answers from SQLite in a few ms anyway.
const SEARCH_DEBOUNCE_MS = 120;
const PAGE = 200;

/**
 * The catalog browser: search as you type (offline, from main's SQLite), filters, groups, and the sync
 * with its progress events. Answers that arrive after a newer search started are dropped.
 */
export class CatalogState {
  query = $state('');
  status = $state<ChannelStatus | ''>('');
  storage = $state<StorageStatus | ''>('');
  groupId = $state('');
  results = $state.raw<readonly ChannelSummary[]>([]);
  total = $state(0);
  totalIsLowerBound = $state(false);
  searching = $state(false);
  groups = $state.raw<readonly Group[]>([]);
  /** The running sync (null when none), with the latest progress per region. */
  syncId = $state<string | null>(null);
  progress = $state.raw<readonly SyncProgress[]>([]);
  readonly syncedChannels = $derived(this.progress.reduce((sum, p) => sum + p.channels, 0));

  readonly #ipc: Ipc;
  readonly #notices: Notices;
  #seq = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;

  constructor(ipc: Ipc, notices: Notices) {
    this.#ipc = ipc;
    this.#notices = notices;
  }

  setQuery(query: string): void {
    this.query = query;
    this.schedule();
  }

  setFilters(filters: { status?: ChannelStatus | ''; storage?: StorageStatus | ''; groupId?: string }): void {
    if (filters.status !== undefined) this.status = filters.status;
    if (filters.storage !== undefined) this.storage = filters.storage;
    if (filters.groupId !== undefined) this.groupId = filters.groupId;
    void this.search();
  }

  schedule(): void {
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => void this.search(), SEARCH_DEBOUNCE_MS);
  }

  async search(): Promise<void> {
    clearTimeout(this.#timer);
    const seq = ++this.#seq;
    this.searching = true;
    try {
      const res = await this.#ipc.call('catalog:search', {
        query: this.query.trim(),
        limit: PAGE,
        ...(this.status ? { status: this.status } : {}),
        ...(this.storage ? { storage: this.storage } : {}),
        ...(this.groupId ? { groupId: this.groupId } : {}),
      });
      if (seq !== this.#seq) return;
      this.results = res.channels;
      this.total = res.total;
      this.totalIsLowerBound = res.totalIsLowerBound ?? false;
    } catch (error) {
      if (seq === this.#seq) this.#notices.report('Search', error);
    } finally {
      if (seq === this.#seq) this.searching = false;
    }
  }

  async loadGroups(): Promise<void> {
    try {
      this.groups = (await this.#ipc.call('groups:list', {})).groups;
    } catch (error) {
      this.#notices.report('Groups', error);
    }
  }

  async startSync(): Promise<void> {
    if (this.syncId) return;
    try {
      this.progress = [];
      this.syncId = (await this.#ipc.call('catalog:sync', {})).syncId;
    } catch (error) {
      this.#notices.report('Sync', error);
    }
  }

  async cancelSync(): Promise<void> {
    const syncId = this.syncId;
    if (!syncId) return;
    try {
      await this.#ipc.call('catalog:cancelSync', { syncId });
    } catch (error) {
      this.#notices.report('Sync', error);
    }
  }

  /** A `catalog:syncProgress` event (one per page and region; `done` per region). */
  onProgress(p: SyncProgress): void {
    if (this.syncId !== null && p.syncId !== this.syncId) return;
    this.syncId ??= p.syncId;
    this.progress = [...this.progress.filter((q) => q.region !== p.region), p];
    if (p.error && p.error.code !== 'Cancelled') {
      this.#ipc.noteError(p.error);
      this.#notices.push(`Sync ${p.region}`, p.error.message, p.error.code);
    }
  }

  /** `catalog:changed`: a sync ended (main sends it last) or an import/edit changed what search finds. */
  onChanged(reason: 'sync' | 'import' | 'edit'): void {
    if (reason === 'sync') this.syncId = null;
    void this.search();
    void this.loadGroups();
  }
}
