/**
 * `npm run bench -- wall`: the console's wall in Debian's Chromium with 1, 4, 9, 16 and 25 live tiles of
 * kvs-local's simulated cameras (kvs-local in its own process, the main core in this one behind the same
 * bridge the e2e tests use), and in the same run two comparisons at 16 streams: one page per channel the
 * KVS SDK test page's way (the baseline) and a bare page that only decodes (see wall/comparison.ts).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type CDPSession, type Page } from 'playwright-core';
import type { Core } from '../src-main/core/app';
import { LOCAL_DEMO_ID, type LocalDemoInfo } from '../src-main/core/credentials';
import { installBridge } from '../scripts/browserShell/bridge';
import { buildRenderer } from '../scripts/browserShell/build';
import { CHROMIUM, chromiumArgs } from '../scripts/browserShell/chromium';
import { serveRenderer, type RendererServer } from '../scripts/browserShell/server';
import { writeToneWav } from '../scripts/browserShell/tone';
import type { KvsChildArgs } from './kvsLocalChild';
import { BenchChild } from './lib/child';
import { startCore } from './lib/coreCalls';
import { CpuWindow, Samples, round, sleep, type CpuReading } from './lib/measure';
import type { BenchResult, Metric } from './lib/report';
import { openBare, openBaseline, type PageRun } from './wall/comparison';
import type { StreamReport } from './wall/page';
import { serveBenchPage } from './wall/pages';
import { chromiumProcesses, cpuByType, usageOf, type ProcessReading, type Usage } from './wall/processes';

const SETTINGS = {
  sizes: [1, 4, 9, 16, 25],
  compareAt: 16,
  cameras: 25,
  /** Frames must flow this long before the measured window (TTFF is over by then). */
  warmupMs: 3_000,
  windowMs: 10_000,
  /** Every tile must show a first frame within this, or the size is reported as failed. */
  liveTimeoutMs: 60_000,
  viewport: { width: 1600, height: 960 },
};

const log = (line: string) => console.log(`  ${line}`);

interface SizeResult {
  n: number;
  live: number;
  fps: number[];
  ttff: Samples;
  g2g: Samples;
  cpuPct: number;
  memMiB: number;
  cpuByType: Record<string, number>;
  channels: string[];
  /** p50 of each waterfall step over the tiles. */
  waterfall: Record<string, number | null>;
  machine: MachineLoad;
  memory: MemoryDetail;
}

interface MemoryDetail {
  pss_mib: number | null;
  uss_mib: number | null;
  rss_mib: number | null;
  renderers: number;
}

function memoryDetail(u: Usage): MemoryDetail {
  return {
    pss_mib: round(u.memMiB, 0),
    uss_mib: round(u.ussMiB, 0),
    rss_mib: round(u.rssMiB, 0),
    renderers: u.processes,
  };
}

/** Where the machine's CPU went during a measured window (% of one core; the machine has 2). */
interface MachineLoad {
  machine_busy_pct: number | null;
  kvs_local_pct: number | null;
  bench_and_core_pct: number | null;
  others_pct: number | null;
}

function machineLoad(r: CpuReading): MachineLoad {
  return {
    machine_busy_pct: round(r.machinePct, 0),
    kvs_local_pct: round(r.pidPct[0] ?? Number.NaN, 0),
    bench_and_core_pct: round(r.selfPct, 0),
    others_pct: round(r.othersPct, 0),
  };
}

const LAYOUT: Record<number, string> = { 1: '1x1', 4: '2x2', 9: '3x3', 16: '4x4', 25: '5x5' };

interface TileReading {
  name: string;
  frames: number;
  g2g: number | null;
  ttff: number | null;
  /** The session's waterfall (ms from the attempt's start to each step), as JSON. */
  waterfall: string;
}

