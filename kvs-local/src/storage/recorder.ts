import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { H264Depacketizer, toAnnexB } from './h264Depacketizer';
import type { AccessUnit, RtpLike } from './h264Depacketizer';

/** One stored fragment of a stream, as listed in `index.json`. */
export interface FragmentInfo {
  /** Decimal string, increasing per stream (KVS fragment numbers are strings too). */
  fragmentNumber: string;
  /** Producer time of the first frame, epoch ms (RTP clock anchored at the first frame received). */
  producerTimestamp: number;
  /** Arrival time of the first frame at the storage session, epoch ms. */
  serverTimestamp: number;
  durationMs: number;
  frameCount: number;
  /** The fragment starts with an IDR frame, so it decodes on its own. */
  keyframe: boolean;
  /** Size of the Annex-B `.h264` file. */
  bytes: number;
  audioPackets: number;
  audioBytes: number;
  /** File name inside the stream directory. */
  file: string;
}

/** Totals over the whole stream: fragments on disk, being written, and the open one. */
export interface RecordingTotals {
  frames: number;
  durationMs: number;
  bytes: number;
  /** Fragments on disk (listed in {@link RecordingSummary.fragments}). */
  fragments: number;
  audioPackets: number;
}

/** What {@link StreamRecorder.recording} reports. */
export interface RecordingSummary {
  streamName: string;
  /** Directory holding `<fragmentNumber>.h264` files and `index.json`. */
  directory: string;
  fragments: FragmentInfo[];
  totals: RecordingTotals;
  /** Frames in the fragment still being filled. */
  openFragmentFrames: number;
  /** Arrival time of the first frame this recorder stored, epoch ms (undefined before). */
  firstFrameAt: number | undefined;
  /** Frames dropped while waiting for a keyframe (start, loss, new producer). */
  droppedFrames: number;
}

/** Options of {@link openRecorder}. */
export interface RecorderOptions {
  /** Base directory; the stream's files go to `<dir>/<streamName>/`. */
  dir: string;
  streamName: string;
  /** A keyframe closer than this to the fragment start does not cut a new fragment. Default 500. */
  minFragmentMs?: number;
  /** Cut even without a keyframe when a fragment grows this long. Default 2000. */
  maxFragmentMs?: number;
  /** Called when decoding can only resume at a keyframe (the session turns it into a PLI). */
  onKeyframeNeeded?: () => void;
  /** Called when writing a fragment or the index fails. */
  onError?: (error: Error) => void;
  now?: () => number;
}

interface OpenFragment {
  info: Omit<FragmentInfo, 'bytes' | 'durationMs' | 'file'>;
  startRtp: number;
  lastRtp: number;
  chunks: Buffer[];
  bytes: number;
}

const INDEX_FILE = 'index.json';

/**
 * Stores what a storage session's master sends: H.264 RTP is rebuilt into access units, cut into
 * fragments at keyframes, and each fragment is written as an Annex-B file with a JSON index beside
 * it. Opus packets are counted per fragment (KVS stores AAC; the emulator only accounts for audio).
 */
export class StreamRecorder {
  private readonly depacketizer = new H264Depacketizer();
  /** Fragments on disk, listed in the index. */
  private readonly fragments: FragmentInfo[];
  /** Closed fragments whose file is still being written (counted in totals, not yet listed). */
  private readonly pending: FragmentInfo[] = [];
  private readonly minFragmentMs: number;
  private readonly maxFragmentMs: number;
  private readonly now: () => number;
  private nextNumber: number;
  private open: OpenFragment | undefined;
  private waitingForKeyframe = true;
  private anchor: { rtp: number; wall: number; lastRaw: number; unwrapped: number } | undefined;
  private firstFrameAt: number | undefined;
  private droppedFrames = 0;
  private writes: Promise<void> = Promise.resolve();
  private closed = false;
  /** Called when decoding can only resume at a keyframe; a storage session sets it to send a PLI. */
  onKeyframeNeeded: (() => void) | undefined;

