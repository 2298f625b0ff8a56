import type { Ipc } from '../lib/ipc.svelte';
import type { Notices } from '../lib/notices.svelte';
import type { SettingsState } from '../settings/settingsState.svelte';
import type { SessionView } from '../tile/sessionView.svelte';
import type { WallTile } from '../wall/wallState.svelte';

/** The one tile the microphone talks to. */
export interface TalkTarget {
  readonly tileId: string;
  readonly channelArn: string;
  readonly name: string;
  /** 'opening' while getUserMedia / setMicTrack run; 'live' once the mic is on the tile's sender. */
  readonly phase: 'opening' | 'live';
  readonly startedAt: number;
}

/** Words for getUserMedia failures, with what to do about them. */
export function micErrorMessage(error: unknown): string {
  const name = error instanceof DOMException ? error.name : '';
  switch (name) {
    case 'NotAllowedError':
    case 'SecurityError':
      return 'Microphone blocked — allow it in the system settings (Privacy → Microphone) for Watchfloor, then press talk again.';
    case 'NotFoundError':
      return 'No microphone found — connect one, or choose another in Settings.';
    case 'OverconstrainedError':
      return 'The chosen microphone is not connected — choose another in Settings.';
    case 'NotReadableError':
    case 'AbortError':
      return 'The microphone is in use by another program or failed to start — close it there and try again.';
    default:
      return `The microphone could not be opened: ${error instanceof Error ? error.message : String(error)}`;
  }
}

/**
 * Push-to-talk (design.md flow 2). One target at a time; the mic is opened on the operator's press only and
 * closed after every burst, so the OS indicator and the banner never disagree. Half duplex by default: the
 * talked-to tile's incoming audio is muted, the others are ducked. Every burst is written to the audit log.
 */
export class TalkController {
  target = $state.raw<TalkTarget | null>(null);
  /** Hear the camera while talking (echo risk on speakers): the operator's saved setting. */
  get fullDuplex(): boolean {
    return this.#settings.value.talkFullDuplex;
  }
  /** The last microphone problem, shown on the banner until the next press. */
  problem = $state<string | null>(null);

  readonly #ipc: Ipc;
  readonly #notices: Notices;
  readonly #settings: SettingsState;
  #stream: MediaStream | null = null;
  #view: SessionView | null = null;
  // Bumped on every press and release: an open that finishes after its release is discarded.
  #burst = 0;

  constructor(ipc: Ipc, notices: Notices, settings: SettingsState) {
    this.#ipc = ipc;
    this.#notices = notices;
    this.#settings = settings;
  }

  /** True while the mic is live on `tileId`. */
  isLive(tileId: string): boolean {
    return this.target?.tileId === tileId && this.target.phase === 'live';
  }

  /** The operator pressed talk on `tile` (button down or T down). With latch on, a press toggles. */
  press(tile: WallTile): void {
    if (this.#settings.value.talkLatch && this.target?.tileId === tile.id) {
      void this.stop();
      return;
    }
    void this.start(tile);
  }

  /** The operator let go (button up or T up). Ignored with latch on: the next press stops. */
  release(): void {
    if (this.#settings.value.talkLatch) return;
    void this.stop();
  }

  async start(tile: WallTile): Promise<void> {
    const view = tile.view;
    const channel = tile.channel;
    if (!view || !channel) return;
    if (this.target) await this.stop();
    const burst = ++this.#burst;
    this.problem = null;
    this.#view = view;
    const opening: TalkTarget = {
      tileId: tile.id,
      channelArn: channel.arn,
      name: channel.name,
      phase: 'opening',
      startedAt: Date.now(),
    };
    this.target = opening;
    let stream: MediaStream;
    try {
      const deviceId = this.#settings.value.micDeviceId;
      stream = await navigator.mediaDevices.getUserMedia({
        audio: {
          ...(deviceId ? { deviceId: { exact: deviceId } } : {}),
          echoCancellation: true,
          noiseSuppression: true,
          autoGainControl: true,
        },
        video: false,
      });
    } catch (error) {
      if (burst === this.#burst) {
        this.target = null;
        this.#view = null;
        this.problem = micErrorMessage(error);
        this.#notices.push('Talk', this.problem);
      }
      return;
    }
    const track = stream.getAudioTracks()[0];
    if (burst !== this.#burst || !track) {
      for (const t of stream.getTracks()) t.stop();
      return;
    }
    this.#stream = stream;
    // The track ending underneath us (device unplugged, permission revoked) ends the burst.
    track.addEventListener('ended', () => {
      if (burst === this.#burst) void this.stop();
    });
    try {
      await view.session.setMicTrack(track);
    } catch (error) {
      this.#notices.report(`Talk ${channel.name}`, error);
      if (burst === this.#burst) await this.stop();
      return;
    }
    if (burst !== this.#burst) return;
    this.target = { ...opening, phase: 'live', startedAt: Date.now() };
    // The device list only has names once the mic was allowed: refresh it for the settings page.
    void this.#settings.loadMics();
  }

  async stop(): Promise<void> {
    this.#burst++;
    const target = this.target;
    const view = this.#view;
    const stream = this.#stream;
    this.target = null;
    this.#view = null;
    this.#stream = null;
    if (!target) return;
    if (stream) {
      try {
        await view?.session.setMicTrack(null);
      } catch (error) {
        this.#notices.report(`Talk ${target.name}`, error);
      }
      for (const t of stream.getTracks()) t.stop();
    }
    if (target.phase !== 'live') return;
    try {
      await this.#ipc.call('audit:talk', {
        channelArn: target.channelArn,
        tileId: target.tileId,
        startedAt: target.startedAt,
        endedAt: Date.now(),
      });
    } catch (error) {
      this.#notices.report('Talk audit', error);
    }
  }

  /** A tile's session is closing (channel changed, tile laid out of view): its burst ends with it. */
  sessionClosing(tileId: string): void {
    if (this.target?.tileId === tileId) void this.stop();
  }

  /**
   * The factor (0..1) for a tile's incoming audio while someone talks: muted on the talked-to tile (half
   * duplex), `duckOthersDb` on the others, 1 when nobody talks.
   */
  gainFor(tileId: string): number {
    const target = this.target;
    if (!target) return 1;
    if (target.tileId === tileId) return this.fullDuplex ? 1 : 0;
    return 10 ** (this.#settings.value.duckOthersDb / 20);
  }
}
