/**
 * `npm run bench -- kvs-local`: the signaling broker's throughput and latency, connect rate, memory per idle
 * socket and CPU per simulated camera stream. kvs-local always runs in a forked child (bench/kvsLocalChild.ts)
 * so its CPU and memory are read apart from the clients that load it; the clients (ws sockets, Node viewers)
 * run here. Three children, one per concern:
 *
 *  A. limits off (per-connection SDP/ICE TPS and per-channel connect TPS = 0): the broker's own ceiling.
 *     Connect storm over 100 channels, then 20 channels × (1 master + 10 viewers) saturated closed-loop, then
 *     an open-loop run at the 20k msgs/s target for latency.
 *  B. service defaults: 1000 idle viewers (10 on each of 100 channels, connected at ≤ 3/s per channel) for
 *     memory, then 100 masters join and every connection sends at 18 msgs/s (under the 20 ICE/s + 5 SDP/s
 *     per-connection quotas) — the real default path at ~20k msgs/s.
 *  C. 4 cameras at 640×360@15 with one Node viewer each: the child's CPU over 10 s.
 *
 * Control-plane quotas are off everywhere (controlTpsScale 0): channel creation is setup, not measured.
 */
import type { WebSocket } from 'ws';
import type { KvsLocalLimits } from '../kvs-local/src/config';
import type { KvsLocal } from '../kvs-local/src/server';
import { KvsChild } from './lib/child';
import { CpuWindow, round, sleep, withTimeout } from './lib/measure';
import type { BenchResult, Metric } from './lib/report';
import {
  closeSockets,
  connectStorm,
  connectUrl,
  connectViewersPaced,
  createChannels,
  openSocket,
  SignalingLoad,
  type ChannelSockets,
  type CpuProbe,
  type LoadPhaseResult,
} from './lib/signaling';

const TARGET_MSGS_PER_S = 20_000;
const TARGET_P99_MS = 5;
const TARGET_IDLE_MB = 100;
const IDLE_SOCKETS = 1000;

const SETTINGS = {
  limitsOff: {
    limits: {
      iceTpsPerConnection: 0,
      sdpTpsPerConnection: 0,
      connectTpsPerChannel: 0,
      controlTpsScale: 0,
    } satisfies Partial<KvsLocalLimits>,
    why:
      'The service quotas (20 ICE + 5 SDP msgs/s per connection, 3 connects/s per channel and role) cap ' +
      'the offered load, not the broker; with them off the same code path runs as fast as it can.',
    connectStorm: { channels: 100, concurrency: 32, durationMs: 3000 },
    load: { channels: 20, viewersPerChannel: 10, sdpEvery: 10 },
    saturate: { window: 2, warmupMs: 1000, measureMs: 4000 },
    fixedRate: { rate: TARGET_MSGS_PER_S, warmupMs: 1000, measureMs: 4000, masterWeight: 'viewers' as const },
  },
  defaults: {
    limits: { controlTpsScale: 0 } satisfies Partial<KvsLocalLimits>,
    channels: 100,
    viewersPerChannel: 10,
    connectsPerSecondPerChannel: 3,
    perConnectionMsgsPerS: 18,
    sdpEvery: 10,
    warmupMs: 1000,
    measureMs: 4000,
  },
  cameras: {
    count: 4,
    width: 640,
    height: 360,
    fps: 15,
    idleWindowMs: 3000,
    warmupMs: 2000,
    windowMs: 10_000,
  },
};

function log(line: string): void {
  process.stderr.write(`  ${line}\n`);
}

function cpuProbe(child: KvsChild): CpuProbe {
  return {
    start() {
      const w = new CpuWindow(child.pid);
      return () => {
        const r = w.read();
        return { client: r.selfPct, server: r.otherPct };
      };
    },
  };
}

function phaseSummary(r: LoadPhaseResult & { skipped?: number }): Record<string, unknown> {
  return {
    delivered_per_s: round(r.deliveredPerSecond, 0),
    sent_per_s: round(r.sentPerSecond, 0),
    p50_ms: round(r.latency.p50, 3),
    p90_ms: round(r.latency.p90, 3),
    p99_ms: round(r.latency.p99, 3),
    max_ms: round(r.latency.max, 3),
    latency_samples: r.latency.count,
    sent: r.sent,
    received: r.received,
    rejected: r.rejected,
    lost: r.lost,
    skipped_by_sender: r.skipped ?? 0,
    sdp_share: round(r.sdpShare, 3),
    client_cpu_pct: round(r.clientCpuPct, 0),
    server_cpu_pct: round(r.serverCpuPct, 0),
  };
}

