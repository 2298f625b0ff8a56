/**
 * The local SQLite catalog (style.md §6): profiles without secrets, sealed secrets, channels and streams per
 * profile and region, groups, layouts, settings, the append-only audit log and the endpoint/ICE cache;
 * FTS5 search; sync from ListSignalingChannels; export/import of groups and layouts. No 'electron' import.
 */
export { openCatalog, quarantineAndRecreate, type OpenOptions } from './database';
export { Catalog } from './catalog';
export { CatalogError, type CatalogErrorKind } from './errors';
export type {
  AppliedRegion,
  RegionOutcome,
  SyncOptions,
  SyncProgress,
  SyncResult,
  TagsOutcome,
} from './sync';
export { DEFAULT_TAGS_MAX_AGE_MS, TAGS_BATCH } from './sync';
export { ftsMatch, type SearchQuery, type SearchResult } from './repos/search';
export type { ApplyCounts, SyncedChannel } from './repos/channels';
export type { SealedSecret } from './repos/profiles';
export type { AuditInput } from './repos/audit';
export { DEFAULT_SETTINGS } from './repos/settings';
export { EXPORT_FORMAT, EXPORT_VERSION } from './exchange';
export { LATEST_VERSION } from './migrations';
export type {
  AuditEntry,
  AuditKind,
  ChannelStatus,
  ChannelSummary,
  ExportDocument,
  GridSpec,
  Group,
  Layout,
  Profile,
  Settings,
  StorageStatus,
} from './model';
