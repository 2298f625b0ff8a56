import { eventually } from '../kvsLocal';
import { sleep } from './async';
import { judgeFrame, type FrameVerdict } from './expectations';
import { socketsOf, type FuzzSocket, type Group, type SentFrame } from './fuzzSocket';
import type { Instance } from './instances';
import type { Rng } from './prng';
import { Tally, type Problems } from './report';
import { generateFrame, textFrame, type FrameCase } from './signalingCases';
import { b64json } from './values';

/** Sends fuzzed frames over an instance's groups, then checks what arrived against the oracle's verdicts. */

export interface FrameStats {
  kinds: Tally;
  outcomes: Tally;
  /** Fuzzed frames sent (without the end markers). */
  sent: number;
}

export function newFrameStats(): FrameStats {
  return { kinds: new Tally(), outcomes: new Tally(), sent: 0 };
}

type Relay = Extract<FrameVerdict, { kind: 'relay' }>;

function corrOf(v: FrameVerdict): string | undefined {
  return v.kind === 'ignored' ? undefined : v.corr;
}

/** Sends `count` fuzz frames over an instance's groups, paced so the default limits let some through. */
export async function fuzzFrames(
  inst: Instance,
  rng: Rng,
  count: number,
  seq: { n: number },
  stats: FrameStats,
): Promise<void> {
  const sockets = inst.groups.flatMap(socketsOf);
  const batch = 20;
  for (let i = 0; i < count; i++) {
    const sock = rng.pick(sockets);
    let frame = generateFrame(rng, sock.sender, seq.n++);
    let verdict = judgeFrame(frame, sock.sender);
    const corr = corrOf(verdict);
    // Unique correlationIds per socket, so each STATUS_RESPONSE names exactly one frame.
    if (corr !== undefined && sock.corrs.has(corr)) {
      frame = generateFrame(rng, sock.sender, seq.n++, 'binary');
      verdict = judgeFrame(frame, sock.sender);
    }
    stats.kinds.add(frame.kind);
    sock.send(frame, verdict);
    stats.sent++;
    if (i % batch === batch - 1) {
      if (inst.limited) await sleep(80);
      else await new Promise((r) => setImmediate(r));
    }
  }
}

/** Sends `frame` from `sock` with the oracle's verdict. */
function sendJudged(sock: FuzzSocket, frame: FrameCase): void {
  sock.send(frame, judgeFrame(frame, sock.sender));
}

/**
 * Markers make the end of the fuzz observable: an invalid, correlated frame from every socket (its
 * STATUS_RESPONSE means the socket's earlier frames were all handled), then one relayed frame each way
 * (its arrival means the earlier relays on that connection arrived too).
 */
export async function drain(inst: Instance, seq: { n: number }, problems: Problems): Promise<void> {
  const all = inst.groups.flatMap(socketsOf);
  for (const sock of all) {
    const end = { action: 'END_OF_FUZZ', messagePayload: 'QQ==', correlationId: `end-${seq.n++}` };
    sendJudged(sock, textFrame('valid', JSON.stringify(end)));
  }
  await eventually(
    () => all.every((s) => s.statuses.has(corrOf(s.sent[s.sent.length - 1]!.verdict)!)),
    15_000,
  ).catch(() => problems.add(`${inst.name}: end markers not all answered`));
  if (inst.limited) await sleep(1100); // Refill the per-connection buckets.
  const expected: Array<[FuzzSocket, string]> = [];
  for (const g of inst.groups) {
    for (const v of g.viewers) {
      const payload = b64json({ mark: v.sender.clientId });
      sendJudged(v, textFrame('valid', JSON.stringify({ action: 'SDP_OFFER', messagePayload: payload })));
      expected.push([g.master, `${v.sender.clientId}|SDP_OFFER|${payload}`]);
      const down = { action: 'SDP_ANSWER', messagePayload: payload, recipientClientId: v.sender.clientId };
      sendJudged(g.master, textFrame('valid', JSON.stringify(down)));
      expected.push([v, `|SDP_ANSWER|${payload}`]);
    }
  }
  await eventually(() => expected.every(([s, key]) => (s.relays.get(key) ?? 0) > 0), 15_000).catch(() =>
    problems.add(`${inst.name}: relay markers not all delivered`),
  );
}

