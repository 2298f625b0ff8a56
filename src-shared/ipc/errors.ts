import { z } from 'zod';

/**
 * What went wrong, as the renderer needs to know it: each code maps to one thing the operator or the
 * console can do about it. Main translates AWS SDK errors into these (src-main/core/kvs/errors.ts).
 */
export const ERROR_CODES = [
  /** Bad input: the message says which field and why. Never retried. */
  'InvalidArgument',
  /** The channel (or stream) does not exist or is not active any more. Never retried. */
  'ChannelNotFound',
  /** The credentials lack a permission. Never retried; the message names the action. */
  'AccessDenied',
  /** The service throttled us (ClientLimitExceeded on a TPS quota). Retry with backoff. */
  'Throttled',
  /** A concurrency limit: too many viewers on the channel or the storage session. Back off, say so. */
  'ClientLimitExceeded',
  /** Credentials expired and could not be refreshed: log in again (SSO) or enter new keys. */
  'CredentialsExpired',
  /** No usable credentials for the profile (missing keys, unknown profile, SSO never logged in). */
  'CredentialsMissing',
  /** The service could not be reached. Retry when back online; the catalog still works. */
  'Offline',
  /** The channel's media storage is not ENABLED (or is, where it must not be). */
  'StorageNotEnabled',
  /** A stale version or a resource in use (VersionMismatch, ResourceInUse, NoDataRetention). */
  'Conflict',
  /** The operation was cancelled (a sync cancelled by the operator, a tile closed). */
  'Cancelled',
  /** The local catalog could not be read or written. */
  'DatabaseError',
  /** Anything else: a bug. The message is safe to show; details are in the main log. */
  'Internal',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export const ipcErrorSchema = z
  .object({
    code: z.enum(ERROR_CODES),
    message: z.string(),
    retryable: z.boolean(),
  })
  .strict();

/** An error as it crosses IPC: never a stack, never a secret. */
export type IpcError = z.infer<typeof ipcErrorSchema>;

/** Every reply of `invoke`. */
export type IpcResult<T> = { ok: true; value: T } | { ok: false; error: IpcError };

/** Codes that are worth retrying as they are. */
export const RETRYABLE: ReadonlySet<ErrorCode> = new Set(['Throttled', 'ClientLimitExceeded', 'Offline']);

export function ipcError(code: ErrorCode, message: string): IpcError {
  return { code, message, retryable: RETRYABLE.has(code) };
}

/** Thrown by handlers in main to answer with a specific code. */
export class IpcFailure extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
    this.name = `IpcFailure(${code})`;
  }

  toIpc(): IpcError {
    return ipcError(this.code, this.message);
  }
}
