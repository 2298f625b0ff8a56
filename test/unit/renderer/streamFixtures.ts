import type { StreamInfo } from '../../../src-renderer/storage/streamChoice';

/** A stream ARN in the tests' account and region. */
export const streamArnOf = (name: string): string =>
  `arn:aws:kinesisvideo:us-west-2:123456789012:stream/${name}/1700000000000`;

/** A listed stream as `storage:listStreams` answers it: 24 h, free unless `usedBy` says otherwise. */
export const streamInfo = (name: string, patch: Partial<StreamInfo> = {}): StreamInfo => ({
  arn: streamArnOf(name),
  name,
  retentionHours: 24,
  createdAt: null,
  usedBy: null,
  ...patch,
});
