import OpusScript from 'opusscript';
import { afterEach, describe, expect, it } from 'vitest';
import type { RtpPacket } from 'werift';
import { OpusLevelMeter } from '../../../kvs-local/src/storage/audioMeter';
import { OpusMixer } from '../../../kvs-local/src/storage/opusMixer';

/** 20 ms Opus frames of a sine tone. */
function tone(frequencyHz: number, frames: number, amplitude = 0.25): Buffer[] {
  const encoder = new OpusScript(48_000, 1, OpusScript.Application.AUDIO);
  const out: Buffer[] = [];
  let phase = 0;
  for (let f = 0; f < frames; f += 1) {
    const pcm = Buffer.alloc(960 * 2);
    for (let i = 0; i < 960; i += 1) {
      pcm.writeInt16LE(Math.round(Math.sin(phase) * amplitude * 32767), i * 2);
      phase += (2 * Math.PI * frequencyHz) / 48_000;
    }
    out.push(encoder.encode(pcm, 960));
  }
  encoder.delete();
  return out;
}

const time = 0;
const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

function setup(): { mixer: OpusMixer; sent: RtpPacket[]; meter: OpusLevelMeter } {
  const sent: RtpPacket[] = [];
  const mixer = new OpusMixer({ send: (p) => sent.push(p), now: () => time });
  const meter = new OpusLevelMeter(10_000, () => time);
  cleanups.push(
    () => mixer.close(),
    () => meter.close(),
  );
  return { mixer, sent, meter };
}

describe('OpusMixer', () => {
  it('mixes two talking sources into one stream carrying both tones', () => {
    const { mixer, sent, meter } = setup();
    const a = tone(440, 25);
    const b = tone(1000, 25);
    for (let i = 0; i < 25; i += 1) {
      mixer.push('viewer-a', a[i] as Buffer);
      mixer.push('viewer-b', b[i] as Buffer);
      if (i >= 2) mixer.mixFrame();
    }
    for (const packet of sent.slice(3)) meter.pushOpus(packet.payload);
    expect(sent.length).toBeGreaterThanOrEqual(20);
    expect(meter.toneDbfs(440, 10_000)).toBeGreaterThan(-20);
    expect(meter.toneDbfs(1000, 10_000)).toBeGreaterThan(-20);
    expect(meter.toneDbfs(2500, 10_000)).toBeLessThan(-40);
  });

  it('numbers packets consecutively and advances the clock by 960 per frame', () => {
    const { mixer, sent } = setup();
    for (const frame of tone(440, 6)) mixer.push('v', frame);
    for (let i = 0; i < 4; i += 1) mixer.mixFrame();
    const [first, second] = sent;
    expect(sent).toHaveLength(4);
    expect(first?.header.marker).toBe(true);
    expect(second?.header.marker).toBe(false);
    expect(((second?.header.sequenceNumber ?? 0) - (first?.header.sequenceNumber ?? 0)) & 0xffff).toBe(1);
    expect(((second?.header.timestamp ?? 0) - (first?.header.timestamp ?? 0)) >>> 0).toBe(960);
  });

  it('sends nothing until a source has buffered enough, and nothing after it is removed', () => {
    const { mixer, sent } = setup();
    const frames = tone(440, 4);
    mixer.push('v', frames[0] as Buffer);
    expect(mixer.mixFrame()).toBe(false);
    mixer.push('v', frames[1] as Buffer);
    expect(mixer.mixFrame()).toBe(true);
    mixer.removeSource('v');
    expect(mixer.sourceCount).toBe(0);
    expect(mixer.mixFrame()).toBe(false);
    expect(sent).toHaveLength(1);
  });
});

describe('OpusLevelMeter', () => {
  it('reads a tone at its RMS level and silence as -120 dBFS', () => {
    const meter = new OpusLevelMeter(10_000, () => time);
    cleanups.push(() => meter.close());
    expect(meter.levelDbfs()).toBe(-120);
    for (const frame of tone(440, 20, 0.5)) meter.pushOpus(frame);
    // A sine of amplitude 0.5 has an RMS of 0.354: -9 dBFS.
    expect(meter.levelDbfs(10_000)).toBeGreaterThan(-10.5);
    expect(meter.levelDbfs(10_000)).toBeLessThan(-7.5);
    expect(Math.abs(meter.toneDbfs(440, 10_000) - meter.levelDbfs(10_000))).toBeLessThan(1.5);
  });
});
