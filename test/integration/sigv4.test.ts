import { DescribeSignalingChannelCommand, ListSignalingChannelsCommand } from '@aws-sdk/client-kinesis-video';
import { afterEach, describe, expect, it } from 'vitest';
import type { KvsLocal } from '../../kvs-local/src/server';
import { admin, caught, controlClient, startTestKvs } from '../helpers/kvsLocal';

let kvs: KvsLocal | undefined;
afterEach(async () => {
  await kvs?.close();
  kvs = undefined;
});

describe('SigV4 header authentication', () => {
  it('accepts the SDK signature and refuses a wrong secret, an unknown key and a skewed clock', async () => {
    kvs = await startTestKvs();
    await expect(controlClient(kvs).send(new ListSignalingChannelsCommand({}))).resolves.toBeTruthy();

    const wrongSecret = await caught(
      controlClient(kvs, {
        credentials: { accessKeyId: kvs.info.accessKeyId, secretAccessKey: 'fake/not-the-secret' },
      }).send(new ListSignalingChannelsCommand({})),
    );
    expect(wrongSecret.name).toBe('InvalidSignatureException');
    expect(wrongSecret.$metadata?.httpStatusCode).toBe(403);
    expect(wrongSecret.message).toMatch(/signature we calculated does not match/);

    const unknown = await caught(
      controlClient(kvs, {
        credentials: { accessKeyId: 'LOCALKVSNOSUCHKEY000', secretAccessKey: 'fake' },
      }).send(new ListSignalingChannelsCommand({})),
    );
    expect(unknown.name).toBe('UnrecognizedClientException');

    const skewed = await caught(
      controlClient(kvs, { systemClockOffset: -10 * 60_000 }).send(new ListSignalingChannelsCommand({})),
    );
    expect(skewed.name).toBe('InvalidSignatureException');
    expect(skewed.message).toMatch(/^Signature expired: \d{8}T\d{6}Z is now earlier than/);
    const future = await caught(
      controlClient(kvs, { systemClockOffset: 10 * 60_000 }).send(new ListSignalingChannelsCommand({})),
    );
    expect(future.message).toMatch(/^Signature not yet current/);

    // Within the 5-minute window the call goes through.
    await expect(
      controlClient(kvs, { systemClockOffset: -4 * 60_000 }).send(new ListSignalingChannelsCommand({})),
    ).resolves.toBeTruthy();
    // The SDK corrects its clock from the response Date header and retries, as against AWS.
    const corrected = await controlClient(kvs, { systemClockOffset: -10 * 60_000, maxAttempts: 3 }).send(
      new ListSignalingChannelsCommand({}),
    );
    expect(corrected.$metadata.attempts).toBe(2);
  });

  it('requires the session token of temporary credentials and expires it on rotation', async () => {
    kvs = await startTestKvs({ temporaryCredentials: true });
    expect(kvs.info.sessionToken).toBeTruthy();
    await expect(controlClient(kvs).send(new ListSignalingChannelsCommand({}))).resolves.toBeTruthy();
    const noToken = await caught(
      controlClient(kvs, {
        credentials: { accessKeyId: kvs.info.accessKeyId, secretAccessKey: kvs.info.secretAccessKey },
      }).send(new ListSignalingChannelsCommand({})),
    );
    expect(noToken.name).toBe('UnrecognizedClientException');

    const fresh = await admin<{ accessKeyId: string; secretAccessKey: string; sessionToken: string }>(
      kvs,
      'POST',
      '/credentials/rotate',
    );
    expect(fresh.accessKeyId).not.toBe(kvs.info.accessKeyId);
    const expired = await caught(
      controlClient(kvs).send(new DescribeSignalingChannelCommand({ ChannelName: 'x' })),
    );
    expect(expired.name).toBe('ExpiredTokenException');
    expect(expired.$metadata?.httpStatusCode).toBe(403);
    await expect(
      controlClient(kvs, { credentials: fresh }).send(new ListSignalingChannelsCommand({})),
    ).resolves.toBeTruthy();
  });
});
