import { afterEach, describe, expect, it } from 'vitest';
import { b64, event, sleep, startHarness, type Harness } from './signalingHarness';

// Routing semantics of the WebSocket plane (kvs-reference.md §4.3–§4.5), driven by the official JS
// SignalingClient where it can express the case and by a raw `ws` client for exact frames.

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const offer = { type: 'offer', sdp: 'v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\n' } as RTCSessionDescription;
const answer = { type: 'answer', sdp: 'v=0\r\no=- 3 4 IN IP4 127.0.0.1\r\n' } as RTCSessionDescription;
const candidate = { candidate: 'candidate:1 1 udp 1 127.0.0.1 5000 typ host', sdpMid: '0', sdpMLineIndex: 0 };

describe('signaling routing with the official SDK', () => {
  it('relays offer, answer and ICE between master and viewer with the right senderClientId', async () => {
    h = await startHarness();
    const ch = h.addChannel('routing');
    const master = await h.open(ch, 'MASTER');
    const viewer = await h.open(ch, 'VIEWER', 'viewer-1');

    const gotOffer = event<[RTCSessionDescriptionInit, string]>(master, 'sdpOffer');
    const gotIceAtMaster = event<[RTCIceCandidateInit, string]>(master, 'iceCandidate');
    viewer.sendSdpOffer(offer);
    viewer.sendIceCandidate(candidate as RTCIceCandidate);
    const [o, from] = await gotOffer;
    expect(o).toEqual(offer);
    expect(from).toBe('viewer-1');
    const [c, iceFrom] = await gotIceAtMaster;
    expect(c).toEqual(candidate);
    expect(iceFrom).toBe('viewer-1');

    const gotAnswer = event<[RTCSessionDescriptionInit, string | undefined]>(viewer, 'sdpAnswer');
    const gotIceAtViewer = event<[RTCIceCandidateInit, string | undefined]>(viewer, 'iceCandidate');
    master.sendSdpAnswer(answer, 'viewer-1');
    master.sendIceCandidate(candidate as RTCIceCandidate, 'viewer-1');
    const [a, answerFrom] = await gotAnswer;
    expect(a).toEqual(answer);
    expect(answerFrom).toBeUndefined(); // Frames from the master carry no senderClientId (§4.4).
    const [, viewerIceFrom] = await gotIceAtViewer;
    expect(viewerIceFrom).toBeUndefined();
  });

  it('routes to the newest connection when a ClientId or the master reconnects (takeover)', async () => {
    h = await startHarness();
    const ch = h.addChannel('takeover');
    const master1 = await h.open(ch, 'MASTER');
    const oldViewer = await h.open(ch, 'VIEWER', 'same-id');
    const oldClosed = event(oldViewer, 'close');
    const newViewer = await h.open(ch, 'VIEWER', 'same-id');
    await oldClosed; // The superseded socket is closed (our documented choice).
    expect(h.broker.connections().filter((c) => c.clientId === 'same-id')).toHaveLength(1);

    const gotAnswer = event<[RTCSessionDescriptionInit]>(newViewer, 'sdpAnswer');
    master1.sendSdpAnswer(answer, 'same-id');
    expect((await gotAnswer)[0]).toEqual(answer);

    const master1Closed = event(master1, 'close');
    const master2 = await h.open(ch, 'MASTER');
    await master1Closed;
    const gotOffer = event<[RTCSessionDescriptionInit, string]>(master2, 'sdpOffer');
    newViewer.sendSdpOffer(offer);
    expect((await gotOffer)[1]).toBe('same-id');
  });

  it('answers a correlated message with a bad recipient with STATUS_RESPONSE', async () => {
    h = await startHarness();
    const ch = h.addChannel('status');
    const master = await h.open(ch, 'MASTER');
    const status = event<[Record<string, unknown>]>(master, 'statusResponse');
    master.sendSdpAnswer(answer, 'not a valid id!', 'corr-1');
    const [s] = await status;
    expect(s).toEqual({
      correlationId: 'corr-1',
      errorType: 'InvalidArgumentException',
      statusCode: '400',
      description: expect.stringContaining('recipientClientId') as unknown,
      success: false,
    });

    // Missing recipient from the master (not in storage mode) is the same failure.
    const second = event<[Record<string, unknown>]>(master, 'statusResponse');
    master.sendIceCandidate(candidate as RTCIceCandidate, undefined, 'corr-2');
    expect((await second)[0]).toMatchObject({
      correlationId: 'corr-2',
      errorType: 'InvalidArgumentException',
    });
  });
});

