import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { useVP8 } from 'werift';
import { readStampFromLuma, resolveStampTime } from '../../src-shared/media/frameStamp';
import { createI420Frame, TestPattern } from '../../src-shared/media/testPattern';
import {
  BAD_ANSWER_MESSAGE,
  H264Device,
  openRecorder,
  StorageSession,
  StorageSessionError,
  StorageViewer,
} from '../../kvs-local/src/storage';
import type {
  AnswerResult,
  StorageParticipant,
  StorageSessionOptions,
  StorageSignal,
  StreamRecorder,
} from '../../kvs-local/src/storage';

const run = promisify(execFile);
type Participant = H264Device | StorageViewer;

/** A storage session whose signaling is plain function calls to in-process werift participants. */
interface Harness {
  session: StorageSession;
  recorder: StreamRecorder;
  /** Messages the session sent, per participant key, in order. */
  sent: Map<string, StorageSignal['messageType'][]>;
  /** Results of onAnswer, per participant key. */
  answers: Map<string, AnswerResult>;
  attach(participant: StorageParticipant, peer: Participant): void;
}

const keyOf = (p: StorageParticipant): string => (p.role === 'MASTER' ? 'MASTER' : `VIEWER:${p.clientId}`);
const cleanups: (() => Promise<void>)[] = [];

afterEach(async () => {
  // Peers first (kills ffmpeg), then the session, recorder and directory; one failure skips nothing.
  const failures: unknown[] = [];
  for (const cleanup of cleanups.splice(0).reverse())
    await cleanup().catch((error: unknown) => failures.push(error));
  expect(failures).toEqual([]);
  // Every ffmpeg a device started is gone once its device is closed.
  const children = await run('pgrep', ['-P', String(process.pid), '-x', 'ffmpeg']).then(
    (r) => r.stdout.trim(),
    () => '',
  );
  expect(children).toBe('');
});

async function harness(options: Partial<StorageSessionOptions> = {}): Promise<Harness> {
  const dir = await mkdtemp(join(tmpdir(), 'wf-storage-'));
  const recorder = await openRecorder({ dir, streamName: 'storage-cam' });
  const peers = new Map<string, Participant>();
  const sent = new Map<string, StorageSignal['messageType'][]>();
  const answers = new Map<string, AnswerResult>();
  const session = new StorageSession({
    recorder,
    offerDelayMs: 20,
    ...options,
    send: (participant, message) => {
      const key = keyOf(participant);
      sent.set(key, [...(sent.get(key) ?? []), message.messageType]);
      const peer = peers.get(key);
      if (!peer) return;
      if (message.messageType === 'ICE_CANDIDATE') {
        void peer.addRemoteCandidate(message.payload);
        return;
      }
      void peer
        .answer(message.payload.sdp)
        .then((sdp) => session.onAnswer(participant, sdp))
        .then((result) => answers.set(key, result));
    },
  });
  cleanups.push(async () => {
    await session.close();
    await recorder.close();
    await rm(dir, { recursive: true, force: true });
  });
  return {
    session,
    recorder,
    sent,
    answers,
    attach(participant, peer) {
      peers.set(keyOf(participant), peer);
      peer.onLocalCandidate((candidate) => void session.onCandidate(participant, candidate));
      cleanups.push(() => peer.close());
    },
  };
}

