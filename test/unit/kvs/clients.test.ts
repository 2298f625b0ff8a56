import {
  DescribeMediaStorageConfigurationCommand,
  type KinesisVideoClient,
} from '@aws-sdk/client-kinesis-video';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { toIpcFailure } from '../../../src-main/core/kvs/errors';
import { SdkClientFactory } from '../../../src-main/core/kvs/clients';
import type { ActiveProfile } from '../../../src-main/core/types';

const profile: ActiveProfile = {
  id: 'p1',
  region: 'us-west-2',
  endpoint: 'http://127.0.0.1:9',
  credentials: () => Promise.resolve({ accessKeyId: 'FAKEUNITKEY000000001', secretAccessKey: 'unit/secret' }),
};
const ARN = 'arn:aws:kinesisvideo:us-west-2:111122223333:channel/front-door/1700000000000';

/** The request a client would send, captured after signing (nothing leaves the process). */
async function sentBy(
  client: KinesisVideoClient,
): Promise<{ path: string; body: unknown; headers: Record<string, string> }> {
  let seen: { path: string; body: unknown; headers: Record<string, string> } | undefined;
  client.middlewareStack.add(
    () => (args) => {
      const r = args.request as { path: string; body: unknown; headers: Record<string, string> };
      seen = { path: r.path, body: r.body, headers: { ...r.headers } };
      return Promise.reject(new Error('captured'));
    },
    { step: 'finalizeRequest', priority: 'low', name: 'capture' },
  );
  await client.send(new DescribeMediaStorageConfigurationCommand({ ChannelARN: ARN })).catch(() => undefined);
  return seen!;
}

let factory: SdkClientFactory;
afterEach(() => factory.destroy());

describe('SdkClientFactory.bulkControl', () => {
  it('sends the same signed request as the control client, less the SDK’s per-call bookkeeping headers', async () => {
    factory = new SdkClientFactory();
    const control = await sentBy(factory.control(profile, 'us-west-2'));
    const bulk = await sentBy(factory.bulkControl(profile, 'us-west-2'));
    expect(bulk.path).toBe(control.path);
    expect(bulk.body).toEqual(control.body);
    // Headers that differ per call or per middleware set: the signature (over them), the time, the SDK's
    // invocation bookkeeping, and the user agent (checked on its own below).
    const drop = (h: Record<string, string>): Record<string, string | undefined> => {
      const rest: Record<string, string | undefined> = { ...h };
      for (const k of ['x-amz-date', 'amz-sdk-invocation-id', 'amz-sdk-request', 'user-agent'])
        delete rest[k];
      rest.authorization = h.authorization?.replace(/Signature=\w+/, '').replace(/SignedHeaders=[^,]+/, '');
      return rest;
    };
    // The user agent is the SDK's own, built once (without its per-call feature list `m/…`).
    expect(control.headers['user-agent']).toMatch(/ m\/\S+$/);
    expect(bulk.headers['user-agent']).toBe(control.headers['user-agent']!.replace(/ m\/\S+$/, ''));
    expect(drop(bulk.headers)).toEqual(drop(control.headers));
    expect(bulk.headers.authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=FAKEUNITKEY000000001\/\d{8}\/us-west-2\/kinesisvideo\/aws4_request/,
    );
    expect(Object.keys(bulk.headers)).not.toContain('amz-sdk-invocation-id');
  });

  it('keeps the one-region rule of a custom endpoint', () => {
    factory = new SdkClientFactory();
    expect(() => factory.bulkControl(profile, 'eu-west-1')).toThrow(/serves us-west-2 only/);
  });

  it('its handler parses answers and errors as the SDK expects, and fails a closed port as Offline', async () => {
    const server = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        if (req.url === '/describeMediaStorageConfiguration' && req.headers.authorization) {
          res.writeHead(404, {
            'content-type': 'application/json',
            'x-amzn-ErrorType': 'ResourceNotFoundException',
          });
          res.end(
            JSON.stringify({ __type: 'ResourceNotFoundException', Message: 'The channel does not exist.' }),
          );
        } else {
          res.writeHead(500).end();
        }
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    factory = new SdkClientFactory();
    try {
      const client = factory.bulkControl({ ...profile, endpoint: `http://127.0.0.1:${port}` }, 'us-west-2');
      const err = await client
        .send(new DescribeMediaStorageConfigurationCommand({ ChannelARN: ARN }))
        .catch((e: unknown) => e);
      expect(err).toMatchObject({ name: 'ResourceNotFoundException', $metadata: { httpStatusCode: 404 } });
      expect(toIpcFailure(err).code).toBe('ChannelNotFound');
    } finally {
      await new Promise((r) => server.close(r));
    }
    const closed = factory.bulkControl({ ...profile, endpoint: `http://127.0.0.1:${port}` }, 'us-west-2');
    const refused = await closed
      .send(new DescribeMediaStorageConfigurationCommand({ ChannelARN: ARN }))
      .catch((e: unknown) => e);
    expect(toIpcFailure(refused).code).toBe('Offline');
  });
});
