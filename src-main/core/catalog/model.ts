import type { z } from 'zod';
import type {
  auditEntry,
  channelStatus,
  channelSummary,
  exportDocument,
  gridSpec,
  group,
  layout,
  profile,
  settings,
  storageStatus,
} from '../../../src-shared/ipc/schemas';

/** The catalog serves exactly the IPC contract's shapes; these are those shapes, derived, never restated. */
export type ChannelSummary = z.infer<typeof channelSummary>;
export type ChannelStatus = z.infer<typeof channelStatus>;
export type StorageStatus = z.infer<typeof storageStatus>;
export type Group = z.infer<typeof group>;
export type Layout = z.infer<typeof layout>;
export type GridSpec = z.infer<typeof gridSpec>;
export type Settings = z.infer<typeof settings>;
export type AuditEntry = z.infer<typeof auditEntry>;
export type AuditKind = AuditEntry['kind'];
export type ExportDocument = z.infer<typeof exportDocument>;
export type Profile = z.infer<typeof profile>;

/** Parses a JSON column the catalog wrote itself. */
export function fromJson<T>(text: string): T {
  return JSON.parse(text) as T;
}
