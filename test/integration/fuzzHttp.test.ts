import { readFileSync } from 'node:fs';
import { Agent } from 'node:http';
import { describe, expect, it } from 'vitest';
import {
  FUZZ_HTTP,
  OPERATIONS,
  Rng,
  checkHttpReply,
  checkLogs,
  checkServerErrors,
  expectSurvivors,
  generateHttpCase,
  newHttpStats,
  randomId,
  runHttpFuzz,
  seconds,
  sendCase,
  sleep,
  useFuzzRun,
  type HttpCase,
} from '../helpers/fuzz';

/**
 * Bad HTTP input (issue: "10,000 fuzzed HTTP requests and signaling frames → no crash, every reply a
 * modelled error, other connections unaffected"; the frames are in fuzzSignaling.test.ts). Requests go to
 * both kvs-local instances of test/helpers/fuzz/instances.ts while their healthy pairs keep negotiating.
 *
 * Replay a run with FUZZ_SEED=<seed printed in the table>; FUZZ_HTTP changes the count.
 */

const stats = newHttpStats();
let elapsedMs = 0;

const run = useFuzzRun({
  part: 'HTTP',
  sections: () => [
    {
      heading: `HTTP requests: ${stats.sent} in ${seconds(elapsedMs)} s (status, x-amzn-errortype)`,
      rows: stats.byReply.sorted(),
    },
    { heading: 'HTTP requests by input', rows: stats.byInput.sorted() },
  ],
  inputs: () => ['fuzzed inputs (HTTP requests)', stats.sent],
});

describe('fuzzing kvs-local with bad HTTP requests', () => {
  it('keeps the router table and the fuzzer in step', () => {
    const source = readFileSync(new URL('../../kvs-local/src/http/router.ts', import.meta.url), 'utf8');
    const routes = [...source.matchAll(/'(root|r|w|m|v|b) (\/[^']*)': '(\w+)'/g)].map(
      (m) => `${m[1]} ${m[2]} ${m[3]}`,
    );
    const ours = OPERATIONS.map((o) => `${o.kind} ${o.path} ${o.name}`);
    expect(routes.length).toBeGreaterThan(15);
    expect([...ours].sort()).toEqual([...routes].sort());
  });

  it(`answers ${FUZZ_HTTP} fuzzed HTTP requests with modelled replies only`, async () => {
    const mark = run.problems.mark();
    const start = Date.now();
    await runHttpFuzz(run.instances, run.streams.http, FUZZ_HTTP, stats, run.problems);
    elapsedMs = Date.now() - start;
    checkServerErrors(run.instances, run.problems);
    checkLogs(run.instances, run.problems);
    expect(run.problems.since(mark)).toEqual([]);
  }, 120_000);

  it('leaves the healthy pairs and the SDK working', () => expectSurvivors(run), 60_000);

  it('would notice a 500 and a reply without an error type (self-check)', async () => {
    const inst = run.instance('default');
    await sleep(250);
    inst.kvs.faults.add({ operation: 'DescribeSignalingChannel', count: 1, error: 'InternalFailure' });
    const c = generateHttpCase(new Rng(1), -1, inst.name, inst.fixtures);
    Object.assign(c, {
      category: 'body',
      method: 'POST',
      path: '/describeSignalingChannel',
      knownRoute: true,
      operation: 'DescribeSignalingChannel',
      auth: 'valid',
      body: Buffer.from(JSON.stringify({ ChannelARN: inst.healthyArn })),
      sentBody: undefined,
      chunked: false,
      unsignedPayload: false,
      extraHeaders: {},
      contentType: 'application/json',
    } satisfies Partial<HttpCase>);
    const agent = new Agent({ keepAlive: false });
    const reply = await sendCase(agent, inst, c);
    agent.destroy();
    expect(reply.ok && reply.status).toBe(500);
    expect(checkHttpReply(c, reply, true).join('\n')).toMatch(/status 500/);
    expect(
      checkHttpReply(c, { ok: true, status: 400, headers: {}, body: Buffer.from('{}') }, true).join('\n'),
    ).toMatch(/without x-amzn-errortype/);
    expect(randomId(new Rng(run.seed), 4, 4)).toBe(randomId(new Rng(run.seed), 4, 4));
  });
});
