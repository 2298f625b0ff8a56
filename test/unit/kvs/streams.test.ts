import {
  CreateStreamCommand,
  ListStreamsCommand,
  ResourceInUseException,
  type KinesisVideoClient,
  type StreamInfo,
} from '@aws-sdk/client-kinesis-video';
import { describe, expect, it } from 'vitest';
import { systemClock } from '../../../src-main/core/kvs/clock';
import type { KvsClientFactory } from '../../../src-main/core/kvs/clients';
import { scopeOf } from '../../../src-main/core/kvs/scope';
import { MAX_STREAMS, StreamCalls } from '../../../src-main/core/kvs/streams';
import type { ActiveProfile } from '../../../src-main/core/types';

const quiet = { info: () => {}, warn: () => {}, error: () => {} };
const scope = scopeOf({ id: 'p1', region: 'us-west-2' } as ActiveProfile);

/** A control-plane client that answers ListStreams from `all` (pages of MaxResults) and CreateStream. */
function fakeClient(all: StreamInfo[], calls: string[]): KinesisVideoClient {
  return {
    send: (command: unknown) => {
      if (command instanceof ListStreamsCommand) {
        const start = Number(command.input.NextToken ?? 0);
        const end = start + (command.input.MaxResults ?? 10_000);
        calls.push(`list ${start}`);
        return Promise.resolve({
          StreamInfoList: all.slice(start, end),
          ...(end < all.length ? { NextToken: String(end) } : {}),
        });
      }
      if (command instanceof CreateStreamCommand) {
        const name = command.input.StreamName!;
        calls.push(`create ${name}`);
        if (all.some((s) => s.StreamName === name)) {
          return Promise.reject(new ResourceInUseException({ message: 'exists', $metadata: {} }));
        }
        return Promise.resolve({ StreamARN: arn(name) });
      }
      return Promise.reject(new Error('unexpected command'));
    },
  } as unknown as KinesisVideoClient;
}

const arn = (name: string) => `arn:aws:kinesisvideo:us-west-2:111122223333:stream/${name}/1700000000000`;
const info = (name: string, extra: Partial<StreamInfo> = {}): StreamInfo => ({
  StreamName: name,
  StreamARN: arn(name),
  Status: 'ACTIVE',
  DataRetentionInHours: 24,
  CreationTime: new Date(1_700_000_000_000),
  ...extra,
});

function calls(all: StreamInfo[]) {
  const log: string[] = [];
  const client = fakeClient(all, log);
  const clients = { control: () => client } as unknown as KvsClientFactory;
  const streams = new StreamCalls({
    clients,
    call: { clock: systemClock, random: () => 0, log: quiet },
    controlTimeoutMs: 5_000,
  });
  return { streams, log };
}

describe('StreamCalls', () => {
  it('offers ACTIVE streams that keep data, by name', async () => {
    const { streams } = calls([
      info('zulu'),
      info('alpha', { DataRetentionInHours: 2 }),
      info('nothing-kept', { DataRetentionInHours: 0 }),
      info('being-deleted', { Status: 'DELETING' }),
      info('mike'),
    ]);
    const listed = await streams.list(scope, 'us-west-2');
    expect(listed).toEqual({
      truncated: false,
      streams: [
        { arn: arn('alpha'), name: 'alpha', retentionHours: 2, createdAt: 1_700_000_000_000 },
        { arn: arn('mike'), name: 'mike', retentionHours: 24, createdAt: 1_700_000_000_000 },
        { arn: arn('zulu'), name: 'zulu', retentionHours: 24, createdAt: 1_700_000_000_000 },
      ],
    });
  });

  it('follows pages, stops at MAX_STREAMS and says the list is truncated', async () => {
    const many = Array.from({ length: MAX_STREAMS + 150 }, (_, i) => info(`s-${String(i).padStart(5, '0')}`));
    const { streams, log } = calls(many);
    const listed = await streams.list(scope, 'us-west-2');
    expect(listed.truncated).toBe(true);
    expect(listed.streams).toHaveLength(MAX_STREAMS);
    expect(log).toEqual(['list 0', 'list 500', 'list 1000']);
    const exact = calls(many.slice(0, MAX_STREAMS));
    expect((await exact.streams.list(scope, 'us-west-2')).truncated).toBe(false);
  });

  it('bounds the pages even when no stream is usable', async () => {
    const useless = Array.from({ length: 20_000 }, (_, i) => info(`z-${i}`, { DataRetentionInHours: 0 }));
    const { streams, log } = calls(useless);
    expect(await streams.list(scope, 'us-west-2')).toEqual({ streams: [], truncated: true });
    expect(log).toHaveLength(8);
  });

  it('creates a stream and says plainly when the name is taken', async () => {
    const { streams, log } = calls([info('taken')]);
    await expect(
      streams.create(scope, 'us-west-2', { name: 'new-rec', retentionHours: 168 }),
    ).resolves.toEqual({
      arn: arn('new-rec'),
      name: 'new-rec',
      retentionHours: 168,
      createdAt: null,
    });
    await expect(streams.create(scope, 'us-west-2', { name: 'taken', retentionHours: 1 })).rejects.toThrow(
      /^A stream named taken already exists in us-west-2/,
    );
    await expect(
      streams.create(scope, 'us-west-2', { name: 'taken', retentionHours: 1 }),
    ).rejects.toMatchObject({ code: 'Conflict' });
    // Not retried: a create that may have happened is not sent again (two calls above, two sends).
    expect(log.filter((l) => l === 'create taken')).toHaveLength(2);
  });
});
