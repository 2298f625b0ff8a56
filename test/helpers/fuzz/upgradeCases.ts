import { pool } from './async';
import { checkRefusal } from './expectations';
import { connectUrl, presignedUrl, tryUpgrade, type UpgradeResult } from './handshake';
import { channelEndpoint, createChannel, type Instance } from './instances';
import type { Rng } from './prng';
import type { Problems, Tally } from './report';
import { randomText } from './values';

/** Bad WebSocket upgrades (§4.1–§4.2): each must be refused with the modelled error, and none accepted. */

export interface UpgradeCase {
  label: string;
  url: string;
  expect: { status: number; type: string };
}

const UPGRADE_KINDS = [
  'bad signature',
  'tampered ClientId',
  'missing signature',
  'expired',
  'future',
  'unknown key',
  'bad ClientId',
  'master with ClientId',
  'bad ChannelARN',
  'unknown channel',
  'junk query',
  'wrong path',
  'bad X-Amz-Expires',
];

function tamper(url: string, name: string, value: string | null): string {
  const u = new URL(url);
  const params = [...u.searchParams.entries()].filter(([k]) => k !== name);
  if (value !== null) params.push([name, value]);
  u.search = params.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&');
  return u.toString();
}

/** Lone surrogates cannot be percent-encoded; everything else goes through as drawn. */
function noSurrogates(t: string): string {
  return t.replace(/[\ud800-\udfff]/g, '?');
}

/** Draws `count` bad upgrades against the first group's channel of `inst`. */
export async function upgradeCases(inst: Instance, r: Rng, count: number): Promise<UpgradeCase[]> {
  const g = inst.groups[0]!;
  const mEndpoint = await channelEndpoint(inst.kv, g.arn, 'MASTER');
  const vEndpoint = await channelEndpoint(inst.kv, g.arn, 'VIEWER');
  const out: UpgradeCase[] = [];
  for (let i = 0; i < count; i++) {
    const viewerUrl = connectUrl(inst, vEndpoint, g.arn, `probe-${i}`);
    const label = r.pick(UPGRADE_KINDS);
    const refused = (url: string, status: number, type: string): void => {
      out.push({ label, url, expect: { status, type } });
    };
    switch (label) {
      case 'bad signature': {
        const sig = new URL(viewerUrl).searchParams.get('X-Amz-Signature')!;
        const url = tamper(viewerUrl, 'X-Amz-Signature', sig.replace(/^./, sig[0] === 'a' ? 'b' : 'a'));
        refused(url, 403, 'InvalidSignatureException');
        break;
      }
      case 'tampered ClientId':
        refused(tamper(viewerUrl, 'X-Amz-ClientId', 'someone-else'), 403, 'InvalidSignatureException');
        break;
      case 'missing signature':
        refused(tamper(viewerUrl, 'X-Amz-Signature', null), 403, 'MissingAuthenticationTokenException');
        break;
      case 'expired': {
        const url = connectUrl(inst, vEndpoint, g.arn, 'late', Date.now() - r.range(6, 120) * 60_000);
        refused(url, 403, 'InvalidSignatureException');
        break;
      }
      case 'future': {
        const url = connectUrl(inst, vEndpoint, g.arn, 'early', Date.now() + r.range(6, 120) * 60_000);
        refused(url, 403, 'InvalidSignatureException');
        break;
      }
      case 'unknown key': {
        const creds = { ...inst.creds, accessKeyId: 'LOCALKVSNOSUCHKEY000' };
        const url = presignedUrl(
          inst,
          vEndpoint,
          { 'X-Amz-ChannelARN': g.arn, 'X-Amz-ClientId': 'x' },
          { creds },
        );
        refused(url, 403, 'UnrecognizedClientException');
        break;
      }
      case 'bad ClientId': {
        const id = r.pick([
          'AWS_viewer',
          'aws_x',
          'bad id',
          'x'.repeat(257),
          '',
          'ü',
          'a/b',
          noSurrogates(randomText(r, 4)),
        ]);
        const url = connectUrl(inst, vEndpoint, g.arn, id);
        // randomText may happen to produce a valid id.
        const sent = new URL(url).searchParams.get('X-Amz-ClientId') ?? '';
        if (/^[a-zA-Z0-9_.-]{1,256}$/.test(sent) && !/^aws_/i.test(sent)) continue;
        refused(url, 400, 'InvalidArgumentException');
        break;
      }
      case 'master with ClientId':
        refused(connectUrl(inst, mEndpoint, g.arn, 'not-allowed'), 400, 'InvalidArgumentException');
        break;
      case 'bad ChannelARN': {
        const arn = r.pick([
          inst.fixtures.streamArn,
          'not-an-arn',
          '',
          `${g.arn}x`,
          'arn:aws:kinesisvideo:us-west-2:1:channel/ü/1',
        ]);
        const url = presignedUrl(inst, vEndpoint, { 'X-Amz-ChannelARN': arn, 'X-Amz-ClientId': 'x' });
        refused(url, 400, 'InvalidArgumentException');
        break;
      }
      case 'unknown channel':
        refused(
          connectUrl(inst, vEndpoint, inst.fixtures.unknownChannelArn, 'x'),
          404,
          'ResourceNotFoundException',
        );
        break;
      case 'junk query': {
        const enc = (t: string): string => encodeURIComponent(noSurrogates(t));
        const q = Array.from(
          { length: r.range(1, 5) },
          () => `${enc(randomText(r, 3))}=${r.chance(0.3) ? '%zz' : enc(randomText(r, 3))}`,
        ).join('&');
        refused(`${vEndpoint}?${q}`, 403, 'MissingAuthenticationTokenException');
        break;
      }
      case 'wrong path': {
        const base = new URL(vEndpoint);
        const path = r.pick([
          `${base.pathname}/extra`,
          '/q-12345678',
          '/',
          '/v-XYZXYZXY',
          `${base.pathname}x`,
          '/createSignalingChannel',
        ]);
        const url = presignedUrl(inst, `${base.protocol}//${base.host}${path}`, {
          'X-Amz-ChannelARN': g.arn,
          'X-Amz-ClientId': 'x',
        });
        refused(url, 404, 'UnknownOperationException');
        break;
      }
      default: {
        const expires = r.pick(['0', '999999999', 'abc', '-1', '1.5']);
        refused(tamper(viewerUrl, 'X-Amz-Expires', expires), 403, 'InvalidSignatureException');
      }
    }
  }
  return out;
}

