/**
 * Credentials failures through the kvs service against kvs-local: a rotated-out session token answers
 * ExpiredTokenException (→ CredentialsExpired), a rotated-out long-term key UnrecognizedClientException
 * (→ CredentialsMissing), and a refreshing provider picks up the new credentials without a restart.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { KvsLocal } from '../../kvs-local/src/server';
import type { LocalCredentials } from '../../kvs-local/src/auth/credentials';
import type { KvsService } from '../../src-main/core/kvs/kvsService';
import { admin, caught, controlClient, credsOf, startTestKvs } from '../helpers/kvsLocal';
import { createChannel, localProfile, makeService, openSocket } from './kvsServiceHarness';

let kvs: KvsLocal | undefined;
let service: KvsService | undefined;
afterEach(async () => {
  service?.close();
  await kvs?.close();
  kvs = undefined;
  service = undefined;
});

describe('credentials through the kvs service', () => {
  it('temporary credentials rotated out surface as CredentialsExpired; fresh ones work again', async () => {
    kvs = await startTestKvs({ temporaryCredentials: true });
    const kv = controlClient(kvs);
    const channelArn = await createChannel(kv, 'wf-creds');
    kv.destroy();
    // A provider that keeps handing out the credentials it was given, as a stale static profile would.
    let creds: LocalCredentials = credsOf(kvs);
    expect(creds.sessionToken).toBeTruthy();
    const made = makeService(kvs);
    service = made.service;
    made.profile.current = { ...localProfile(kvs), credentials: () => Promise.resolve(creds) };

    const prep = await service.prepareViewer({ channelArn, tileId: 'tile-1' });
    const { url } = await service.signConnectUrl({
      channelArn,
      tileId: 'tile-1',
      endpoint: prep.endpoints.wss,
      queryParams: { 'X-Amz-ChannelARN': channelArn, 'X-Amz-ClientId': prep.clientId },
    });
    expect(new URL(url).searchParams.get('X-Amz-Security-Token')).toBe(creds.sessionToken);

    const rotated = await admin<LocalCredentials>(kvs, 'POST', '/credentials/rotate');
    // The endpoint cache is warm, so describe storage (always asked afresh) to reach the service.
    const err = await caught(service.storage.describe({ channelArn }));
    expect(err).toMatchObject({ code: 'CredentialsExpired' });
    expect(err.message).toMatch(/expired/);
    // A URL signed with the old token is refused at connect time (403).
    const stale = await service.signConnectUrl({
      channelArn,
      tileId: 'tile-1',
      endpoint: prep.endpoints.wss,
      queryParams: { 'X-Amz-ChannelARN': channelArn, 'X-Amz-ClientId': prep.clientId },
    });
    expect(await openSocket(stale.url)).toEqual({ ok: false, status: 403 });

    creds = rotated;
    expect((await service.storage.describe({ channelArn })).status).toBe('DISABLED');
    const fresh = await service.signConnectUrl({
      channelArn,
      tileId: 'tile-1',
      endpoint: prep.endpoints.wss,
      queryParams: { 'X-Amz-ChannelARN': channelArn, 'X-Amz-ClientId': prep.clientId },
    });
    const r = await openSocket(fresh.url);
    expect(r.ok).toBe(true);
    if (r.ok) r.ws.close();
  });

  it('a cold prepareViewer with expired temporary credentials fails as CredentialsExpired', async () => {
    kvs = await startTestKvs({ temporaryCredentials: true });
    const kv = controlClient(kvs);
    const channelArn = await createChannel(kv, 'wf-cold');
    kv.destroy();
    const old = credsOf(kvs);
    const made = makeService(kvs);
    service = made.service;
    made.profile.current = { ...localProfile(kvs), credentials: () => Promise.resolve(old) };
    await admin(kvs, 'POST', '/credentials/expire');
    expect(await caught(service.prepareViewer({ channelArn, tileId: 'tile-1' }))).toMatchObject({
      code: 'CredentialsExpired',
    });
  });

  it('a rotated-out long-term key surfaces as CredentialsMissing (enter current keys)', async () => {
    kvs = await startTestKvs();
    const kv = controlClient(kvs);
    const channelArn = await createChannel(kv, 'wf-keys');
    kv.destroy();
    const old = credsOf(kvs);
    const made = makeService(kvs);
    service = made.service;
    made.profile.current = { ...localProfile(kvs), credentials: () => Promise.resolve(old) };
    await admin(kvs, 'POST', '/credentials/rotate');
    expect(await caught(service.prepareViewer({ channelArn, tileId: 'tile-1' }))).toMatchObject({
      code: 'CredentialsMissing',
    });
  });
});
