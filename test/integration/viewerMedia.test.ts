/**
 * A Node viewer (the official SignalingClient + @roamhq/wrtc) watches a simulated camera through
 * kvs-local: decoded frames carry readable capture stamps, and the viewer's talk-back reaches the camera.
 */
import { GetSignalingChannelEndpointCommand, type KinesisVideoClient } from '@aws-sdk/client-kinesis-video';
import { SendAlexaOfferToMasterCommand } from '@aws-sdk/client-kinesis-video-signaling';
import { wrtc } from '../../kvs-local/src/cameras';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KvsLocal } from '../../kvs-local/src/server';
import type { ViewerLevel } from '../../kvs-local/src/cameras';
import { admin, controlClient, eventually, signalingClient, startTestKvs } from '../helpers/kvsLocal';
import { NodeViewer } from '../helpers/nodeViewer';

let kvs: KvsLocal;
let kv: KinesisVideoClient;
const viewers: NodeViewer[] = [];

beforeAll(async () => {
  kvs = await startTestKvs({ cameras: { count: 2, fps: 15, width: 640, height: 360 } });
  kv = controlClient(kvs);
  await eventually(async () =>
    (await admin<Array<{ state: string }>>(kvs, 'GET', '/cameras')).every((c) => c.state === 'online'),
  );
});
afterAll(async () => {
  for (const v of viewers) v.close();
  kv.destroy();
  await kvs.close();
});

describe('viewing a simulated camera through kvs-local', () => {
  it('receives a moving picture whose stamps give the glass-to-glass latency', async () => {
    const camera = kvs.info.channels[0]!;
    const viewer = await NodeViewer.connect(kvs, kv, camera.arn, 'viewer-media-1');
    viewers.push(viewer);
    await eventually(() => viewer.stamped().length >= 30, 20_000);
    const stamped = viewer.stamped();
    const seqs = stamped.map((f) => f.seq!);
    expect(new Set(seqs).size).toBeGreaterThan(20); // the picture moves
    const latencies = stamped.map((f) => f.latencyMs!).sort((a, b) => a - b);
    const p50 = latencies[Math.floor(latencies.length / 2)]!;
    console.log(
      `glass-to-glass over kvs-local: p50 ${p50} ms, max ${latencies[latencies.length - 1]} ms (${stamped.length} frames)`,
    );
    expect(p50).toBeGreaterThanOrEqual(0);
    expect(p50).toBeLessThan(1000);
  });

  it('talk-back: the camera reports the level of the audio this viewer sends, and only while it talks', async () => {
    const camera = kvs.info.channels[1]!;
    const viewer = await NodeViewer.connect(kvs, kv, camera.arn, 'viewer-talk-1');
    viewers.push(viewer);
    const levelOf = async (): Promise<ViewerLevel | undefined> =>
      (await admin<ViewerLevel[]>(kvs, 'GET', `/cameras/${camera.name}/levels`)).find(
        (l) => l.viewerId === 'viewer-talk-1',
      );
    await eventually(async () => (await levelOf())?.connectionState === 'connected', 20_000);
    const quiet = await levelOf();
    expect(quiet!.levelDb).toBeLessThan(-60);
    viewer.mic.on = true;
    const loud = await eventually(async () => {
      const l = await levelOf();
      return l && l.levelDb > -40 ? l : undefined;
    }, 10_000);
    expect(loud.levelDb).toBeGreaterThan(-40);
    // The other camera hears nothing from this viewer.
    const other = await admin<ViewerLevel[]>(kvs, 'GET', `/cameras/${kvs.info.channels[0]!.name}/levels`);
    expect(other.find((l) => l.viewerId === 'viewer-talk-1')).toBeUndefined();
    viewer.mic.on = false;
    await eventually(async () => ((await levelOf())?.levelDb ?? 0) < -60, 10_000);
  });

  it("SendAlexaOfferToMaster returns the camera's answer over HTTP", async () => {
    const camera = kvs.info.channels[0]!;
    const { ResourceEndpointList = [] } = await kv.send(
      new GetSignalingChannelEndpointCommand({
        ChannelARN: camera.arn,
        SingleMasterChannelEndpointConfiguration: { Protocols: ['HTTPS'], Role: 'VIEWER' },
      }),
    );
    const pc = new wrtc.RTCPeerConnection({ iceServers: [] });
    try {
      pc.addTransceiver('video', { direction: 'recvonly' });
      const offer = await pc.createOffer();
      const sig = signalingClient(kvs, ResourceEndpointList[0]!.ResourceEndpoint!);
      const { Answer } = await sig.send(
        new SendAlexaOfferToMasterCommand({
          ChannelARN: camera.arn,
          SenderClientId: 'alexa-1',
          MessagePayload: Buffer.from(JSON.stringify({ type: 'offer', sdp: offer.sdp })).toString('base64'),
        }),
      );
      sig.destroy();
      const answer = JSON.parse(Buffer.from(Answer!, 'base64').toString('utf8')) as {
        type: string;
        sdp: string;
      };
      expect(answer.type).toBe('answer');
      expect(answer.sdp).toMatch(/^v=0/);
      expect(answer.sdp).toContain('VP8');
    } finally {
      pc.close();
    }
  });
});