describe('signaling wire details with a raw client', () => {
  it('accepts PascalCase keys (C SDK), ignores an empty recipient and unknown keys, and sends exact frames', async () => {
    h = await startHarness();
    const ch = h.addChannel('pascal');
    const master = await h.raw(ch, 'MASTER');
    const viewer = await h.raw(ch, 'VIEWER', 'c-viewer');
    const payload = b64(offer);
    viewer.sendJson({
      action: 'SDP_OFFER',
      RecipientClientId: '',
      MessagePayload: payload,
      CorrelationId: 'c1',
      IceServerList: [{ Uris: ['turn:x'], Username: 'u', Password: 'p', Ttl: 300 }],
    });
    await master.frame('SDP_OFFER');
    expect(master.texts[0]).toBe(
      `{"senderClientId":"c-viewer","messageType":"SDP_OFFER","messagePayload":"${payload}"}`,
    );

    master.sendJson({ action: 'SDP_ANSWER', RecipientClientId: 'c-viewer', MessagePayload: b64(answer) });
    await viewer.frame('SDP_ANSWER');
    expect(viewer.frames[0]).toEqual({ messageType: 'SDP_ANSWER', messagePayload: b64(answer) });
    expect('senderClientId' in viewer.frames[0]!).toBe(false);
  });

  it('ignores binary and unparsable frames without closing, and is silent on uncorrelated failures', async () => {
    h = await startHarness();
    const ch = h.addChannel('garbage');
    const master = await h.raw(ch, 'MASTER');
    const viewer = await h.raw(ch, 'VIEWER', 'v');
    viewer.ws.send(Buffer.from([1, 2, 3]), { binary: true });
    viewer.ws.send('this is not json');
    viewer.ws.send('[1,2]');
    viewer.sendJson({ action: 'NOT_AN_ACTION', messagePayload: 'AAAA' }); // no correlationId: silent
    viewer.sendJson({ action: 'SDP_OFFER', messagePayload: 'not base64!' });
    viewer.sendJson({ action: 'SDP_OFFER', messagePayload: b64(offer), correlationId: 'bad id' }); // malformed id
    viewer.sendJson({ action: 'BOGUS', messagePayload: 'AAAA', correlationId: 'x1' });
    const status = await viewer.frame('STATUS_RESPONSE');
    expect(status.statusResponse).toMatchObject({ correlationId: 'x1', statusCode: '400', success: false });
    viewer.sendJson({ action: 'SDP_OFFER', messagePayload: b64(offer) });
    await master.frame('SDP_OFFER');
    await sleep(100);
    expect(viewer.frames).toHaveLength(1); // only the one STATUS_RESPONSE
    expect(master.frames).toHaveLength(1); // only the good offer
    expect(viewer.closed).toBeNull();
  });

  it('answers an oversize payload with STATUS_RESPONSE and keeps the socket', async () => {
    h = await startHarness({ maxMessageBytes: 1000 });
    const ch = h.addChannel('oversize');
    const viewer = await h.raw(ch, 'VIEWER', 'v');
    viewer.sendJson({ action: 'SDP_OFFER', messagePayload: 'A'.repeat(1004), correlationId: 'big' });
    const status = await viewer.frame('STATUS_RESPONSE');
    expect(status.statusResponse).toMatchObject({
      correlationId: 'big',
      errorType: 'InvalidArgumentException',
      statusCode: '400',
    });
    expect(viewer.closed).toBeNull();
  });

  it('throttles per connection: SDP 5/s and ICE 20/s answer ClientLimitExceededException', async () => {
    h = await startHarness();
    const ch = h.addChannel('tps');
    const master = await h.raw(ch, 'MASTER');
    const viewer = await h.raw(ch, 'VIEWER', 'v');
    for (let i = 0; i < 7; i++)
      viewer.sendJson({ action: 'SDP_OFFER', messagePayload: b64(offer), correlationId: `o${i}` });
    for (let i = 0; i < 22; i++) {
      viewer.sendJson({ action: 'ICE_CANDIDATE', messagePayload: b64(candidate), correlationId: `i${i}` });
    }
    await viewer.until(() => viewer.frames.length >= 4, 3000, '4 status responses');
    await sleep(100);
    const limited = viewer.frames.map(
      (f) => f.statusResponse as { correlationId: string; errorType: string },
    );
    expect(limited.every((s) => s.errorType === 'ClientLimitExceededException')).toBe(true);
    expect(limited.map((s) => s.correlationId).sort()).toEqual(['i20', 'i21', 'o5', 'o6']);
    // SDP_OFFERs to the master overwrite nothing (delivered live): 5 offers + 20 candidates arrived.
    await master.until(() => master.frames.length >= 25, 3000, '25 relayed frames');
    expect(master.frames.filter((f) => f.messageType === 'SDP_OFFER')).toHaveLength(5);
  });
});

