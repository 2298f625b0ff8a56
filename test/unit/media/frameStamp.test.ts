import { describe, expect, it } from 'vitest';
import {
  readStampFromLuma,
  readStampFromRgba,
  resolveStampTime,
  seqDelta,
  stampBandHeight,
  STAMP_BLACK,
  STAMP_COLUMNS,
  STAMP_WHITE,
  writeStamp,
} from '../../../src-shared/media/frameStamp';

const SIZES: readonly [number, number][] = [
  [320, 180],
  [640, 360],
  [960, 540],
  [1280, 720],
  [1920, 1080],
  [642, 362],
];
const NOW = Date.UTC(2025, 5, 1, 12, 0, 0, 123);

/** A mid-grey luma plane with a stamp, like a camera frame before coding. */
function stamped(width: number, height: number, timeMs: number, seq: number, stride = width): Uint8Array {
  const y = new Uint8Array(stride * height).fill(90);
  writeStamp({ data: y, width, height, stride }, { timeMs, seq });
  return y;
}

/** Deterministic noise so a failure reproduces. */
function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

function toRgba(y: Uint8Array, width: number, height: number): Uint8ClampedArray {
  const out = new Uint8ClampedArray(width * height * 4);
  for (let i = 0; i < width * height; i++) {
    // Limited-range luma to full-range grey, as a browser's video-to-canvas path does.
    const g = ((y[i] ?? 0) - 16) * (255 / 219);
    out[i * 4] = g;
    out[i * 4 + 1] = g;
    out[i * 4 + 2] = g;
    out[i * 4 + 3] = 255;
  }
  return out;
}