/** Opens `channels` × (1 master + `viewers` viewers) on the given ARNs, all at once (connect TPS off). */
async function openChannels(
  child: KvsChild,
  arns: readonly string[],
  viewers: number,
): Promise<{ channels: ChannelSockets[]; all: WebSocket[] }> {
  const all: WebSocket[] = [];
  const channels = await Promise.all(
    arns.map(async (arn) => {
      const master = await openSocket(connectUrl(child.info, arn, null));
      if (!master.ok) throw new Error(`master connect refused: ${master.status} ${master.error ?? ''}`);
      all.push(master.ws);
      const vs = await Promise.all(
        Array.from({ length: viewers }, async (_, v) => {
          const clientId = `load-${v}`;
          const r = await openSocket(connectUrl(child.info, arn, clientId));
          if (!r.ok) throw new Error(`viewer connect refused: ${r.status} ${r.error ?? ''}`);
          all.push(r.ws);
          return { clientId, ws: r.ws };
        }),
      );
      return { master: master.ws, viewers: vs };
    }),
  );
  return { channels, all };
}

async function limitsOffPhase(): Promise<Record<string, unknown>> {
  const s = SETTINGS.limitsOff;
  const child = await KvsChild.start({ limits: s.limits });
  const sockets: WebSocket[] = [];
  try {
    const arns = await createChannels(child.info, 'bench', s.connectStorm.channels);
    log(`A: connect storm (${s.connectStorm.concurrency} in flight over ${arns.length} channels)…`);
    const probe = cpuProbe(child).start();
    const storm = await connectStorm(child.info, arns, s.connectStorm);
    const stormCpu = probe();
    log(`A: opening ${s.load.channels} × (1 master + ${s.load.viewersPerChannel} viewers)…`);
    const { channels, all } = await openChannels(
      child,
      arns.slice(0, s.load.channels),
      s.load.viewersPerChannel,
    );
    sockets.push(...all);
    const load = new SignalingLoad(channels, { sdpEvery: s.load.sdpEvery, correlate: false });
    log('A: saturating (closed loop)…');
    const saturated = await load.saturate(s.saturate, cpuProbe(child));
    // Latency at the target rate; if the broker cannot carry the target, at 80 % of what it carried.
    const rate =
      saturated.deliveredPerSecond >= s.fixedRate.rate
        ? s.fixedRate.rate
        : Math.floor(saturated.deliveredPerSecond * 0.8);
    log(`A: open loop at ${rate} msgs/s…`);
    const fixed = await load.fixedRate({ ...s.fixedRate, rate }, cpuProbe(child));
    return { storm, stormCpu, saturated, fixed, fixedRate: rate };
  } finally {
    await closeSockets(sockets);
    await child.close();
  }
}

async function defaultsPhase(): Promise<Record<string, unknown>> {
  const s = SETTINGS.defaults;
  const child = await KvsChild.start({ limits: s.limits });
  const sockets: WebSocket[] = [];
  try {
    const arns = await createChannels(child.info, 'idle', s.channels);
    await sleep(500);
    const before = await child.memory();
    log(
      `B: ${IDLE_SOCKETS} idle viewers (${s.viewersPerChannel} on each of ${s.channels} channels, ≤ ${s.connectsPerSecondPerChannel}/s per channel)…`,
    );
    const viewers = await connectViewersPaced(
      child.info,
      arns,
      s.viewersPerChannel,
      s.connectsPerSecondPerChannel,
      'idle',
    );
    for (const list of viewers.sockets.values()) sockets.push(...list);
    if (sockets.length !== IDLE_SOCKETS)
      throw new Error(`expected ${IDLE_SOCKETS} viewers, have ${sockets.length}`);
    await sleep(1000);
    const after = await child.memory();

    log(`B: masters join; every connection sends ${s.perConnectionMsgsPerS} msgs/s with the default quotas…`);
    const channels: ChannelSockets[] = await Promise.all(
      arns.map(async (arn) => {
        const m = await openSocket(connectUrl(child.info, arn, null));
        if (!m.ok) throw new Error(`master connect refused: ${m.status} ${m.error ?? ''}`);
        sockets.push(m.ws);
        const vs = viewers.sockets.get(arn)!.map((ws, v) => ({ clientId: `idle-${v}`, ws }));
        return { master: m.ws, viewers: vs };
      }),
    );
    // ClientIds were assigned in order per channel, but retries may reorder: map them by what was asked.
    const load = new SignalingLoad(channels, { sdpEvery: s.sdpEvery, correlate: true });
    const connections = sockets.length;
    const rate = connections * s.perConnectionMsgsPerS;
    const fixed = await load.fixedRate(
      { rate, warmupMs: s.warmupMs, measureMs: s.measureMs, masterWeight: 'one' },
      cpuProbe(child),
    );
    return {
      before,
      after,
      viewers: { refused: viewers.refused, seconds: viewers.seconds },
      fixed,
      rate,
      connections,
    };
  } finally {
    await closeSockets(sockets);
    await child.close();
  }
}