/** Compares what each socket received with the oracle's verdicts and tallies the outcomes. */
export function evaluate(inst: Instance, group: Group, outcomes: Tally, problems: Problems): void {
  const problem = problems.add;
  const sockets = socketsOf(group);
  const usedStatus = new Map<FuzzSocket, Set<string>>(sockets.map((s) => [s, new Set()]));
  const uncorrelatedRelays: Array<[FuzzSocket, Relay]> = [];
  const relayTarget = (to: string | null): FuzzSocket | undefined =>
    to === null ? group.master : group.viewers.find((v) => v.sender.clientId === to);
  /** Consumes the relay of `v` from its recipient; false when it did not arrive. */
  const relayed = (from: FuzzSocket, v: Relay, target: FuzzSocket): boolean =>
    target.takeRelay(`${v.to === null ? (from.sender.clientId ?? '') : ''}|${v.action}|${v.payload}`);
  const where = (sock: FuzzSocket, sent: SentFrame): string => {
    const data = sent.frame.data;
    return `${sock.label} ${sent.frame.kind} ${typeof data === 'string' ? data.slice(0, 100) : `<${data.length} bytes>`}`;
  };
  for (const sock of sockets) {
    for (const sent of sock.sent) {
      const v = sent.verdict;
      if (v.kind === 'ignored') {
        outcomes.add('ignored (no reply, not relayed)');
        continue;
      }
      const status = v.corr !== undefined ? sock.statuses.get(v.corr) : undefined;
      if (status !== undefined) usedStatus.get(sock)!.add(v.corr!);
      if (v.kind === 'rejected') {
        if (v.corr === undefined) {
          outcomes.add('rejected silently (no correlationId)');
        } else if (status === undefined) {
          problem(`${where(sock, sent)}: no STATUS_RESPONSE for a rejected, correlated frame`);
        } else {
          const allowed = ['InvalidArgumentException'];
          if (inst.limited && v.afterRateCheck) allowed.push('ClientLimitExceededException');
          if (!allowed.includes(status))
            problem(`${where(sock, sent)}: STATUS_RESPONSE ${status}, expected ${allowed.join('|')}`);
          outcomes.add(`STATUS_RESPONSE ${status}`);
        }
        continue;
      }
      if (status !== undefined) {
        // ClientLimitExceeded: the sender's TPS (default limits), or a full mailbox for an absent recipient.
        const throttleAllowed = inst.limited || relayTarget(v.to) === undefined;
        if (!throttleAllowed || status !== 'ClientLimitExceededException')
          problem(`${where(sock, sent)}: STATUS_RESPONSE ${status} for a valid frame`);
        outcomes.add(`STATUS_RESPONSE ${status}`);
        continue;
      }
      if (v.corr === undefined && inst.limited) {
        uncorrelatedRelays.push([sock, v]);
        continue;
      }
      const target = relayTarget(v.to);
      if (!target) outcomes.add('queued (recipient not connected)');
      else if (relayed(sock, v, target)) outcomes.add('relayed');
      else problem(`${where(sock, sent)}: valid frame was not relayed`);
    }
  }
  // Uncorrelated valid frames under default limits may have been throttled silently.
  for (const [sock, v] of uncorrelatedRelays) {
    const target = relayTarget(v.to);
    if (!target) outcomes.add('queued (recipient not connected)');
    else if (relayed(sock, v, target)) outcomes.add('relayed');
    else outcomes.add('throttled silently (no correlationId)');
  }
  for (const sock of sockets) {
    for (const [key, n] of sock.relays)
      problem(`${sock.label}: ${n} unexpected relay(s) ${key.slice(0, 120)}`);
    for (const corr of sock.statuses.keys())
      if (!usedStatus.get(sock)!.has(corr))
        problem(`${sock.label}: STATUS_RESPONSE ${corr} matches no frame`);
  }
}
