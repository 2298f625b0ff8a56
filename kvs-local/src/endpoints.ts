import { createHash } from 'node:crypto';

/**
 * Per-channel endpoints. The real service returns hosts like `https://r-1a2b3c4d.kinesisvideo.<region>...`
 * (kvs-reference.md §7); with no DNS here every endpoint is the one loopback listener, and the `r-`/`m-`/
 * `v-`/`w-`/`b-` + 8 hex shape moves into the first path segment. SDKs append their operation path to it
 * (`/r-1a2b3c4d/v1/get-ice-server-config`), so one listener can tell every plane apart.
 */
export type EndpointKind = 'r' | 'm' | 'v' | 'w' | 'b';

export const ENDPOINT_PREFIX = /^\/([rmvwb])-([0-9a-f]{8})(?=\/|$)/;

export function endpointId(arn: string): string {
  return createHash('sha256').update(arn).digest('hex').slice(0, 8);
}

export interface BaseUrls {
  /** `http://127.0.0.1:port` or `https://…` */
  http: string;
  /** `ws://127.0.0.1:port` or `wss://…` */
  ws: string;
}

export function channelEndpoint(base: BaseUrls, kind: EndpointKind, arn: string): string {
  const root = kind === 'm' || kind === 'v' ? base.ws : base.http;
  return `${root}/${kind}-${endpointId(arn)}`;
}

/** Splits `/r-1a2b3c4d/v1/get-ice-server-config` into the endpoint kind and the operation path. */
export function splitEndpointPath(path: string): {
  kind: EndpointKind | null;
  id: string | null;
  rest: string;
} {
  const m = ENDPOINT_PREFIX.exec(path);
  if (!m) return { kind: null, id: null, rest: path };
  return { kind: m[1] as EndpointKind, id: m[2]!, rest: path.slice(m[0].length) || '/' };
}