async function camerasPhase(): Promise<Record<string, unknown>> {
  const s = SETTINGS.cameras;
  const child = await KvsChild.start({
    cameras: { count: s.count, width: s.width, height: s.height, fps: s.fps },
    limits: { controlTpsScale: 0 },
  });
  // Loaded only here: @roamhq/wrtc is heavy and the other phases do not need it.
  const { NodeViewer } = await import('../test/helpers/nodeViewer');
  const { controlClient } = await import('../test/helpers/kvsLocal');
  // The helpers take a KvsLocal but read only its `info` (endpoint, region, credentials).
  const remote = { info: child.info } as unknown as KvsLocal;
  const kv = controlClient(remote);
  const viewers: Array<InstanceType<typeof NodeViewer>> = [];
  try {
    await sleep(1000);
    log(`C: ${s.count} cameras without viewers (${s.idleWindowMs / 1000} s)…`);
    const idleProbe = cpuProbe(child).start();
    await sleep(s.idleWindowMs);
    const idle = idleProbe();
    log(`C: one Node viewer per camera…`);
    for (const [i, c] of child.info.channels.entries()) {
      viewers.push(
        await withTimeout(
          NodeViewer.connect(remote, kv, c.arn, `bench-viewer-${i}`),
          15_000,
          'viewer connect',
        ),
      );
    }
    const deadline = performance.now() + 20_000;
    while (viewers.some((v) => v.stamped().length < s.fps) && performance.now() < deadline) await sleep(100);
    const streaming = viewers.filter((v) => v.stamped().length >= s.fps).length;
    if (streaming < viewers.length)
      throw new Error(`only ${streaming}/${viewers.length} viewers receive video`);
    await sleep(s.warmupMs);
    log(`C: measuring ${s.windowMs / 1000} s…`);
    const start = Date.now();
    const probe = cpuProbe(child).start();
    await sleep(s.windowMs);
    const cpu = probe();
    const seconds = (Date.now() - start) / 1000;
    const fps = viewers.map((v) => round(v.frames.filter((f) => f.at >= start).length / seconds, 1));
    const latencies = viewers.flatMap((v) =>
      v.frames.filter((f) => f.at >= start && f.latencyMs !== null).map((f) => f.latencyMs!),
    );
    latencies.sort((a, b) => a - b);
    const p50 = latencies.length ? latencies[Math.floor(latencies.length / 2)]! : Number.NaN;
    return { idle, cpu, fps, seconds, glassToGlassP50Ms: p50 };
  } finally {
    for (const v of viewers) v.close();
    kv.destroy();
    await child.close();
  }
}

