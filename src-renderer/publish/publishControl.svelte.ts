import type { Ipc } from '../lib/ipc.svelte';
import type { SettingsState } from '../settings/settingsState.svelte';
import { Publisher, type PublisherSnapshot } from './publisher';

/** What the banner says for each state of the station's publishing run. */
export const PUBLISH_STATE_TEXT: Record<PublisherSnapshot['state'], string> = {
  idle: 'Starting…',
  preparing: 'Opening the camera…',
  connecting: 'Connecting…',
  joining: 'Joining the storage session…',
  answering: 'Connecting media…',
  live: 'Live · recording',
  'taken-over': 'Taken over',
  failed: 'Stopped',
  stopped: 'Stopped',
};

/**
 * "Publish from this station": at most one run at a time for the whole console. The camera and the
 * microphone chosen in settings are asked for on the operator's click, never before.
 */
export class PublishControl {
  snapshot = $state.raw<PublisherSnapshot | null>(null);
  channelName = $state('');
  preview = $state.raw<MediaStream | null>(null);
  #publisher: Publisher | null = null;
  readonly #ipc: Ipc;
  readonly #settings: SettingsState;

  constructor(ipc: Ipc, settings: SettingsState) {
    this.#ipc = ipc;
    this.#settings = settings;
  }

  /** True while a run is under way (not ended). */
  get active(): boolean {
    const state = this.snapshot?.state;
    return state !== undefined && !['taken-over', 'failed', 'stopped'].includes(state);
  }

  async start(channel: { arn: string; name: string }): Promise<void> {
    await this.stop();
    const micDeviceId = this.#settings.value.micDeviceId;
    const publisher = new Publisher(channel.arn, {
      invoke: (c, r) => this.#ipc.api.invoke(c, r),
      getMedia: () =>
        navigator.mediaDevices.getUserMedia({
          video: { width: 640, height: 360, frameRate: 15 },
          audio: micDeviceId ? { deviceId: { exact: micDeviceId } } : true,
        }),
    });
    this.#publisher = publisher;
    this.channelName = channel.name;
    publisher.subscribe((s) => {
      if (this.#publisher !== publisher) return;
      this.snapshot = s;
      this.preview = publisher.localStream();
    });
    this.snapshot = publisher.snapshot();
    await publisher.start();
  }

  async stop(): Promise<void> {
    const publisher = this.#publisher;
    if (!publisher) return;
    await publisher.stop();
    this.preview = null;
  }

  /** Hides an ended run's banner. */
  dismiss(): void {
    if (this.active) return;
    this.#publisher = null;
    this.snapshot = null;
    this.preview = null;
  }
}