function readTiles(page: Page): Promise<TileReading[]> {
  // No named functions inside: tsx's keepNames would reference a helper the page does not have.
  return page.$$eval('[data-testid="tile"]', (tiles) =>
    tiles
      .map((t) => ({
        name: (t as HTMLElement).dataset.channelName ?? '',
        frames: Number((t as HTMLElement).dataset.frames || 0),
        g2g: (t as HTMLElement).dataset.g2gMs ? Number((t as HTMLElement).dataset.g2gMs) : null,
        ttff: (t as HTMLElement).dataset.ttffMs ? Number((t as HTMLElement).dataset.ttffMs) : null,
        waterfall: (t as HTMLElement).dataset.waterfall || '{}',
      }))
      .filter((t) => t.name !== ''),
  );
}

/** One wall size: open the console, lay out n tiles, fill them, wait for every first frame, measure. */
async function runConsole(
  browser: Browser,
  cdp: CDPSession,
  server: RendererServer,
  core: Core,
  n: number,
  kvsPid: number,
): Promise<SizeResult> {
  const existing = new Set((await chromiumProcesses(cdp)).map((p) => p.pid));
  const context = await browser.newContext({ viewport: SETTINGS.viewport });
  const bridge = await installBridge(context, { router: core.router });
  try {
    const page = await context.newPage();
    await page.goto(server.url);
    await page.locator('[data-testid="wall"]').waitFor({ timeout: 30_000 });
    await page.locator('[data-testid="layout-picker"]').selectOption(LAYOUT[n]!);
    await page.locator('[data-testid="catalog-search"]').fill('camera');
    await page
      .locator('[data-testid="catalog-item"]')
      .nth(Math.min(n, SETTINGS.cameras) - 1)
      .waitFor();
    const clickedAt = Date.now();
    await page.locator('[data-testid="fill-wall"]').click();
    const firstFrameAt = new Map<string, number>();
    const deadline = clickedAt + SETTINGS.liveTimeoutMs;
    let tiles: TileReading[] = [];
    while (Date.now() < deadline) {
      tiles = await readTiles(page);
      for (const t of tiles)
        if (t.frames > 0 && !firstFrameAt.has(t.name)) firstFrameAt.set(t.name, Date.now());
      if (tiles.length >= n && firstFrameAt.size >= n) break;
      await sleep(50);
    }
    const ttff = new Samples(20_000);
    for (const t of tiles) {
      // The session's own waterfall (attempt start → first frame) when the tile exposes it, else the
      // time from the click as polled here (≤ 50 ms coarser, and including the console's own start).
      const at = firstFrameAt.get(t.name);
      if (t.ttff !== null) ttff.add(t.ttff);
      else if (at !== undefined) ttff.add(at - clickedAt);
    }
    await sleep(SETTINGS.warmupMs);
    const before = await chromiumProcesses(cdp);
    const start = new Map((await readTiles(page)).map((t) => [t.name, t.frames]));
    const g2g = new Samples(20_000);
    const load = new CpuWindow([kvsPid]);
    const t0 = Date.now();
    let last = new Map<string, number | null>();
    while (Date.now() - t0 < SETTINGS.windowMs) {
      const now = await readTiles(page);
      for (const t of now) if (t.g2g !== null && last.get(t.name) !== t.g2g) g2g.add(t.g2g);
      last = new Map(now.map((t) => [t.name, t.g2g]));
      await sleep(200);
    }
    const seconds = (Date.now() - t0) / 1000;
    const after = await chromiumProcesses(cdp);
    const end = await readTiles(page);
    const fps = end.map((t) => (t.frames - (start.get(t.name) ?? 0)) / seconds);
    const usage = usageOf('renderer', before, after, seconds, existing);
    const steps = new Map<string, Samples>();
    for (const t of end) {
      for (const [k, v] of Object.entries(JSON.parse(t.waterfall) as Record<string, number>)) {
        if (!steps.has(k)) steps.set(k, new Samples(1000));
        steps.get(k)!.add(v);
      }
    }
    return {
      memory: memoryDetail(usage),
      machine: machineLoad(load.read()),
      waterfall: Object.fromEntries([...steps].map(([k, v]) => [k, round(v.summary().p50, 0)])),
      n,
      live: firstFrameAt.size,
      fps,
      ttff,
      g2g,
      cpuPct: usage.cpuPct,
      memMiB: usage.memMiB,
      cpuByType: cpuByType(before, after, seconds),
      channels: end.map((t) => t.name),
    };
  } finally {
    bridge.dispose();
    await context.close();
  }
}

