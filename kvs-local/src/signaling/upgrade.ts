import { randomUUID } from 'node:crypto';
import { STATUS_CODES, type IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { channelArnProblem, clientIdProblem } from '../../../src-shared/kvs/validate';
import type { CredentialStore } from '../auth/credentials';
import type { KvsLocalLimits } from '../config';
import { parseQuery, verifyPresignedUrl } from '../auth/sigv4';
import { splitEndpointPath } from '../endpoints';
import { kvsErrors, type KvsError } from '../errors';
import type { RateLimiter } from '../faults';
import type { Channel } from '../state/store';
import type { ChannelState } from './connection';
import type { SignalingRole } from './types';

/** A ConnectAsMaster / ConnectAsViewer request that passed every check not needing channel state. */
export interface ConnectRequest {
  role: SignalingRole;
  channelArn: string;
  /** Viewers only. */
  clientId: string | undefined;
  path: string;
}

export interface UpgradeCheckContext {
  credentials: CredentialStore;
  region: string;
  now: number;
}

/**
 * Validates an upgrade request in the order the service answers (kvs-reference.md §4.1, §4.2): endpoint
 * path, then the presigned SigV4 query (403), then ChannelARN and ClientId (400). Throws a KvsError.
 */
export function checkConnectRequest(req: IncomingMessage, ctx: UpgradeCheckContext): ConnectRequest {
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  const path = q < 0 ? url : url.slice(0, q);
  const endpoint = splitEndpointPath(path);
  // WSS endpoints are `/m-<8hex>` (master) and `/v-<8hex>` (viewer) on the one listener (endpoints.ts);
  // the real hosts take no further path.
  if ((endpoint.kind !== 'm' && endpoint.kind !== 'v') || endpoint.rest !== '/') {
    throw kvsErrors.unknownOperation(path);
  }
  const role: SignalingRole = endpoint.kind === 'm' ? 'MASTER' : 'VIEWER';
  const query = parseQuery(q < 0 ? '' : url.slice(q + 1));
  verifyPresignedUrl(path, query, req.headers.host ?? '', {
    store: ctx.credentials,
    region: ctx.region,
    now: ctx.now,
  });

  const get = (name: string): string | undefined => query.find(([k]) => k === name)?.[1];
  const channelArn = get('X-Amz-ChannelARN');
  const arnProblem = channelArnProblem(channelArn);
  if (arnProblem !== null) throw kvsErrors.invalidArgument(arnProblem);

  const clientId = get('X-Amz-ClientId');
  if (role === 'VIEWER') {
    const problem = clientIdProblem(clientId);
    if (problem !== null) throw kvsErrors.invalidArgument(problem);
  } else if (clientId !== undefined && clientId !== '') {
    // §4.1: a master connection carries no ClientId (the JS SDK refuses one locally).
    throw kvsErrors.invalidArgument('X-Amz-ClientId must not be set when connecting as MASTER.');
  }
  return { role, channelArn: channelArn!, clientId: role === 'VIEWER' ? clientId : undefined, path };
}

/**
 * The checks that need channel state, after authentication and argument checks: the channel must exist and
 * be ACTIVE (404), connects are limited per channel and role (400 ClientLimitExceeded, §5), and an 11th
 * distinct viewer is refused (400 ClientLimitExceeded) while a takeover of a connected ClientId is not.
 */
export function admissionProblem(
  request: ConnectRequest,
  channel: Channel | undefined,
  state: ChannelState | undefined,
  limits: KvsLocalLimits,
  connectLimiter: RateLimiter,
): KvsError | null {
  if (!channel || channel.status !== 'ACTIVE') return kvsErrors.resourceNotFound();
  if (!connectLimiter.allow(`${channel.arn}|${request.role}`, limits.connectTpsPerChannel)) {
    return kvsErrors.clientLimit();
  }
  if (
    request.role === 'VIEWER' &&
    state !== undefined &&
    !state.viewers.has(request.clientId!) &&
    state.viewers.size >= limits.viewersPerChannel
  ) {
    return kvsErrors.clientLimit(
      `The channel already has the maximum of ${limits.viewersPerChannel} connected viewers.`,
    );
  }
  return null;
}

/**
 * Refuses an upgrade with a real HTTP response: status line, `x-amzn-ErrorType`, and the JSON error body
 * (§1.0 recipe), then closes the socket once the response is flushed. Browsers only see a failed
 * handshake; `ws` and the C SDK see the status.
 */
export function rejectUpgrade(socket: Duplex, error: KvsError): void {
  if (socket.destroyed) return;
  const body = JSON.stringify(error.body());
  const head =
    `HTTP/1.1 ${error.status} ${STATUS_CODES[error.status] ?? 'Error'}\r\n` +
    'Content-Type: application/json\r\n' +
    `x-amzn-ErrorType: ${error.type}\r\n` +
    `x-amzn-RequestId: ${randomUUID()}\r\n` +
    `Content-Length: ${Buffer.byteLength(body)}\r\n` +
    'Connection: close\r\n\r\n';
  socket.once('finish', () => socket.destroy());
  socket.end(head + body);
}
