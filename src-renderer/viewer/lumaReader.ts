/**
 * Reads a video element's current picture through WebCodecs: the stamp band and a 16×9 luma fingerprint
 * come straight from the decoded frame's Y plane with `VideoFrame.copyTo` and a rectangle, no canvas.
 * Why not a canvas: in Chromium a `drawImage` of a WebRTC <video> into a 2D canvas kept a pool of frame
 * copies in shared memory — ~30 MiB per tile (470 MiB for 16 streams against 19 MiB without read-backs,
 * measured with bench/wall's bare page); this path keeps ~1 MiB for all of them.
 */
import { readStampFromLuma, stampBandHeight, type StampReading } from '../../src-shared/media/frameStamp';

/** Pixel formats whose first plane is 8-bit luma (what software and hardware decoders hand out). */
const PLANAR_YUV: ReadonlySet<string> = new Set(['I420', 'I420A', 'I422', 'I444', 'NV12']);

export const THUMB_W = 16;
export const THUMB_H = 9;

/** Whether this browser can read frames this way (Chromium ≥ 94). */
export function canReadLuma(): boolean {
  return typeof VideoFrame !== 'undefined' && typeof VideoFrame.prototype.copyTo === 'function';
}

/** Copies rows [y, y + height) of the Y plane; returns them with their stride. */
async function lumaRows(
  frame: VideoFrame,
  y: number,
  height: number,
): Promise<{ data: Uint8Array; stride: number; width: number }> {
  const width = frame.codedWidth;
  // Chroma is subsampled 2×2 in I420/NV12: the rectangle must sit on even rows.
  const top = y - (y % 2);
  const rows = Math.min(frame.codedHeight - top, height + (height % 2) + (y - top));
  const rect = { x: 0, y: top, width, height: rows - (rows % 2) };
  const buffer = new Uint8Array(frame.allocationSize({ rect }));
  const [luma] = await frame.copyTo(buffer, { rect });
  const offset = (luma?.offset ?? 0) + (y - top) * (luma?.stride ?? width);
  return { data: buffer.subarray(offset), stride: luma?.stride ?? width, width };
}

export interface LumaSample {
  stamp: StampReading | null;
  /** The 16×9 fingerprint as RGBA (grey), only when there was no stamp. */
  thumb: Uint8ClampedArray | null;
}

/**
 * Samples the element's current frame; null when the frame is not a planar YUV one (then the caller falls
 * back to a canvas) or none is available yet.
 */
export async function sampleLuma(video: HTMLVideoElement): Promise<LumaSample | null> {
  let frame: VideoFrame;
  try {
    frame = new VideoFrame(video);
  } catch {
    return null;
  }
  try {
    if (!frame.format || !PLANAR_YUV.has(frame.format)) return null;
    const width = frame.codedWidth;
    const band = stampBandHeight(width);
    if (band >= 2 && band <= frame.codedHeight) {
      const rows = await lumaRows(frame, 0, band);
      const stamp = readStampFromLuma({ data: rows.data, width, height: band, stride: rows.stride });
      if (stamp) return { stamp, thumb: null };
    }
    // No stamp (a real camera): one pixel pair per cell of a 16×9 grid, from 9 two-row strips.
    const thumb = new Uint8ClampedArray(THUMB_W * THUMB_H * 4);
    const cellH = frame.codedHeight / THUMB_H;
    const cellW = width / THUMB_W;
    for (let ty = 0; ty < THUMB_H; ty++) {
      const strip = await lumaRows(frame, Math.floor((ty + 0.5) * cellH), 1);
      for (let tx = 0; tx < THUMB_W; tx++) {
        const x = Math.floor((tx + 0.5) * cellW);
        const v = ((strip.data[x] ?? 0) + (strip.data[x + 1] ?? 0)) >> 1;
        const i = (ty * THUMB_W + tx) * 4;
        thumb[i] = thumb[i + 1] = thumb[i + 2] = v;
        thumb[i + 3] = 255;
      }
    }
    return { stamp: null, thumb };
  } finally {
    frame.close();
  }
}