  /** Use {@link openRecorder}, which creates the directory and reads an existing index. */
  constructor(
    private readonly options: RecorderOptions,
    readonly directory: string,
    existing: FragmentInfo[],
  ) {
    this.fragments = existing;
    this.minFragmentMs = options.minFragmentMs ?? 500;
    this.maxFragmentMs = options.maxFragmentMs ?? 2000;
    this.now = options.now ?? Date.now;
    this.onKeyframeNeeded = options.onKeyframeNeeded;
    const last = existing.at(-1);
    this.nextNumber = last ? Number(last.fragmentNumber) + 1 : 1;
  }

  /** Feeds one video RTP packet of the master (before any rewriting for viewers). */
  onVideoRtp(packet: RtpLike): void {
    if (this.closed) return;
    for (const unit of this.depacketizer.push(packet)) this.onAccessUnit(unit);
  }

  /** Counts one audio RTP packet of the master into the open fragment. */
  onAudioRtp(packet: RtpLike): void {
    if (this.closed || !this.open) return;
    this.open.info.audioPackets += 1;
    this.open.info.audioBytes += packet.payload.length;
  }

  /**
   * A different producer (a new master) is about to send: its RTP clock and sequence numbers are
   * unrelated to the old one, so the open fragment is closed and the next one starts at a keyframe.
   */
  sourceChanged(): void {
    this.closeFragment(undefined);
    this.depacketizer.reset();
    this.anchor = undefined;
    this.waitingForKeyframe = true;
  }

  /** The summary of everything stored for this stream so far. */
  recording(): RecordingSummary {
    const openFrames = this.open?.info.frameCount ?? 0;
    const openBytes = this.open?.bytes ?? 0;
    const openMs = this.open ? this.rtpSpanMs(this.open.startRtp, this.open.lastRtp) : 0;
    const stored = [...this.fragments, ...this.pending];
    const sum = (pick: (f: FragmentInfo) => number): number => stored.reduce((acc, f) => acc + pick(f), 0);
    return {
      streamName: this.options.streamName,
      directory: this.directory,
      fragments: this.fragments.map((f) => ({ ...f })),
      totals: {
        frames: sum((f) => f.frameCount) + openFrames,
        durationMs: sum((f) => f.durationMs) + openMs,
        bytes: sum((f) => f.bytes) + openBytes,
        fragments: this.fragments.length,
        audioPackets: sum((f) => f.audioPackets) + (this.open?.info.audioPackets ?? 0),
      },
      openFragmentFrames: openFrames,
      firstFrameAt: this.firstFrameAt,
      droppedFrames: this.droppedFrames,
    };
  }

  /** Writes the open fragment and waits for every pending write. */
  async flush(): Promise<void> {
    this.closeFragment(undefined);
    await this.writes;
  }

  /** Flushes and stops accepting packets. Idempotent. */
  async close(): Promise<void> {
    if (!this.closed) this.closeFragment(undefined);
    this.closed = true;
    await this.writes;
  }

  private onAccessUnit(unit: AccessUnit): void {
    if (!unit.complete) {
      this.droppedFrames += 1;
      if (!this.waitingForKeyframe) this.onKeyframeNeeded?.();
      this.waitingForKeyframe = true;
      return;
    }
    if (this.waitingForKeyframe && !unit.keyframe) {
      this.droppedFrames += 1;
      return;
    }
    const arrival = this.now();
    const rtp = this.unwrap(unit.rtpTimestamp, arrival);
    const open = this.open;
    const elapsed = open ? this.rtpSpanMs(open.startRtp, rtp) : 0;
    const resuming = this.waitingForKeyframe;
    if (
      !open ||
      (unit.keyframe && (resuming || elapsed >= this.minFragmentMs)) ||
      elapsed >= this.maxFragmentMs
    ) {
      this.closeFragment(rtp);
      this.startFragment(unit, rtp, arrival);
    }
    this.waitingForKeyframe = false;
    this.firstFrameAt ??= arrival;
    const fragment = this.open;
    if (!fragment) return;
    const data = toAnnexB(unit.nalus);
    fragment.chunks.push(data);
    fragment.bytes += data.length;
    fragment.lastRtp = rtp;
    fragment.info.frameCount += 1;
  }

