import { CreateStreamCommand, ListStreamsCommand, type StreamInfo } from '@aws-sdk/client-kinesis-video';
import { IpcFailure } from '../../../src-shared/ipc/errors';
import type { KvsClientFactory } from './clients';
import { CONTROL_RETRY, callKvs, type CallDeps } from './retry';
import type { ProfileScope } from './scope';

/**
 * The streams media storage can record into (kvs-reference §1.1, §6.1): ListStreams and CreateStream on the
 * channel's regional control plane. Only ACTIVE streams that keep data are offered: UpdateMediaStorage-
 * Configuration refuses a stream with DataRetentionInHours 0 (NoDataRetention).
 */

/** A stream as the storage panel offers it (the contract's `streamInfo` without `usedBy`). */
export interface Stream {
  arn: string;
  name: string;
  retentionHours: number;
  createdAt: number | null;
}

/** At most this many streams are offered (ListStreams pages of 500); more is said with `truncated`. */
export const MAX_STREAMS = 1_000;
const PAGE = 500;

export interface StreamDeps {
  clients: KvsClientFactory;
  call: CallDeps;
  controlTimeoutMs: number;
}

function toStream(info: StreamInfo): Stream | null {
  if (!info.StreamARN || !info.StreamName) return null;
  return {
    arn: info.StreamARN,
    name: info.StreamName,
    retentionHours: info.DataRetentionInHours ?? 0,
    createdAt: info.CreationTime ? info.CreationTime.getTime() : null,
  };
}

export class StreamCalls {
  constructor(private readonly deps: StreamDeps) {}

  /** ACTIVE streams with retention in `region`, by name, at most MAX_STREAMS (`truncated` when there are more). */
  async list(
    scope: ProfileScope,
    region: string,
    signal?: AbortSignal,
  ): Promise<{ streams: Stream[]; truncated: boolean }> {
    const client = this.deps.clients.control(scope.profile, region);
    const streams: Stream[] = [];
    let token: string | undefined;
    // Retention 0 and non-ACTIVE streams are skipped, so a page may add fewer than it lists; the page cap
    // bounds the calls however many unusable streams an account has.
    for (let page = 0; page < (MAX_STREAMS / PAGE) * 4; page++) {
      const out = await callKvs(
        this.deps.call,
        {
          operation: 'ListStreams',
          profileId: scope.profile.id,
          timeoutMs: this.deps.controlTimeoutMs,
          retry: CONTROL_RETRY,
          signal,
        },
        (abortSignal) =>
          client.send(new ListStreamsCommand({ MaxResults: PAGE, NextToken: token }), { abortSignal }),
      );
      for (const info of out.StreamInfoList ?? []) {
        const stream = info.Status === 'ACTIVE' ? toStream(info) : null;
        if (!stream || stream.retentionHours <= 0) continue;
        if (streams.length === MAX_STREAMS) return { streams: sortByName(streams), truncated: true };
        streams.push(stream);
      }
      token = out.NextToken || undefined;
      if (!token) return { streams: sortByName(streams), truncated: false };
    }
    return { streams: sortByName(streams), truncated: true };
  }

  /** CreateStream in `region`; a name already taken is a Conflict that says so. */
  async create(
    scope: ProfileScope,
    region: string,
    request: { name: string; retentionHours: number },
    signal?: AbortSignal,
  ): Promise<Stream> {
    const client = this.deps.clients.control(scope.profile, region);
    try {
      const out = await callKvs(
        this.deps.call,
        {
          operation: 'CreateStream',
          profileId: scope.profile.id,
          timeoutMs: this.deps.controlTimeoutMs,
          // Not retried: a create that timed out may have happened; the operator sees the list again.
          retry: { ...CONTROL_RETRY, maxRetries: 0 },
          signal,
        },
        (abortSignal) =>
          client.send(
            new CreateStreamCommand({
              StreamName: request.name,
              DataRetentionInHours: request.retentionHours,
            }),
            { abortSignal },
          ),
      );
      if (!out.StreamARN) throw new IpcFailure('Internal', 'CreateStream answered without a stream ARN.');
      return {
        arn: out.StreamARN,
        name: request.name,
        retentionHours: request.retentionHours,
        createdAt: null,
      };
    } catch (err) {
      if (
        err instanceof IpcFailure &&
        (err.cause as { name?: string } | undefined)?.name === 'ResourceInUseException'
      ) {
        throw new IpcFailure(
          'Conflict',
          `A stream named ${request.name} already exists in ${region}. Pick it from the list, or choose another name.`,
        );
      }
      throw err;
    }
  }
}

function sortByName(streams: Stream[]): Stream[] {
  return streams.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}
