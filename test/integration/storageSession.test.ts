/**
 * Storage sessions end to end through kvs-local (kvs-reference.md §6): enabling media storage on a
 * camera's channel makes the camera publish H.264 + Opus through JoinStorageSession, the recording grows,
 * viewers joined with JoinStorageSessionAsViewer receive the camera's video and their talk-back reaches
 * the camera, and the per-session viewer limit answers with the service's message.
 */
import {
  CreateStreamCommand,
  UpdateMediaStorageConfigurationCommand,
  type KinesisVideoClient,
} from '@aws-sdk/client-kinesis-video';
import {
  ClientLimitExceededException,
  JoinStorageSessionAsViewerCommand,
} from '@aws-sdk/client-kinesis-video-webrtc-storage';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CameraDescription } from '../../kvs-local/src/devices/simulatedCamera';
import type { ViewerLevel } from '../../kvs-local/src/cameras';
import type { RecordingSummary } from '../../kvs-local/src/storage';
import type { KvsLocal } from '../../kvs-local/src/server';
import { admin, caught, controlClient, eventually, startTestKvs, storageClient } from '../helpers/kvsLocal';
import { NodeViewer } from '../helpers/nodeViewer';
import { StorageViewerClient } from '../helpers/storageViewerClient';

let kvs: KvsLocal;
let kv: KinesisVideoClient;
const closers: Array<() => unknown> = [];
let channelArn = '';

beforeAll(async () => {
  kvs = await startTestKvs({
    cameras: { count: 1, fps: 15, width: 640, height: 360 },
    limits: { storageOfferDelayMs: 100 },
  });
  kv = controlClient(kvs);
  channelArn = kvs.info.channels[0]!.arn;
  await eventually(
    async () => (await admin<CameraDescription[]>(kvs, 'GET', '/cameras'))[0]?.state === 'online',
  );
});
afterAll(async () => {
  for (const close of closers.reverse()) await close();
  kv.destroy();
  await kvs.close();
});

const recording = () => admin<RecordingSummary>(kvs, 'GET', '/streams/camera-1-archive/recording');

describe('storage session through kvs-local', () => {
  it('enabling storage switches the camera to publishing H.264 into a recording that grows', async () => {
    const { StreamARN } = await kv.send(
      new CreateStreamCommand({ StreamName: 'camera-1-archive', DataRetentionInHours: 24 }),
    );
    await kv.send(
      new UpdateMediaStorageConfigurationCommand({
        ChannelARN: channelArn,
        MediaStorageConfiguration: { Status: 'ENABLED', StreamARN },
      }),
    );
    await eventually(
      async () => (await admin<CameraDescription>(kvs, 'GET', '/cameras/camera-1')).mode === 'storage',
      15_000,
    );
    const first = await eventually(async () => {
      const r = await recording();
      return r.totals.frames > 15 ? r : undefined;
    }, 30_000);
    const later = await eventually(async () => {
      const r = await recording();
      return r.totals.frames > first.totals.frames + 15 && r.totals.fragments >= 1 ? r : undefined;
    }, 20_000);
    expect(later.totals.durationMs).toBeGreaterThan(first.totals.durationMs);
    expect(later.fragments[0]).toMatchObject({ keyframe: true });
  });

  it('a viewer joined with JoinStorageSessionAsViewer receives the camera video, and its talk-back reaches the camera', async () => {
    const viewer = await StorageViewerClient.connect(kvs, kv, channelArn, 'storage-viewer-1');
    closers.push(() => viewer.close());
    await viewer.media.connected(20_000);
    await eventually(() => viewer.media.stats().videoFrames > 30, 20_000);
    expect(viewer.media.stats().keyframes).toBeGreaterThanOrEqual(1);
    const level = async () =>
      (await admin<ViewerLevel[]>(kvs, 'GET', '/cameras/camera-1/levels')).find(
        (l) => l.viewerId === 'storage-session',
      )?.levelDb ?? -120;
    expect(await level()).toBeLessThan(-50);
    viewer.media.talk(1000);
    await eventually(async () => (await level()) > -40, 15_000);
    viewer.media.stopTalking();
    await eventually(async () => (await level()) < -50, 15_000);
  });

  it('limits viewers per session with the "maximum number of viewers" message; a P2P viewer is not routed', async () => {
    const more = await Promise.all(
      ['storage-viewer-2', 'storage-viewer-3'].map((id) =>
        StorageViewerClient.connect(kvs, kv, channelArn, id),
      ),
    );
    for (const v of more) closers.push(() => v.close());
    const webrtc = `${kvs.info.endpoint}/w-${'0'.repeat(8)}`;
    const storage = storageClient(kvs, webrtc);
    const err = await caught(
      storage.send(new JoinStorageSessionAsViewerCommand({ channelArn, clientId: 'storage-viewer-4' })),
    );
    storage.destroy();
    expect(err).toBeInstanceOf(ClientLimitExceededException);
    expect(err.message).toContain('maximum number of viewers');

    // Peer-to-peer routing is off on a storage-enabled channel: a P2P viewer's offer gets no answer.
    const p2p = await NodeViewer.connect(kvs, kv, channelArn, 'p2p-on-storage');
    closers.push(() => p2p.close());
    await new Promise((r) => setTimeout(r, 1500));
    expect(p2p.frames).toHaveLength(0);
  });

  it('disabling storage returns the camera to peer-to-peer', async () => {
    await kv.send(
      new UpdateMediaStorageConfigurationCommand({
        ChannelARN: channelArn,
        MediaStorageConfiguration: { Status: 'DISABLED' },
      }),
    );
    await eventually(async () => {
      const c = await admin<CameraDescription>(kvs, 'GET', '/cameras/camera-1');
      return c.mode === 'p2p' && c.state === 'online';
    }, 15_000);
    const viewer = await NodeViewer.connect(kvs, kv, channelArn, 'p2p-after-storage');
    closers.push(() => viewer.close());
    await eventually(() => viewer.stamped().length > 10, 20_000);
    const r = await recording();
    expect(r.totals.frames).toBeGreaterThan(30); // the recording stays on disk
  });
});