  private startFragment(unit: AccessUnit, rtp: number, arrival: number): void {
    const anchor = this.anchor;
    const producerTimestamp = anchor ? anchor.wall + (rtp - anchor.rtp) / 90 : arrival;
    this.open = {
      info: {
        fragmentNumber: String(this.nextNumber++),
        producerTimestamp: Math.round(producerTimestamp),
        serverTimestamp: arrival,
        frameCount: 0,
        keyframe: unit.keyframe,
        audioPackets: 0,
        audioBytes: 0,
      },
      startRtp: rtp,
      lastRtp: rtp,
      chunks: [],
      bytes: 0,
    };
  }

  /** Closes the open fragment; `endRtp` is where the next one starts (undefined: estimate). */
  private closeFragment(endRtp: number | undefined): void {
    const open = this.open;
    if (!open) return;
    this.open = undefined;
    const frames = open.info.frameCount;
    const span = this.rtpSpanMs(open.startRtp, open.lastRtp);
    // Without a following frame, the last frame is assumed to last as long as the average one.
    const durationMs =
      endRtp !== undefined
        ? this.rtpSpanMs(open.startRtp, endRtp)
        : frames > 1
          ? (span * frames) / (frames - 1)
          : 0;
    const info: FragmentInfo = {
      ...open.info,
      durationMs: Math.round(durationMs),
      bytes: open.bytes,
      file: `${open.info.fragmentNumber}.h264`,
    };
    const data = Buffer.concat(open.chunks);
    this.pending.push(info);
    this.writes = this.writes
      .then(async () => {
        await writeFile(join(this.directory, info.file), data);
        this.fragments.push(info);
        await this.writeIndex();
      })
      .catch((error: unknown) => {
        this.options.onError?.(error instanceof Error ? error : new Error(String(error)));
      })
      .finally(() => this.pending.splice(this.pending.indexOf(info), 1));
  }

  private async writeIndex(): Promise<void> {
    const path = join(this.directory, INDEX_FILE);
    const body = JSON.stringify({ streamName: this.options.streamName, fragments: this.fragments }, null, 1);
    // Written aside then renamed, so a reader never sees half an index.
    await writeFile(`${path}.tmp`, body);
    await rename(`${path}.tmp`, path);
  }

  /** Extends the 32-bit RTP clock to a monotonic number and anchors it to wall time once. */
  private unwrap(raw: number, arrival: number): number {
    if (!this.anchor) {
      this.anchor = { rtp: raw, wall: arrival, lastRaw: raw, unwrapped: raw };
      return raw;
    }
    const wrapped = (raw - this.anchor.lastRaw + 2 ** 31) % 2 ** 32;
    const delta = ((wrapped + 2 ** 32) % 2 ** 32) - 2 ** 31;
    this.anchor.lastRaw = raw;
    this.anchor.unwrapped += delta;
    return this.anchor.unwrapped;
  }

  private rtpSpanMs(from: number, to: number): number {
    return Math.max(0, (to - from) / 90);
  }
}

/** Creates the stream directory, reads an existing index (numbering continues), returns a recorder. */
export async function openRecorder(options: RecorderOptions): Promise<StreamRecorder> {
  // StreamName allows dots (§1.1): "." and ".." must not escape the recording directory.
  if (!/^[a-zA-Z0-9_.-]{1,256}$/.test(options.streamName) || /^\.+$/.test(options.streamName)) {
    throw new Error(`invalid stream name for recording: ${options.streamName}`);
  }
  const directory = join(options.dir, options.streamName);
  await mkdir(directory, { recursive: true });
  let existing: FragmentInfo[] = [];
  try {
    const parsed = JSON.parse(await readFile(join(directory, INDEX_FILE), 'utf8')) as {
      fragments?: FragmentInfo[];
    };
    existing = Array.isArray(parsed.fragments) ? parsed.fragments : [];
  } catch {
    // No index yet (or an unreadable one): start a fresh numbering.
  }
  return new StreamRecorder(options, directory, existing);
}
