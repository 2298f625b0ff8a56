/**
 * Validators for the identifiers KVS WebRTC puts on the wire (kvs-reference.md §1.1, §3, §4.2).
 * Shared by main (before it signs anything), the renderer (before it asks) and kvs-local (which
 * answers exactly as the service does). Each returns `null` when valid, else a reason a person can act on.
 */

/** ResourceARN as the kinesisvideo model defines it (channel and stream ARNs). */
export const RESOURCE_ARN_PATTERN =
  /^arn:[a-z\d-]+:kinesisvideo:[a-z0-9-]+:[0-9]+:[a-z]+\/[a-zA-Z0-9_.-]+\/[0-9]+$/;
/** The WebRTC storage model's stricter channelArn pattern (partition must start with `aws`). */
export const STORAGE_CHANNEL_ARN_PATTERN =
  /^arn:(aws[a-zA-Z-]*):kinesisvideo:[a-z0-9-]+:[0-9]+:[a-z]+\/[a-zA-Z0-9_.-]+\/[0-9]+$/;
/** ChannelName / StreamName / DeviceName charset. */
export const NAME_PATTERN = /^[a-zA-Z0-9_.-]+$/;
/** ClientId / correlationId / Username charset. */
export const ID_PATTERN = /^[a-zA-Z0-9_.-]+$/;

export interface ParsedArn {
  partition: string;
  region: string;
  accountId: string;
  resourceType: string;
  name: string;
  creationTime: number;
}

/** Splits a syntactically valid ARN; `null` when it does not match the model's pattern. */
export function parseArn(arn: string): ParsedArn | null {
  if (arn.length < 1 || arn.length > 1024 || !RESOURCE_ARN_PATTERN.test(arn)) return null;
  const [, partition, , region, accountId, resource] = arn.split(':');
  const [resourceType, name, creation] = (resource ?? '').split('/');
  if (!partition || !region || !accountId || !resourceType || !name || !creation) return null;
  return { partition, region, accountId, resourceType, name, creationTime: Number(creation) };
}

/** Reason a channel ARN is unusable, or null. */
export function channelArnProblem(arn: unknown): string | null {
  if (typeof arn !== 'string' || arn.length === 0) return 'ChannelARN is required.';
  if (arn.length > 1024) return 'ChannelARN is longer than 1024 characters.';
  const parsed = parseArn(arn);
  if (!parsed)
    return `ChannelARN '${clip(arn)}' is not a Kinesis Video ARN (arn:aws:kinesisvideo:<region>:<account>:channel/<name>/<number>).`;
  if (parsed.resourceType !== 'channel')
    return `ARN '${clip(arn)}' names a ${parsed.resourceType}, not a signaling channel.`;
  return null;
}

/** Reason a ChannelName/StreamName is unusable, or null. */
export function nameProblem(field: string, name: unknown): string | null {
  if (typeof name !== 'string' || name.length === 0) return `${field} is required.`;
  if (name.length > 256) return `${field} is longer than 256 characters.`;
  if (!NAME_PATTERN.test(name))
    return `${field} '${clip(name)}' may only contain letters, digits, '_', '.' and '-'.`;
  return null;
}

/**
 * Reason a signaling ClientId is unusable, or null: 1–256 of `[a-zA-Z0-9_.-]` and not starting
 * with `AWS_` in any case (the ConnectAsViewer doc pattern `^(?!(?i)AWS_.*)`).
 */
export function clientIdProblem(clientId: unknown): string | null {
  if (typeof clientId !== 'string' || clientId.length === 0) return 'ClientId is required.';
  if (clientId.length > 256) return 'ClientId is longer than 256 characters.';
  if (!ID_PATTERN.test(clientId))
    return `ClientId '${clip(clientId)}' may only contain letters, digits, '_', '.' and '-'.`;
  if (clientId.slice(0, 4).toUpperCase() === 'AWS_')
    return `ClientId '${clip(clientId)}' must not start with 'AWS_'.`;
  return null;
}

/** Reason a correlationId is unusable, or null (1–256 of `[a-zA-Z0-9_.-]`). */
export function correlationIdProblem(id: unknown): string | null {
  if (typeof id !== 'string' || id.length === 0 || id.length > 256 || !ID_PATTERN.test(id)) {
    return 'correlationId must be 1–256 characters of letters, digits, _ . -';
  }
  return null;
}

function clip(s: string): string {
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}
