import { EventEmitter } from 'node:events';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';

/** A signaling channel as kvs-local keeps it (ChannelInfo plus tags and media storage configuration). */
export interface Channel {
  name: string;
  arn: string;
  type: 'SINGLE_MASTER' | 'FULL_MESH';
  status: 'CREATING' | 'ACTIVE' | 'UPDATING' | 'DELETING';
  creationTime: number;
  messageTtlSeconds: number;
  version: string;
  tags: Record<string, string>;
  storage: { status: 'ENABLED' | 'DISABLED'; streamArn: string | null };
}

export interface Stream {
  name: string;
  arn: string;
  deviceName?: string;
  mediaType?: string;
  kmsKeyId: string;
  version: string;
  status: 'CREATING' | 'ACTIVE' | 'UPDATING' | 'DELETING';
  creationTime: number;
  dataRetentionInHours: number;
  storageTier: 'HOT' | 'WARM';
  tags: Record<string, string>;
}

export interface StoreEvents {
  channelDeleted: [Channel];
  channelCreated: [Channel];
  storageChanged: [Channel];
  streamDeleted: [Stream];
}

interface Snapshot {
  version: 1;
  channels: Channel[];
  streams: Stream[];
  seq: number;
}

export function newVersion(): string {
  return randomBytes(10).toString('hex');
}

/**
 * Channels and streams of one account in one region. Mutations go through the control-plane handlers;
 * the store only keeps indexes consistent, emits events (the signaling broker listens for deletions) and,
 * when given a directory, persists itself atomically (write to a temp file, then rename).
 */
export class KvsStore extends EventEmitter<StoreEvents> {
  private readonly channelsByArn = new Map<string, Channel>();
  private readonly channelsByName = new Map<string, Channel>();
  private readonly streamsByArn = new Map<string, Stream>();
  private readonly streamsByName = new Map<string, Stream>();
  private persistTimer: NodeJS.Timeout | undefined;
  /** Monotonic suffix so two ARNs created in the same millisecond still differ. */
  private seq = 0;

  constructor(
    readonly region: string,
    readonly accountId: string,
    private readonly stateFile?: string,
  ) {
    super();
    if (stateFile) this.load(stateFile);
  }

  makeArn(kind: 'channel' | 'stream', name: string): string {
    const stamp = Date.now() * 1000 + (this.seq++ % 1000);
    return `arn:aws:kinesisvideo:${this.region}:${this.accountId}:${kind}/${name}/${stamp}`;
  }

  channels(): Channel[] {
    return [...this.channelsByName.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }
  channelByArn(arn: string): Channel | undefined {
    return this.channelsByArn.get(arn);
  }
  channelByName(name: string): Channel | undefined {
    return this.channelsByName.get(name);
  }
  channelCount(): number {
    return this.channelsByArn.size;
  }

  addChannel(channel: Channel): void {
    this.channelsByArn.set(channel.arn, channel);
    this.channelsByName.set(channel.name, channel);
    this.changed();
    this.emit('channelCreated', channel);
  }

  removeChannel(channel: Channel): void {
    this.channelsByArn.delete(channel.arn);
    this.channelsByName.delete(channel.name);
    this.changed();
    this.emit('channelDeleted', channel);
  }

  streams(): Stream[] {
    return [...this.streamsByName.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }
  streamByArn(arn: string): Stream | undefined {
    return this.streamsByArn.get(arn);
  }
  streamByName(name: string): Stream | undefined {
    return this.streamsByName.get(name);
  }

  addStream(stream: Stream): void {
    this.streamsByArn.set(stream.arn, stream);
    this.streamsByName.set(stream.name, stream);
    this.changed();
  }

  removeStream(stream: Stream): void {
    this.streamsByArn.delete(stream.arn);
    this.streamsByName.delete(stream.name);
    this.changed();
    this.emit('streamDeleted', stream);
  }

  /** Any ARN-addressable resource (for the tagging operations). */
  resourceByArn(arn: string): Channel | Stream | undefined {
    return this.channelsByArn.get(arn) ?? this.streamsByArn.get(arn);
  }

  /** Call after mutating a channel or stream in place. */
  changed(): void {
    if (!this.stateFile || this.persistTimer) return;
    // Coalesce bursts (a sync creating 10,000 channels) into one write.
    this.persistTimer = setTimeout(() => this.flush(), 50);
    this.persistTimer.unref();
  }

  /** Writes the state file now (also on shutdown). */
  flush(): void {
    if (this.persistTimer) clearTimeout(this.persistTimer);
    this.persistTimer = undefined;
    if (!this.stateFile) return;
    const snapshot: Snapshot = {
      version: 1,
      channels: this.channels(),
      streams: this.streams(),
      seq: this.seq,
    };
    const tmp = `${this.stateFile}.tmp`;
    writeFileSync(tmp, JSON.stringify(snapshot));
    renameSync(tmp, this.stateFile);
  }

  private load(file: string): void {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      return; // First start with this state directory.
    }
    const snap = JSON.parse(text) as Snapshot;
    if (snap.version !== 1)
      throw new Error(`kvs-local state ${file} has unknown version ${String(snap.version)}`);
    for (const c of snap.channels) {
      this.channelsByArn.set(c.arn, c);
      this.channelsByName.set(c.name, c);
    }
    for (const s of snap.streams) {
      this.streamsByArn.set(s.arn, s);
      this.streamsByName.set(s.name, s);
    }
    this.seq = snap.seq;
  }
}

export function stateFileIn(dir: string): string {
  mkdirSync(dir, { recursive: true });
  return join(dir, 'kvs-local-state.json');
}
