/**
 * kvs-local's STS GetCallerIdentity against the unmodified SDK v3 STS client (awsQuery: form in, XML out,
 * signing name `sts`): the identity comes back, and bad credentials raise the named errors STS raises.
 */
import { Sha256 } from '@aws-crypto/sha256-js';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { SignatureV4 } from '@smithy/signature-v4';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KvsLocal } from '../../kvs-local/src/server';
import { admin, caught, credsOf, startTestKvs, type ClientCreds } from '../helpers/kvsLocal';

function sts(kvs: KvsLocal, credentials: ClientCreds = credsOf(kvs)): STSClient {
  return new STSClient({ region: kvs.info.region, endpoint: kvs.info.endpoint, credentials, maxAttempts: 1 });
}

/** A raw signed POST, for what the SDK will not send (a wrong signing name, JSON to the root path). */
async function signedPost(
  kvs: KvsLocal,
  path: string,
  service: string,
  contentType: string,
  body: string,
): Promise<{ status: number; text: string; errorType: string | null }> {
  const url = new URL(kvs.info.endpoint);
  const signer = new SignatureV4({
    credentials: credsOf(kvs),
    region: kvs.info.region,
    service,
    sha256: Sha256,
  });
  const signed = await signer.sign({
    method: 'POST',
    protocol: url.protocol,
    hostname: url.hostname,
    port: Number(url.port),
    path,
    headers: { host: url.host, 'content-type': contentType },
    body,
  });
  const res = await fetch(`${kvs.info.endpoint}${path}`, {
    method: 'POST',
    headers: signed.headers,
    body,
  });
  return { status: res.status, text: await res.text(), errorType: res.headers.get('x-amzn-errortype') };
}

describe('STS GetCallerIdentity with long-term credentials', () => {
  let kvs: KvsLocal;
  beforeAll(async () => {
    kvs = await startTestKvs();
  });
  afterAll(() => kvs.close());

  it('answers the identity of an IAM user in the kvs-local account', async () => {
    const client = sts(kvs);
    const out = await client.send(new GetCallerIdentityCommand({}));
    client.destroy();
    expect(out.Account).toBe('111122223333');
    expect(out.Arn).toBe('arn:aws:iam::111122223333:user/kvs-local');
    expect(out.UserId).toMatch(/^AIDA[A-Z2-7]{17}$/);
    expect(out.$metadata.httpStatusCode).toBe(200);
    expect(out.$metadata.requestId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('an unknown access key id is InvalidClientTokenId (403)', async () => {
    const client = sts(kvs, { accessKeyId: 'FAKEUNKNOWNKEY000000', secretAccessKey: 'x'.repeat(40) });
    const err = await caught(client.send(new GetCallerIdentityCommand({})));
    client.destroy();
    expect(err.name).toBe('InvalidClientTokenId');
    expect(err.message).toBe('The security token included in the request is invalid.');
    expect(err.$metadata?.httpStatusCode).toBe(403);
  });

  it('a wrong secret is SignatureDoesNotMatch (403)', async () => {
    const client = sts(kvs, { accessKeyId: kvs.info.accessKeyId, secretAccessKey: 'wrong'.repeat(8) });
    const err = await caught(client.send(new GetCallerIdentityCommand({})));
    client.destroy();
    expect(err.name).toBe('SignatureDoesNotMatch');
    expect(err.message).toMatch(/signature we calculated does not match/);
  });

  it('accepts only the signing name sts on the STS route, and never on the KVS routes', async () => {
    const form = 'Action=GetCallerIdentity&Version=2011-06-15';
    const asKvs = await signedPost(kvs, '/', 'kinesisvideo', 'application/x-www-form-urlencoded', form);
    expect(asKvs.status).toBe(403);
    expect(asKvs.text).toContain('<Code>SignatureDoesNotMatch</Code>');
    expect(asKvs.text).toContain("Credential should be scoped to correct service: 'sts'.");

    const asSts = await signedPost(kvs, '/listSignalingChannels', 'sts', 'application/json', '{}');
    expect(asSts.status).toBe(403);
    expect(asSts.errorType).toBe('InvalidSignatureException');
  });

  it('JSON posted to the root path stays an unknown KVS operation; other actions are InvalidAction', async () => {
    const json = await signedPost(kvs, '/', 'kinesisvideo', 'application/json', '{}');
    expect(json.status).toBe(404);
    expect(json.errorType).toBe('UnknownOperationException');

    const other = await signedPost(
      kvs,
      '/',
      'sts',
      'application/x-www-form-urlencoded',
      'Action=AssumeRole&Version=2011-06-15',
    );
    expect(other.status).toBe(400);
    expect(other.text).toMatch(
      /^<ErrorResponse xmlns="https:\/\/sts.amazonaws.com\/doc\/2011-06-15\/"><Error><Type>Sender<\/Type><Code>InvalidAction<\/Code>/,
    );
    expect(other.text).toMatch(/<RequestId>[0-9a-f-]{36}<\/RequestId><\/ErrorResponse>$/);
  });
});

describe('STS GetCallerIdentity with temporary credentials', () => {
  let kvs: KvsLocal;
  beforeAll(async () => {
    kvs = await startTestKvs({ temporaryCredentials: true });
  });
  afterAll(() => kvs.close());

  it('answers an assumed-role identity, and ExpiredToken once the session is rotated out', async () => {
    const old = credsOf(kvs);
    const client = sts(kvs, old);
    const out = await client.send(new GetCallerIdentityCommand({}));
    expect(out.Arn).toBe('arn:aws:sts::111122223333:assumed-role/KvsLocalRole/kvs-local');
    expect(out.UserId).toMatch(/^AROA[A-Z2-7]{17}:kvs-local$/);

    await admin(kvs, 'POST', '/credentials/rotate');
    const err = await caught(client.send(new GetCallerIdentityCommand({})));
    client.destroy();
    expect(err.name).toBe('ExpiredToken');
    expect(err.message).toBe('The security token included in the request is expired');
    expect(err.$metadata?.httpStatusCode).toBe(403);
  });
});
