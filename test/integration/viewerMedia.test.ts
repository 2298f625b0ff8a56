/**
 * A Node viewer (the official SignalingClient + @roamhq/wrtc) watches a simulated camera through
 * kvs-local: decoded frames carry readable capture stamps, and the viewer's talk-back reaches the camera.
 */
import type { KinesisVideoClient } from '@aws-sdk/client-kinesis-video';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KvsLocal } from '../../kvs-local/src/server';
import type { ViewerLevel } from '../../kvs-local/src/cameras';
import { admin, controlClient, eventually, startTestKvs } from '../helpers/kvsLocal';
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
});
