/**
 * A simulated camera's media against a plain wrtc viewer in the same process: offer/answer and
 * candidates are exchanged by function calls (no signaling server). Asserts on decoded frames and
 * measured audio, as a browser viewer would see and send them.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { CameraMedia, wrtc } from '../../kvs-local/src/cameras';
import type {
  CameraMediaOptions,
  ViewerCloseReason,
  ViewerPeer,
  WrtcPeerConnection,
} from '../../kvs-local/src/cameras';
import { ToneGenerator } from '../../src-shared/media/audioLevel';
import {
  readStampFromLuma,
  readStampFromRgba,
  resolveStampTime,
  seqDelta,
} from '../../src-shared/media/frameStamp';

interface Received {
  at: number;
  width: number;
  height: number;
  seq: number | null;
  latencyMs: number | null;
  /** Every 10th frame is also converted to RGBA (as a canvas would hold it) and read from that. */
  rgbaSeq?: number | null;
}

interface Session {
  camera: CameraMedia;
  peer: ViewerPeer;
  viewer: WrtcPeerConnection;
  frames: Received[];
  closeReasons: ViewerCloseReason[];
  /** What the viewer's microphone sends: a 1 kHz tone or digital silence. */
  mic: { tone: boolean };
}

const cleanups: (() => void)[] = [];

afterEach(() => {
  for (const cleanup of cleanups.splice(0).reverse()) {
    try {
      cleanup();
    } catch {
      // keep closing the rest
    }
  }
});

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function waitFor(what: string, predicate: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(50);
  }
}

/** Builds a camera and a viewer (recvonly video, sendrecv audio with a tone mic) and connects them. */
/**
 * Adds `b=AS` to the offer's video section: the viewer asks the camera to send at most `kbps`, as a
 * bandwidth-limited viewer would (libwebrtc's sender.setParameters() is unusable in node-webrtc 0.10).
 */
function capVideoBitrate(sdp: string, kbps: number): string {
  return sdp.replace(/(m=video [^\r\n]*\r\n(?:[^m][^\r\n]*\r\n)*?c=[^\r\n]*\r\n)/, `$1b=AS:${kbps}\r\n`);
}

async function connect(options: Partial<CameraMediaOptions> = {}, maxVideoKbps?: number): Promise<Session> {
  const camera = new CameraMedia({ label: 'front-door_1.cam', disconnectGraceMs: 500, ...options });
  cleanups.push(() => camera.close());
  const viewer = new wrtc.RTCPeerConnection({ iceServers: [] });
  cleanups.push(() => viewer.close());

  const frames: Received[] = [];
  const closeReasons: ViewerCloseReason[] = [];
  const mic = { tone: true };
  const micSource = new wrtc.nonstandard.RTCAudioSource();
  const micTrack = micSource.createTrack();
  cleanups.push(() => micTrack.stop());
  const tone = new ToneGenerator({ frequencyHz: 1000, levelDbfs: -20 });
  const silence = new Int16Array(480);
  const micTimer = setInterval(() => {
    micSource.onData({
      samples: mic.tone ? tone.next() : silence,
      sampleRate: 48000,
      channelCount: 1,
      numberOfFrames: 480,
    });
  }, 10);
  cleanups.push(() => clearInterval(micTimer));

  viewer.addTransceiver('video', { direction: 'recvonly' });
  viewer.addTransceiver(micTrack, { direction: 'sendrecv', streams: [new wrtc.MediaStream()] });
  viewer.addEventListener('track', (event) => {
    if (event.track.kind !== 'video') return;
    const sink = new wrtc.nonstandard.RTCVideoSink(event.track);
    cleanups.push(() => sink.stop());
    sink.onframe = ({ frame }): void => {
      const now = Date.now();
      const reading = readStampFromLuma({ data: frame.data, width: frame.width, height: frame.height });
      const received: Received = {
        at: now,
        width: frame.width,
        height: frame.height,
        seq: reading?.seq ?? null,
        latencyMs: reading ? now - resolveStampTime(reading.timeLow, now) : null,
      };
      if (frames.length % 10 === 0) {
        const rgba = new Uint8ClampedArray(frame.width * frame.height * 4);
        wrtc.nonstandard.i420ToRgba(frame, { width: frame.width, height: frame.height, data: rgba });
        received.rgbaSeq = readStampFromRgba(rgba, frame.width, frame.height)?.seq ?? null;
      }
      frames.push(received);
    };
  });

  const peer = camera.createViewerPeer('viewer-1', [], {
    onIceCandidate: (c) => void viewer.addIceCandidate(c ?? undefined).catch(() => undefined),
    onClose: (reason) => closeReasons.push(reason),
  });
  // All of the viewer's candidates reach the camera before its offer does (signaling may reorder):
  // the camera must queue them, which the 'host' remote candidates asserted below prove.
  let gathered = false;
  viewer.addEventListener('icecandidate', (event) => {
    if (event.candidate) void peer.addRemoteCandidate(event.candidate.toJSON());
    else gathered = true;
  });
  const offer = await viewer.createOffer();
  await viewer.setLocalDescription(offer);
  await waitFor('viewer ICE gathering', () => gathered, 5000);
  const offerSdp = offer.sdp ?? '';
  const answerSdp = await peer.answer(maxVideoKbps ? capVideoBitrate(offerSdp, maxVideoKbps) : offerSdp);
  expect(answerSdp).toMatch(/a=rtpmap:\d+ VP8\/90000/);
  await viewer.setRemoteDescription({ type: 'answer', sdp: answerSdp });
  camera.start();
  await waitFor('connected', () => peer.pc.connectionState === 'connected');
  return { camera, peer, viewer, frames, closeReasons, mic };
}

