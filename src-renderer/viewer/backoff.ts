/**
 * Retry policy: what a failure means for the tile (retry or give up), how long to wait, and the words the
 * tile shows. Delays are jittered exponentials with a ceiling (style.md §4), never below one second so a
 * session does not hammer the channel's 3 connects/s quota that main paces (kvs-reference §5).
 */
import type { ErrorCode } from '../../src-shared/ipc/errors';
import { isViewerIpcError } from './ipcSigner';
import type { Random } from './ports';
import type { ViewerReason } from './types';

export type ReasonCode = ViewerReason['code'];

interface Policy {
  baseMs: number;
  capMs: number;
}

// Ceilings: CameraOffline stays short so a camera that comes back is picked up within ~12 s (the service
// also queues our latest offer for the channel's message TTL, so a returning master may answer it first).
// ClientLimitExceeded starts long: another viewer has to leave before a retry can succeed.
const POLICIES: Record<'default' | 'camera' | 'limit' | 'service' | 'signaling' | 'frozen', Policy> = {
  default: { baseMs: 1_000, capMs: 15_000 },
  camera: { baseMs: 2_000, capMs: 12_000 },
  limit: { baseMs: 15_000, capMs: 60_000 },
  service: { baseMs: 2_000, capMs: 30_000 },
  signaling: { baseMs: 1_000, capMs: 15_000 },
  // A camera that keeps sending the same frame is not helped by faster rebuilds; its picture advancing
  // on the current peer is what ends the freeze.
  frozen: { baseMs: 6_000, capMs: 30_000 },
};

export const MIN_RETRY_MS = 1_000;

/** Codes the session never retries by itself (the operator has to act, or the channel is gone). */
const FATAL: ReadonlySet<ReasonCode> = new Set<ReasonCode>([
  'AccessDenied',
  'ChannelNotFound',
  'InvalidArgument',
  'CredentialsExpired',
  'CredentialsMissing',
]);

export function isFatal(code: ReasonCode): boolean {
  return FATAL.has(code);
}

function policyOf(code: ReasonCode): Policy {
  switch (code) {
    case 'CameraOffline':
      return POLICIES.camera;
    case 'ClientLimitExceeded':
      return POLICIES.limit;
    case 'Throttled':
    case 'Offline':
      return POLICIES.service;
    case 'SignalingLost':
      return POLICIES.signaling;
    case 'Frozen':
      return POLICIES.frozen;
    default:
      return POLICIES.default;
  }
}

/**
 * Delay before retry number `attempt` (1-based) after a failure with `code`: base·2^(attempt−1), capped,
 * then "equal jitter" (half fixed, half random) so 25 tiles that failed together do not retry together.
 */
export function retryDelayMs(
  code: ReasonCode,
  attempt: number,
  random: Random,
  floorMs = MIN_RETRY_MS,
): number {
  const { baseMs, capMs } = policyOf(code);
  const exp = Math.min(capMs, baseMs * 2 ** Math.max(0, Math.min(attempt - 1, 16)));
  const jittered = exp / 2 + (exp / 2) * Math.min(Math.max(random(), 0), 1);
  return Math.round(Math.max(floorMs, jittered));
}

/** A failure as the session handles it. */
export interface Failure {
  code: ReasonCode;
  /** What the operator reads (without the "retrying in N s" tail, added by {@link describe}). */
  message: string;
}

/** Turns whatever went wrong (an IPC error, a thrown error) into a {@link Failure}. */
export function failureOf(error: unknown, mode: 'p2p' | 'storage'): Failure {
  if (isViewerIpcError(error)) return ipcFailure(error.code, error.message, mode);
  const text = error instanceof Error ? error.message : String(error);
  return { code: 'Internal', message: `Unexpected error: ${text}` };
}

/** The wording for an `{ok:false}` reply of main. */
export function ipcFailure(code: ErrorCode, message: string, mode: 'p2p' | 'storage'): Failure {
  switch (code) {
    case 'ChannelNotFound':
      return { code, message: 'The channel was deleted or is not visible to this profile any more.' };
    case 'AccessDenied':
      return { code, message: `Access denied: ${message}` };
    case 'InvalidArgument':
      return { code, message: `The service refused this tile's connection: ${message}` };
    case 'ClientLimitExceeded':
      return {
        code,
        message:
          mode === 'storage'
            ? "Too many viewers in this channel's storage session"
            : 'Too many viewers on this channel (10 at most)',
      };
    case 'Throttled':
      return { code, message: 'KVS is throttling connections to this channel' };
    case 'Offline':
      return { code, message: 'The service cannot be reached' };
    default:
      return { code, message };
  }
}

/** The reason the tile shows, with the retry delay spelled out where the operator benefits from it. */
export function describe(failure: Failure, retryInMs: number | null): ViewerReason {
  if (retryInMs === null) return { code: failure.code, message: failure.message, retrying: false };
  const seconds = Math.max(1, Math.ceil(retryInMs / 1000));
  const tail =
    failure.code === 'CameraOffline' || failure.code === 'MediaFailed' || failure.code === 'Frozen'
      ? ''
      : ` — retrying in ${seconds} s`;
  return { code: failure.code, message: `${failure.message}${tail}`, retrying: true };
}

export const CAMERA_OFFLINE: Failure = {
  code: 'CameraOffline',
  message: 'The camera is not answering — it may be offline. Retrying…',
};

export const STORAGE_SILENT: Failure = {
  code: 'CameraOffline',
  message: "The channel's storage session is not offering media — retrying…",
};

export const MEDIA_FAILED: Failure = {
  code: 'MediaFailed',
  message: 'The media connection failed — reconnecting…',
};

export const SIGNALING_LOST: Failure = {
  code: 'SignalingLost',
  message: 'Signaling closed before the picture arrived',
};

export const FROZEN: Failure = {
  code: 'Frozen',
  message: 'The picture stopped — recovering…',
};
