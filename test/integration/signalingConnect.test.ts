import { afterEach, describe, expect, it } from 'vitest';
import { event, startHarness, tryConnect, type Harness } from './signalingHarness';

// ConnectAsMaster / ConnectAsViewer upgrade outcomes (kvs-reference.md §4.1, §4.2, §5).

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

async function refused(
  url: string,
): Promise<{ status: number; errorType: string | undefined; body: Record<string, unknown> }> {
  const r = await tryConnect(url);
  if (r.ok) throw new Error('expected the upgrade to be refused');
  return r;
}

describe('signaling upgrade checks', () => {
  it('refuses the 11th distinct viewer with 400 ClientLimitExceededException but allows a takeover', async () => {
    h = await startHarness();
    const ch = h.addChannel('ten');
    for (let i = 0; i < 10; i++) await h.open(ch, 'VIEWER', `viewer-${i}`);

    // The official client sees a failed handshake: 'error' and never 'open'. (Node 22's WebSocket fires no
    // 'close' after a refused handshake, unlike browsers, so the SDK emits no 'close' here.)
    const eleventh = h.sdk(ch, 'VIEWER', 'viewer-10');
    let opened = false;
    eleventh.on('open', () => (opened = true));
    const failed = event<[Error]>(eleventh, 'error');
    eleventh.open();
    expect((await failed)[0].message).toMatch(/non-101/);
    expect(opened).toBe(false);

    const r = await refused(await h.url(ch, 'VIEWER', 'viewer-10'));
    expect(r.status).toBe(400);
    expect(r.errorType).toBe('ClientLimitExceededException');
    expect(r.body.__type).toBe('ClientLimitExceededException');
    expect(r.body.Message).toEqual(r.body.message);

    // Same ClientId again replaces a connection instead of counting as an eleventh viewer.
    await h.open(ch, 'VIEWER', 'viewer-3');
    expect(h.broker.connections()).toHaveLength(10);
  });

  it('refuses an expired presigned URL and a bad signature with 403', async () => {
    h = await startHarness();
    const ch = h.addChannel('auth');
    const expired = await refused(
      await h.url(ch, 'VIEWER', 'v', { signingDate: new Date(Date.now() - 6 * 60_000), expiresIn: 299 }),
    );
    expect(expired.status).toBe(403);
    expect(expired.errorType).toBe('InvalidSignatureException');
    expect(String(expired.body.message)).toMatch(/^Signature expired/);

    const tampered = await refused(
      await h.url(ch, 'VIEWER', 'v', { tamper: (q) => (q['X-Amz-ClientId'] = 'someone-else') }),
    );
    expect(tampered.status).toBe(403);
    expect(tampered.errorType).toBe('InvalidSignatureException');

    const wrongSecret = await refused(
      await h.url(ch, 'MASTER', undefined, {
        credentials: { accessKeyId: 'LOCALKVSTESTKEY00001', secretAccessKey: 'not-the-secret' },
      }),
    );
    expect(wrongSecret.status).toBe(403);

    // The official client with that signer never opens.
    const sdk = h.sdk(ch, 'VIEWER', 'v', { signingDate: new Date(Date.now() - 6 * 60_000) });
    const failed2 = event(sdk, 'error');
    sdk.open();
    await failed2;

    // A URL signed a minute ago is still valid (expiry is only checked at connect time).
    const ok = await tryConnect(
      await h.url(ch, 'VIEWER', 'v', { signingDate: new Date(Date.now() - 60_000) }),
    );
    expect(ok.ok).toBe(true);
    if (ok.ok) ok.client.ws.terminate();
  });

  it('refuses bad ClientIds and ARNs with 400, unknown channels with 404', async () => {
    h = await startHarness();
    const ch = h.addChannel('args');
    const aws = await refused(await h.url(ch, 'VIEWER', 'AWS_x'));
    expect([aws.status, aws.errorType]).toEqual([400, 'InvalidArgumentException']);
    const lower = await refused(await h.url(ch, 'VIEWER', 'aws_lower'));
    expect(lower.status).toBe(400);
    const chars = await refused(await h.url(ch, 'VIEWER', 'has space'));
    expect(chars.status).toBe(400);
    const none = await refused(await h.url(ch, 'VIEWER'));
    expect(none.status).toBe(400);
    const masterWithId = await refused(await h.url(ch, 'MASTER', 'm1'));
    expect([masterWithId.status, masterWithId.errorType]).toEqual([400, 'InvalidArgumentException']);

    const badArn = { ...ch, arn: 'arn:aws:kinesisvideo:us-west-2:123456789012:stream/x/1' };
    const arn = await refused(await h.url(badArn, 'MASTER'));
    expect([arn.status, arn.errorType]).toEqual([400, 'InvalidArgumentException']);

    const ghost = { ...ch, arn: 'arn:aws:kinesisvideo:us-west-2:123456789012:channel/ghost/1' };
    const missing = await refused(await h.url(ghost, 'VIEWER', 'v'));
    expect([missing.status, missing.errorType]).toEqual([404, 'ResourceNotFoundException']);
    expect(missing.body.Message).toBe('The requested channel is not found or not active.');

    const creating = h.addChannel('creating', { status: 'CREATING' });
    expect((await refused(await h.url(creating, 'MASTER'))).status).toBe(404);

    // Not a signaling endpoint path.
    const url = new URL(await h.url(ch, 'MASTER'));
    url.pathname = '/r-00000000';
    expect((await refused(url.toString())).status).toBe(404);
  });

  it('throttles connects per channel and role, and applies injected faults', async () => {
    h = await startHarness({ connectTpsPerChannel: 3 });
    const ch = h.addChannel('throttle');
    const urls = await Promise.all([0, 1, 2, 3].map((i) => h!.url(ch, 'VIEWER', `t${i}`)));
    const results = [];
    for (const u of urls) results.push(await tryConnect(u));
    expect(results.slice(0, 3).every((r) => r.ok)).toBe(true);
    const fourth = results[3]!;
    expect(fourth.ok ? 0 : [fourth.status, fourth.errorType]).toEqual([400, 'ClientLimitExceededException']);
    // The master's bucket is separate.
    expect((await tryConnect(await h.url(ch, 'MASTER'))).ok).toBe(true);
    for (const r of results) if (r.ok) r.client.ws.terminate();

    h.faults.add({ operation: 'ConnectAsMaster', count: 1, error: 'AccessDeniedException', delayMs: 50 });
    const denied = await refused(await h.url(ch, 'MASTER'));
    expect([denied.status, denied.errorType]).toEqual([403, 'AccessDeniedException']);
  });
});