/** A comparison run: wait for first frames, then the same window as the console. */
async function measureRun(
  cdp: CDPSession,
  open: () => Promise<PageRun>,
  existing: Set<number>,
  kvsPid: number,
): Promise<{
  machine: MachineLoad;
  memory: MemoryDetail;
  reports: StreamReport[];
  fps: number[];
  cpuPct: number;
  memMiB: number;
  byType: Record<string, number>;
}> {
  const run = await open();
  try {
    const deadline = Date.now() + SETTINGS.liveTimeoutMs;
    let reports = await run.reports();
    while (Date.now() < deadline && reports.some((r) => r.ttffMs === null && r.error === null)) {
      await sleep(100);
      reports = await run.reports();
    }
    await sleep(SETTINGS.warmupMs);
    const before: ProcessReading[] = await chromiumProcesses(cdp);
    const startFrames = (await run.reports()).map((r) => r.frames);
    const load = new CpuWindow([kvsPid]);
    await sleep(SETTINGS.windowMs);
    const machine = machineLoad(load.read());
    const after = await chromiumProcesses(cdp);
    const end = await run.reports();
    const seconds = SETTINGS.windowMs / 1000;
    const usage = usageOf('renderer', before, after, seconds, existing);
    return {
      machine,
      memory: memoryDetail(usage),
      reports: end,
      fps: end.map((r, i) => (r.frames - (startFrames[i] ?? 0)) / seconds),
      cpuPct: usage.cpuPct,
      memMiB: usage.memMiB,
      byType: cpuByType(before, after, seconds),
    };
  } finally {
    await run.context.close();
  }
}

function min(values: number[]): number {
  return values.length === 0 ? NaN : Math.min(...values);
}

