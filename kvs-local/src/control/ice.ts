import type { KvsLocalLimits } from '../config';
import { getIceServerConfig } from '../signaling';
import type { Operation } from './context';

/**
 * GetIceServerConfig (`POST <HTTPS endpoint>/v1/get-ice-server-config`, kvs-reference.md §2): the real
 * 2 × 3 URI shape, Ttl and username format. No TURN server runs here unless one is configured, so the
 * URIs point at loopback ports where nothing answers: clients fail those allocations fast and connect
 * over host candidates, exactly as they would with a TURN server that is unreachable.
 */
export function iceServerConfigOperation(
  limits: KvsLocalLimits,
  host: string,
  iceUris?: string[] | null,
): Operation {
  return (body, ctx) =>
    getIceServerConfig(body, ctx.store, {
      nowMs: ctx.now(),
      ttlSeconds: limits.iceTtlSeconds,
      turnHost: host.includes(':') ? `[${host}]` : host,
      ...(iceUris !== undefined ? { iceUris } : {}),
    });
}