async function videoBytesSent(peer: ViewerPeer): Promise<number> {
  let bytes = 0;
  for (const stat of (await peer.pc.getStats()).values()) {
    if (stat.type === 'outbound-rtp' && stat.kind === 'video') bytes += Number(stat.bytesSent);
  }
  return bytes;
}

/** Candidate types the camera knows for the viewer ('host' only if signalled, else 'prflx'). */
async function remoteCandidateTypes(peer: ViewerPeer): Promise<string[]> {
  const types: string[] = [];
  for (const stat of (await peer.pc.getStats()).values()) {
    if (stat.type === 'remote-candidate') types.push(String(stat.candidateType));
  }
  return types;
}

const level = (s: Session): number =>
  s.camera.levels().find((l) => l.viewerId === 'viewer-1')?.levelDb ?? -Infinity;

describe('camera media over a direct wrtc connection', () => {
  it('delivers decodable stamped frames with advancing seq and plausible latency at 300 kbps', async () => {
    const s = await connect({}, 300);
    await waitFor('30 decoded frames', () => s.frames.filter((f) => f.seq !== null).length >= 30, 15_000);
    const before = await videoBytesSent(s.peer);
    await sleep(3000);
    const kbps = ((await videoBytesSent(s.peer)) - before) / 375; // bytes over 3 s -> kbit/s
    const decoded = s.frames.filter((f) => f.seq !== null);
    const rate = decoded.length / s.frames.length;
    const latencies = decoded.map((f) => f.latencyMs ?? -1).sort((a, b) => a - b);
    console.log(
      `frames ${s.frames.length}, decoded ${decoded.length} (${(100 * rate).toFixed(1)} %), sizes ` +
        `${[...new Set(s.frames.map((f) => `${f.width}x${f.height}`))].join(',')}, latency ms ` +
        `min ${latencies[0]} median ${latencies[latencies.length >> 1]} max ${latencies[latencies.length - 1]}, ` +
        `video ${kbps.toFixed(0)} kbit/s`,
    );
    expect(kbps).toBeGreaterThan(30);
    expect(kbps).toBeLessThan(400); // the b=AS cap holds, so this is a low-bitrate decode
    expect(rate).toBeGreaterThanOrEqual(0.9);
    const viaRgba = s.frames.filter((f) => f.rgbaSeq !== undefined);
    expect(viaRgba.length).toBeGreaterThan(3);
    for (const f of viaRgba) expect(f.rgbaSeq).toBe(f.seq);
    for (const f of decoded) expect(f.latencyMs).toBeGreaterThanOrEqual(0);
    for (const f of decoded) expect(f.latencyMs).toBeLessThanOrEqual(2000);
    // seq only moves forward, and over ~3 s at 15 fps it moves a lot.
    for (let i = 1; i < decoded.length; i++) {
      expect(seqDelta(decoded[i - 1]?.seq ?? 0, decoded[i]?.seq ?? 0)).toBeGreaterThan(0);
    }
    expect(seqDelta(decoded[0]?.seq ?? 0, decoded.at(-1)?.seq ?? 0)).toBeGreaterThan(30);
    expect(s.camera.stats().framesSent).toBeGreaterThan(30);
    expect(await remoteCandidateTypes(s.peer)).toContain('host');
  });

  it("meters the viewer's talk-back: the tone reads above -40 dBFS, silence below -60", async () => {
    const s = await connect();
    await waitFor('the tone to be heard', () => level(s) > -40);
    const heard = s.camera.levels()[0];
    expect(heard?.samples).toBeGreaterThan(0);
    expect(heard?.lastHeardAt).toBeGreaterThan(Date.now() - 2000);
    expect(heard?.levelDb).toBeLessThan(-10); // a -20 dBFS tone, give or take the codec
    s.mic.tone = false;
    await waitFor('silence', () => level(s) < -60);
    const quiet = s.camera.levels()[0];
    expect(quiet?.samples).toBeGreaterThan(heard?.samples ?? 0);
  });

  it('freeze holds the stamp, unfreeze resumes it, stop sends nothing', async () => {
    const s = await connect();
    const decodedCount = (): number => s.frames.filter((f) => f.seq !== null).length;
    await waitFor('frames', () => decodedCount() >= 10);

    s.camera.freeze();
    await sleep(500); // frames already in flight
    const frozenFrom = s.frames.length;
    await sleep(1000);
    const frozen = s.frames.slice(frozenFrom).filter((f) => f.seq !== null);
    expect(frozen.length).toBeGreaterThan(5); // still sending: the same picture again
    expect(new Set(frozen.map((f) => f.seq)).size).toBe(1);

    s.camera.unfreeze();
    const resumedFrom = s.frames.length;
    await waitFor('seq to advance', () => {
      const seqs = s.frames.slice(resumedFrom).filter((f) => f.seq !== null);
      return new Set(seqs.map((f) => f.seq)).size >= 5;
    });

    s.camera.stop();
    expect(s.camera.running).toBe(false);
    await sleep(500);
    const stoppedAt = s.frames.length;
    await sleep(1000);
    expect(s.frames.length).toBe(stoppedAt);

    s.camera.start();
    await waitFor('frames after restart', () => s.frames.length > stoppedAt + 5);
  });

  it('closes the camera side when the viewer goes away, and reports why', async () => {
    const s = await connect();
    await waitFor('frames', () => s.frames.length > 0);
    s.viewer.close();
    await waitFor('the camera to drop the viewer', () => s.peer.closed, 20_000);
    expect(s.closeReasons).toHaveLength(1);
    expect(s.closeReasons).toEqual(['closed']); // the DTLS close_notify, not an ICE timeout
    expect(s.camera.levels()).toEqual([]);
    expect(s.camera.stats().viewers).toBe(0);
  });

  it('replaces a viewer that reconnects with the same id, and closes everything on close()', () => {
    const camera = new CameraMedia({ label: 'cam' });
    cleanups.push(() => camera.close());
    const reasons: string[] = [];
    const first = camera.createViewerPeer('v', [], { onClose: (r) => reasons.push(`first:${r}`) });
    const second = camera.createViewerPeer('v', [], { onClose: (r) => reasons.push(`second:${r}`) });
    expect(first.closed).toBe(true);
    expect(camera.viewer('v')).toBe(second);
    camera.close();
    camera.close();
    expect(second.closed).toBe(true);
    expect(reasons).toEqual(['first:replaced', 'second:camera-closed']);
    expect(() => camera.start()).toThrow(/closed/);
  });
});
