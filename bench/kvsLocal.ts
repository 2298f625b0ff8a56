/**
 * `npm run bench -- kvs-local`: the signaling broker's throughput and latency, connect rate, memory per idle
 * socket and CPU per simulated camera stream.
 *
 * kvs-local always runs in a forked child (kvsLocalChild.ts) so its CPU and memory are read apart from the
 * clients that load it; the ws clients run in this process, the WebRTC viewers in a child of their own
 * (cameraViewersChild.ts). Three kvs-local children, one per concern:
 *
 *  A. limits off (per-connection SDP/ICE TPS and per-channel connect TPS = 0): the broker's own ceiling.
 *     Connect storm over 100 channels, then 20 channels × (1 master + 10 viewers) saturated closed-loop,
 *     then an open-loop run at the 20k msgs/s target for latency.
 *  B. service defaults: 1000 idle viewers (10 on each of 100 channels, connected at ≤ 3/s per channel) for
 *     memory; then 100 masters join and every connection sends 18 msgs/s (under the 20 ICE/s + 5 SDP/s
 *     per-connection quotas) — the real default path at ~20k msgs/s.
 *  C. 4 cameras at 640×360@15 with one Node viewer each: kvs-local's CPU over 10 s.
 *
 * Control-plane quotas are off everywhere (controlTpsScale 0): creating the channels is setup, not measured.
 */
import type { WebSocket } from 'ws';
import type { KvsLocalLimits } from '../kvs-local/src/config';
import type { KvsLocalInfo } from '../kvs-local/src/server';
import type { ViewerStats, ViewersArgs } from './cameraViewersChild';
import type { KvsChildArgs, MemReply } from './kvsLocalChild';
import { BenchChild } from './lib/child';
import { CpuWindow, LoopProbe, round, sleep, type CpuReading, type LoopStats } from './lib/measure';
import type { BenchResult, Metric } from './lib/report';
import {
  closeSockets,
  connectStorm,
  connectUrl,
  connectViewersPaced,
  createChannels,
  openSocket,
  payloadSizes,
  SignalingLoad,
  type ChannelSockets,
  type ConnectStormResult,
  type LoadPhaseResult,
  type PhaseProbe,
  type PhaseStats,
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
      'the offered load, not the broker: with them, 20k msgs/s needs 1000+ connections each sending ' +
      'just under its quota. With them off the same code path (the token check still runs) goes as fast ' +
      'as it can; phase B measures the default path.',
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

type KvsChild = BenchChild<KvsLocalInfo>;

function log(line: string): void {
  process.stderr.write(`  ${line}\n`);
}

function startKvs(args: KvsChildArgs): Promise<KvsChild> {
  return BenchChild.start<KvsLocalInfo>('kvsLocalChild.ts', args);
}

async function memoryOf(child: KvsChild): Promise<NodeJS.MemoryUsage> {
  const r = await child.request<MemReply>('mem');
  if (!r.gc) throw new Error('kvs-local child has no gc(); memory readings would include garbage');
  return r.memory;
}

const clientLoop = new LoopProbe();

/** CPU of this process, kvs-local and the machine, plus both event loops and GC, over a window. */
function phaseProbe(child: KvsChild): PhaseProbe {
  return {
    start() {
      const server = child.request('loop-start');
      clientLoop.start();
      const cpu = new CpuWindow([child.pid]);
      return async () => {
        const reading = cpu.read();
        const client = clientLoop.read();
        await server;
        return { cpu: reading, client, server: await child.request<LoopStats>('loop-read') };
      };
    },
  };
}

function cpuSummary(c: CpuReading): Record<string, unknown> {
  return {
    bench_process_cpu_pct: round(c.selfPct, 0),
    kvs_local_cpu_pct: round(c.pidPct[0] ?? Number.NaN, 0),
    machine_busy_pct: round(c.machinePct, 0),
    unattributed_cpu_pct: round(c.unattributedPct, 0),
    other_processes_cpu_pct: round(c.othersPct, 0),
    ...(c.othersPct >= 10 ? { busiest_other_processes: c.topOthers } : {}),
  };
}

function loopSummary(l: LoopStats | null): Record<string, unknown> | null {
  if (!l) return null;
  return {
    loop_delay_p50_ms: round(l.delayP50Ms, 2),
    loop_delay_p99_ms: round(l.delayP99Ms, 2),
    loop_delay_max_ms: round(l.delayMaxMs, 2),
    gc_count: l.gcCount,
    gc_total_ms: round(l.gcTotalMs, 1),
    gc_max_ms: round(l.gcMaxMs, 2),
  };
}

function statsSummary(s: PhaseStats): Record<string, unknown> {
  return { ...cpuSummary(s.cpu), bench_loop: loopSummary(s.client), kvs_local_loop: loopSummary(s.server) };
}

function phaseSummary(r: LoadPhaseResult): Record<string, unknown> {
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
    skipped_by_sender: r.skipped,
    sdp_share: round(r.sdpShare, 3),
    ...statsSummary(r.stats),
  };
}

