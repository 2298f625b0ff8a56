/**
 * sdkSignaling.ts over the real SDK SignalingClient with a stand-in WebSocket: signing through the injected
 * signer on every open, a refused signature surfacing as a close that carries the IPC error, and a close
 * the session asked for not being reported back.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ViewerIpcError } from '../../../src-renderer/viewer/ipcSigner';
import type { SignalingEvents, UrlSigner } from '../../../src-renderer/viewer/ports';
import { sdkSignalingFactory } from '../../../src-renderer/viewer/sdkSignaling';
import { CHANNEL, CLIENT_ID, settle } from './fakes';

class FakeWs extends EventTarget {
  static all: FakeWs[] = [];
  readonly sent: string[] = [];
  constructor(readonly url: string) {
    super();
    FakeWs.all.push(this);
  }
  send(data: string): void {
    this.sent.push(data);
  }
  close(): void {
    this.dispatchEvent(new Event('close'));
  }
  serverMessage(data: unknown): void {
    const event = new MessageEvent('message', { data: JSON.stringify(data) });
    this.dispatchEvent(event);
  }
}

function recorder(): SignalingEvents & {
  log: string[];
  closes: Array<{ wasOpen: boolean; error: unknown }>;
} {
  const log: string[] = [];
  const closes: Array<{ wasOpen: boolean; error: unknown }> = [];
  return {
    log,
    closes,
    onOpen: () => log.push('open'),
    onClose: (info) => {
      log.push('close');
      closes.push(info);
    },
    onOffer: (o, sender) => log.push(`offer:${o.sdp}:${sender ?? '-'}`),
    onAnswer: (a) => log.push(`answer:${a.sdp}`),
    onCandidate: (c) => log.push(`candidate:${c.candidate}`),
    onStatus: (s) => log.push(`status:${s.errorType}`),
  };
}

const b64 = (v: unknown): string => Buffer.from(JSON.stringify(v)).toString('base64');

describe('sdkSignaling', () => {
  beforeEach(() => {
    FakeWs.all = [];
    vi.stubGlobal('WebSocket', FakeWs);
  });
  afterEach(() => vi.unstubAllGlobals());

  const make = (signer: UrlSigner, events: SignalingEvents) =>
    sdkSignalingFactory()({
      channelArn: CHANNEL,
      clientId: CLIENT_ID,
      region: 'us-west-2',
      endpoint: 'wss://v-1a2b3c4d.kinesisvideo.us-west-2.amazonaws.com',
      signer,
      events,
    });

  it('signs through the injected signer, then relays the service frames', async () => {
    const asked: Array<Record<string, string>> = [];
    const events = recorder();
    const port = make(
      {
        getSignedURL: (_endpoint, query) => {
          asked.push(query);
          return Promise.resolve('wss://signed.example/?X-Amz-Signature=abc');
        },
      },
      events,
    );
    port.open();
    await settle();
    expect(asked).toEqual([{ 'X-Amz-ChannelARN': CHANNEL, 'X-Amz-ClientId': CLIENT_ID }]);
    const ws = FakeWs.all[0];
    if (!ws) throw new Error('no socket');
    expect(ws.url).toBe('wss://signed.example/?X-Amz-Signature=abc');
    ws.dispatchEvent(new Event('open'));
    // A candidate before the answer is held until the session says the answer is applied.
    ws.serverMessage({ messageType: 'ICE_CANDIDATE', messagePayload: b64({ candidate: 'c1' }) });
    ws.serverMessage({ messageType: 'SDP_ANSWER', messagePayload: b64({ type: 'answer', sdp: 'A' }) });
    expect(events.log).toEqual(['open', 'answer:A']);
    port.remoteDescriptionApplied();
    expect(events.log).toEqual(['open', 'answer:A', 'candidate:c1']);
    // GO_AWAY has no payload: the SDK drops it; only the close that follows is seen.
    ws.serverMessage({ messageType: 'GO_AWAY' });
    port.sendOffer({ type: 'offer', sdp: 'O' }, 'offer-1');
    expect(JSON.parse(ws.sent[0] ?? '{}')).toMatchObject({ action: 'SDP_OFFER', correlationId: 'offer-1' });
    ws.close();
    expect(events.closes).toEqual([{ wasOpen: true, error: null }]);
  });

  it('reports a refused signature as a close before open carrying the IPC error', async () => {
    const events = recorder();
    const refusal = new ViewerIpcError({
      code: 'AccessDenied',
      message: 'no ConnectAsViewer',
      retryable: false,
    });
    const port = make({ getSignedURL: () => Promise.reject(refusal) }, events);
    port.open();
    await settle();
    expect(FakeWs.all).toHaveLength(0);
    expect(events.closes).toEqual([{ wasOpen: false, error: refusal }]);
  });

  it('does not report a close the session asked for', async () => {
    const events = recorder();
    const port = make({ getSignedURL: () => Promise.resolve('wss://signed.example/') }, events);
    port.open();
    await settle();
    FakeWs.all[0]?.dispatchEvent(new Event('open'));
    port.close();
    await settle();
    expect(events.log).toEqual(['open']);
  });
});
