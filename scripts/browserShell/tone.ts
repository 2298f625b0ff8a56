import { writeFileSync } from 'node:fs';

export interface ToneOptions {
  frequencyHz?: number;
  seconds?: number;
  sampleRate?: number;
  /** Peak amplitude, 0..1 of full scale. */
  amplitude?: number;
}

/**
 * Writes a mono 16-bit PCM WAV holding a steady sine tone: Chromium's fake microphone
 * (`--use-file-for-fake-audio-capture`) loops it, so push-to-talk sends a tone a camera can meter. Written
 * by hand rather than with ffmpeg so the shell needs nothing but Node.
 */
export function writeToneWav(file: string, opts: ToneOptions = {}): void {
  const frequency = opts.frequencyHz ?? 1000;
  const rate = opts.sampleRate ?? 48_000;
  const amplitude = opts.amplitude ?? 0.5;
  // A whole number of cycles, so the loop point does not click.
  const samples = Math.round((opts.seconds ?? 4) * frequency) * Math.round(rate / frequency);
  const data = Buffer.alloc(samples * 2);
  for (let i = 0; i < samples; i++) {
    const v = Math.sin((2 * Math.PI * frequency * i) / rate) * amplitude;
    data.writeInt16LE(Math.round(v * 32767), i * 2);
  }
  const header = Buffer.alloc(44);
  header.write('RIFF', 0, 'ascii');
  header.writeUInt32LE(36 + data.length, 4);
  header.write('WAVE', 8, 'ascii');
  header.write('fmt ', 12, 'ascii');
  header.writeUInt32LE(16, 16); // fmt chunk size
  header.writeUInt16LE(1, 20); // PCM
  header.writeUInt16LE(1, 22); // mono
  header.writeUInt32LE(rate, 24);
  header.writeUInt32LE(rate * 2, 28); // byte rate
  header.writeUInt16LE(2, 32); // block align
  header.writeUInt16LE(16, 34); // bits per sample
  header.write('data', 36, 'ascii');
  header.writeUInt32LE(data.length, 40);
  writeFileSync(file, Buffer.concat([header, data]));
}