/** Opens 1 master + `viewers` viewers on each ARN, all at once (phase A has the connect TPS off). */
async function openChannels(
  info: KvsLocalInfo,
  arns: readonly string[],
  viewers: number,
  sockets: WebSocket[],
): Promise<ChannelSockets[]> {
  const open = async (arn: string, clientId: string | null): Promise<WebSocket> => {
    const r = await openSocket(connectUrl(info, arn, clientId));
    if (!r.ok) throw new Error(`connect ${clientId ?? 'master'} refused: ${r.status} ${r.error ?? ''}`);
    sockets.push(r.ws);
    return r.ws;
  };
  return Promise.all(
    arns.map(async (arn) => ({
      master: await open(arn, null),
      viewers: await Promise.all(
        Array.from({ length: viewers }, async (_, v) => ({
          clientId: `load-${v}`,
          ws: await open(arn, `load-${v}`),
        })),
      ),
    })),
  );
}

interface LimitsOffResult {
  storm: ConnectStormResult;
  stormStats: PhaseStats;
  saturated: LoadPhaseResult;
  fixed: LoadPhaseResult;
  fixedRate: number;
}

async function limitsOffPhase(): Promise<LimitsOffResult> {
  const s = SETTINGS.limitsOff;
  const child = await startKvs({ limits: s.limits });
  const sockets: WebSocket[] = [];
  try {
    const arns = await createChannels(child.ready, 'bench', s.connectStorm.channels);
    log(`A: connect storm (${s.connectStorm.concurrency} in flight over ${arns.length} channels)…`);
    const stop = phaseProbe(child).start();
    const storm = await connectStorm(child.ready, arns, s.connectStorm);
    const stormStats = await stop();
    log(`A: ${s.load.channels} channels × (1 master + ${s.load.viewersPerChannel} viewers), saturating…`);
    const channels = await openChannels(
      child.ready,
      arns.slice(0, s.load.channels),
      s.load.viewersPerChannel,
      sockets,
    );
    const load = new SignalingLoad(channels, { sdpEvery: s.load.sdpEvery, correlate: false });
    const saturated = await load.saturate(s.saturate, phaseProbe(child));
    // Latency at the target rate; if the broker cannot carry the target, at 80 % of what it carried.
    const fixedRate =
      saturated.deliveredPerSecond >= s.fixedRate.rate
        ? s.fixedRate.rate
        : Math.floor(saturated.deliveredPerSecond * 0.8);
    log(`A: open loop at ${fixedRate} msgs/s…`);
    const fixed = await load.fixedRate({ ...s.fixedRate, rate: fixedRate }, phaseProbe(child));
    return { storm, stormStats, saturated, fixed, fixedRate };
  } finally {
    await closeSockets(sockets);
    await child.close();
  }
}

