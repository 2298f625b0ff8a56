import { createHmac, randomBytes as cryptoRandomBytes } from 'node:crypto';
import { ID_PATTERN } from '../../../src-shared/kvs/validate';
import { kvsErrors } from '../errors';
import type { KvsStore } from '../state/store';

/**
 * GetIceServerConfig (kvs-reference.md §2): `POST <https endpoint>/v1/get-ice-server-config`.
 * There is no TURN server inside kvs-local. By default the answer has the real shape — 2 entries × 3 URIs,
 * `turn:`/`turns:` over udp/tcp — pointing at a local host/port where a coturn can be run; passing an
 * empty `iceUris` list returns `IceServerList: []` so peers use host candidates only.
 */

/** One entry of `IceServerList` (field names and casing as the service sends them). */
export interface IceServer {
  Uris: string[];
  Username: string;
  Password: string;
  Ttl: number;
}

export interface IceServerConfigResponse {
  IceServerList: IceServer[];
}

/** A validated request body. */
export interface IceServerConfigRequest {
  channelArn: string;
  clientId?: string;
  service?: 'TURN';
  username?: string;
}

export interface IceServerConfigOptions {
  /** Epoch ms. */
  nowMs: number;
  /** `Ttl` of each entry and the lifetime encoded in the username (limits.iceTtlSeconds). */
  ttlSeconds: number;
  /**
   * null/undefined: the real 2 × 3 shape pointing at `turnHost`, ports `turnPort` and `turnPort + 1`
   * (coturn's listening-port and alt-listening-port; coturn serves TLS/DTLS on the same ports).
   * `[]`: no servers at all (host candidates only). Otherwise these URIs, 3 per entry, at most 5 entries
   * (the C SDK's limit).
   */
  iceUris?: readonly string[] | null;
  turnHost?: string;
  turnPort?: number;
  /**
   * coturn `static-auth-secret`: when set, Password = base64(HMAC-SHA1(secret, Username)), which is the
   * TURN REST credential scheme the real usernames (`<expiry>:<id>`) follow, so a local coturn accepts
   * them. Otherwise the password is random.
   */
  turnSecret?: string;
  /** Injectable for deterministic tests. */
  randomBytes?: (size: number) => Buffer;
}

// The signaling model hard-codes the `aws` partition for GetIceServerConfig's ChannelARN (§2).
const SIGNALING_CHANNEL_ARN = /^arn:aws:kinesisvideo:[a-z0-9-]+:[0-9]+:[a-z]+\/[a-zA-Z0-9_.-]+\/[0-9]+$/;
const MAX_URIS_PER_ENTRY = 3;
const MAX_ENTRIES = 5;

function validationError(field: string, constraint: string): never {
  throw kvsErrors.invalidArgument(
    `1 validation error detected: Value at '${field}' failed to satisfy constraint: ${constraint}`,
  );
}

function optionalId(body: Record<string, unknown>, field: string): string | undefined {
  const v = body[field];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') validationError(field, 'Member must be a string');
  if (v.length < 1 || v.length > 256) validationError(field, 'Member must have length between 1 and 256');
  if (!ID_PATTERN.test(v))
    validationError(field, `Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+`);
  return v;
}

/**
 * Validates a GetIceServerConfig body: ChannelARN required (1–1024, `arn:aws:kinesisvideo:…`), ClientId
 * and Username optional (1–256 `[a-zA-Z0-9_.-]+`), Service optional and only "TURN"; unknown keys ignored.
 * JS examples send only ChannelARN, the C SDK also ClientId and Service (§2). Throws InvalidArgumentException.
 */
export function parseIceServerConfigRequest(body: unknown): IceServerConfigRequest {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw kvsErrors.invalidArgument('The request body must be a JSON object.');
  }
  const b = body as Record<string, unknown>;
  const arn = b.ChannelARN;
  if (arn === undefined || arn === null) validationError('channelARN', 'Member must not be null');
  if (typeof arn !== 'string') validationError('channelARN', 'Member must be a string');
  if (arn.length < 1 || arn.length > 1024)
    validationError('channelARN', 'Member must have length between 1 and 1024');
  if (!SIGNALING_CHANNEL_ARN.test(arn)) {
    validationError(
      'channelARN',
      `Member must satisfy regular expression pattern: ${SIGNALING_CHANNEL_ARN.source}`,
    );
  }
  const request: IceServerConfigRequest = { channelArn: arn };
  const clientId = optionalId(b, 'ClientId');
  if (clientId !== undefined) request.clientId = clientId;
  const username = optionalId(b, 'Username');
  if (username !== undefined) request.username = username;
  const service = b.Service;
  if (service !== undefined && service !== null) {
    if (service !== 'TURN') validationError('service', 'Member must satisfy enum value set: [TURN]');
    request.service = 'TURN';
  }
  return request;
}

function hostPart(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}

function defaultUriGroups(host: string, port: number): string[][] {
  const h = hostPart(host);
  return [port, port + 1].map((p) => [
    `turn:${h}:${p}?transport=udp`,
    `turns:${h}:${p}?transport=udp`,
    `turns:${h}:${p}?transport=tcp`,
  ]);
}

function chunk(uris: readonly string[]): string[][] {
  const groups: string[][] = [];
  for (let i = 0; i < uris.length && groups.length < MAX_ENTRIES; i += MAX_URIS_PER_ENTRY) {
    groups.push(uris.slice(i, i + MAX_URIS_PER_ENTRY));
  }
  return groups;
}

/**
 * Builds the response for `channelArn`. Username = `<expiry epoch seconds>:<base64("v1:" + ChannelARN)>`
 * with expiry = now + Ttl, Password base64 — the real formats, which violate the model's own pattern
 * (SDKs do not validate responses, §2).
 */
export function buildIceServerConfig(
  channelArn: string,
  opts: IceServerConfigOptions,
): IceServerConfigResponse {
  const groups =
    opts.iceUris === undefined || opts.iceUris === null
      ? defaultUriGroups(opts.turnHost ?? '127.0.0.1', opts.turnPort ?? 3478)
      : chunk(opts.iceUris);
  const expiry = Math.floor(opts.nowMs / 1000) + opts.ttlSeconds;
  const username = `${expiry}:${Buffer.from(`v1:${channelArn}`, 'utf8').toString('base64')}`;
  const random = opts.randomBytes ?? cryptoRandomBytes;
  return {
    IceServerList: groups.map((uris) => ({
      Uris: uris,
      Username: username,
      Password:
        opts.turnSecret !== undefined
          ? createHmac('sha1', opts.turnSecret).update(username).digest('base64')
          : random(32).toString('base64'),
      Ttl: opts.ttlSeconds,
    })),
  };
}

/**
 * The whole operation after SigV4: validate the body, 404 ResourceNotFoundException unless the channel
 * exists and is ACTIVE (as the signaling service answers, §2), then build the response.
 */
export function getIceServerConfig(
  body: unknown,
  store: KvsStore,
  opts: IceServerConfigOptions,
): IceServerConfigResponse {
  const request = parseIceServerConfigRequest(body);
  const channel = store.channelByArn(request.channelArn);
  if (!channel || channel.status !== 'ACTIVE') throw kvsErrors.resourceNotFound();
  return buildIceServerConfig(request.channelArn, opts);
}
