import { describe, expect, it } from 'vitest';
import { glyphRows, hasGlyph } from '../../../src-shared/media/font5x7';
import { readStampFromLuma } from '../../../src-shared/media/frameStamp';
import {
  clockText,
  createI420Frame,
  drawText,
  patternLayout,
  TestPattern,
} from '../../../src-shared/media/testPattern';
import type { I420Frame, Rect } from '../../../src-shared/media/testPattern';

const T0 = Date.UTC(2025, 0, 2, 3, 4, 5, 678);

/** Distinct luma values inside `rect`. */
function lumaValues(frame: I420Frame, rect: Rect): Set<number> {
  const values = new Set<number>();
  for (let y = rect.y; y < rect.y + rect.height; y++) {
    for (let x = rect.x; x < rect.x + rect.width; x++) values.add(frame.y[y * frame.width + x] ?? -1);
  }
  return values;
}

function differingPixels(a: Uint8Array, b: Uint8Array, from: number): number {
  let n = 0;
  for (let i = from; i < a.length; i++) if (a[i] !== b[i]) n++;
  return n;
}

describe('test pattern', () => {
  it('lays out planes as I420 and rejects a frame of another size', () => {
    const f = createI420Frame(640, 360);
    expect(f.data).toHaveLength(640 * 360 * 1.5);
    expect(f.u.byteOffset - f.y.byteOffset).toBe(640 * 360);
    expect(createI420Frame(5, 3).u).toHaveLength(3 * 2);
    expect(() => createI420Frame(0, 10)).toThrow(RangeError);
    expect(() => new TestPattern(640, 360, 'x').render(0, T0, createI420Frame(320, 180))).toThrow(RangeError);
  });

  it.each([
    [320, 180],
    [640, 360],
    [1920, 1080],
  ])('carries a readable stamp at %ix%i', (w, h) => {
    const frame = new TestPattern(w, h, 'camera-7').render(321, T0, createI420Frame(w, h));
    expect(readStampFromLuma({ data: frame.y, width: w, height: h })).toEqual({
      timeLow: T0 % 2 ** 40,
      seq: 321,
    });
  });

  it('changes visibly between successive frames, below the stamp band too', () => {
    const pattern = new TestPattern(640, 360, 'lobby');
    const a = Uint8Array.from(pattern.render(0, T0, createI420Frame(640, 360)).y);
    const b = pattern.render(1, T0 + 67, createI420Frame(640, 360)).y;
    const belowText = (pattern.layout.clock.y + pattern.layout.clock.height + 4) * 640;
    // The bar moves ~10 px per frame at 15 fps: two 10-px strips of ~280 rows change.
    expect(differingPixels(a, b, belowText)).toBeGreaterThan(2000);
  });

  it('is a pure function of (seq, time): a frozen camera re-renders the same picture', () => {
    const pattern = new TestPattern(640, 360, 'lobby');
    const a = Uint8Array.from(pattern.render(9, T0, createI420Frame(640, 360)).data);
    const shared = createI420Frame(640, 360);
    new TestPattern(640, 360, 'another-camera').render(77, T0 + 5000, shared);
    expect(differingPixels(a, pattern.render(9, T0, shared).data, 0)).toBe(0);
  });

  it('draws the channel name and the clock in the label area', () => {
    const pattern = new TestPattern(640, 360, 'Front-Door_2.cam');
    const frame = pattern.render(0, T0, createI420Frame(640, 360));
    const { label, clock } = pattern.layout;
    // Ink (235) and box (16), distinct from the background and the bar.
    const drawn = { ...label, width: ('Front-Door_2.cam'.length * 6 + 1) * pattern.layout.scale };
    expect(lumaValues(frame, drawn)).toEqual(new Set([16, 235]));
    expect(lumaValues(frame, { ...label, x: drawn.x + drawn.width, width: 10 }).has(235)).toBe(false);
    expect(lumaValues(frame, { ...clock, width: 60 })).toEqual(new Set([16, 235]));
    const blank = new TestPattern(640, 360, '').render(0, T0, createI420Frame(640, 360));
    expect(lumaValues(blank, { ...label, width: 60 }).has(235)).toBe(false);
  });

  it('renders the glyphs pixel for pixel', () => {
    const frame = createI420Frame(64, 32);
    drawText(frame, 'A', 0, 0, 1);
    const rows = glyphRows('A');
    for (let gy = 0; gy < 7; gy++) {
      for (let gx = 0; gx < 5; gx++) {
        const ink = ((rows[gy] ?? 0) >> (4 - gx)) & 1;
        expect(frame.y[(gy + 1) * 64 + gx + 1]).toBe(ink ? 235 : 16);
      }
    }
  });

  it('has glyphs for names, maps lower case to upper, and falls back to ?', () => {
    for (const ch of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.:')
      expect(hasGlyph(ch)).toBe(true);
    expect(glyphRows('q')).toBe(glyphRows('Q'));
    expect(hasGlyph('é')).toBe(false);
    expect(glyphRows('é')).toBe(glyphRows('?'));
    // Every glyph is distinct, so a name reads unambiguously.
    const seen = new Set<string>();
    for (const ch of 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.:#/+()? ') seen.add(glyphRows(ch).join(','));
    expect(seen.size).toBe(47);
  });

  it('scales text with the width and keeps it inside the frame', () => {
    expect(patternLayout(640, 360).scale).toBe(3);
    expect(patternLayout(1920, 1080).scale).toBe(9);
    const small = patternLayout(320, 180);
    expect(small.label.x + small.label.width).toBeLessThanOrEqual(320);
    expect(small.clock.y + small.clock.height).toBeLessThanOrEqual(180);
    const long = new TestPattern(320, 180, 'x'.repeat(256));
    expect(() => long.render(0, T0, createI420Frame(320, 180))).not.toThrow();
  });

  it('formats the clock in UTC with the frame counter', () => {
    expect(clockText(42, T0)).toBe('03:04:05.678 #42');
  });
});