interface DefaultsResult {
  before: NodeJS.MemoryUsage;
  after: NodeJS.MemoryUsage;
  connect: { refused: number; seconds: number };
  fixed: LoadPhaseResult;
  rate: number;
  connections: number;
}

async function defaultsPhase(): Promise<DefaultsResult> {
  const s = SETTINGS.defaults;
  const child = await startKvs({ limits: s.limits });
  const sockets: WebSocket[] = [];
  try {
    const arns = await createChannels(child.ready, 'idle', s.channels);
    await sleep(500);
    const before = await memoryOf(child);
    log(
      `B: ${IDLE_SOCKETS} idle viewers (${s.viewersPerChannel} on each of ${s.channels} channels, ` +
        `≤ ${s.connectsPerSecondPerChannel}/s per channel)…`,
    );
    const viewers = await connectViewersPaced(
      child.ready,
      arns,
      s.viewersPerChannel,
      s.connectsPerSecondPerChannel,
      'idle',
    );
    for (const list of viewers.sockets.values()) sockets.push(...list.map((v) => v.ws));
    if (sockets.length !== IDLE_SOCKETS)
      throw new Error(`expected ${IDLE_SOCKETS} viewers, have ${sockets.length}`);
    await sleep(1000);
    const after = await memoryOf(child);

    log(
      `B: masters join; every connection sends ${s.perConnectionMsgsPerS} msgs/s under the default quotas…`,
    );
    const channels: ChannelSockets[] = await Promise.all(
      arns.map(async (arn) => {
        const m = await openSocket(connectUrl(child.ready, arn, null));
        if (!m.ok) throw new Error(`master connect refused: ${m.status} ${m.error ?? ''}`);
        sockets.push(m.ws);
        return { master: m.ws, viewers: viewers.sockets.get(arn) ?? [] };
      }),
    );
    const load = new SignalingLoad(channels, { sdpEvery: s.sdpEvery, correlate: true });
    const connections = sockets.length;
    const rate = connections * s.perConnectionMsgsPerS;
    const fixed = await load.fixedRate(
      { rate, warmupMs: s.warmupMs, measureMs: s.measureMs, masterWeight: 'one' },
      phaseProbe(child),
    );
    return {
      before,
      after,
      connect: { refused: viewers.refused, seconds: viewers.seconds },
      fixed,
      rate,
      connections,
    };
  } finally {
    await closeSockets(sockets);
    await child.close();
  }
}

interface CamerasResult {
  idle: CpuReading;
  /** Watched pids: kvs-local, then the viewers' process. */
  streaming: CpuReading;
  seconds: number;
  viewers: ViewerStats[];
}

async function camerasPhase(): Promise<CamerasResult> {
  const s = SETTINGS.cameras;
  const child = await startKvs({
    cameras: { count: s.count, width: s.width, height: s.height, fps: s.fps },
    limits: { controlTpsScale: 0 },
  });
  let viewers: BenchChild<{ viewers: number }> | undefined;
  try {
    await sleep(1000);
    log(`C: ${s.count} cameras, no viewers (${s.idleWindowMs / 1000} s)…`);
    const idleProbe = new CpuWindow([child.pid]);
    await sleep(s.idleWindowMs);
    const idle = idleProbe.read();
    log('C: one Node viewer per camera…');
    viewers = await BenchChild.start<{ viewers: number }>('cameraViewersChild.ts', {
      info: child.ready,
    } satisfies ViewersArgs);
    const v = viewers;
    const started = Date.now();
    const streamingAll = async (): Promise<boolean> =>
      (await v.request<ViewerStats[]>('stats', { since: started })).every((x) => x.stamped >= s.fps);
    // Bounded wait for every viewer to decode a second of stamped video.
    for (let i = 0; i < 100 && !(await streamingAll()); i++) await sleep(200);
    if (!(await streamingAll())) throw new Error('not every viewer receives video');
    await sleep(s.warmupMs);
    log(`C: measuring ${s.windowMs / 1000} s…`);
    const since = Date.now();
    const probe = new CpuWindow([child.pid, v.pid]);
    await sleep(s.windowMs);
    const streaming = probe.read();
    const stats = await v.request<ViewerStats[]>('stats', { since });
    return { idle, streaming, seconds: streaming.seconds, viewers: stats };
  } finally {
    await viewers?.close();
    await child.close();
  }
}