async function waitFor(what: string, check: () => boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const MASTER: StorageParticipant = { role: 'MASTER' };
const viewer = (clientId: string): StorageParticipant => ({ role: 'VIEWER', clientId });

async function connectMaster(h: Harness, device = new H264Device()): Promise<H264Device> {
  h.attach(MASTER, device);
  h.session.joinMaster();
  await device.connected(15_000);
  return device;
}

async function connectViewer(h: Harness, clientId: string): Promise<StorageViewer> {
  const peer = new StorageViewer();
  h.attach(viewer(clientId), peer);
  h.session.joinViewer(clientId);
  await peer.connected(15_000);
  return peer;
}

describe('storage session media', () => {
  it('records the master’s H.264 into fragments ffprobe decodes', async () => {
    const h = await harness();
    const joinedAt = Date.now();
    const device = await connectMaster(h);
    await waitFor('two fragments on disk', () => h.recorder.recording().totals.fragments >= 2);

    const summary = h.recorder.recording();
    const firstFrameMs = (summary.firstFrameAt ?? 0) - joinedAt;
    console.log(`storage: join → first recorded frame ${firstFrameMs} ms`);
    expect(firstFrameMs).toBeLessThan(5000);
    expect(h.sent.get('MASTER')?.[0]).toBe('ICE_CANDIDATE');
    expect(h.sent.get('MASTER')).toContain('SDP_OFFER');
    expect(h.answers.get('MASTER')).toEqual({ ok: true });
    expect(device.stats().videoPacketsSent).toBeGreaterThan(0);

    const frames = summary.totals.frames;
    await waitFor('more frames', () => h.recorder.recording().totals.frames > frames + 5);
    const fragment = summary.fragments[0];
    expect(fragment?.keyframe).toBe(true);
    expect(fragment?.audioPackets).toBeGreaterThan(10);
    const { stdout } = await run('ffprobe', [
      '-v',
      'error',
      '-count_frames',
      '-show_entries',
      'stream=codec_name,width,height,nb_read_frames',
      '-of',
      'json',
      join(summary.directory, fragment?.file ?? 'missing'),
    ]);
    const probed = (JSON.parse(stdout) as { streams: Record<string, string | number>[] }).streams[0];
    expect(probed).toMatchObject({ codec_name: 'h264', width: 640, height: 360 });
    expect(Number(probed?.nb_read_frames)).toBe(fragment?.frameCount);
  });

  it('records frames fed by a frameSource, with the camera stamp readable', async () => {
    const h = await harness();
    const pattern = new TestPattern(640, 360, 'storage-cam');
    const picture = createI420Frame(640, 360);
    let seq = 0;
    const device = await connectMaster(
      h,
      new H264Device({ video: { frameSource: (now) => pattern.render(seq++, now, picture) } }),
    );
    await waitFor('a fragment on disk', () => h.recorder.recording().totals.fragments >= 1);
    expect(device.stats().framesWritten).toBeGreaterThan(10);

    const fragment = h.recorder.recording().fragments[0];
    const file = join(h.recorder.recording().directory, fragment?.file ?? 'missing');
    const { stdout } = await run(
      'ffmpeg',
      ['-v', 'error', '-i', file, '-frames:v', '1', '-f', 'rawvideo', '-pix_fmt', 'gray', '-'],
      { encoding: 'buffer', maxBuffer: 1 << 22 },
    );
    const stamp = readStampFromLuma({ data: stdout, width: 640, height: 360 });
    expect(stamp).not.toBeNull();
    const stampedAt = resolveStampTime(stamp?.timeLow ?? 0, Date.now());
    // The fragment's first frame is the one the camera stamped just before encoding it.
    expect(Math.abs(stampedAt - (fragment?.producerTimestamp ?? 0))).toBeLessThan(500);
  });

  it('forwards the master’s video and audio to a viewer', async () => {
    const h = await harness();
    await connectMaster(h);
    const peer = await connectViewer(h, 'viewer-1');
    expect(h.sent.get('VIEWER:viewer-1')?.[0]).toBe('ICE_CANDIDATE');
    await waitFor('viewer frames', () => peer.stats().videoFrames >= 20 && peer.stats().keyframes >= 1);
    const frames = peer.stats().videoFrames;
    await waitFor('frames keep coming', () => peer.stats().videoFrames > frames + 5);
    expect(peer.stats().incompleteFrames).toBe(0);
    await waitFor('master tone at the viewer', () => peer.receivedLevel() > -40);
  });

  it('delivers talk-back to the master, mixing two viewers', async () => {
    const h = await harness();
    const device = await connectMaster(h);
    const first = await connectViewer(h, 'viewer-1');
    const second = await connectViewer(h, 'viewer-2');
    expect(device.receivedLevel()).toBeLessThan(-90);

    first.talk(660);
    await waitFor('first viewer heard', () => device.receivedLevel() > -40);
    expect(device.receivedToneLevel(660)).toBeGreaterThan(-30);
    expect(device.receivedToneLevel(1100)).toBeLessThan(-45);

    second.talk(1100);
    await waitFor('both viewers heard', () => device.receivedToneLevel(1100, 300) > -30);
    // One second later both tones are still in the single stream the master receives.
    const mixed = h.session.status().mixedPackets;
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(device.receivedToneLevel(660, 500)).toBeGreaterThan(-30);
    expect(device.receivedToneLevel(1100, 500)).toBeGreaterThan(-30);
    expect(h.session.status().mixedPackets - mixed).toBeGreaterThan(40);
  });

  it('refuses a fourth viewer but lets a viewer re-join under its own clientId', async () => {
    const h = await harness();
    for (const id of ['a', 'b', 'c']) h.session.joinViewer(id);
    expect(() => h.session.joinViewer('a')).not.toThrow();
    expect(h.session.viewerCount).toBe(3);
    let refusal: unknown;
    try {
      h.session.joinViewer('d');
    } catch (error) {
      refusal = error;
    }
    expect(refusal).toBeInstanceOf(StorageSessionError);
    expect((refusal as StorageSessionError).errorType).toBe('ClientLimitExceededException');
    expect((refusal as Error).message).toContain('maximum number of viewers connected to the session');
  });

  it('refuses an answer without H.264 video', async () => {
    const h = await harness();
    h.attach(MASTER, new H264Device({ codecs: { video: [useVP8()] } }));
    h.session.joinMaster();
    await waitFor('the answer', () => h.answers.has('MASTER'));
    expect(h.answers.get('MASTER')).toEqual({
      ok: false,
      error: { errorType: 'InvalidArgumentException', statusCode: '400', message: BAD_ANSWER_MESSAGE },
    });
  });

  it('lets a second master supersede the first', async () => {
    const h = await harness();
    const superseded: string[] = [];
    h.session.on('masterSuperseded', (e) => superseded.push(`${e.peerId}->${e.byPeerId}`));
    await connectMaster(h);
    await waitFor('first master recorded', () => h.recorder.recording().totals.frames > 5);

    const next = await connectMaster(h, new H264Device({ toneHz: 550 }));
    expect(superseded).toEqual(['master#1->master#2']);
    const frames = h.recorder.recording().totals.frames;
    await waitFor('second master recorded', () => h.recorder.recording().totals.frames > frames + 15);
    expect(next.stats().videoPacketsSent).toBeGreaterThan(0);
    expect(h.session.status().master).toBe('connected');
  });

  it('ends the session at its maximum duration', async () => {
    const h = await harness({ maxDurationMs: 3000 });
    const ended = new Promise<string>((resolve) => h.session.once('ended', (e) => resolve(e.reason)));
    const device = await connectMaster(h);
    expect(await ended).toBe('maxDuration');
    expect(h.session.status().master).toBeUndefined();
    expect(h.recorder.recording().totals.fragments).toBeGreaterThanOrEqual(1);
    await device.close();
    expect(device.stats().ffmpegRunning).toBe(false);
  });
});