describe('messages for recipients that are not connected', () => {
  it('delivers a viewer offer and ICE to a master that connects within the TTL, newest offer only', async () => {
    h = await startHarness();
    const ch = h.addChannel('ttl', { messageTtlSeconds: 5 });
    const viewer = await h.open(ch, 'VIEWER', 'early');
    viewer.sendSdpOffer({ type: 'offer', sdp: 'first' } as RTCSessionDescription);
    viewer.sendIceCandidate(candidate as RTCIceCandidate);
    viewer.sendSdpOffer({ type: 'offer', sdp: 'second' } as RTCSessionDescription);
    await sleep(100);

    const master = h.sdk(ch, 'MASTER');
    const offers: Array<[RTCSessionDescriptionInit, string]> = [];
    master.on('sdpOffer', (o: RTCSessionDescriptionInit, from: string) => offers.push([o, from]));
    const ice = event<[RTCIceCandidateInit, string]>(master, 'iceCandidate');
    master.open();
    const [c, from] = await ice; // The SDK releases buffered ICE right after the offer.
    expect(c).toEqual(candidate);
    expect(from).toBe('early');
    await sleep(100);
    expect(offers).toEqual([[{ type: 'offer', sdp: 'second' }, 'early']]);
  });

  it('queues master messages for a viewer that has not connected yet', async () => {
    h = await startHarness();
    const ch = h.addChannel('ttl-viewer', { messageTtlSeconds: 5 });
    const master = await h.open(ch, 'MASTER');
    master.sendSdpAnswer(answer, 'later');
    await sleep(100);
    const viewer = h.sdk(ch, 'VIEWER', 'later');
    const got = event<[RTCSessionDescriptionInit]>(viewer, 'sdpAnswer');
    viewer.open();
    expect((await got)[0]).toEqual(answer);
  });

  it('drops pending messages once the TTL has passed', async () => {
    h = await startHarness();
    const ch = h.addChannel('ttl-expired', { messageTtlSeconds: 0.4 });
    const viewer = await h.raw(ch, 'VIEWER', 'v');
    viewer.sendJson({ action: 'SDP_OFFER', messagePayload: b64({ type: 'offer', sdp: 'stale' }) });
    await sleep(700);
    const master = await h.raw(ch, 'MASTER');
    viewer.sendJson({ action: 'SDP_OFFER', messagePayload: b64({ type: 'offer', sdp: 'fresh' }) });
    await master.frame('SDP_OFFER');
    await sleep(100);
    expect(master.frames).toEqual([
      { senderClientId: 'v', messageType: 'SDP_OFFER', messagePayload: b64({ type: 'offer', sdp: 'fresh' }) },
    ]);
  });
});
