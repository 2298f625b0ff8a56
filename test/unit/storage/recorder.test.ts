import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openRecorder } from '../../../kvs-local/src/storage/recorder';
import type { StreamRecorder } from '../../../kvs-local/src/storage/recorder';
import { delta, keyframe, packetize } from './rtpH264';

const FRAME_TICKS = 6000; // 15 fps on the 90 kHz clock
let dir: string;
let now: number;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'wf-recorder-'));
  now = 1_700_000_000_000;
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Sends `frames` frames (a keyframe every `gop`), advancing the fake clock. */
function sendFrames(
  recorder: StreamRecorder,
  start: { seq: number; frame: number },
  frames: number,
  gop = 15,
): void {
  for (let i = 0; i < frames; i += 1) {
    const index = start.frame + i;
    const nalus = index % gop === 0 ? keyframe() : delta();
    const packets = packetize(nalus, (1000 + index * FRAME_TICKS) >>> 0, start.seq);
    start.seq += packets.length;
    for (const packet of packets) recorder.onVideoRtp(packet);
    recorder.onAudioRtp({
      header: { sequenceNumber: index, timestamp: 0, marker: false },
      payload: Buffer.alloc(80),
    });
    now += 1000 / 15;
  }
  start.frame += frames;
}

describe('StreamRecorder', () => {
  it('cuts fragments at keyframes, writes Annex-B files and a JSON index', async () => {
    const recorder = await openRecorder({ dir, streamName: 'cam-1', now: () => now });
    sendFrames(recorder, { seq: 65_000, frame: 0 }, 45);
    expect(recorder.recording().totals.frames).toBe(45);
    await recorder.close();

    const summary = recorder.recording();
    expect(summary.fragments.map((f) => [f.fragmentNumber, f.frameCount, f.keyframe])).toEqual([
      ['1', 15, true],
      ['2', 15, true],
      ['3', 15, true],
    ]);
    expect(summary.fragments[0]?.durationMs).toBe(1000);
    expect(summary.fragments[2]?.durationMs).toBe(1000);
    expect(summary.fragments[1]?.audioPackets).toBe(15);
    expect(summary.fragments[1]?.producerTimestamp).toBe(1_700_000_001_000);
    expect(summary.totals).toMatchObject({ frames: 45, fragments: 3, durationMs: 3000, audioPackets: 45 });

    const files = (await readdir(join(dir, 'cam-1'))).sort();
    expect(files).toEqual(['1.h264', '2.h264', '3.h264', 'index.json']);
    const first = await readFile(join(dir, 'cam-1', '1.h264'));
    expect(first.subarray(0, 5)).toEqual(Buffer.from([0, 0, 0, 1, 0x67]));
    expect(first.length).toBe(summary.fragments[0]?.bytes);
    const index = JSON.parse(await readFile(join(dir, 'cam-1', 'index.json'), 'utf8')) as {
      fragments: unknown[];
    };
    expect(index.fragments).toHaveLength(3);
  });

  it('drops frames until the first keyframe and asks for one after a loss', async () => {
    let requests = 0;
    const recorder = await openRecorder({ dir, streamName: 's', now: () => now });
    recorder.onKeyframeNeeded = () => (requests += 1);
    const state = { seq: 1, frame: 5 };
    sendFrames(recorder, state, 10);
    expect(recorder.recording().droppedFrames).toBe(10);
    expect(recorder.recording().totals.frames).toBe(0);

    sendFrames(recorder, state, 3);
    state.seq += 1; // one packet lost
    sendFrames(recorder, state, 3);
    expect(requests).toBe(1);
    expect(recorder.recording().totals.frames).toBe(3);
    await recorder.close();
  });

  it('continues the numbering of an existing stream directory', async () => {
    const first = await openRecorder({ dir, streamName: 's', now: () => now });
    sendFrames(first, { seq: 1, frame: 0 }, 20);
    await first.close();
    const second = await openRecorder({ dir, streamName: 's', now: () => now });
    second.sourceChanged();
    sendFrames(second, { seq: 5000, frame: 0 }, 16);
    await second.close();
    expect(second.recording().fragments.map((f) => f.fragmentNumber)).toEqual(['1', '2', '3', '4']);
  });

  it('refuses stream names that would leave the directory', async () => {
    await expect(openRecorder({ dir, streamName: '..' })).rejects.toThrow(/invalid stream name/);
  });
});
