import type { Res } from '../../src-shared/ipc/contract';
import type { Ipc } from '../lib/ipc.svelte';
import type { Notices } from '../lib/notices.svelte';
import type { SessionView } from '../tile/sessionView.svelte';
import { lastStream } from './lastStream';

export type StorageConfig = Res<'storage:describe'>;

const STREAM_ARN = /^arn:[a-z\d-]+:kinesisvideo:[a-z0-9-]+:[0-9]+:stream\/[a-zA-Z0-9_.-]+\/[0-9]+$/;

/** Why a stream ARN cannot be used, or null. */
export function streamArnProblem(arn: string): string | null {
  if (!arn.trim()) return 'Enter the ARN of the Kinesis video stream to record into.';
  return STREAM_ARN.test(arn.trim())
    ? null
    : 'That is not a Kinesis video stream ARN (arn:…:stream/<name>/<id>).';
}

/**
 * One tile's media storage: describe on open, enable/disable after the operator confirmed, then restart the
 * tile's session so that it joins through the storage session (or returns to peer-to-peer).
 */
export class StorageControl {
  config = $state.raw<StorageConfig | null>(null);
  loading = $state(false);
  updating = $state(false);
  /** The stream to enable into (prefilled with the one the channel used last). */
  streamArn = $state('');

  readonly channelArn: string;
  readonly #ipc: Ipc;
  readonly #notices: Notices;
  readonly #label: string;

  constructor(ipc: Ipc, notices: Notices, channel: { arn: string; name: string; streamArn: string | null }) {
    this.#ipc = ipc;
    this.#notices = notices;
    this.channelArn = channel.arn;
    this.#label = `${channel.name}: storage`;
    this.streamArn = channel.streamArn ?? lastStream.get(channel.arn) ?? '';
  }

  async describe(): Promise<void> {
    this.loading = true;
    try {
      this.config = await this.#ipc.call('storage:describe', { channelArn: this.channelArn });
      if (this.config.streamArn) {
        lastStream.set(this.channelArn, this.config.streamArn);
        this.streamArn = this.config.streamArn;
      }
    } catch (error) {
      this.#notices.report(this.#label, error);
    } finally {
      this.loading = false;
    }
  }

  /** Applies the confirmed change; true when main accepted it. */
  async update(enabled: boolean, view: SessionView | null): Promise<boolean> {
    this.updating = true;
    try {
      const res = await this.#ipc.call('storage:update', {
        channelArn: this.channelArn,
        enabled,
        confirmed: true,
        ...(enabled ? { streamArn: this.streamArn.trim() } : {}),
      });
      const streamName = res.streamArn ? (/:stream\/([^/]+)\//.exec(res.streamArn)?.[1] ?? null) : null;
      this.config = { status: res.status, streamArn: res.streamArn, streamName };
      if (res.streamArn) lastStream.set(this.channelArn, res.streamArn);
      // The viewer must rejoin: through JoinStorageSessionAsViewer now, or back to peer-to-peer.
      if (view) await view.session.restart(enabled ? 'media storage enabled' : 'media storage disabled');
      return true;
    } catch (error) {
      this.#notices.report(this.#label, error);
      return false;
    } finally {
      this.updating = false;
    }
  }
}
