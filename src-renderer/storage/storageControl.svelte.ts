import type { Res } from '../../src-shared/ipc/contract';
import type { Ipc } from '../lib/ipc.svelte';
import type { Notices } from '../lib/notices.svelte';
import type { SessionView } from '../tile/sessionView.svelte';
import { lastStream } from './lastStream';
import {
  DEFAULT_RETENTION_HOURS,
  OTHER,
  defaultStreamName,
  preselect,
  retentionProblem,
  streamNameProblem,
  streamNames,
  usable,
  withStream,
  type StreamInfo,
} from './streamChoice';

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
 * One tile's media storage: describe on open, offer the streams it can record into (or a new one), enable/
 * disable after the operator confirmed, then restart the tile's session so that it joins through the
 * storage session (or returns to peer-to-peer).
 */
export class StorageControl {
  config = $state.raw<StorageConfig | null>(null);
  loading = $state(false);
  updating = $state(false);

  /** The streams of the channel's account and region, by name; null until a listing succeeded. */
  streams = $state.raw<readonly StreamInfo[] | null>(null);
  /** More streams exist than were listed. */
  truncated = $state(false);
  listing = $state(false);
  /** Why the last listing failed (the ARN can still be pasted), or null. */
  listError = $state<string | null>(null);
  /** The picker's value: a listed stream's ARN, or OTHER for {@link pastedArn}. */
  choice = $state(OTHER);
  /** The ARN typed or pasted for a stream that is not listed (prefilled with the one the channel used last). */
  pastedArn = $state('');

  /** The new-stream form: open, its fields as typed, and the last failure to create. */
  newStreamOpen = $state(false);
  newName = $state('');
  newRetention = $state(String(DEFAULT_RETENTION_HOURS));
  creating = $state(false);
  createError = $state<string | null>(null);

  /** The stream `storage:update` enables into. */
  readonly streamArn = $derived(this.choice === OTHER ? this.pastedArn.trim() : this.choice);
  /** The listed stream chosen, when one is. */
  readonly chosen = $derived(this.streams?.find((s) => s.arn === this.choice) ?? null);
  /** Why storage cannot be enabled as things stand, or null. */
  readonly enableProblem = $derived.by(() => {
    if (this.listing) return 'Loading streams…';
    return this.choice === OTHER ? streamArnProblem(this.pastedArn) : null;
  });
  readonly newNameProblem = $derived(streamNameProblem(this.newName, this.#listedNames()));
  readonly newRetentionProblem = $derived(retentionProblem(this.newRetention));

  readonly channelArn: string;
  readonly channelName: string;
  readonly #ipc: Ipc;
  readonly #notices: Notices;
  readonly #label: string;
  readonly #catalogStream: string | null;
  // The operator chose or typed: a list arriving later must not take the picker away from that.
  #operatorChose = false;
  #listRun = 0;

  constructor(ipc: Ipc, notices: Notices, channel: { arn: string; name: string; streamArn: string | null }) {
    this.#ipc = ipc;
    this.#notices = notices;
    this.channelArn = channel.arn;
    this.channelName = channel.name;
    this.#label = `${channel.name}: storage`;
    this.#catalogStream = channel.streamArn;
    this.pastedArn = channel.streamArn ?? lastStream.get(channel.arn) ?? '';
  }

  /** Describes the storage and, unless it is already enabled, lists the streams it could record into. */
  async open(): Promise<void> {
    await this.describe();
    if (this.config?.status !== 'ENABLED') await this.listStreams();
  }

  async describe(): Promise<void> {
    this.loading = true;
    try {
      this.config = await this.#ipc.call('storage:describe', { channelArn: this.channelArn });
      if (this.config.streamArn) {
        lastStream.set(this.channelArn, this.config.streamArn);
        if (!this.#operatorChose) this.pastedArn = this.config.streamArn;
      }
    } catch (error) {
      this.#notices.report(this.#label, error);
    } finally {
      this.loading = false;
    }
  }

  async listStreams(): Promise<void> {
    const run = ++this.#listRun;
    this.listing = true;
    try {
      const listed = await this.#ipc.call('storage:listStreams', { channelArn: this.channelArn });
      // A refresh started meanwhile answers for the newer state.
      if (run !== this.#listRun) return;
      this.streams = listed.streams;
      this.truncated = listed.truncated;
      this.listError = null;
      if (!this.#keepsChoice()) this.choice = preselect(listed, this.#preferredStream(), this.channelName);
    } catch (error) {
      if (run !== this.#listRun) return;
      // Whatever was listed before stays offered, and a stream can always be named by its ARN.
      this.listError = error instanceof Error ? error.message : String(error);
      this.#notices.report(this.#label, error);
    } finally {
      if (run === this.#listRun) this.listing = false;
    }
  }

  /** The operator picked an option (a stream ARN or OTHER). */
  choose(value: string): void {
    this.choice = value;
    this.#operatorChose = true;
  }

  /** The operator typed or pasted an ARN. */
  paste(value: string): void {
    this.pastedArn = value;
    this.#operatorChose = true;
  }

  /** Opens the new-stream form with a name that is not listed yet and a week's retention. */
  openNewStream(): void {
    this.newName = defaultStreamName(this.channelName, this.#listedNames());
    this.newRetention = String(DEFAULT_RETENTION_HOURS);
    this.createError = null;
    this.newStreamOpen = true;
  }

  closeNewStream(): void {
    if (this.creating) return;
    this.newStreamOpen = false;
    this.createError = null;
  }

  /** Creates the stream of the form and chooses it; true when it was created. */
  async createStream(): Promise<boolean> {
    if (this.creating || this.newNameProblem || this.newRetentionProblem) return false;
    this.creating = true;
    this.createError = null;
    try {
      const stream = await this.#ipc.call('storage:createStream', {
        channelArn: this.channelArn,
        name: this.newName.trim(),
        retentionHours: Number(this.newRetention.trim()),
      });
      this.streams = withStream(this.streams ?? [], stream);
      this.choice = stream.arn;
      this.newStreamOpen = false;
      return true;
    } catch (error) {
      // Shown beside the form as well: the notice strip is far from the field that has to change.
      this.createError = error instanceof Error ? error.message : String(error);
      this.#notices.report(this.#label, error);
      return false;
    } finally {
      this.creating = false;
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
        ...(enabled ? { streamArn: this.streamArn } : {}),
      });
      const streamName = res.streamArn ? (/:stream\/([^/]+)\//.exec(res.streamArn)?.[1] ?? null) : null;
      this.config = { status: res.status, streamArn: res.streamArn, streamName };
      if (res.streamArn) lastStream.set(this.channelArn, res.streamArn);
      // Storage off: the panel offers streams again, and the one just left is taken by nobody now.
      if (res.status !== 'ENABLED') void this.listStreams();
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

  #preferredStream(): string | null {
    return this.config?.streamArn ?? lastStream.get(this.channelArn) ?? this.#catalogStream;
  }

  #keepsChoice(): boolean {
    if (this.choice === OTHER) return this.#operatorChose;
    const current = this.streams?.find((s) => s.arn === this.choice);
    return current !== undefined && usable(current, this.channelName);
  }

  #listedNames(): ReadonlySet<string> {
    return streamNames(this.streams ?? []);
  }
}