/** Tallies a refused upgrade and records its problems under `label`. */
export function checkRefused(
  r: Extract<UpgradeResult, { kind: 'refused' }>,
  expected: { status: number; type: string },
  label: string,
  tally: Tally,
  problems: Problems,
): void {
  tally.add(`${r.status} ${r.errorType ?? '-'}`);
  for (const p of checkRefusal(r, expected)) problems.add(`${label}: ${p}`);
}

export async function runUpgrades(cases: UpgradeCase[], tally: Tally, problems: Problems): Promise<void> {
  await pool(cases, 4, async (c) => {
    const r = await tryUpgrade(c.url);
    if (r.kind === 'open') {
      r.ws.terminate();
      tally.add('101 open');
      problems.add(`upgrade "${c.label}" was accepted: ${c.url}`);
    } else if (r.kind === 'failed') {
      tally.add('no reply');
      problems.add(`upgrade "${c.label}" failed without a reply: ${r.error}`);
    } else {
      checkRefused(r, c.expect, `upgrade "${c.label}"`, tally, problems);
    }
  });
}

/** Six viewers at once on a channel with the default 3 connects/s: some refused with 400 ClientLimitExceeded. */
export async function connectFlood(inst: Instance, tally: Tally, problems: Problems): Promise<void> {
  const arn = await createChannel(inst.kv, 'fuzz-flood');
  const endpoint = await channelEndpoint(inst.kv, arn, 'VIEWER');
  const results = await Promise.all(
    Array.from({ length: 6 }, (_, i) => tryUpgrade(connectUrl(inst, endpoint, arn, `flood-${i}`))),
  );
  let opened = 0;
  let refused = 0;
  for (const r of results) {
    if (r.kind === 'open') {
      opened++;
      tally.add('101 open');
      r.ws.close();
    } else if (r.kind === 'refused') {
      refused++;
      checkRefused(
        r,
        { status: 400, type: 'ClientLimitExceededException' },
        'connect flood',
        tally,
        problems,
      );
    } else {
      problems.add(`connect flood: ${r.error}`);
    }
  }
  if (opened === 0 || refused === 0) problems.add(`connect flood: ${opened} opened, ${refused} refused`);
}