describe('frame stamp', () => {
  it.each(SIZES)('round-trips at %ix%i from luma and from RGBA', (width, height) => {
    const y = stamped(width, height, NOW, 4242);
    const expected = { timeLow: NOW % 2 ** 40, seq: 4242 };
    expect(readStampFromLuma({ data: y, width, height })).toEqual(expected);
    expect(readStampFromRgba(toRgba(y, width, height), width, height)).toEqual(expected);
    expect(resolveStampTime(expected.timeLow, NOW + 1500)).toBe(NOW);
  });

  it('honours a stride wider than the picture', () => {
    const y = stamped(640, 360, NOW, 7, 704);
    expect(readStampFromLuma({ data: y, width: 640, height: 360, stride: 704 })).toEqual({
      timeLow: NOW % 2 ** 40,
      seq: 7,
    });
  });

  it('keeps only the low 16 bits of seq and the low 40 bits of time', () => {
    const y = stamped(640, 360, 2 ** 41 + 5, 65536 + 3);
    expect(readStampFromLuma({ data: y, width: 640, height: 360 })).toEqual({ timeLow: 5, seq: 3 });
  });

  it('draws square cells in a band 2/40 of the width tall, black and white only', () => {
    const y = stamped(640, 360, NOW, 1);
    expect(stampBandHeight(640)).toBe(32);
    const band = y.subarray(0, 640 * 32);
    expect(new Set(band)).toEqual(new Set([STAMP_BLACK, STAMP_WHITE]));
    expect(y[640 * 32]).toBe(90); // untouched below the band
    expect(640 / STAMP_COLUMNS).toBe(16);
  });

  it('survives strong pixel noise and a contrast squeeze', () => {
    const rand = prng(1);
    let ok = 0;
    for (let trial = 0; trial < 20; trial++) {
      const y = stamped(640, 360, NOW + trial * 67, trial);
      for (let i = 0; i < y.length; i++) {
        // Squeeze 16..235 into ~60..190, then add ±35 of uniform noise.
        const squeezed = 60 + (((y[i] ?? 0) - 16) * 130) / 219;
        y[i] = Math.max(0, Math.min(255, Math.round(squeezed + (rand() - 0.5) * 70)));
      }
      const r = readStampFromLuma({ data: y, width: 640, height: 360 });
      if (r && r.seq === trial && r.timeLow === (NOW + trial * 67) % 2 ** 40) ok++;
    }
    expect(ok).toBe(20);
  });

  it('decodes a half-size downscale at its own size', () => {
    const full = stamped(640, 360, NOW, 999);
    const half = new Uint8Array(320 * 180);
    for (let y = 0; y < 180; y++) {
      for (let x = 0; x < 320; x++) {
        const i = 2 * y * 640 + 2 * x;
        half[y * 320 + x] =
          ((full[i] ?? 0) + (full[i + 1] ?? 0) + (full[i + 640] ?? 0) + (full[i + 641] ?? 0)) >> 2;
      }
    }
    expect(readStampFromLuma({ data: half, width: 320, height: 180 })).toEqual({
      timeLow: NOW % 2 ** 40,
      seq: 999,
    });
  });

  it('decodes after a 3x3 box blur (codec-like softening)', () => {
    const w = 320;
    const h = 180;
    const src = stamped(w, h, NOW, 12);
    const out = new Uint8Array(src.length);
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        let s = 0;
        let n = 0;
        for (let dy = -1; dy <= 1; dy++) {
          for (let dx = -1; dx <= 1; dx++) {
            const yy = y + dy;
            const xx = x + dx;
            if (yy < 0 || yy >= h || xx < 0 || xx >= w) continue;
            s += src[yy * w + xx] ?? 0;
            n++;
          }
        }
        out[y * w + x] = Math.round(s / n);
      }
    }
    expect(readStampFromLuma({ data: out, width: w, height: h })?.seq).toBe(12);
  });

  it('returns null for a corrupted cell, a missing stamp, or a frame too small', () => {
    const y = stamped(640, 360, NOW, 77);
    // Invert data cell (row 0, column 10): a single wrong bit must be caught by the CRC.
    for (let row = 0; row < 16; row++) {
      for (let x = 160; x < 176; x++) y[row * 640 + x] = STAMP_BLACK + STAMP_WHITE - (y[row * 640 + x] ?? 0);
    }
    expect(readStampFromLuma({ data: y, width: 640, height: 360 })).toBeNull();

    expect(
      readStampFromLuma({ data: new Uint8Array(640 * 360).fill(128), width: 640, height: 360 }),
    ).toBeNull();
    const rand = prng(2);
    const noise = Uint8Array.from({ length: 640 * 360 }, () => Math.floor(rand() * 256));
    expect(readStampFromLuma({ data: noise, width: 640, height: 360 })).toBeNull();
    expect(readStampFromLuma({ data: stamped(120, 68, NOW, 1), width: 120, height: 68 })).toBeNull();
  });

  it('returns null when a sync cell is wrong', () => {
    const y = stamped(640, 360, NOW, 5);
    for (let row = 0; row < 16; row++) y.fill(STAMP_BLACK, row * 640, row * 640 + 16); // column 0 is white in row 0
    expect(readStampFromLuma({ data: y, width: 640, height: 360 })).toBeNull();
  });

  it('rejects random garbage in the band almost always', () => {
    const rand = prng(3);
    let falsePositives = 0;
    for (let trial = 0; trial < 300; trial++) {
      const y = stamped(320, 180, NOW, trial);
      // Re-draw every data cell with a random colour, keeping the sync cells intact.
      for (let row = 0; row < 2; row++) {
        for (let col = 2; col < 38; col++) {
          const v = rand() < 0.5 ? STAMP_BLACK : STAMP_WHITE;
          for (let py = row * 8; py < row * 8 + 8; py++)
            y.fill(v, py * 320 + col * 8, py * 320 + col * 8 + 8);
        }
      }
      if (readStampFromLuma({ data: y, width: 320, height: 180 })) falsePositives++;
    }
    expect(falsePositives).toBeLessThanOrEqual(1); // CRC-16: expected 300 / 65536
  });
});

describe('resolveStampTime', () => {
  const P = 2 ** 40;
  it('reconstructs the epoch ms nearest to now', () => {
    expect(resolveStampTime(NOW % P, NOW)).toBe(NOW);
    expect(resolveStampTime((NOW - 250) % P, NOW)).toBe(NOW - 250);
    expect(resolveStampTime((NOW + 3000) % P, NOW)).toBe(NOW + 3000);
  });

  it('handles a capture just before the 2^40 boundary read just after it', () => {
    const boundary = 2 * P;
    expect(resolveStampTime((boundary - 10) % P, boundary + 5)).toBe(boundary - 10);
    expect(resolveStampTime((boundary + 10) % P, boundary - 5)).toBe(boundary + 10);
  });
});

describe('seqDelta', () => {
  it('counts forward and backward across the 16-bit wrap', () => {
    expect(seqDelta(10, 15)).toBe(5);
    expect(seqDelta(65530, 4)).toBe(10);
    expect(seqDelta(4, 65530)).toBe(-10);
    expect(seqDelta(7, 7)).toBe(0);
  });
});
