import { DescribeSignalingChannelCommand } from '@aws-sdk/client-kinesis-video';
import { GetIceServerConfigCommand } from '@aws-sdk/client-kinesis-video-signaling';
import { afterAll, beforeAll, expect } from 'vitest';
import { WebSocket } from 'ws';
import { eventually, signalingClient } from '../kvsLocal';
import { sleep } from './async';
import { socketsOf } from './fuzzSocket';
import { channelEndpoint, checkLogs, startInstance, type Instance, type InstanceName } from './instances';
import { fuzzStreams, type FuzzStreams } from './prng';
import { Problems, formatTable, seconds, type TableSection } from './report';

/**
 * The setup every fuzz file shares: settings from the environment, the two kvs-local instances with their
 * healthy pairs, the problem list, the closing check that everything still works, and the printed table.
 *
 * Replay a run with FUZZ_SEED=<seed printed in the table>; FUZZ_HTTP / FUZZ_FRAMES change the counts.
 */

export const FUZZ_SEED = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) >>> 0 : 0x5eed2024;
export const FUZZ_HTTP = Number(process.env.FUZZ_HTTP ?? 6000);
export const FUZZ_FRAMES = Number(process.env.FUZZ_FRAMES ?? 4000);

export interface FuzzRun {
  readonly seed: number;
  readonly streams: FuzzStreams;
  readonly problems: Problems;
  /** `open` then `default`, once beforeAll has run. */
  readonly instances: Instance[];
  instance(name: InstanceName): Instance;
}

export interface FuzzReport {
  /** What the file fuzzes, for the table's title. */
  part: string;
  /** The file's own sections, printed before the healthy pairs and the totals. */
  sections(): TableSection[];
  /** Label and count of the fuzzed inputs the file sent. */
  inputs(): [string, number];
}

/** Registers the hooks that start both instances (healthy pairs sending) and print the table at the end. */
export function useFuzzRun(report: FuzzReport): FuzzRun {
  const t0 = Date.now();
  const instances: Instance[] = [];
  const run: FuzzRun = {
    seed: FUZZ_SEED,
    streams: fuzzStreams(FUZZ_SEED),
    problems: new Problems(),
    instances,
    instance(name) {
      const inst = instances.find((i) => i.name === name);
      if (!inst) throw new Error(`no ${name} instance (beforeAll failed?)`);
      return inst;
    },
  };

  beforeAll(async () => {
    instances.push(await startInstance('open', run.problems), await startInstance('default', run.problems));
    for (const inst of instances) inst.healthy.start();
  }, 60_000);

  afterAll(async () => {
    const { problems } = run;
    problems.finish();
    const table = formatTable(
      `kvs-local fuzz (${report.part}) — seed ${FUZZ_SEED} (0x${FUZZ_SEED.toString(16)}); replay with FUZZ_SEED=${FUZZ_SEED}`,
      [
        ...report.sections(),
        {
          heading: 'Healthy pairs (offers sent / answered)',
          rows: instances.map((i): [string, string] => [
            i.name,
            `${i.healthy.offersSent}/${i.healthy.answersAtViewer}`,
          ]),
        },
        {
          heading: 'Totals',
          rows: [
            report.inputs(),
            ['problems', problems.list.length],
            ['elapsed s', seconds(Date.now() - t0)],
          ],
        },
      ],
    );
    console.log(table);
    if (problems.list.length > 0) console.log(`first problems:\n${problems.list.slice(0, 30).join('\n')}`);
    for (const inst of instances) {
      inst.healthy.halt();
      inst.kv.destroy();
      await inst.kvs.close();
    }
  });

  return run;
}

/** The healthy pairs, the Alexa masters and the fuzz sockets are still up, and the SDK still works. */
export async function expectSurvivors(run: FuzzRun): Promise<void> {
  const mark = run.problems.mark();
  for (const inst of run.instances) {
    // A fast HTTP-only run can end before the default pair (one offer per 300 ms) has made ten rounds.
    await eventually(() => inst.healthy.offersSent > 10, 10_000).catch(() => {});
    await inst.healthy.stop();
    expect(inst.healthy.offersSent).toBeGreaterThan(10);
    expect(inst.healthy.answersAtViewer).toBe(inst.healthy.offersSent);
    expect(inst.healthy.open).toBe(true);
    expect(inst.alexa.readyState).toBe(WebSocket.OPEN);
    for (const g of inst.groups)
      for (const s of socketsOf(g)) expect(s.ws.readyState, s.label).toBe(WebSocket.OPEN);
  }
  await sleep(1100); // Let the default instance's control-plane quotas refill.
  for (const inst of run.instances) {
    const info = await inst.kv.send(new DescribeSignalingChannelCommand({ ChannelARN: inst.healthyArn }));
    expect(info.ChannelInfo?.ChannelStatus).toBe('ACTIVE');
    const https = await channelEndpoint(inst.kv, inst.healthyArn, 'VIEWER', 'HTTPS');
    const sc = signalingClient(inst.kvs, https);
    const ice = await sc.send(new GetIceServerConfigCommand({ ChannelARN: inst.healthyArn }));
    sc.destroy();
    expect(ice.IceServerList?.length).toBeGreaterThan(0);
  }
  checkLogs(run.instances, run.problems);
  expect(run.problems.since(mark)).toEqual([]);
}
