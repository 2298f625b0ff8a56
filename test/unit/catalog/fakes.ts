import type { ChannelSource, Logger, RemoteChannel, StorageConfig } from '../../../src-main/core/types';

/** A logger that keeps what it was told, for assertions. */
export function memoryLog(): Logger & { lines: { level: string; message: string; fields?: unknown }[] } {
  const lines: { level: string; message: string; fields?: unknown }[] = [];
  const add = (level: string) => (message: string, fields?: Record<string, unknown>) =>
    lines.push({ level, message, fields });
  return { lines, info: add('info'), warn: add('warn'), error: add('error') };
}

export const ACCOUNT = '111122223333';

export function channel(
  name: string,
  region = 'us-west-2',
  extra: Partial<RemoteChannel> = {},
): RemoteChannel {
  return {
    arn: `arn:aws:kinesisvideo:${region}:${ACCOUNT}:channel/${name}/1700000000000`,
    name,
    status: 'ACTIVE',
    type: 'SINGLE_MASTER',
    createdAt: 1_700_000_000,
    version: 'v1',
    messageTtlSeconds: 60,
    ...extra,
  };
}

export interface FakeSourceOptions {
  pageSize?: number;
  /** Per-channel storage; absent = DISABLED. An Error = describe fails with it. */
  storage?: Record<string, StorageConfig | Error>;
  /** Per-channel tags (the source reads tags when this is given); an Error = ListTagsForResource fails. */
  tags?: Record<string, Record<string, string> | Error>;
  tagsDelayMs?: number;
  /** Called as each ListTagsForResource starts (to hold or cancel a sync in its tags phase). */
  onTags?: (arn: string, call: number) => void;
  /** Awaited before each listPage answers (to hold a sync mid-way). */
  beforePage?: (region: string, page: number) => Promise<void> | void;
  /** Fails listing a region with this error. */
  failRegion?: Record<string, Error>;
  describeDelayMs?: number;
}

/** An in-memory ChannelSource over fixed channels per region, with the knobs the sync tests need. */
export class FakeSource implements ChannelSource {
  readonly calls = { listPage: 0, describe: 0, tags: 0 };
  /** The channels whose tags were asked for, in order. */
  readonly tagArns: string[] = [];
  inFlight = 0;
  maxInFlight = 0;
  listTags?: ChannelSource['listTags'];

  constructor(
    public channels: Record<string, RemoteChannel[]>,
    private readonly options: FakeSourceOptions = {},
  ) {
    if (options.tags) {
      const tags = options.tags;
      this.listTags = async (arn, signal) => {
        this.calls.tags++;
        this.tagArns.push(arn);
        options.onTags?.(arn, this.calls.tags);
        if (options.tagsDelayMs !== undefined) await new Promise((r) => setTimeout(r, options.tagsDelayMs));
        signal.throwIfAborted();
        const t = tags[arn];
        if (t instanceof Error) throw t;
        return t ?? {};
      };
    }
  }

  async listPage(region: string, nextToken: string | undefined, signal: AbortSignal) {
    this.calls.listPage++;
    const fail = this.options.failRegion?.[region];
    if (fail) throw fail;
    const all = this.channels[region] ?? [];
    const size = this.options.pageSize ?? 500;
    const start = nextToken ? Number(nextToken) : 0;
    await this.options.beforePage?.(region, start / size + 1);
    signal.throwIfAborted();
    const channels = all.slice(start, start + size);
    return start + size < all.length ? { channels, nextToken: String(start + size) } : { channels };
  }

  async describeStorage(arn: string, signal: AbortSignal): Promise<StorageConfig> {
    this.calls.describe++;
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      await new Promise((r) => setTimeout(r, this.options.describeDelayMs ?? 0));
      signal.throwIfAborted();
      const s = this.options.storage?.[arn];
      if (s instanceof Error) throw s;
      return s ?? { status: 'DISABLED', streamArn: null };
    } finally {
      this.inFlight--;
    }
  }
}
