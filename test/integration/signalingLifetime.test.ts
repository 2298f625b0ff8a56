import { afterEach, describe, expect, it } from 'vitest';
import { SIGNALING_CLOSE } from '../../kvs-local/src/signaling';
import { event, sleep, startHarness, tryConnect, type Harness } from './signalingHarness';

// Connection lifetime (kvs-reference.md §4.4, §4.6): idle timeout, maximum duration with GO_AWAY,
// channel deletion, admin-injected control frames and drops.

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe('signaling connection lifetime', () => {
  it('sends GO_AWAY goAwayGraceMs before the maximum duration, then closes', async () => {
    h = await startHarness({ maxConnectionMs: 900, goAwayGraceMs: 500 });
    const ch = h.addChannel('max');
    const started = Date.now();
    const viewer = await h.raw(ch, 'VIEWER', 'v');
    const sdk = await h.open(ch, 'MASTER');
    const sdkClosed = event(sdk, 'close', 3000); // The JS SDK ignores GO_AWAY and only sees the close.
    await viewer.frame('GO_AWAY', 2000);
    const goAwayAt = Date.now() - started;
    expect(viewer.texts[0]).toBe('{"messageType":"GO_AWAY"}');
    expect(viewer.closed).toBeNull();
    const closed = await viewer.waitClose(2000);
    const closedAt = Date.now() - started;
    expect(closed).toEqual(SIGNALING_CLOSE.maxDuration);
    expect(goAwayAt).toBeGreaterThanOrEqual(350);
    expect(goAwayAt).toBeLessThan(800);
    expect(closedAt).toBeGreaterThanOrEqual(850);
    await sdkClosed;
  });

  it('closes idle sockets; client pings count as activity', async () => {
    h = await startHarness({ idleTimeoutMs: 400 });
    const ch = h.addChannel('idle');
    const idle = await h.raw(ch, 'VIEWER', 'quiet');
    const pinger = await h.raw(ch, 'VIEWER', 'pinger');
    const talker = await h.raw(ch, 'MASTER');
    const started = Date.now();
    const timer = setInterval(() => {
      pinger.ws.ping();
      talker.sendJson({ action: 'ICE_CANDIDATE', recipientClientId: 'pinger', messagePayload: 'e30=' });
    }, 100);
    try {
      expect(await idle.waitClose(2000)).toEqual(SIGNALING_CLOSE.idle);
      expect(Date.now() - started).toBeGreaterThanOrEqual(350);
      await sleep(600);
      expect(pinger.closed).toBeNull();
      expect(talker.closed).toBeNull();
    } finally {
      clearInterval(timer);
    }
    // Receiving messages is not activity: the pinger stops pinging and is closed although the master
    // keeps sending to it.
    const again = setInterval(
      () => talker.sendJson({ action: 'ICE_CANDIDATE', recipientClientId: 'pinger', messagePayload: 'e30=' }),
      100,
    );
    try {
      expect(await pinger.waitClose(2000)).toEqual(SIGNALING_CLOSE.idle);
    } finally {
      clearInterval(again);
    }
  });

  it('closes every socket of a deleted channel and refuses reconnects with 404', async () => {
    h = await startHarness();
    const ch = h.addChannel('doomed');
    const other = h.addChannel('survivor');
    const master = await h.raw(ch, 'MASTER');
    const viewer = await h.open(ch, 'VIEWER', 'v');
    const bystander = await h.raw(other, 'MASTER');
    const viewerClosed = event(viewer, 'close');
    h.store.removeChannel(ch);
    expect(await master.waitClose()).toEqual(SIGNALING_CLOSE.channelDeleted);
    await viewerClosed;
    const again = await tryConnect(await h.url(ch, 'MASTER'));
    expect(again.ok ? 0 : [again.status, again.errorType]).toEqual([404, 'ResourceNotFoundException']);
    await sleep(50);
    expect(bystander.closed).toBeNull();
  });

  it('delivers admin RECONNECT_ICE_SERVER and GO_AWAY (then closes after the grace)', async () => {
    h = await startHarness({ goAwayGraceMs: 300 });
    const ch = h.addChannel('admin');
    const master = await h.raw(ch, 'MASTER');
    const viewer = await h.raw(ch, 'VIEWER', 'v');
    expect(h.broker.sendReconnectIceServer(ch.arn)).toBe(2);
    expect(await master.frame('RECONNECT_ICE_SERVER')).toEqual({ messageType: 'RECONNECT_ICE_SERVER' });
    expect(await viewer.frame('RECONNECT_ICE_SERVER')).toEqual({ messageType: 'RECONNECT_ICE_SERVER' });
    await sleep(50);
    expect(master.closed).toBeNull();

    const viewerId = h.broker.connections().find((c) => c.clientId === 'v')!.id;
    expect(h.broker.sendGoAway(ch.arn, viewerId)).toBe(1);
    await viewer.frame('GO_AWAY');
    expect(await viewer.waitClose(2000)).toEqual(SIGNALING_CLOSE.goAway);
    expect(master.frames.some((f) => f.messageType === 'GO_AWAY')).toBe(false);
    expect(master.closed).toBeNull();
  });

  it('lists connections, drops one abruptly, and closes everything on close()', async () => {
    h = await startHarness();
    const ch = h.addChannel('list');
    const master = await h.raw(ch, 'MASTER');
    const viewer = await h.raw(ch, 'VIEWER', 'v1');
    master.sendJson({ action: 'ICE_CANDIDATE', recipientClientId: 'v1', messagePayload: 'e30=' });
    await viewer.frame('ICE_CANDIDATE');
    const list = h.broker.connections();
    expect(list).toHaveLength(2);
    const m = list.find((c) => c.role === 'MASTER')!;
    expect(m).toMatchObject({ channelArn: ch.arn, channelName: 'list', remoteAddress: '127.0.0.1' });
    expect(m.clientId).toBeUndefined();
    expect(m.lastMessageAt).toBeGreaterThanOrEqual(m.connectedAt);
    expect(list.find((c) => c.role === 'VIEWER')).toMatchObject({ clientId: 'v1', lastMessageAt: null });

    const disconnected = new Promise((resolve) =>
      h!.broker.once('disconnected', (info, how) => resolve([info, how])),
    );
    expect(h.broker.drop(list.find((c) => c.role === 'VIEWER')!.id)).toBe(true);
    expect((await viewer.waitClose()).code).toBe(1006);
    const [info] = (await disconnected) as [{ clientId: string }];
    expect(info.clientId).toBe('v1');
    expect(h.broker.connections()).toHaveLength(1);
    expect(h.broker.drop('nope')).toBe(false);

    h.broker.close();
    h.broker.close(); // idempotent
    expect(await master.waitClose()).toEqual(SIGNALING_CLOSE.shutdown);
    expect(h.broker.connections()).toHaveLength(0);
  });
});