export async function runKvsLocalBench(): Promise<BenchResult> {
  const a = (await limitsOffPhase()) as {
    storm: Awaited<ReturnType<typeof connectStorm>>;
    stormCpu: { client: number; server: number };
    saturated: LoadPhaseResult;
    fixed: LoadPhaseResult & { skipped: number };
    fixedRate: number;
  };
  const b = (await defaultsPhase()) as {
    before: NodeJS.MemoryUsage;
    after: NodeJS.MemoryUsage;
    viewers: { refused: number; seconds: number };
    fixed: LoadPhaseResult & { skipped: number };
    rate: number;
    connections: number;
  };
  const c = (await camerasPhase()) as {
    idle: { client: number; server: number };
    cpu: { client: number; server: number };
    fps: Array<number | null>;
    seconds: number;
    glassToGlassP50Ms: number;
  };

  const rssDelta = b.after.rss - b.before.rss;
  const heapDelta = b.after.heapUsed + b.after.external - (b.before.heapUsed + b.before.external);
  const cams = SETTINGS.cameras.count;
  const metrics: Metric[] = [
    {
      key: 'signaling_msgs_per_s',
      label: 'broker msgs/s, saturated, limits off',
      value: a.saturated.deliveredPerSecond,
      unit: 'msg/s',
      digits: 0,
      target: { op: '>=', value: TARGET_MSGS_PER_S },
    },
    {
      key: 'broker_p50_ms',
      label: `broker latency p50 @ ${a.fixedRate} msg/s`,
      value: a.fixed.latency.p50,
      unit: 'ms',
      digits: 3,
    },
    {
      key: 'broker_p99_ms',
      label: `broker latency p99 @ ${a.fixedRate} msg/s`,
      value: a.fixed.latency.p99,
      unit: 'ms',
      digits: 3,
      target: { op: '<=', value: TARGET_P99_MS },
    },
    {
      key: 'signaling_default_msgs_per_s',
      label: `default quotas, ${b.connections} conns × ${SETTINGS.defaults.perConnectionMsgsPerS}/s`,
      value: b.fixed.deliveredPerSecond,
      unit: 'msg/s',
      digits: 0,
    },
    {
      key: 'broker_default_p99_ms',
      label: 'default quotas, latency p99',
      value: b.fixed.latency.p99,
      unit: 'ms',
      digits: 3,
      target: { op: '<=', value: TARGET_P99_MS },
    },
    {
      key: 'broker_saturated_p99_ms',
      label: 'latency p99 when saturated (queueing)',
      value: a.saturated.latency.p99,
      unit: 'ms',
      digits: 3,
    },
    {
      key: 'connects_per_s',
      label: 'presigned connects/s (SigV4 + upgrade)',
      value: a.storm.perSecond,
      unit: 'conn/s',
      digits: 0,
    },
    {
      key: 'idle_socket_kib',
      label: `server RSS per idle socket (${IDLE_SOCKETS} viewers)`,
      value: rssDelta / IDLE_SOCKETS / 1024,
      unit: 'KiB',
      digits: 1,
      target: { op: '<=', value: (TARGET_IDLE_MB * 1024) / IDLE_SOCKETS },
    },
    {
      key: 'idle_sockets_mb',
      label: `server RSS growth for ${IDLE_SOCKETS} idle sockets`,
      value: rssDelta / 2 ** 20,
      unit: 'MB',
      digits: 1,
      target: { op: '<=', value: TARGET_IDLE_MB },
    },
    {
      key: 'idle_server_rss_mb',
      label: `server RSS total with ${IDLE_SOCKETS} idle sockets`,
      value: b.after.rss / 2 ** 20,
      unit: 'MB',
      digits: 1,
    },
    {
      key: 'camera_cpu_pct',
      label: `CPU per camera stream (${cams} × ${SETTINGS.cameras.width}x${SETTINGS.cameras.height}@${SETTINGS.cameras.fps})`,
      value: c.cpu.server / cams,
      unit: '% core',
      digits: 1,
    },
  ];
  return {
    name: 'kvs-local',
    metrics,
    settings: {
      kvsLocalProcess: 'forked child (bench/kvsLocalChild.ts, --expose-gc); clients in the bench process',
      limitsOff: SETTINGS.limitsOff,
      defaults: SETTINGS.defaults,
      cameras: SETTINGS.cameras,
      latency:
        'performance.now() at ws.send() in the sender, stamped in the payload; read when the recipient has ' +
        'parsed the relayed frame and decoded the payload (both ends in the bench process)',
    },
    details: {
      limitsOff: {
        saturated: phaseSummary(a.saturated),
        fixedRate: { rate: a.fixedRate, ...phaseSummary(a.fixed) },
        connectStorm: {
          ...a.storm,
          client_cpu_pct: round(a.stormCpu.client, 0),
          server_cpu_pct: round(a.stormCpu.server, 0),
        },
      },
      defaults: {
        offeredRate: b.rate,
        connections: b.connections,
        ...phaseSummary(b.fixed),
        idleConnect: b.viewers,
        memoryBefore: b.before,
        memoryAfter: b.after,
        heapPlusExternalPerSocketKib: round(heapDelta / IDLE_SOCKETS / 1024, 2),
      },
      cameras: {
        idleCpuPct: round(c.idle.server, 1),
        streamingCpuPct: round(c.cpu.server, 1),
        viewerProcessCpuPct: round(c.cpu.client, 1),
        viewerFps: c.fps,
        windowSeconds: round(c.seconds, 1),
        glassToGlassP50Ms: round(c.glassToGlassP50Ms, 0),
      },
    },
  };
}
