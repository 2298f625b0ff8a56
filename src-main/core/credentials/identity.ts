import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import type { z } from 'zod';
import type { identity } from '../../../src-shared/ipc/schemas';
import type { ActiveProfile } from '../types';

/** Who the credentials belong to, as the renderer sees it. */
export type CallerIdentity = z.infer<typeof identity>;

/** Resolves a profile's caller identity; injectable so the service can be tested without STS. */
export type IdentityLookup = (profile: ActiveProfile, signal?: AbortSignal) => Promise<CallerIdentity>;

/**
 * STS GetCallerIdentity with the profile's own credentials, region and endpoint (kvs-local for the demo
 * profile, which answers STS on its root path). It needs no IAM permission, so it tests only the keys.
 */
export const getCallerIdentity: IdentityLookup = async (profile, signal) => {
  const client = new STSClient({
    region: profile.region,
    credentials: profile.credentials,
    ...(profile.endpoint ? { endpoint: profile.endpoint } : {}),
    maxAttempts: 2,
    requestHandler: { connectionTimeout: 5_000, requestTimeout: 15_000 },
  });
  try {
    const out = await client.send(new GetCallerIdentityCommand({}), signal ? { abortSignal: signal } : {});
    return { accountId: out.Account ?? '', arn: out.Arn ?? '', userId: out.UserId ?? '' };
  } finally {
    client.destroy();
  }
};
