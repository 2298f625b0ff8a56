import { afterEach, describe, expect, it } from 'vitest';
import { kvsErrors } from '../../kvs-local/src/errors';
import type { StorageInboundMessage, StorageRouter } from '../../kvs-local/src/signaling';
import { b64, event, sleep, startHarness, type Harness } from './signalingHarness';

// Storage mode (kvs-reference.md §4.5, §6): with media storage ENABLED the broker stops peer-to-peer
// routing and hands master/viewer messages to the attached storage session.

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const storageOn = {
  storage: { status: 'ENABLED' as const, streamArn: 'arn:aws:kinesisvideo:us-west-2:1:stream/s/1' },
};

class RecordingRouter implements StorageRouter {
  readonly fromMasters: StorageInboundMessage[] = [];
  readonly fromViewers: Array<[string, StorageInboundMessage]> = [];
  fromMaster(msg: StorageInboundMessage) {
    this.fromMasters.push(msg);
    const sdp = (msg.payload as { sdp?: string }).sdp;
    if (msg.action === 'SDP_ANSWER' && sdp !== undefined && !sdp.includes('H264')) {
      return kvsErrors.invalidArgument('The answer must include H.264 video and Opus audio.');
    }
    return undefined;
  }
  async fromViewer(clientId: string, msg: StorageInboundMessage) {
    await sleep(1);
    this.fromViewers.push([clientId, msg]);
    return undefined;
  }
}

describe('signaling in storage mode', () => {
  it('without a storage session answers correlated messages with InvalidArgument and relays nothing', async () => {
    h = await startHarness();
    const ch = h.addChannel('store-none', storageOn);
    const master = await h.raw(ch, 'MASTER');
    const viewer = await h.raw(ch, 'VIEWER', 'v');
    viewer.sendJson({
      action: 'SDP_OFFER',
      messagePayload: b64({ type: 'offer', sdp: 'x' }),
      correlationId: 'c1',
    });
    const status = await viewer.frame('STATUS_RESPONSE');
    expect(status.statusResponse).toMatchObject({
      correlationId: 'c1',
      errorType: 'InvalidArgumentException',
    });
    await sleep(50);
    expect(master.frames).toHaveLength(0);
  });

  it('hands messages to the router, sends its messages without senderClientId, and reports its errors', async () => {
    h = await startHarness();
    const ch = h.addChannel('store-on', { ...storageOn, messageTtlSeconds: 5 });
    const router = new RecordingRouter();
    h.broker.setStorageRouter(ch.arn, router);

    // The storage session's offer reaches the master (SDK event, no sender) — even one queued before it connected.
    expect(h.broker.sendToMaster(ch.arn, 'SDP_OFFER', { type: 'offer', sdp: 'from-storage' })).toBe('queued');
    const master = h.sdk(ch, 'MASTER');
    const gotOffer = event<[RTCSessionDescriptionInit, string | undefined]>(master, 'sdpOffer');
    master.open();
    const [offer, sender] = await gotOffer;
    expect(offer).toEqual({ type: 'offer', sdp: 'from-storage' });
    expect(sender).toBeUndefined();

    // The JS sample answers storage offers without a recipient; the router receives the decoded payload.
    master.sendSdpAnswer({ type: 'answer', sdp: 'v=0 H264 opus' } as RTCSessionDescription);
    await expect.poll(() => router.fromMasters.length, { timeout: 2000 }).toBe(1);
    expect(router.fromMasters[0]).toMatchObject({
      action: 'SDP_ANSWER',
      payload: { type: 'answer', sdp: 'v=0 H264 opus' },
    });
    expect(router.fromMasters[0]!.recipientClientId).toBeUndefined();

    const status = event<[Record<string, unknown>]>(master, 'statusResponse');
    master.sendSdpAnswer({ type: 'answer', sdp: 'v=0 VP8' } as RTCSessionDescription, undefined, 'ans-2');
    expect((await status)[0]).toMatchObject({
      correlationId: 'ans-2',
      errorType: 'InvalidArgumentException',
      statusCode: '400',
    });

    // Viewer side: async router, storage → viewer frames without senderClientId.
    const viewer = await h.raw(ch, 'VIEWER', 'sv');
    expect(h.broker.sendToViewer(ch.arn, 'sv', 'ICE_CANDIDATE', { candidate: 'c', sdpMid: '0' })).toBe(
      'delivered',
    );
    const ice = await viewer.frame('ICE_CANDIDATE');
    expect(ice).toEqual({
      messageType: 'ICE_CANDIDATE',
      messagePayload: b64({ candidate: 'c', sdpMid: '0' }),
    });
    viewer.sendJson({ action: 'SDP_ANSWER', messagePayload: b64({ type: 'answer', sdp: 'a' }) });
    await expect.poll(() => router.fromViewers.length, { timeout: 2000 }).toBe(1);
    expect(router.fromViewers[0]![0]).toBe('sv');

    // Nothing leaks peer-to-peer while storage is enabled.
    const p2p: unknown[] = [];
    master.on('sdpOffer', (o) => p2p.push(o));
    viewer.sendJson({ action: 'SDP_OFFER', messagePayload: b64({ type: 'offer', sdp: 'p2p' }) });
    await expect.poll(() => router.fromViewers.length, { timeout: 2000 }).toBe(2);
    expect(p2p).toHaveLength(0);

    // Detached: back to InvalidArgument for correlated messages.
    h.broker.setStorageRouter(ch.arn, null);
    viewer.sendJson({ action: 'SDP_ANSWER', messagePayload: b64({ type: 'answer' }), correlationId: 'late' });
    expect((await viewer.frame('STATUS_RESPONSE')).statusResponse).toMatchObject({ correlationId: 'late' });
  });

  it('routes peer-to-peer again once storage is disabled', async () => {
    h = await startHarness();
    const ch = h.addChannel('store-toggle', storageOn);
    const master = await h.raw(ch, 'MASTER');
    const viewer = await h.raw(ch, 'VIEWER', 'v');
    ch.storage = { status: 'DISABLED', streamArn: null };
    viewer.sendJson({ action: 'SDP_OFFER', messagePayload: b64({ type: 'offer' }) });
    expect(await master.frame('SDP_OFFER')).toMatchObject({ senderClientId: 'v' });
  });
});