export async function runWallBench(): Promise<BenchResult> {
  const notes: string[] = [];
  const details: Record<string, unknown> = {};
  const repo = process.cwd();
  const dir = mkdtempSync(join(tmpdir(), 'watchfloor-bench-wall-'));
  const child = await BenchChild.start<LocalDemoInfo>('kvsLocalChild.ts', {
    cameras: { count: SETTINGS.cameras },
  } satisfies KvsChildArgs);
  let browser: Browser | undefined;
  let server: RendererServer | undefined;
  const pageServer = await serveBenchPage();
  // The shell's page is trusted like the app's (its server origin), and the bench's own calls.
  const bench = startCore(
    dir,
    child.ready,
    (url) => server !== undefined && url.startsWith(`${server.origin}/`),
  );
  const core = bench.core;
  try {
    await bench.ok('profiles:select', { profileId: LOCAL_DEMO_ID });
    await bench.ok('catalog:sync', {});
    await core.syncs.settle();
    log('building the renderer…');
    server = await serveRenderer(buildRenderer(repo, join(dir, 'renderer')));
    const tone = join(dir, 'tone.wav');
    writeToneWav(tone);
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: chromiumArgs(tone) });
    const cdp = await browser.newBrowserCDPSession();

    const sizes: SizeResult[] = [];
    for (const n of SETTINGS.sizes) {
      log(`console with ${n} tile(s)…`);
      const r = await runConsole(browser, cdp, server, core, n, child.pid);
      sizes.push(r);
      log(
        `  ${r.live}/${n} live, fps min ${round(min(r.fps), 1)}, ttff p95 ${round(r.ttff.summary().p95, 0)} ms, ` +
          `g2g p95 ${round(r.g2g.summary().p95, 0)} ms, renderer ${round(r.cpuPct, 0)} % CPU, ${round(r.memMiB, 0)} MiB`,
      );
      if (r.live < n)
        notes.push(
          `${n} tiles: only ${r.live} showed a first frame within ${SETTINGS.liveTimeoutMs / 1000} s`,
        );
      await sleep(2_000);
    }

    const at = sizes.find((s) => s.n === SETTINGS.compareAt)!;
    const names = new Set(at.channels);
    const { channels } = await bench.ok('catalog:search', { query: 'camera', limit: 100 });
    const arns = channels.filter((c) => names.has(c.name)).map((c) => c.arn);
    log(`baseline: ${arns.length} channels, one page each, the SDK test page's way…`);
    const existing = new Set((await chromiumProcesses(cdp)).map((p) => p.pid));
    let baselineKv: { close(): void } | undefined;
    const baseline = await measureRun(
      cdp,
      async () => {
        const run = await openBaseline(browser!, pageServer.url, child.ready, arns);
        baselineKv = run;
        return run;
      },
      existing,
      child.pid,
    );
    baselineKv?.close();
    await sleep(2_000);
    log(`bare page: ${arns.length} streams, no UI…`);
    const existing2 = new Set((await chromiumProcesses(cdp)).map((p) => p.pid));
    const bare = await measureRun(
      cdp,
      () => openBare(browser!, pageServer.url, core, arns),
      existing2,
      child.pid,
    );

    const baseTtff = new Samples(20_000);
    for (const r of baseline.reports) if (r.ttffMs !== null) baseTtff.add(r.ttffMs);
    const consoleTtff = at.ttff.summary();
    const ratioTtff = consoleTtff.p50 / baseTtff.summary().p50;
    const ratioMem = at.memMiB / at.n / (baseline.memMiB / Math.max(1, arns.length));
    const ratioCpu = at.cpuPct / bare.cpuPct;

    const metrics: Metric[] = [];
    const json: Record<string, unknown> = {};
    for (const s of sizes) {
      const t = s.ttff.summary();
      const g = s.g2g.summary();
      const entry = {
        fps_min: round(min(s.fps), 1),
        ttff_p50_ms: round(t.p50, 0),
        ttff_p95_ms: round(t.p95, 0),
        g2g_p50_ms: round(g.p50, 0),
        g2g_p95_ms: round(g.p95, 0),
        renderer_cpu_pct: round(s.cpuPct, 1),
        renderer_mem_mib: round(s.memMiB, 0),
      };
      json[`tiles_${s.n}`] = entry;
      const strict = s.n === 16;
      metrics.push(
        {
          key: `tiles_${s.n}.fps_min`,
          label: `${s.n} tiles: slowest tile's decoded fps`,
          value: min(s.fps),
          unit: 'fps',
          ...(strict ? { target: { op: '>=', value: 14 } } : {}),
        },
        {
          key: `tiles_${s.n}.ttff_p95_ms`,
          label: `${s.n} tiles: time to first frame p95 (p50 ${entry.ttff_p50_ms})`,
          value: t.p95,
          unit: 'ms',
          digits: 0,
          ...(strict ? { target: { op: '<=', value: 600 } } : {}),
        },
        {
          key: `tiles_${s.n}.g2g_p95_ms`,
          label: `${s.n} tiles: glass-to-glass p95 (p50 ${entry.g2g_p50_ms})`,
          value: g.p95,
          unit: 'ms',
          digits: 0,
          ...(strict ? { target: { op: '<=', value: 150 } } : {}),
        },
        {
          key: `tiles_${s.n}.renderer_cpu_pct`,
          label: `${s.n} tiles: renderer CPU (% of one core)`,
          value: s.cpuPct,
          unit: '%',
        },
        {
          key: `tiles_${s.n}.renderer_mem_mib`,
          label: `${s.n} tiles: renderer memory (PSS)`,
          value: s.memMiB,
          unit: 'MiB',
          digits: 0,
        },
      );
    }
    json.baseline_ratio_ttff = round(ratioTtff, 2);
    json.baseline_ratio_mem_per_channel = round(ratioMem, 2);
    json.bare_ratio_cpu_16 = round(ratioCpu, 2);
    metrics.push(
      {
        key: 'baseline_ratio_ttff',
        label: `TTFF p50 at ${at.n}: console / one page per channel`,
        value: ratioTtff,
        unit: '×',
        digits: 2,
        target: { op: '<=', value: 0.5 },
      },
      {
        key: 'baseline_ratio_mem_per_channel',
        label: `memory per channel at ${at.n}: console / one page per channel`,
        value: ratioMem,
        unit: '×',
        digits: 2,
        target: { op: '<=', value: 1 / 3 },
      },
      {
        key: 'bare_ratio_cpu_16',
        label: `renderer CPU at ${at.n}: console / bare decoding page`,
        value: ratioCpu,
        unit: '×',
        digits: 2,
        target: { op: '<=', value: 1.2 },
      },
    );
    details.sizes = sizes.map((s) => ({
      n: s.n,
      live: s.live,
      waterfall_p50_ms: s.waterfall,
      machine: s.machine,
      memory: s.memory,
      fps: s.fps.map((f) => round(f, 1)),
      cpu_by_type: s.cpuByType,
    }));
    details.baseline = {
      ttff: baseTtff.summary(),
      fps_min: round(min(baseline.fps), 1),
      renderer_cpu_pct: round(baseline.cpuPct, 1),
      renderer_mem_mib: round(baseline.memMiB, 0),
      cpu_by_type: baseline.byType,
      machine: baseline.machine,
      memory: baseline.memory,
      errors: baseline.reports.filter((r) => r.error).map((r) => r.error),
    };
    details.bare = {
      fps_min: round(min(bare.fps), 1),
      renderer_cpu_pct: round(bare.cpuPct, 1),
      renderer_mem_mib: round(bare.memMiB, 0),
      cpu_by_type: bare.byType,
      machine: bare.machine,
      memory: bare.memory,
    };
    // What one more tile costs, without the console's fixed cost (the app, the spare renderer).
    const first = sizes[0]!;
    const marginal = (at.memMiB - first.memMiB) / Math.max(1, at.n - first.n);
    details.memory_per_channel_mib = {
      console_total_over_n: round(at.memMiB / at.n, 1),
      console_marginal: round(marginal, 1),
      baseline_per_page: round(baseline.memMiB / Math.max(1, arns.length), 1),
      bare_per_stream: round(bare.memMiB / Math.max(1, arns.length), 1),
    };
    const busy = at.machine.machine_busy_pct;
    notes.push(
      `${SETTINGS.cameras} simulated cameras (640×360 VP8 at 15 fps) encode in kvs-local on the same 2 cores as Chromium's decoders; ` +
        'kvs-local runs in its own process, the core in the bench process.',
      `At ${at.n} tiles the machine was ${busy ?? '?'} % busy of 200 % (kvs-local ${at.machine.kvs_local_pct ?? '?'} %): ` +
        `the bare page decoding the same streams reached ${round(min(bare.fps), 1)} fps at its slowest, the baseline ${round(min(baseline.fps), 1)}.`,
      `Memory per channel at ${at.n}: ${round(at.memMiB / at.n, 1)} MiB (total / n), ${round(marginal, 1)} MiB per added tile, ` +
        `against ${round(baseline.memMiB / Math.max(1, arns.length), 1)} MiB PSS per baseline page.`,
    );
    return { name: 'wall', metrics, settings: SETTINGS, details, notes, json };
  } finally {
    await browser?.close();
    await server?.close();
    await pageServer.close();
    await bench.close();
    await child.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
