/**
 * One Node viewer (test/helpers/nodeViewer.ts: official SignalingClient + @roamhq/wrtc, decoding VP8 and
 * reading frame stamps) per camera channel of a kvs-local running elsewhere. Its own process so the
 * viewers' decode CPU is neither the server's nor the load generator's, and so wrtc never loads in the
 * bench runner (see serveChild about wrtc at exit).
 */
import type { KvsLocal, KvsLocalInfo } from '../kvs-local/src/server';
import { controlClient } from '../test/helpers/kvsLocal';
import { NodeViewer } from '../test/helpers/nodeViewer';
import { childArgs, serveChild } from './lib/child';

export interface ViewersArgs {
  info: KvsLocalInfo;
}

export interface ViewerStats {
  clientId: string;
  /** Frames (stamped ones) received at or after `since` (epoch ms). */
  frames: number;
  stamped: number;
  /** Median capture→render latency of those frames (ms), null when none decoded a stamp. */
  latencyP50Ms: number | null;
}

const { info } = childArgs<ViewersArgs>();
// The helpers take a KvsLocal but read only its `info` (endpoint, region, credentials).
const remote = { info } as unknown as KvsLocal;
const kv = controlClient(remote);
const viewers: NodeViewer[] = [];
for (const [i, c] of info.channels.entries()) {
  viewers.push(await NodeViewer.connect(remote, kv, c.arn, `bench-viewer-${i}`));
}

serveChild(
  { viewers: viewers.length },
  {
    stats: (args): ViewerStats[] => {
      const since = (args as { since: number }).since;
      return viewers.map((v) => {
        const frames = v.frames.filter((f) => f.at >= since);
        const lat = frames.flatMap((f) => (f.latencyMs === null ? [] : [f.latencyMs])).sort((a, b) => a - b);
        return {
          clientId: v.clientId,
          frames: frames.length,
          stamped: frames.filter((f) => f.seq !== null).length,
          latencyP50Ms: lat.length ? lat[Math.floor(lat.length / 2)]! : null,
        };
      });
    },
  },
  async () => {
    for (const v of viewers) v.close();
    kv.destroy();
    await new Promise((resolve) => setTimeout(resolve, 100));
  },
);
