/**
 * Browser code of the wall bench's two comparison pages (bundled by bench/wall/pages.ts, not part of the
 * app): `bare` decodes many streams in one page with no UI (just <video> elements that count frames), and
 * `baseline` opens ONE channel per page the way the KVS SDK's test page does — every open asks for the
 * channel, its endpoints and its ICE servers afresh, then the official SignalingClient with default settings.
 * Both sign through a binding into the bench process (the page never holds credentials).
 */
import { Role } from 'amazon-kinesis-video-streams-webrtc/lib/Role';
import { SignalingClient } from 'amazon-kinesis-video-streams-webrtc/lib/SignalingClient';
import { readStampFromLuma, readStampFromRgba, resolveStampTime } from '../../src-shared/media/frameStamp';

interface Prepared {
  wss: string;
  region: string;
  clientId: string;
  iceServers: RTCIceServer[];
}

/** What the bench process exposes to the page (page.exposeFunction). */
declare global {
  interface Window {
    benchPrepare(channelArn: string, index: number): Promise<Prepared>;
    benchSign(
      channelArn: string,
      index: number,
      endpoint: string,
      queryParams: Record<string, string>,
      signingDate: number,
    ): Promise<string>;
    benchOpen(
      channelArns: string[],
      options: { stamps: boolean | 'videoframe'; videoWidth: number },
    ): Promise<void>;
    benchReport(): StreamReport[];
  }
}

export interface StreamReport {
  channelArn: string;
  startedAt: number;
  ttffMs: number | null;
  frames: number;
  g2g: number[];
  error: string | null;
}

const reports: StreamReport[] = [];

function readStamp(video: HTMLVideoElement, ctx: CanvasRenderingContext2D, canvas: HTMLCanvasElement) {
  const w = video.videoWidth;
  if (w === 0) return null;
  const band = Math.ceil((w / 40) * 2);
  if (canvas.width !== w || canvas.height !== band) {
    canvas.width = w;
    canvas.height = band;
  }
  ctx.drawImage(video, 0, 0, w, band, 0, 0, w, band);
  const img = ctx.getImageData(0, 0, w, band);
  return readStampFromRgba(img.data, w, band);
}

/** The stamp band read from the frame's own Y plane (WebCodecs), with no canvas in between. */
async function readStampFromFrame(video: HTMLVideoElement) {
  const frame = new VideoFrame(video);
  try {
    if (frame.format !== 'I420' && frame.format !== 'NV12') return null;
    const w = frame.codedWidth;
    const band = Math.ceil((w / 40) * 2);
    const rect = { x: 0, y: 0, width: w, height: band };
    // Planes laid out back to back; only the Y plane (the first `w * band` bytes) is read.
    const chroma =
      frame.format === 'NV12'
        ? [{ offset: w * band, stride: w }]
        : [
            { offset: w * band, stride: w / 2 },
            { offset: w * band + (w / 2) * (band / 2), stride: w / 2 },
          ];
    const layout = [{ offset: 0, stride: w }, ...chroma];
    const buf = new Uint8Array(frame.allocationSize({ rect, layout }));
    await frame.copyTo(buf, { rect, layout });
    return readStampFromLuma({ data: buf.subarray(0, w * band), width: w, height: band, stride: w });
  } finally {
    frame.close();
  }
}

async function openOne(
  channelArn: string,
  index: number,
  opts: { stamps: boolean | 'videoframe'; videoWidth: number },
) {
  const report: StreamReport = {
    channelArn,
    startedAt: performance.now(),
    ttffMs: null,
    frames: 0,
    g2g: [],
    error: null,
  };
  reports.push(report);
  try {
    const prepared = await window.benchPrepare(channelArn, index);
    const client = new SignalingClient({
      channelARN: channelArn,
      channelEndpoint: prepared.wss,
      clientId: prepared.clientId,
      role: Role.VIEWER,
      region: prepared.region,
      requestSigner: {
        getSignedURL: (endpoint: string, queryParams: Record<string, string>, date?: Date) =>
          window.benchSign(channelArn, index, endpoint, queryParams, (date ?? new Date()).getTime()),
      },
      systemClockOffset: 0,
    });
    const pc = new RTCPeerConnection({ iceServers: prepared.iceServers });
    const video = document.createElement('video');
    video.muted = true;
    video.autoplay = true;
    video.playsInline = true;
    video.width = opts.videoWidth;
    document.body.append(video);
    pc.addTransceiver('video', { direction: 'recvonly' });
    pc.addTransceiver('audio', { direction: 'recvonly' });
    pc.addEventListener('track', (e) => {
      if (e.track.kind === 'video') video.srcObject = e.streams[0] ?? new MediaStream([e.track]);
    });
    pc.addEventListener('icecandidate', ({ candidate }) => {
      if (candidate) client.sendIceCandidate(candidate);
    });
    client.on('sdpAnswer', (answer: RTCSessionDescriptionInit) => void pc.setRemoteDescription(answer));
    client.on('iceCandidate', (c: RTCIceCandidateInit) => void pc.addIceCandidate(c).catch(() => {}));
    client.on('open', () => {
      void (async () => {
        await pc.setLocalDescription(await pc.createOffer());
        if (pc.localDescription) client.sendSdpOffer(pc.localDescription);
      })();
    });
    client.on('error', () => {
      report.error = 'signaling error';
    });
    client.open();
    const canvas = document.createElement('canvas');
    const ctx = canvas.getContext('2d', { willReadFrequently: true });
    let lastStampRead = 0;
    const onFrame = (now: number) => {
      report.frames++;
      if (report.ttffMs === null) report.ttffMs = now - report.startedAt;
      // Stamps sampled at ≤ 4 Hz, like the console's frame probe.
      if (opts.stamps && ctx && now - lastStampRead >= 250) {
        lastStampRead = now;
        const record = (stamp: { timeLow: number } | null) => {
          if (!stamp) return;
          const wall = Date.now();
          report.g2g.push(wall - resolveStampTime(stamp.timeLow, wall));
        };
        if (opts.stamps === 'videoframe') void readStampFromFrame(video).then(record, () => undefined);
        else record(readStamp(video, ctx, canvas));
      }
      video.requestVideoFrameCallback(onFrame);
    };
    video.requestVideoFrameCallback(onFrame);
  } catch (err) {
    report.error = err instanceof Error ? err.message : String(err);
  }
}

window.benchOpen = async (channelArns, options) => {
  await Promise.all(channelArns.map((arn, i) => openOne(arn, i, options)));
};
window.benchReport = () => reports.map((r) => ({ ...r, g2g: [...r.g2g] }));
