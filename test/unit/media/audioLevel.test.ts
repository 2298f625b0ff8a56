import { describe, expect, it } from 'vitest';
import {
  DBFS_FLOOR,
  LevelMeter,
  peakDbfs,
  rmsDbfs,
  toDbfs,
  ToneGenerator,
  toneFrame,
} from '../../../src-shared/media/audioLevel';

describe('dBFS math', () => {
  it('reads full scale as 0 dB peak and a full-scale square as 0 dB RMS', () => {
    const square = Int16Array.from({ length: 480 }, (_, i) => (i % 2 ? 32767 : -32768));
    expect(peakDbfs(square)).toBeCloseTo(0, 3);
    expect(rmsDbfs(square)).toBeCloseTo(0, 3);
  });

  it('reads a full-scale sine at -3.01 dB RMS and halves as -6.02 dB', () => {
    const sine = Int16Array.from({ length: 4800 }, (_, i) =>
      Math.round(32767 * Math.sin((2 * Math.PI * 1000 * i) / 48000)),
    );
    expect(rmsDbfs(sine)).toBeCloseTo(-3.01, 1);
    const half = sine.map((s) => s >> 1);
    expect(rmsDbfs(half) - rmsDbfs(sine)).toBeCloseTo(-6.02, 1);
  });

  it('reports silence and empty input at the floor, never -Infinity', () => {
    expect(rmsDbfs(new Int16Array(480))).toBe(DBFS_FLOOR);
    expect(peakDbfs(new Int16Array(0))).toBe(DBFS_FLOOR);
    expect(toDbfs(0)).toBe(DBFS_FLOOR);
    expect(toDbfs(Number.NaN)).toBe(DBFS_FLOOR);
    expect(peakDbfs(Int16Array.of(0, 1, -1))).toBeCloseTo(-90.3, 1);
  });

  it('measures a sub-range', () => {
    const s = new Int16Array(960);
    s.fill(16384, 480);
    expect(rmsDbfs(s, 0, 480)).toBe(DBFS_FLOOR);
    expect(rmsDbfs(s, 480)).toBeCloseTo(-6.02, 1);
  });
});

describe('toneFrame / ToneGenerator', () => {
  it('makes 10 ms at 48 kHz by default at the requested RMS level', () => {
    const frame = toneFrame({ frequencyHz: 440, levelDbfs: -20 });
    expect(frame).toHaveLength(480);
    const g = new ToneGenerator({ frequencyHz: 1000, levelDbfs: -20 });
    const long = new Int16Array(4800);
    for (let i = 0; i < 10; i++) long.set(g.next(), i * 480);
    expect(rmsDbfs(long)).toBeCloseTo(-20, 1);
  });

  it('keeps phase continuous across frames (no click at the boundary)', () => {
    const g = new ToneGenerator({ frequencyHz: 440, levelDbfs: -6 });
    const a = Int16Array.from(g.next());
    const b = Int16Array.from(g.next());
    const amplitude = 32768 * Math.SQRT2 * 10 ** (-6 / 20);
    const maxStep = amplitude * ((2 * Math.PI * 440) / 48000) + 1;
    expect(Math.abs((b[0] ?? 0) - (a[479] ?? 0))).toBeLessThanOrEqual(maxStep);
    // A fresh generator restarted each frame would repeat `a`; a continuous one does not.
    expect(b).not.toEqual(a);
  });

  it('writes interleaved channels and reuses its buffer', () => {
    const g = new ToneGenerator({ channels: 2, sampleRate: 16000 });
    const first = g.next();
    expect(first).toHaveLength(320);
    expect(first[10]).toBe(first[11]);
    expect(g.next()).toBe(first);
    expect(g.frameSamples).toBe(160);
    expect(() => toneFrame({}, { phase: 0 }, new Int16Array(10))).toThrow(RangeError);
  });
});

describe('LevelMeter', () => {
  it('averages over the window of arrival time and forgets what is older', () => {
    let now = 1000;
    const meter = new LevelMeter({ windowMs: 500, now: () => now });
    const loud = toneFrame({ levelDbfs: -10 });
    const quiet = toneFrame({ levelDbfs: -40 });
    for (let i = 0; i < 50; i++, now += 10) meter.push(loud);
    expect(meter.read().levelDb).toBeCloseTo(-10, 0);
    expect(meter.read().peakDb).toBeCloseTo(-10 + 3.01, 0);
    for (let i = 0; i < 60; i++, now += 10) meter.push(quiet);
    expect(meter.read().levelDb).toBeCloseTo(-40, 0);
    expect(meter.read().windowSamples).toBeLessThanOrEqual(51 * 480);
  });

  it('falls to the floor when audio stops arriving', () => {
    let now = 0;
    const meter = new LevelMeter({ windowMs: 300, now: () => now });
    meter.push(toneFrame({ levelDbfs: -20 }));
    expect(meter.read().levelDb).toBeCloseTo(-20, 0);
    now += 301;
    expect(meter.read()).toEqual({ levelDb: DBFS_FLOOR, peakDb: DBFS_FLOOR, windowSamples: 0 });
  });

  it('grows past its initial capacity without losing chunks', () => {
    const now = 0;
    const meter = new LevelMeter({ windowMs: 10_000, now: () => now });
    const chunk = new Int16Array(10).fill(1000);
    for (let i = 0; i < 1000; i++) meter.push(chunk);
    expect(meter.read().windowSamples).toBe(10_000);
    meter.reset();
    expect(meter.read().windowSamples).toBe(0);
  });
});
