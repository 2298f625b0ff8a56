import { describe, expect, it } from 'vitest';
import { readStampFromRgba, stampBandHeight, writeStamp } from '../../../src-shared/media/frameStamp';
import { PictureJudge } from '../../../src-renderer/viewer/frameProbe';

/** The stamp band of a 320-wide frame as a canvas would hand it out (RGBA, grey). */
function band(seq: number, timeMs: number): Uint8ClampedArray {
  const width = 320;
  const height = stampBandHeight(width);
  const luma = new Uint8Array(width * height);
  writeStamp({ data: luma, width, height }, { seq, timeMs });
  const rgba = new Uint8ClampedArray(width * height * 4);
  luma.forEach((y, i) => rgba.set([y, y, y, 255], i * 4));
  return rgba;
}

const read = (seq: number, timeMs: number) => readStampFromRgba(band(seq, timeMs), 320, 16);

describe('PictureJudge', () => {
  it('calls a stamped picture advanced only when its seq changes, and measures g2g from the stamp', () => {
    const judge = new PictureJudge();
    const now = 1_700_000_000_000;
    const noThumb = () => {
      throw new Error('a stamped frame needs no fingerprint');
    };
    expect(judge.judge(read(7, now - 80), noThumb, now)).toEqual({ advanced: true, g2gMs: 80 });
    // A frozen camera resends the same frame: same stamp, not advanced.
    expect(judge.judge(read(7, now - 80), noThumb, now + 250)).toEqual({ advanced: false, g2gMs: 330 });
    expect(judge.judge(read(8, now + 200), noThumb, now + 250).advanced).toBe(true);
  });

  it('falls back to a thumbnail fingerprint without a stamp, ignoring tiny differences', () => {
    const judge = new PictureJudge();
    const a = new Uint8ClampedArray(16 * 9 * 4).fill(100);
    const nearlyA = a.map((v, i) => (i === 5 ? v + 2 : v));
    const b = a.map((v, i) => (i === 40 ? v + 30 : v));
    expect(judge.judge(null, () => a, 0).advanced).toBe(true);
    expect(judge.judge(null, () => nearlyA, 250).advanced).toBe(false);
    expect(judge.judge(null, () => b, 500)).toEqual({ advanced: true, g2gMs: null });
  });
});
