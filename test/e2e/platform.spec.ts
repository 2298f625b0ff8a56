/**
 * What this machine's Chromium can do, independent of the app's UI: it decodes the H.264 a storage
 * session carries (Debian's build offers H.264 in WebRTC). A bare viewer written here — signed URL and
 * storage join through the core, the KVS signaling messages by hand — joins kvs-local's media server and
 * counts decoded H.264 frames. If storage.spec fails and this passes, the app is at fault, not the browser.
 */
import { CreateStreamCommand } from '@aws-sdk/client-kinesis-video';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { controlClient } from '../helpers/kvsLocal';
import { startE2E, until, type E2E } from './harness';

let e: E2E;

beforeAll(async () => {
  e = await startE2E({ cameras: 1, open: false });
});

afterAll(async () => {
  await e?.close();
});

interface Probe {
  step: string;
  error?: unknown;
  frames: number[];
  codec: string;
}

it('decodes the storage session H.264 in WebRTC', async () => {
  const channelArn = e.kvs.info.channels[0]!.arn;
  const kv = controlClient(e.kvs);
  let streamArn: string;
  try {
    streamArn = (await kv.send(new CreateStreamCommand({ StreamName: 'platform', DataRetentionInHours: 2 })))
      .StreamARN!;
  } finally {
    kv.destroy();
  }
  await e.ok('storage:update', { channelArn, enabled: true, confirmed: true, streamArn });
  await until(
    'the camera joins its storage session',
    async () => (await e.admin<{ mode: string }>('GET', '/cameras/camera-1')).mode === 'storage',
    30_000,
  );
  // A page of the app origin without the app: the server's 404 carries the window CSP and nothing else.
  await e.page.goto(`${e.server.origin}/no-app-here`);
  const probe = await e.page.evaluate(async (arn): Promise<Probe> => {
    type Reply = { ok: boolean; value?: Record<string, unknown>; error?: unknown };
    const api = (window as unknown as { watchfloor: { invoke(c: string, r: unknown): Promise<Reply> } })
      .watchfloor;
    const out: Probe = { step: 'prepare', frames: [], codec: '' };
    const tileId = 'platform-probe';
    const prep = await api.invoke('kvs:prepareViewer', { channelArn: arn, tileId });
    if (!prep.ok) return { ...out, error: prep.error };
    const { clientId, endpoints } = prep.value as { clientId: string; endpoints: { wss: string } };
    out.step = 'sign';
    const signed = await api.invoke('kvs:signConnectUrl', {
      channelArn: arn,
      tileId,
      endpoint: endpoints.wss,
      queryParams: { 'X-Amz-ChannelARN': arn, 'X-Amz-ClientId': clientId },
    });
    if (!signed.ok) return { ...out, error: signed.error };
    out.step = 'connect';
    const ws = new WebSocket((signed.value as { url: string }).url);
    await new Promise((resolve, reject) => {
      ws.onopen = resolve;
      ws.onerror = () => reject(new Error('signaling socket refused'));
    });
    const pc = new RTCPeerConnection();
    const early: RTCIceCandidateInit[] = [];
    const send = (action: string, payload: unknown) =>
      ws.send(JSON.stringify({ action, messagePayload: btoa(JSON.stringify(payload)) }));
    pc.onicecandidate = (ev) => ev.candidate && send('ICE_CANDIDATE', ev.candidate.toJSON());
    ws.onmessage = (m: MessageEvent<string>) => {
      if (!m.data) return;
      const msg = JSON.parse(m.data) as { messageType: string; messagePayload: string };
      const payload = JSON.parse(atob(msg.messagePayload)) as RTCSessionDescriptionInit & RTCIceCandidateInit;
      if (msg.messageType === 'SDP_OFFER') {
        void (async () => {
          await pc.setRemoteDescription(payload);
          for (const c of early.splice(0)) await pc.addIceCandidate(c);
          await pc.setLocalDescription(await pc.createAnswer());
          send('SDP_ANSWER', pc.localDescription);
        })();
      } else if (msg.messageType === 'ICE_CANDIDATE') {
        // Candidates may come before the offer: keep them until there is a remote description.
        if (pc.remoteDescription) void pc.addIceCandidate(payload);
        else early.push(payload);
      }
    };
    out.step = 'join';
    const join = await api.invoke('storage:joinAsViewer', { channelArn: arn, tileId });
    if (!join.ok) return { ...out, error: join.error };
    out.step = 'media';
    for (let i = 0; i < 12; i++) {
      await new Promise((r) => setTimeout(r, 500));
      const stats = await pc.getStats();
      stats.forEach((s: { type: string; kind?: string; framesDecoded?: number; codecId?: string }) => {
        if (s.type !== 'inbound-rtp' || s.kind !== 'video') return;
        out.frames.push(s.framesDecoded ?? 0);
        out.codec = (stats.get(s.codecId ?? '') as { mimeType?: string } | undefined)?.mimeType ?? '';
      });
    }
    pc.close();
    ws.close();
    out.step = 'done';
    return out;
  }, channelArn);
  console.log(`storage session in Chromium: ${probe.codec}, framesDecoded ${probe.frames.join(' → ')}`);
  expect(probe.error).toBeUndefined();
  expect(probe.step).toBe('done');
  expect(probe.codec).toBe('video/H264');
  expect(probe.frames.at(-1)! - probe.frames[0]!).toBeGreaterThanOrEqual(40);
});
