import { describe, expect, it } from 'vitest';
import {
  FUZZ_FRAMES,
  Tally,
  checkLogs,
  connectFlood,
  drain,
  evaluate,
  expectSurvivors,
  fuzzFrames,
  judgeFrame,
  newFrameStats,
  openGroup,
  parseServerFrame,
  protocolAbuse,
  runUpgrades,
  seconds,
  textFrame,
  upgradeCases,
  useFuzzRun,
} from '../helpers/fuzz';

/**
 * Bad signaling input (issue: "10,000 fuzzed HTTP requests and signaling frames → no crash, every reply a
 * modelled error, other connections unaffected"; the HTTP requests are in fuzzHttp.test.ts). Fuzzed frames
 * on channels of both kvs-local instances of test/helpers/fuzz/instances.ts, with bad upgrades, a connect
 * flood and protocol abuse at the same time, while the healthy pairs keep negotiating.
 *
 * Replay a run with FUZZ_SEED=<seed printed in the table>; FUZZ_FRAMES changes the count.
 */

/** Share of frames sent to the default-limits instance (paced, so it takes a few seconds). */
const FRAME_DEFAULT_SHARE = 1 / 6;

const frames = newFrameStats();
const upgradeOutcomes = new Tally();
const abuseOutcomes = new Tally();
let elapsedMs = 0;

const run = useFuzzRun({
  part: 'signaling',
  sections: () => [
    {
      heading: `Signaling frames: ${frames.sent} (+ markers) with upgrades and abuse in ${seconds(elapsedMs)} s, by outcome`,
      rows: frames.outcomes.sorted(),
    },
    { heading: 'Signaling frames by input', rows: frames.kinds.sorted() },
    { heading: `Upgrade attempts: ${upgradeOutcomes.total()}`, rows: upgradeOutcomes.sorted() },
    { heading: 'Protocol abuse on throwaway connections', rows: abuseOutcomes.sorted() },
  ],
  inputs: () => ['fuzzed inputs (signaling frames)', frames.sent],
});

describe('fuzzing kvs-local signaling with bad frames and upgrades', () => {
  it(`handles ${FUZZ_FRAMES} fuzzed signaling frames and bad upgrades without disturbing anyone`, async () => {
    const { problems, streams } = run;
    const mark = problems.mark();
    const start = Date.now();
    const opened = run.instance('open');
    const def = run.instance('default');
    opened.groups.push(
      await openGroup(opened, 'fuzz-sig-a', 3, problems),
      await openGroup(opened, 'fuzz-sig-b', 2, problems),
    );
    def.groups.push(await openGroup(def, 'fuzz-sig-c', 2, problems));
    const defaultCount = Math.round(FUZZ_FRAMES * FRAME_DEFAULT_SHARE);
    const openUpgrades = await upgradeCases(opened, streams.upgrades, 120);
    const defaultUpgrades = await upgradeCases(def, streams.upgrades, 40);
    const seqOpen = { n: 0 };
    const seqDefault = { n: 1_000_000 };
    await Promise.all([
      fuzzFrames(opened, streams.frames.open, FUZZ_FRAMES - defaultCount, seqOpen, frames).then(() =>
        drain(opened, seqOpen, problems),
      ),
      fuzzFrames(def, streams.frames.default, defaultCount, seqDefault, frames).then(() =>
        drain(def, seqDefault, problems),
      ),
      runUpgrades(openUpgrades, upgradeOutcomes, problems),
      runUpgrades(defaultUpgrades, upgradeOutcomes, problems).then(() =>
        connectFlood(def, upgradeOutcomes, problems),
      ),
      protocolAbuse(opened, streams.abuse, abuseOutcomes, problems),
    ]);
    for (const inst of run.instances)
      for (const g of inst.groups) evaluate(inst, g, frames.outcomes, problems);
    elapsedMs = Date.now() - start;
    checkLogs(run.instances, problems);
    expect(problems.since(mark)).toEqual([]);
  }, 120_000);

  it('leaves the healthy pairs, the fuzz sockets and the SDK working', () => expectSurvivors(run), 60_000);

  it('would notice a bad server frame and reject an unknown action (self-check)', () => {
    expect(parseServerFrame(Buffer.from('{"messageType":"HELLO"}'), false)).toMatch(/unknown messageType/);
    const verdict = judgeFrame(
      textFrame('valid', '{"action":"NOPE","messagePayload":"QQ==","correlationId":"x"}'),
      {
        role: 'VIEWER',
        clientId: 'v',
        viewerIds: [],
        maxPayload: 10240,
      },
    );
    expect(verdict).toEqual({ kind: 'rejected', corr: 'x', afterRateCheck: false });
  });
});
