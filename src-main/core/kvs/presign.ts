import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import { IpcFailure } from '../../../src-shared/ipc/errors';
import type { AwsCredentialIdentityProvider } from '../types';

/**
 * Presigned ConnectAsViewer URLs (kvs-reference §4.1) — and the checks that keep main from being a
 * signing oracle: it signs only the WSS endpoint it resolved itself for that channel and role, and only
 * the exact query the official SignalingClient builds for a viewer with this tile's ClientId.
 */

/** The JS and Android SDKs hard-code 299 s (§4.1); expiry is only checked at connect time. */
export const CONNECT_URL_EXPIRES_SECONDS = 299;

/** The SigV4 skew window (§1.0): a signing date further off than this could not be honest. */
const MAX_SIGNING_SKEW_MS = 5 * 60_000;

export interface SignRequestCheck {
  /** The endpoint the renderer wants signed. */
  endpoint: string;
  queryParams: Record<string, string>;
  channelArn: string;
  /** The tile's ClientId (clientIds.ts), never one the renderer chose. */
  clientId: string;
  /** The VIEWER WSS endpoint main resolved for this channel (endpoints.ts). */
  resolvedWss: string;
}

function refuse(message: string): IpcFailure {
  return new IpcFailure('InvalidArgument', message);
}

/**
 * Throws IpcFailure('InvalidArgument') unless the query is exactly
 * `{X-Amz-ChannelARN: channelArn, X-Amz-ClientId: clientId}` — what the official SignalingClient builds
 * for a viewer (§4.1). Any extra parameter (an `X-Amz-*` override, a second channel) is refused rather
 * than dropped, so a caller learns its request was wrong instead of getting a URL for something else.
 */
export function checkSignQuery(
  queryParams: Record<string, string>,
  channelArn: string,
  clientId: string,
): void {
  const keys = Object.keys(queryParams).sort();
  if (keys.length !== 2 || keys[0] !== 'X-Amz-ChannelARN' || keys[1] !== 'X-Amz-ClientId') {
    throw refuse(
      `Only X-Amz-ChannelARN and X-Amz-ClientId may be signed (got ${keys.slice(0, 6).join(', ') || 'none'}).`,
    );
  }
  if (queryParams['X-Amz-ChannelARN'] !== channelArn) {
    throw refuse('X-Amz-ChannelARN must be the channel this tile prepared.');
  }
  if (queryParams['X-Amz-ClientId'] !== clientId) {
    throw refuse("X-Amz-ClientId must be this tile's ClientId (the one prepareViewer returned).");
  }
}

/**
 * Throws IpcFailure('InvalidArgument') unless the query is exactly `{X-Amz-ChannelARN: channelArn}` — what
 * the official SignalingClient builds for a MASTER (§4.1: a master connection carries no ClientId).
 */
export function checkMasterSignQuery(queryParams: Record<string, string>, channelArn: string): void {
  const keys = Object.keys(queryParams);
  if (keys.length !== 1 || keys[0] !== 'X-Amz-ChannelARN') {
    throw refuse(
      `Only X-Amz-ChannelARN may be signed for a master (got ${keys.slice(0, 6).join(', ') || 'none'}).`,
    );
  }
  if (queryParams['X-Amz-ChannelARN'] !== channelArn) {
    throw refuse('X-Amz-ChannelARN must be the channel this station prepared to publish.');
  }
}

/**
 * Throws IpcFailure('InvalidArgument') unless `endpoint` is exactly the VIEWER WSS endpoint main resolved
 * for the channel: not another host, not another channel's endpoint, not the MASTER endpoint.
 */
export function checkSignEndpoint(endpoint: string, resolvedWss: string, role = 'VIEWER'): void {
  if (endpoint !== resolvedWss) {
    throw refuse(
      `That endpoint is not the ${role} WSS endpoint main resolved for this channel. Prepare again.`,
    );
  }
}

/** Both checks of a sign request (see checkSignQuery and checkSignEndpoint). */
export function checkSignRequest(check: SignRequestCheck): void {
  checkSignQuery(check.queryParams, check.channelArn, check.clientId);
  checkSignEndpoint(check.endpoint, check.resolvedWss);
}

/** The signing date: the caller's (the SignalingClient corrects its clock offset) if honest, else now. */
export function signingDateOf(requested: number | undefined, now: number): Date {
  if (requested === undefined) return new Date(now);
  if (!Number.isFinite(requested) || Math.abs(requested - now) > MAX_SIGNING_SKEW_MS) {
    throw refuse('signingDate is more than 5 minutes away from the current time.');
  }
  return new Date(requested);
}

/** One URL to presign; `credentials` is the active profile's provider, read afresh each time. */
export interface PresignInput {
  endpoint: string;
  queryParams: Record<string, string>;
  region: string;
  credentials: AwsCredentialIdentityProvider;
  signingDate: Date;
}

/**
 * Presigns `GET <endpoint>?<queryParams>` with SigV4 for service `kinesisvideo`, SignedHeaders `host`,
 * X-Amz-Expires 299 (§4.1). The canonical URI is the endpoint's path (`/` on AWS, `/v-<8hex>` on
 * kvs-local), so the URL keeps exactly that path.
 */
export async function presignConnectUrl(input: PresignInput): Promise<string> {
  const url = new URL(input.endpoint);
  const path = url.pathname || '/';
  const signer = new SignatureV4({
    credentials: input.credentials,
    region: input.region,
    service: 'kinesisvideo',
    sha256: Sha256,
  });
  const signed = await signer.presign(
    {
      method: 'GET',
      protocol: url.protocol,
      hostname: url.hostname,
      ...(url.port ? { port: Number(url.port) } : {}),
      path,
      query: { ...input.queryParams },
      headers: { host: url.host },
    },
    { expiresIn: CONNECT_URL_EXPIRES_SECONDS, signingDate: input.signingDate },
  );
  const query = Object.entries(signed.query ?? {})
    .flatMap(([k, v]) => (Array.isArray(v) ? v.map((x) => [k, x] as const) : [[k, v ?? ''] as const]))
    .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`)
    .join('&');
  return `${url.protocol}//${url.host}${path}?${query}`;
}