/** CPU in use on the machine by others before the run: a busy machine makes every number here worse. */
async function backgroundLoad(): Promise<CpuReading> {
  const w = new CpuWindow();
  await sleep(1000);
  return w.read();
}

export async function runKvsLocalBench(): Promise<BenchResult> {
  const background = await backgroundLoad();
  const backgroundPct = background.othersPct + background.unattributedPct;
  if (backgroundPct > 20) {
    log(`warning: other work uses ${Math.round(backgroundPct)} % of a core; the results will be pessimistic`);
  }
  const a = await limitsOffPhase();
  const b = await defaultsPhase();
  const c = await camerasPhase();

  const rssDelta = b.after.rss - b.before.rss;
  const heapDelta = b.after.heapUsed + b.after.external - (b.before.heapUsed + b.before.external);
  const cams = SETTINGS.cameras.count;
  const metrics: Metric[] = [
    {
      key: 'signaling_msgs_per_s',
      label: 'broker msgs/s, saturated, quotas off',
      value: a.saturated.deliveredPerSecond,
      unit: 'msg/s',
      digits: 0,
      target: { op: '>=', value: TARGET_MSGS_PER_S },
    },
    {
      key: 'broker_p50_ms',
      label: `broker latency p50 at ${a.fixedRate.toLocaleString('en-US')} msg/s`,
      value: a.fixed.latency.p50,
      unit: 'ms',
      digits: 2,
    },
    {
      key: 'broker_p99_ms',
      label: `broker latency p99 at ${a.fixedRate.toLocaleString('en-US')} msg/s`,
      value: a.fixed.latency.p99,
      unit: 'ms',
      digits: 2,
      target: { op: '<=', value: TARGET_P99_MS },
    },
    {
      key: 'signaling_default_msgs_per_s',
      label: `default quotas: ${b.connections} sockets × ${SETTINGS.defaults.perConnectionMsgsPerS}/s`,
      value: b.fixed.deliveredPerSecond,
      unit: 'msg/s',
      digits: 0,
    },
    {
      key: 'broker_default_p50_ms',
      label: 'default quotas: latency p50',
      value: b.fixed.latency.p50,
      unit: 'ms',
      digits: 2,
    },
    {
      key: 'broker_default_p99_ms',
      label: 'default quotas: latency p99',
      value: b.fixed.latency.p99,
      unit: 'ms',
      digits: 2,
      target: { op: '<=', value: TARGET_P99_MS },
    },
    {
      key: 'broker_saturated_p99_ms',
      label: 'latency p99 when saturated (queueing)',
      value: a.saturated.latency.p99,
      unit: 'ms',
      digits: 2,
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
      label: `kvs-local RSS per idle socket (${IDLE_SOCKETS} viewers)`,
      value: rssDelta / IDLE_SOCKETS / 1024,
      unit: 'KiB',
      digits: 1,
      target: { op: '<=', value: (TARGET_IDLE_MB * 1024) / IDLE_SOCKETS },
    },
    {
      key: 'idle_sockets_mb',
      label: `kvs-local RSS growth for ${IDLE_SOCKETS} idle sockets`,
      value: rssDelta / 2 ** 20,
      unit: 'MB',
      digits: 1,
      target: { op: '<=', value: TARGET_IDLE_MB },
    },
    {
      key: 'idle_server_rss_mb',
      label: `kvs-local RSS with ${IDLE_SOCKETS} idle sockets`,
      value: b.after.rss / 2 ** 20,
      unit: 'MB',
      digits: 1,
    },
    {
      key: 'camera_cpu_pct',
      label: `kvs-local CPU per camera stream (${cams} × ${SETTINGS.cameras.width}x${SETTINGS.cameras.height}@${SETTINGS.cameras.fps})`,
      value: (c.streaming.pidPct[0] ?? Number.NaN) / cams,
      unit: '% core',
      digits: 1,
    },
  ];
  const notes: string[] = [];
  const busy: Array<[string, CpuReading]> = [
    ['before the run', background],
    ['connect storm', a.stormStats.cpu],
    ['saturation', a.saturated.stats.cpu],
    ['20k msgs/s', a.fixed.stats.cpu],
    ['default quotas', b.fixed.stats.cpu],
    ['cameras', c.streaming],
  ];
  for (const [phase, cpu] of busy) {
    // Unattributed time is ~0 on a quiet machine (loopback softirq is charged to our processes), so it
    // counts as other load: mostly short-lived processes that exited within the window.
    const other = cpu.othersPct + cpu.unattributedPct;
    if (other > 20) {
      const top = cpu.topOthers[0];
      notes.push(
        `${phase}: other work used ${Math.round(other)} % of a core` +
          `${top ? ` (busiest: ${top.command.slice(0, 60)})` : ''}; figures are pessimistic`,
      );
    }
  }
  return {
    name: 'kvs-local',
    metrics,
    notes,
    settings: {
      processes:
        'kvs-local in a forked child (bench/kvsLocalChild.ts, --expose-gc); ws clients in the bench ' +
        'process; WebRTC viewers in bench/cameraViewersChild.ts',
      latency:
        'performance.now() at ws.send() in the sender, stamped in the payload; read when the recipient has ' +
        'parsed the relayed frame and decoded the payload (both ends in the bench process, so the figure ' +
        'includes client work and two loopback hops)',
      payloadBytes: payloadSizes(),
      idleMemory: 'RSS after 3 GCs with 1000 viewers open minus RSS after 3 GCs before they connected',
      limitsOff: SETTINGS.limitsOff,
      defaults: SETTINGS.defaults,
      cameras: SETTINGS.cameras,
    },
    details: {
      background: cpuSummary(background),
      limitsOff: {
        saturated: phaseSummary(a.saturated),
        fixedRate: { rate: a.fixedRate, ...phaseSummary(a.fixed) },
        connectStorm: {
          seconds: round(a.storm.seconds, 2),
          opened: a.storm.opened,
          refused: a.storm.refused,
          refusedStatuses: a.storm.refusedStatuses,
          errors: a.storm.errors,
          connect_p50_ms: round(a.storm.latency.p50, 2),
          connect_p99_ms: round(a.storm.latency.p99, 2),
          ...statsSummary(a.stormStats),
        },
      },
      defaults: {
        offeredRate: b.rate,
        connections: b.connections,
        ...phaseSummary(b.fixed),
        idleConnect: { refused: b.connect.refused, seconds: round(b.connect.seconds, 2) },
        memoryBefore: b.before,
        memoryAfter: b.after,
        heap_plus_external_per_socket_kib: round(heapDelta / IDLE_SOCKETS / 1024, 2),
      },
      cameras: {
        idle: cpuSummary(c.idle),
        streaming: {
          ...cpuSummary(c.streaming),
          viewers_process_cpu_pct: round(c.streaming.pidPct[1] ?? Number.NaN, 0),
        },
        windowSeconds: round(c.seconds, 1),
        viewers: c.viewers.map((v) => ({
          clientId: v.clientId,
          fps: round(v.frames / c.seconds, 1),
          stamped: v.stamped,
          latencyP50Ms: v.latencyP50Ms,
        })),
      },
    },
  };
}
