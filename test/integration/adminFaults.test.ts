/**
 * The admin API's faults as a viewer experiences them: GO_AWAY and dropped sockets do not stop a camera's
 * media, a stopped camera goes dark and comes back, a frozen one repeats its stamp, a deleted channel
 * closes its sockets and refuses reconnects, and rotated credentials are picked up by the cameras.
 */
import { DescribeSignalingChannelCommand, type KinesisVideoClient } from '@aws-sdk/client-kinesis-video';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConnectionInfo } from '../../kvs-local/src/signaling';
import type { KvsLocal } from '../../kvs-local/src/server';
import type { CameraDescription } from '../../kvs-local/src/devices/simulatedCamera';
import { admin, caught, controlClient, eventually, startTestKvs } from '../helpers/kvsLocal';
import { NodeViewer } from '../helpers/nodeViewer';

let kvs: KvsLocal;
let kv: KinesisVideoClient;
const viewers: NodeViewer[] = [];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

beforeAll(async () => {
  kvs = await startTestKvs({ cameras: { count: 3, fps: 15, width: 320, height: 180 } });
  kv = controlClient(kvs);
  await eventually(
    async () => (await admin<CameraDescription[]>(kvs, 'GET', '/cameras')).every((c) => c.state === 'online'),
    15_000,
  );
});
afterAll(async () => {
  for (const v of viewers) v.close();
  kv.destroy();
  await kvs.close();
});

async function watch(index: number, clientId: string): Promise<NodeViewer> {
  const viewer = await NodeViewer.connect(kvs, kv, kvs.info.channels[index]!.arn, clientId);
  viewers.push(viewer);
  await eventually(() => viewer.stamped().length > 5, 20_000);
  return viewer;
}

const camera = (index: number) =>
  admin<CameraDescription>(kvs, 'GET', `/cameras/${kvs.info.channels[index]!.name}`);
const masterOf = async (index: number) =>
  (await admin<ConnectionInfo[]>(kvs, 'GET', '/connections')).find(
    (c) => c.channelArn === kvs.info.channels[index]!.arn && c.role === 'MASTER',
  );

describe('admin faults', () => {
  it('lists channels and live connections', async () => {
    const viewer = await watch(0, 'admin-list-1');
    const conns = await admin<ConnectionInfo[]>(kvs, 'GET', '/connections');
    expect(conns.filter((c) => c.role === 'MASTER')).toHaveLength(3);
    expect(conns.find((c) => c.clientId === viewer.clientId)?.channelName).toBe('camera-1');
    const channels = await admin<Array<{ name: string; connections: number }>>(kvs, 'GET', '/channels');
    expect(channels.find((c) => c.name === 'camera-1')?.connections).toBe(2);
  });

  it('GO_AWAY and a dropped master socket: the camera reconnects, the picture keeps flowing', async () => {
    const viewer = await watch(0, 'admin-goaway-1');
    const before = (await masterOf(0))!.id;
    await admin(kvs, 'POST', '/channels/camera-1/go-away', { connectionId: before });
    const afterGoAway = await eventually(async () => {
      const m = await masterOf(0);
      return m && m.id !== before ? m.id : undefined;
    });
    await admin(kvs, 'POST', `/connections/${afterGoAway}/drop`);
    await eventually(async () => {
      const m = await masterOf(0);
      return m && m.id !== afterGoAway;
    });
    const seen = viewer.stamped().length;
    await sleep(1500);
    expect(viewer.stamped().length - seen).toBeGreaterThan(10); // ~15 fps never stopped
    expect((await camera(0)).reconnects).toBeGreaterThanOrEqual(1);
  });

  it('a stopped camera sends nothing and comes back; a frozen one repeats its stamp', async () => {
    const viewer = await watch(1, 'admin-stop-1');
    await admin(kvs, 'POST', '/cameras/camera-2/freeze');
    await sleep(400);
    const frozenAt = viewer.stamped().length;
    await sleep(1000);
    const frozenSeqs = new Set(
      viewer
        .stamped()
        .slice(frozenAt)
        .map((f) => f.seq),
    );
    expect(frozenSeqs.size).toBeLessThanOrEqual(1);
    await admin(kvs, 'POST', '/cameras/camera-2/unfreeze');
    await sleep(1000);
    expect(
      new Set(
        viewer
          .stamped()
          .slice(-10)
          .map((f) => f.seq),
      ).size,
    ).toBeGreaterThan(5);

    await admin(kvs, 'POST', '/cameras/camera-2/stop');
    expect((await camera(1)).state).toBe('stopped');
    expect(await masterOf(1)).toBeUndefined();
    await sleep(300);
    const stoppedAt = viewer.frames.length;
    await sleep(1000);
    expect(viewer.frames.length - stoppedAt).toBe(0);
    await admin(kvs, 'POST', '/cameras/camera-2/start');
    await eventually(async () => (await camera(1)).state === 'online');
    const again = await NodeViewer.connect(kvs, kv, kvs.info.channels[1]!.arn, 'admin-stop-1');
    viewers.push(again);
    await eventually(() => again.stamped().length > 5, 20_000);
  });

  it('rotated credentials: old ones expire, cameras reconnect with the new ones', async () => {
    const fresh = await admin<{ accessKeyId: string }>(kvs, 'POST', '/credentials/rotate');
    expect(
      (await caught(kv.send(new DescribeSignalingChannelCommand({ ChannelName: 'camera-1' })))).name,
    ).toBe('UnrecognizedClientException');
    const before = (await masterOf(2))!.id;
    await admin(kvs, 'POST', `/connections/${before}/drop`);
    await eventually(async () => {
      const m = await masterOf(2);
      return m && m.id !== before;
    }, 15_000);
    expect(fresh.accessKeyId).toMatch(/^LOCALKVS/);
    kv.destroy();
    kv = controlClient(kvs, { credentials: fresh as never });
    Object.assign(kvs.info, fresh);
  });

  it('deleting a channel under a live viewer closes its sockets and refuses reconnects with 404', async () => {
    const viewer = await watch(2, 'admin-delete-1');
    expect(viewer.frames.length).toBeGreaterThan(0);
    await admin(kvs, 'DELETE', '/channels/camera-3');
    await eventually(
      async () =>
        !(await admin<ConnectionInfo[]>(kvs, 'GET', '/connections')).some(
          (c) => c.channelName === 'camera-3',
        ),
    );
    const err = await caught(NodeViewer.connect(kvs, kv, kvs.info.channels[2]!.arn, 'admin-delete-2'));
    expect(err.name).toBe('ResourceNotFoundException');
    await expect(admin(kvs, 'GET', '/cameras/camera-3')).rejects.toThrow(/404/);
  });
});
