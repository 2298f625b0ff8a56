import type { KvsLocalLimits } from '../config';
import type { BaseUrls } from '../endpoints';
import type { KvsStore } from '../state/store';

/** What every control-plane operation can see. */
export interface OpContext {
  store: KvsStore;
  limits: KvsLocalLimits;
  urls: BaseUrls;
  now: () => number;
  /** Caller's access key id (already verified by SigV4). */
  caller: string;
  /** Path prefix id of the per-channel endpoint the call came through (`r-`/`w-`/`b-`), if any. */
  endpointId: string | null;
}

export type Operation = (body: Record<string, unknown>, ctx: OpContext) => unknown;
