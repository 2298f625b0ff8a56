/**
 * kvs-local with --tls: the official SignalingClient with its OWN SigV4RequestSigner (which only signs
 * wss:// URLs) and the SDK v3 clients over HTTPS, trusting the certificate generated at start.
 */
import { Agent } from 'node:https';
import {
  CreateSignalingChannelCommand,
  GetSignalingChannelEndpointCommand,
  KinesisVideoClient,
} from '@aws-sdk/client-kinesis-video';
import { Role, SignalingClient } from 'amazon-kinesis-video-streams-webrtc';
import { WebSocket as WsWebSocket } from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KvsLocal } from '../../kvs-local/src/server';
import { credsOf, startTestKvs } from '../helpers/kvsLocal';

let kvs: KvsLocal;
let kv: KinesisVideoClient;
const realWebSocket = globalThis.WebSocket;
const clients: SignalingClient[] = [];

beforeAll(async () => {
  kvs = await startTestKvs({ tls: true, temporaryCredentials: true });
  const ca = kvs.info.caCert!;
  // The SDK does `new WebSocket(url)`; Node's own WebSocket cannot be told to trust a CA, `ws` can.
  globalThis.WebSocket = class extends WsWebSocket {
    constructor(url: string | URL, protocols?: string | string[]) {
      super(url, protocols, { ca });
    }
  } as unknown as typeof WebSocket;
  kv = new KinesisVideoClient({
    region: kvs.info.region,
    endpoint: kvs.info.endpoint,
    credentials: credsOf(kvs),
    maxAttempts: 1,
    requestHandler: { httpsAgent: new Agent({ ca }) },
  });
});
afterAll(async () => {
  for (const c of clients) c.close();
  globalThis.WebSocket = realWebSocket;
  kv.destroy();
  await kvs.close();
});

async function wssEndpoint(arn: string, role: 'MASTER' | 'VIEWER'): Promise<string> {
  const out = await kv.send(
    new GetSignalingChannelEndpointCommand({
      ChannelARN: arn,
      SingleMasterChannelEndpointConfiguration: { Protocols: ['WSS'], Role: role },
    }),
  );
  return out.ResourceEndpointList![0]!.ResourceEndpoint!;
}

function sdkClient(
  arn: string,
  endpoint: string,
  role: Role,
  clientId?: string,
  clockOffset = 0,
): SignalingClient {
  const client = new SignalingClient({
    channelARN: arn,
    channelEndpoint: endpoint,
    role,
    region: kvs.info.region,
    credentials: credsOf(kvs),
    systemClockOffset: clockOffset,
    ...(clientId ? { clientId } : {}),
  });
  clients.push(client);
  return client;
}

function opened(client: SignalingClient): Promise<void> {
  return new Promise((resolve, reject) => {
    client.once('open', () => resolve());
    client.once('error', () => reject(new Error('handshake refused')));
    client.open();
  });
}

describe('--tls with the SDK signer', () => {
  it('serves HTTPS and WSS endpoints and routes an offer/answer signed by SigV4RequestSigner', async () => {
    expect(kvs.info.endpoint).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const { ChannelARN } = await kv.send(new CreateSignalingChannelCommand({ ChannelName: 'tls-door' }));
    const arn = ChannelARN!;
    const masterEp = await wssEndpoint(arn, 'MASTER');
    expect(masterEp).toMatch(/^wss:\/\/127\.0\.0\.1:\d+\/m-[0-9a-f]{8}$/);
    const master = sdkClient(arn, masterEp, Role.MASTER);
    const viewer = sdkClient(arn, await wssEndpoint(arn, 'VIEWER'), Role.VIEWER, 'tls-viewer-1');
    await opened(master);
    await opened(viewer);

    const offerSeen = new Promise<[RTCSessionDescriptionInit, string]>((resolve) =>
      master.once('sdpOffer', (offer: RTCSessionDescriptionInit, sender: string) => resolve([offer, sender])),
    );
    viewer.sendSdpOffer({
      type: 'offer',
      sdp: 'v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\n',
    } as RTCSessionDescription);
    const [offer, sender] = await offerSeen;
    expect(sender).toBe('tls-viewer-1');
    expect(offer.sdp).toContain('o=- 1 1');

    const answerSeen = new Promise<RTCSessionDescriptionInit>((resolve) =>
      viewer.once('sdpAnswer', (answer: RTCSessionDescriptionInit) => resolve(answer)),
    );
    master.sendSdpAnswer(
      { type: 'answer', sdp: 'v=0\r\no=- 2 2 IN IP4 127.0.0.1\r\n' } as RTCSessionDescription,
      'tls-viewer-1',
    );
    expect((await answerSeen).sdp).toContain('o=- 2 2');
  });

  it('refuses a connect URL the SDK signed ten minutes in the past (expired presigned URL)', async () => {
    const { ChannelARN } = await kv.send(new CreateSignalingChannelCommand({ ChannelName: 'tls-late' }));
    const late = sdkClient(
      ChannelARN!,
      await wssEndpoint(ChannelARN!, 'VIEWER'),
      Role.VIEWER,
      'late-1',
      -10 * 60_000,
    );
    await expect(opened(late)).rejects.toThrow('handshake refused');
    const onTime = sdkClient(ChannelARN!, await wssEndpoint(ChannelARN!, 'VIEWER'), Role.VIEWER, 'late-2');
    await expect(opened(onTime)).resolves.toBeUndefined();
  });
});
