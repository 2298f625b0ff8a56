/**
 * The renderer's RequestSigner (design.md "Processes and trust"): every (re)connect asks main to presign
 * one ConnectAsViewer URL; the renderer never holds a key. A refusal becomes a {@link ViewerIpcError}
 * carrying the IPC code, so the session can tell AccessDenied from Throttled.
 */
import type { ErrorCode, IpcError } from '../../src-shared/ipc/errors';
import type { UrlSigner, ViewerApi } from './ports';

/** An `{ok:false}` reply of main, thrown so it can cross the SDK's promise chain intact. */
export class ViewerIpcError extends Error {
  readonly code: ErrorCode;
  readonly retryable: boolean;

  constructor(error: IpcError) {
    super(error.message);
    this.name = `ViewerIpcError(${error.code})`;
    this.code = error.code;
    this.retryable = error.retryable;
  }
}

export function isViewerIpcError(error: unknown): error is ViewerIpcError {
  return error instanceof ViewerIpcError;
}

export interface IpcSignerOptions {
  channelArn: string;
  tileId: string;
  /** Called after each successful signature (the session's waterfall `sign` step). */
  onSigned?: () => void;
}

export function createIpcSigner(api: ViewerApi, options: IpcSignerOptions): UrlSigner {
  return {
    // The SDK's date is ignored: main signs with its own clock (same machine, and a renderer date that
    // strayed more than 5 min would be refused as InvalidArgument, which the session never retries).
    async getSignedURL(endpoint, queryParams) {
      const reply = await api.invoke('kvs:signConnectUrl', {
        channelArn: options.channelArn,
        tileId: options.tileId,
        endpoint,
        queryParams: { ...queryParams },
      });
      if (!reply.ok) throw new ViewerIpcError(reply.error);
      options.onSigned?.();
      return reply.value.url;
    },
  };
}
