/**
 * The tile's frame probe: follows the <video> with requestVideoFrameCallback, counts every presented frame
 * and, a few times a second, reads pixels back to tell whether the picture ADVANCED — a frozen simulated
 * camera keeps sending the same frame, so frames arriving prove nothing. Simulated cameras stamp capture
 * time and a sequence number into the top band (src-shared/media/frameStamp.ts): only that band is read,
 * from the decoded frame's Y plane through WebCodecs (lumaReader.ts), or drawn into a small canvas where a
 * frame is not planar YUV. Real cameras have no stamp: a 16×9 luma fingerprint stands in for it.
 */
import { readStampFromRgba, resolveStampTime, stampBandHeight } from '../../src-shared/media/frameStamp';
import { canReadLuma, sampleLuma } from './lumaReader';
import type { PictureNote } from './types';

/** Pixel read-backs per second per tile at most (25 tiles × 4 Hz, not 25 × 25 fps). */
export const PROBE_SAMPLE_INTERVAL_MS = 250;
/** Width the stamp band is read at: a cell is 8 px, one transform block, as the stamp is specified. */
const BAND_WIDTH = 320;
const THUMB_W = 16;
const THUMB_H = 9;
// A thumbnail pixel must move by more than this (0..255) to count as change; decoders are deterministic,
// so a repeated frame reproduces exactly, while any real motion or sensor noise exceeds it somewhere.
const FINGERPRINT_NOISE = 2;

/** Decides `advanced` and g2g from what one sample saw (kept free of the DOM so it can be tested). */
export class PictureJudge {
  private lastSeq: number | null = null;
  private lastThumb: Uint8ClampedArray | null = null;

  /** `stamp` when the band decoded; `thumb` (RGBA) otherwise. `nowMs` is epoch ms. */
  judge(
    stamp: { seq: number; timeLow: number } | null,
    thumb: () => Uint8ClampedArray | null,
    nowMs: number,
  ): { advanced: boolean; g2gMs: number | null } {
    if (stamp) {
      const advanced = this.lastSeq === null || stamp.seq !== this.lastSeq;
      this.lastSeq = stamp.seq;
      return { advanced, g2gMs: Math.max(0, nowMs - resolveStampTime(stamp.timeLow, nowMs)) };
    }
    const next = thumb();
    if (!next) return { advanced: false, g2gMs: null };
    const prev = this.lastThumb;
    this.lastThumb = next;
    return { advanced: prev === null || differs(prev, next), g2gMs: null };
  }
}

function differs(a: Uint8ClampedArray, b: Uint8ClampedArray): boolean {
  if (a.length !== b.length) return true;
  for (let i = 0; i < a.length; i++) {
    if ((i & 3) !== 3 && Math.abs((a[i] ?? 0) - (b[i] ?? 0)) > FINGERPRINT_NOISE) return true;
  }
  return false;
}

export interface FrameProbeOptions {
  sampleIntervalMs?: number;
}

type Canvas2d = OffscreenCanvasRenderingContext2D | CanvasRenderingContext2D;

function context(width: number, height: number): Canvas2d | null {
  if (typeof OffscreenCanvas !== 'undefined') {
    return new OffscreenCanvas(width, height).getContext('2d', { willReadFrequently: true });
  }
  const canvas = document.createElement('canvas');
  canvas.width = width;
  canvas.height = height;
  return canvas.getContext('2d', { willReadFrequently: true });
}

/**
 * Starts probing `video` and reports to `session.notePicture`; returns the function that stops it.
 * Presented frames that are not sampled are still counted (PictureNote.frames).
 */
export function attachFrameProbe(
  video: HTMLVideoElement,
  session: { notePicture(info: PictureNote): void },
  options: FrameProbeOptions = {},
): () => void {
  const interval = options.sampleIntervalMs ?? PROBE_SAMPLE_INTERVAL_MS;
  const judge = new PictureJudge();
  let band: { ctx: Canvas2d; width: number; height: number } | null = null;
  let thumbCtx: Canvas2d | null = null;
  let handle = 0;
  let stopped = false;
  let lastPresented: number | null = null;
  let frames = 0;
  let lastSampleAt = Number.NEGATIVE_INFINITY;
  let useLuma = canReadLuma();
  let sampling = false;

  const readStamp = (vw: number, vh: number): { seq: number; timeLow: number } | null => {
    const width = Math.min(vw, BAND_WIDTH);
    const height = stampBandHeight(width);
    const srcHeight = stampBandHeight(vw);
    if (height < 2 || srcHeight > vh) return null;
    if (!band || band.width !== width) {
      const ctx = context(width, height);
      if (!ctx) return null;
      band = { ctx, width, height };
    }
    // Only the band: a 320×16 read-back instead of a whole frame.
    band.ctx.drawImage(video, 0, 0, vw, srcHeight, 0, 0, width, height);
    const pixels = band.ctx.getImageData(0, 0, width, height).data;
    return readStampFromRgba(pixels, width, height);
  };

  const readThumb = (): Uint8ClampedArray | null => {
    thumbCtx ??= context(THUMB_W, THUMB_H);
    if (!thumbCtx) return null;
    thumbCtx.drawImage(video, 0, 0, THUMB_W, THUMB_H);
    return thumbCtx.getImageData(0, 0, THUMB_W, THUMB_H).data;
  };

  const onFrame = (_now: DOMHighResTimeStamp, meta: VideoFrameCallbackMetadata): void => {
    if (stopped) return;
    handle = video.requestVideoFrameCallback(onFrame);
    // presentedFrames counts every frame the element showed; a reset (new srcObject) counts as one.
    const delta = lastPresented === null ? 1 : meta.presentedFrames - lastPresented;
    lastPresented = meta.presentedFrames;
    frames += delta > 0 ? delta : 1;
    const at = Date.now();
    if (at - lastSampleAt < interval) return;
    lastSampleAt = at;
    const vw = meta.width || video.videoWidth;
    const vh = meta.height || video.videoHeight;
    if (!vw || !vh) return;
    if (useLuma) {
      // WebCodecs read-back (lumaReader.ts): asynchronous, one sample in flight per tile.
      if (sampling) return;
      sampling = true;
      void sampleLuma(video)
        .then((sample) => {
          if (stopped) return;
          if (sample === null) {
            useLuma = false; // not a planar YUV frame: the canvas path from the next sample on
            return;
          }
          report(
            judge.judge(sample.stamp, () => sample.thumb, at),
            at,
          );
        })
        .catch(() => undefined)
        .finally(() => {
          sampling = false;
        });
      return;
    }
    let verdict: { advanced: boolean; g2gMs: number | null };
    try {
      verdict = judge.judge(readStamp(vw, vh), readThumb, at);
    } catch {
      // A frame that cannot be drawn yet (decoder reconfiguring): judge it next time.
      return;
    }
    report(verdict, at);
  };

  const report = (verdict: { advanced: boolean; g2gMs: number | null }, at: number): void => {
    session.notePicture({ at, advanced: verdict.advanced, g2gMs: verdict.g2gMs, frames });
    frames = 0;
  };

  handle = video.requestVideoFrameCallback(onFrame);
  return () => {
    stopped = true;
    video.cancelVideoFrameCallback(handle);
  };
}
