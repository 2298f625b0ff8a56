import {
  CreateSignalingChannelCommand,
  CreateStreamCommand,
  DescribeSignalingChannelCommand,
  GetSignalingChannelEndpointCommand,
  type KinesisVideoClient,
} from '@aws-sdk/client-kinesis-video';
import { GetIceServerConfigCommand } from '@aws-sdk/client-kinesis-video-signaling';
import { readFileSync } from 'node:fs';
import { Agent, request as httpRequest } from 'node:http';
import { connect as netConnect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { presignConnectUrl } from '../../kvs-local/src/auth/sigv4';
import type { KvsLocalLimits } from '../../kvs-local/src/config';
import { endpointId } from '../../kvs-local/src/endpoints';
import type { KvsLocal } from '../../kvs-local/src/server';
import {
  OPERATIONS,
  Rng,
  Tally,
  b64json,
  checkHttpReply,
  checkRefusal,
  formatTable,
  generateFrame,
  generateHttpCase,
  judgeFrame,
  parseServerFrame,
  pool,
  randomId,
  randomText,
  sendHttp,
  signedHeaders,
  tryUpgrade,
  type FrameCase,
  type FrameVerdict,
  type HttpCase,
  type HttpFixtures,
  type Sender,
  type SigningCreds,
  type UpgradeResult,
} from '../helpers/fuzz';
import { controlClient, eventually, signalingClient, startTestKvs } from '../helpers/kvsLocal';

/**
 * Bad input (issue: "10,000 fuzzed HTTP requests and signaling frames → no crash, every reply a modelled
 * error, other connections unaffected"). Two kvs-local instances run side by side:
 *  - "open": temporary credentials, control-plane quotas and per-connection signaling TPS off, so inputs
 *    reach the deepest validation and the signaling oracle can be exact;
 *  - "default": the service's own limits, so throttling (HTTP ClientLimitExceeded, STATUS_RESPONSE
 *    ClientLimitExceeded, connect TPS) is part of what is fuzzed.
 * A healthy master/viewer pair on each keeps exchanging offers and answers throughout.
 *
 * Replay a run with FUZZ_SEED=<seed printed in the table>; FUZZ_HTTP / FUZZ_FRAMES change the counts.
 */

const SEED = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) >>> 0 : 0x5eed2024;
const HTTP_TOTAL = Number(process.env.FUZZ_HTTP ?? 6000);
const FRAMES_TOTAL = Number(process.env.FUZZ_FRAMES ?? 4000);
/** Share of HTTP requests sent to the default-limits instance (enough to meet its quotas). */
const HTTP_DEFAULT_SHARE = 1 / 3;
/** Share of frames sent to the default-limits instance (paced, so it takes a few seconds). */
const FRAME_DEFAULT_SHARE = 1 / 6;
const HTTP_CONCURRENCY = 16;

const rootRng = new Rng(SEED);
const httpRng = rootRng.fork();
/** One stream per concurrently running part, so timing never changes what is drawn. */
const frameRngs = { open: rootRng.fork(), default: rootRng.fork() };
const upgradeRng = rootRng.fork();
const abuseRng = rootRng.fork();

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

// ---- instances ---------------------------------------------------------------------------------------

interface Group {
  name: string;
  arn: string;
  master: FuzzSocket;
  viewers: FuzzSocket[];
}

interface Instance {
  name: 'open' | 'default';
  kvs: KvsLocal;
  kv: KinesisVideoClient;
  creds: SigningCreds;
  port: number;
  host: string;
  /** Control-plane quotas on. */
  throttled: boolean;
  /** Per-connection signaling TPS on. */
  limited: boolean;
  fixtures: HttpFixtures;
  healthy: HealthyPair;
  groups: Group[];
  logs: string[];
  healthyArn: string;
  /** The master that answers SendAlexaOfferToMaster offers. */
  alexa: WebSocket;
  /** How many log lines checkLogs has looked at. */
  logsChecked: number;
}

const problems: string[] = [];
let finished = false;
function problem(text: string): void {
  if (!finished && problems.length < 5000) problems.push(text);
}

const httpByReply = new Tally();
const httpByInput = new Tally();
const frameOutcomes = new Tally();
const frameKinds = new Tally();
const upgradeOutcomes = new Tally();
const abuseOutcomes = new Tally();
const elapsed: Record<string, number> = {};
let httpSent = 0;
let framesSent = 0;
const instances: Instance[] = [];

async function createChannel(kv: KinesisVideoClient, name: string): Promise<string> {
  const out = await kv.send(new CreateSignalingChannelCommand({ ChannelName: name }));
  return out.ChannelARN!;
}

async function createStream(kv: KinesisVideoClient, name: string): Promise<string> {
  const out = await kv.send(new CreateStreamCommand({ StreamName: name, DataRetentionInHours: 0 }));
  return out.StreamARN!;
}

async function wssEndpoint(kv: KinesisVideoClient, arn: string, role: 'MASTER' | 'VIEWER'): Promise<string> {
  const out = await kv.send(
    new GetSignalingChannelEndpointCommand({
      ChannelARN: arn,
      SingleMasterChannelEndpointConfiguration: { Protocols: ['WSS'], Role: role },
    }),
  );
  return out.ResourceEndpointList![0]!.ResourceEndpoint!;
}

function connectUrl(
  inst: Pick<Instance, 'creds' | 'kvs'>,
  endpoint: string,
  arn: string,
  clientId?: string,
  nowMs = Date.now(),
): string {
  const params: Record<string, string> = { 'X-Amz-ChannelARN': arn };
  if (clientId !== undefined) params['X-Amz-ClientId'] = clientId;
  return presignConnectUrl(endpoint, params, inst.creds, inst.kvs.info.region, nowMs);
}

async function open(url: string): Promise<WebSocket> {
  const r = await tryUpgrade(url);
  if (r.kind !== 'open') throw new Error(`upgrade failed: ${JSON.stringify(r)}`);
  return r.ws;
}

async function startInstance(name: 'open' | 'default'): Promise<Instance> {
  const logs: string[] = [];
  const limits: Partial<KvsLocalLimits> =
    name === 'open'
      ? { controlTpsScale: 0, sdpTpsPerConnection: 0, iceTpsPerConnection: 0, connectTpsPerChannel: 0 }
      : {};
  const kvs = await startTestKvs({
    limits,
    temporaryCredentials: name === 'open',
    log: (line) => {
      if (logs.length < 20_000) logs.push(line);
    },
  });
  const kv = controlClient(kvs);
  const url = new URL(kvs.info.endpoint);
  const channelArn = await createChannel(kv, 'fuzz-http');
  const version = (await kv.send(new DescribeSignalingChannelCommand({ ChannelARN: channelArn })))
    .ChannelInfo!.Version!;
  const victimChannelArns: string[] = [];
  for (let i = 0; i < 4; i++) victimChannelArns.push(await createChannel(kv, `fuzz-victim-${i}`));
  const victimStreamArns: string[] = [];
  for (let i = 0; i < 2; i++) victimStreamArns.push(await createStream(kv, `fuzz-victim-stream-${i}`));
  const streamArn = await createStream(kv, 'fuzz-stream');
  const { accessKeyId, secretAccessKey, sessionToken } = kvs.info;
  const creds = sessionToken
    ? { accessKeyId, secretAccessKey, sessionToken }
    : { accessKeyId, secretAccessKey };
  const healthyArn = await createChannel(kv, 'fuzz-healthy');
  const alexaChannelArn = (
    await kv.send(
      new CreateSignalingChannelCommand({
        ChannelName: 'fuzz-alexa',
        SingleMasterConfiguration: { MessageTtlSeconds: 5 },
      }),
    )
  ).ChannelARN!;
  const alexa = answeringMaster(
    name,
    await open(connectUrl({ creds, kvs }, await wssEndpoint(kv, alexaChannelArn, 'MASTER'), alexaChannelArn)),
  );
  const hm = await open(connectUrl({ creds, kvs }, await wssEndpoint(kv, healthyArn, 'MASTER'), healthyArn));
  const hv = await open(
    connectUrl({ creds, kvs }, await wssEndpoint(kv, healthyArn, 'VIEWER'), healthyArn, 'healthy-viewer'),
  );
  return {
    name,
    kvs,
    kv,
    creds,
    port: Number(url.port),
    host: url.host,
    throttled: name === 'default',
    limited: name === 'default',
    fixtures: {
      channelArn,
      channelName: 'fuzz-http',
      channelVersion: version,
      streamArn,
      streamName: 'fuzz-stream',
      victimChannelArns,
      victimStreamArns,
      unknownChannelArn: `arn:aws:kinesisvideo:${kvs.info.region}:111122223333:channel/no-such-channel/1700000000000`,
      unknownStreamArn: `arn:aws:kinesisvideo:${kvs.info.region}:111122223333:stream/no-such-stream/1700000000000`,
      endpointHex: endpointId(channelArn),
      alexaChannelArn,
    },
    alexa,
    logsChecked: 0,
    // Under the default 5 SDP/s per connection: one offer (viewer) and one answer (master) every 300 ms.
    healthy: new HealthyPair(name, hm, hv, name === 'open' ? 40 : 300),
    groups: [],
    logs,
    healthyArn,
  };
}

/** A master that answers every SDP_OFFER at once (the other end of SendAlexaOfferToMaster calls). */
function answeringMaster(name: string, ws: WebSocket): WebSocket {
  ws.on('message', (data: Buffer, isBinary) => {
    const f = parseServerFrame(data, isBinary);
    if (typeof f === 'string') return problem(`${name} alexa master: ${f}`);
    if (f.messageType !== 'SDP_OFFER' || f.senderClientId === undefined)
      return problem(`${name} alexa master: unexpected ${data.toString('utf8').slice(0, 120)}`);
    ws.send(
      JSON.stringify({
        action: 'SDP_ANSWER',
        recipientClientId: f.senderClientId,
        messagePayload: b64json({ type: 'answer', sdp: `v=0\r\ns=${f.senderClientId}\r\n` }),
      }),
    );
  });
  ws.on('close', (code) => problem(`${name} alexa master closed (${code})`));
  ws.on('error', (err) => problem(`${name} alexa master error: ${err.message}`));
  return ws;
}

// ---- the healthy pair --------------------------------------------------------------------------------

/** A master/viewer pair that keeps negotiating while everything else is fuzzed; every message must arrive. */
class HealthyPair {
  offersSent = 0;
  offersAtMaster = 0;
  answersAtViewer = 0;
  private running = false;
  private loop: Promise<void> = Promise.resolve();

  constructor(
    readonly name: string,
    readonly master: WebSocket,
    readonly viewer: WebSocket,
    private readonly intervalMs: number,
  ) {
    master.on('message', (data: Buffer, isBinary) => {
      const f = parseServerFrame(data, isBinary);
      if (typeof f === 'string') return problem(`${name} healthy master: ${f}`);
      const expected = b64json({ type: 'offer', sdp: `healthy ${this.offersAtMaster}` });
      if (
        f.messageType !== 'SDP_OFFER' ||
        f.senderClientId !== 'healthy-viewer' ||
        f.messagePayload !== expected
      )
        return problem(`${name} healthy master: unexpected ${data.toString('utf8').slice(0, 120)}`);
      const n = this.offersAtMaster++;
      master.send(
        JSON.stringify({
          action: 'SDP_ANSWER',
          recipientClientId: 'healthy-viewer',
          messagePayload: b64json({ type: 'answer', sdp: `healthy ${n}` }),
          correlationId: `answer-${n}`,
        }),
      );
    });
    viewer.on('message', (data: Buffer, isBinary) => {
      const f = parseServerFrame(data, isBinary);
      if (typeof f === 'string') return problem(`${name} healthy viewer: ${f}`);
      const expected = b64json({ type: 'answer', sdp: `healthy ${this.answersAtViewer}` });
      if (f.messageType !== 'SDP_ANSWER' || f.senderClientId !== undefined || f.messagePayload !== expected)
        return problem(`${name} healthy viewer: unexpected ${data.toString('utf8').slice(0, 120)}`);
      this.answersAtViewer++;
    });
    for (const ws of [master, viewer]) {
      ws.on('close', (code) => problem(`${name} healthy socket closed (${code})`));
      ws.on('error', (err) => problem(`${name} healthy socket error: ${err.message}`));
    }
  }

  start(): void {
    this.running = true;
    this.loop = (async () => {
      while (this.running) {
        const n = this.offersSent++;
        this.viewer.send(
          JSON.stringify({
            action: 'SDP_OFFER',
            messagePayload: b64json({ type: 'offer', sdp: `healthy ${n}` }),
            correlationId: `offer-${n}`,
          }),
        );
        await sleep(this.intervalMs);
      }
    })();
  }

  /** Stops sending (without waiting for answers). */
  halt(): void {
    this.running = false;
  }

  /** Stops sending and waits until every offer has been answered. */
  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
    await eventually(() => this.answersAtViewer === this.offersSent, 10_000).catch(() => {
      problem(`${this.name} healthy pair: ${this.offersSent} offers, ${this.answersAtViewer} answers`);
    });
  }

  get open(): boolean {
    return this.master.readyState === WebSocket.OPEN && this.viewer.readyState === WebSocket.OPEN;
  }
}

// ---- fuzzed signaling sockets ------------------------------------------------------------------------

interface SentFrame {
  frame: FrameCase;
  verdict: FrameVerdict;
}

/** One fuzzing connection: what it sent (with the oracle's verdicts) and what it received. */
class FuzzSocket {
  readonly sent: SentFrame[] = [];
  /** Valid correlationIds sent; a STATUS_RESPONSE may only name one of these. */
  readonly corrs = new Set<string>();
  readonly statuses = new Map<string, string>();
  /** Relayed frames received: multiset of `sender|action|payload`. */
  readonly relays = new Map<string, number>();
  closed: number | null = null;

  constructor(
    readonly label: string,
    readonly sender: Sender,
    readonly ws: WebSocket,
  ) {
    ws.on('message', (data: Buffer, isBinary) => this.receive(data, isBinary));
    ws.on('close', (code) => {
      this.closed = code;
      problem(`${label}: closed (${code}) during the fuzz`);
    });
    ws.on('error', (err) => problem(`${label}: socket error ${err.message}`));
  }

  private receive(data: Buffer, isBinary: boolean): void {
    const f = parseServerFrame(data, isBinary);
    if (typeof f === 'string') return problem(`${this.label}: ${f}`);
    if (f.statusResponse) {
      const corr = f.statusResponse.correlationId;
      if (!this.corrs.has(corr))
        return problem(
          `${this.label}: STATUS_RESPONSE for ${JSON.stringify(corr)}, not a valid correlationId it sent`,
        );
      if (this.statuses.has(corr)) return problem(`${this.label}: second STATUS_RESPONSE for ${corr}`);
      this.statuses.set(corr, f.statusResponse.errorType);
      return;
    }
    if (f.messagePayload === undefined) return problem(`${this.label}: unexpected ${f.messageType}`);
    if (this.sender.role === 'VIEWER' && f.senderClientId !== undefined)
      return problem(`${this.label}: relay from the master carries senderClientId ${f.senderClientId}`);
    if (this.sender.role === 'MASTER' && f.senderClientId === undefined)
      return problem(`${this.label}: relay from a viewer without senderClientId`);
    const key = `${f.senderClientId ?? ''}|${f.messageType}|${f.messagePayload}`;
    this.relays.set(key, (this.relays.get(key) ?? 0) + 1);
  }

  send(frame: FrameCase, verdict: FrameVerdict): void {
    if (verdict.kind !== 'ignored' && verdict.corr !== undefined) this.corrs.add(verdict.corr);
    this.sent.push({ frame, verdict });
    if (frame.ping) this.ws.ping(frame.data);
    else this.ws.send(frame.data, { binary: frame.binary });
  }

  takeRelay(key: string): boolean {
    const n = this.relays.get(key) ?? 0;
    if (n === 0) return false;
    if (n === 1) this.relays.delete(key);
    else this.relays.set(key, n - 1);
    return true;
  }
}

async function openGroup(inst: Instance, name: string, viewers: number): Promise<Group> {
  const arn = await createChannel(inst.kv, name);
  const mEndpoint = await wssEndpoint(inst.kv, arn, 'MASTER');
  const vEndpoint = await wssEndpoint(inst.kv, arn, 'VIEWER');
  const ids = Array.from({ length: viewers }, (_, i) => `${name}-viewer-${i}`);
  const max = inst.kvs.limits.maxMessageBytes;
  const master = new FuzzSocket(
    `${inst.name}/${name}/master`,
    { role: 'MASTER', clientId: null, viewerIds: ids, maxPayload: max },
    await open(connectUrl(inst, mEndpoint, arn)),
  );
  const vs: FuzzSocket[] = [];
  for (const id of ids) {
    vs.push(
      new FuzzSocket(
        `${inst.name}/${name}/${id}`,
        { role: 'VIEWER', clientId: id, viewerIds: ids, maxPayload: max },
        await open(connectUrl(inst, vEndpoint, arn, id)),
      ),
    );
  }
  return { name, arn, master, viewers: vs };
}

function corrOf(v: FrameVerdict): string | undefined {
  return v.kind === 'ignored' ? undefined : v.corr;
}

/** Log lines of kvs-local that only an unexpected exception writes (each line is checked once). */
function checkLogs(): void {
  for (const inst of instances) {
    for (const line of inst.logs.slice(inst.logsChecked))
      if (/unexpectedly|storage router failed/.test(line)) problem(`${inst.name} log: ${line}`);
    inst.logsChecked = inst.logs.length;
  }
}

/** The problems found since `mark` (the first 40, so a failure stays readable). */
function newProblems(mark: number): string[] {
  return problems.slice(mark, mark + 40);
}

/** Sends `count` fuzz frames over an instance's groups, paced so the default limits let some through. */
async function fuzzFrames(inst: Instance, count: number, seq: { n: number }): Promise<void> {
  const frameRng = frameRngs[inst.name];
  const sockets = inst.groups.flatMap((g) => [g.master, ...g.viewers]);
  const batch = 20;
  for (let i = 0; i < count; i++) {
    const sock = frameRng.pick(sockets);
    let frame = generateFrame(frameRng, sock.sender, seq.n++);
    let verdict = judgeFrame(frame, sock.sender);
    const corr = corrOf(verdict);
    // Unique correlationIds per socket, so each STATUS_RESPONSE names exactly one frame.
    if (corr !== undefined && sock.corrs.has(corr)) {
      frame = generateFrame(frameRng, sock.sender, seq.n++, 'binary');
      verdict = judgeFrame(frame, sock.sender);
    }
    frameKinds.add(frame.kind);
    sock.send(frame, verdict);
    framesSent++;
    if (i % batch === batch - 1) {
      if (inst.limited) await sleep(80);
      else await new Promise((r) => setImmediate(r));
    }
  }
}

/**
 * Markers make the end of the fuzz observable: an invalid, correlated frame from every socket (its
 * STATUS_RESPONSE means the socket's earlier frames were all handled), then one relayed frame each way
 * (its arrival means the earlier relays on that connection arrived too).
 */
async function drain(inst: Instance, seq: { n: number }): Promise<void> {
  for (const g of inst.groups) {
    for (const sock of [g.master, ...g.viewers]) {
      const data = JSON.stringify({
        action: 'END_OF_FUZZ',
        messagePayload: 'QQ==',
        correlationId: `end-${seq.n++}`,
      });
      const frame: FrameCase = { kind: 'valid', data, binary: false, ping: false };
      sock.send(frame, judgeFrame(frame, sock.sender));
    }
  }
  const all = inst.groups.flatMap((g) => [g.master, ...g.viewers]);
  await eventually(
    () => all.every((s) => s.statuses.has(corrOf(s.sent[s.sent.length - 1]!.verdict)!)),
    15_000,
  ).catch(() => problem(`${inst.name}: end markers not all answered`));
  if (inst.limited) await sleep(1100); // Refill the per-connection buckets.
  const expected: Array<[FuzzSocket, string]> = [];
  for (const g of inst.groups) {
    for (const v of g.viewers) {
      const payload = b64json({ mark: v.sender.clientId });
      const up: FrameCase = {
        kind: 'valid',
        data: JSON.stringify({ action: 'SDP_OFFER', messagePayload: payload }),
        binary: false,
        ping: false,
      };
      v.send(up, judgeFrame(up, v.sender));
      expected.push([g.master, `${v.sender.clientId}|SDP_OFFER|${payload}`]);
      const down: FrameCase = {
        kind: 'valid',
        data: JSON.stringify({
          action: 'SDP_ANSWER',
          messagePayload: payload,
          recipientClientId: v.sender.clientId,
        }),
        binary: false,
        ping: false,
      };
      g.master.send(down, judgeFrame(down, g.master.sender));
      expected.push([v, `|SDP_ANSWER|${payload}`]);
    }
  }
  await eventually(() => expected.every(([s, key]) => (s.relays.get(key) ?? 0) > 0), 15_000).catch(() =>
    problem(`${inst.name}: relay markers not all delivered`),
  );
}

/** Compares what each socket received with the oracle's verdicts and tallies the outcomes. */
function evaluate(inst: Instance, group: Group): void {
  const sockets = [group.master, ...group.viewers];
  const usedStatus = new Map<FuzzSocket, Set<string>>(sockets.map((s) => [s, new Set()]));
  const uncorrelatedRelays: Array<[FuzzSocket, SentFrame]> = [];
  const relayTarget = (to: string | null): FuzzSocket | undefined =>
    to === null ? group.master : group.viewers.find((v) => v.sender.clientId === to);
  const relayKey = (from: FuzzSocket, v: Extract<FrameVerdict, { kind: 'relay' }>): string =>
    `${v.to === null ? (from.sender.clientId ?? '') : ''}|${v.action}|${v.payload}`;
  for (const sock of sockets) {
    for (const sent of sock.sent) {
      const v = sent.verdict;
      const where = `${sock.label} ${sent.frame.kind} ${typeof sent.frame.data === 'string' ? sent.frame.data.slice(0, 100) : `<${sent.frame.data.length} bytes>`}`;
      if (v.kind === 'ignored') {
        frameOutcomes.add('ignored (no reply, not relayed)');
        continue;
      }
      const status = v.corr !== undefined ? sock.statuses.get(v.corr) : undefined;
      if (status !== undefined) usedStatus.get(sock)!.add(v.corr!);
      if (v.kind === 'rejected') {
        if (v.corr === undefined) {
          frameOutcomes.add('rejected silently (no correlationId)');
        } else if (status === undefined) {
          problem(`${where}: no STATUS_RESPONSE for a rejected, correlated frame`);
        } else {
          const allowed = ['InvalidArgumentException'];
          if (inst.limited && v.afterRateCheck) allowed.push('ClientLimitExceededException');
          if (!allowed.includes(status))
            problem(`${where}: STATUS_RESPONSE ${status}, expected ${allowed.join('|')}`);
          frameOutcomes.add(`STATUS_RESPONSE ${status}`);
        }
        continue;
      }
      if (status !== undefined) {
        // ClientLimitExceeded: the sender's TPS (default limits), or a full mailbox for an absent recipient.
        const throttleAllowed = inst.limited || relayTarget(v.to) === undefined;
        if (!throttleAllowed || status !== 'ClientLimitExceededException')
          problem(`${where}: STATUS_RESPONSE ${status} for a valid frame`);
        frameOutcomes.add(`STATUS_RESPONSE ${status}`);
        continue;
      }
      if (v.corr === undefined && inst.limited) {
        uncorrelatedRelays.push([sock, sent]);
        continue;
      }
      const target = relayTarget(v.to);
      if (!target) frameOutcomes.add('queued (recipient not connected)');
      else if (target.takeRelay(relayKey(sock, v))) frameOutcomes.add('relayed');
      else problem(`${where}: valid frame was not relayed`);
    }
  }
  // Uncorrelated valid frames under default limits may have been throttled silently.
  for (const [sock, sent] of uncorrelatedRelays) {
    const v = sent.verdict as Extract<FrameVerdict, { kind: 'relay' }>;
    const target = relayTarget(v.to);
    if (!target) frameOutcomes.add('queued (recipient not connected)');
    else if (target.takeRelay(relayKey(sock, v))) frameOutcomes.add('relayed');
    else frameOutcomes.add('throttled silently (no correlationId)');
  }
  for (const sock of sockets) {
    for (const [key, n] of sock.relays)
      problem(`${sock.label}: ${n} unexpected relay(s) ${key.slice(0, 120)}`);
    for (const corr of sock.statuses.keys())
      if (!usedStatus.get(sock)!.has(corr))
        problem(`${sock.label}: STATUS_RESPONSE ${corr} matches no frame`);
  }
}

// ---- upgrades and protocol abuse ---------------------------------------------------------------------

interface UpgradeCase {
  label: string;
  url: string;
  expect: { status: number; type: string } | 'open';
}

function tamper(url: string, name: string, value: string | null): string {
  const u = new URL(url);
  const params = [...u.searchParams.entries()].filter(([k]) => k !== name);
  if (value !== null) params.push([name, value]);
  u.search = params.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&');
  return u.toString();
}

async function upgradeCases(inst: Instance, count: number): Promise<UpgradeCase[]> {
  const g = inst.groups[0]!;
  const mEndpoint = await wssEndpoint(inst.kv, g.arn, 'MASTER');
  const vEndpoint = await wssEndpoint(inst.kv, g.arn, 'VIEWER');
  const region = inst.kvs.info.region;
  const bad = (status: number, type: string) => ({ status, type });
  const out: UpgradeCase[] = [];
  const r = upgradeRng;
  for (let i = 0; i < count; i++) {
    const viewerUrl = connectUrl(inst, vEndpoint, g.arn, `probe-${i}`);
    const kind = r.pick([
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
    ]);
    let c: UpgradeCase;
    switch (kind) {
      case 'bad signature': {
        const sig = new URL(viewerUrl).searchParams.get('X-Amz-Signature')!;
        c = {
          label: kind,
          url: tamper(viewerUrl, 'X-Amz-Signature', sig.replace(/^./, sig[0] === 'a' ? 'b' : 'a')),
          expect: bad(403, 'InvalidSignatureException'),
        };
        break;
      }
      case 'tampered ClientId':
        c = {
          label: kind,
          url: tamper(viewerUrl, 'X-Amz-ClientId', 'someone-else'),
          expect: bad(403, 'InvalidSignatureException'),
        };
        break;
      case 'missing signature':
        c = {
          label: kind,
          url: tamper(viewerUrl, 'X-Amz-Signature', null),
          expect: bad(403, 'MissingAuthenticationTokenException'),
        };
        break;
      case 'expired':
        c = {
          label: kind,
          url: connectUrl(inst, vEndpoint, g.arn, 'late', Date.now() - r.range(6, 120) * 60_000),
          expect: bad(403, 'InvalidSignatureException'),
        };
        break;
      case 'future':
        c = {
          label: kind,
          url: connectUrl(inst, vEndpoint, g.arn, 'early', Date.now() + r.range(6, 120) * 60_000),
          expect: bad(403, 'InvalidSignatureException'),
        };
        break;
      case 'unknown key':
        c = {
          label: kind,
          url: presignConnectUrl(
            vEndpoint,
            { 'X-Amz-ChannelARN': g.arn, 'X-Amz-ClientId': 'x' },
            { ...inst.creds, accessKeyId: 'LOCALKVSNOSUCHKEY000' },
            region,
            Date.now(),
          ),
          expect: bad(403, 'UnrecognizedClientException'),
        };
        break;
      case 'bad ClientId':
        c = {
          label: kind,
          url: connectUrl(
            inst,
            vEndpoint,
            g.arn,
            r.pick([
              'AWS_viewer',
              'aws_x',
              'bad id',
              'x'.repeat(257),
              '',
              'ü',
              'a/b',
              randomText(r, 4).replace(/[\ud800-\udfff]/g, '?'),
            ]),
          ),
          expect: bad(400, 'InvalidArgumentException'),
        };
        // randomText may happen to produce a valid id.
        if (
          /^[a-zA-Z0-9_.-]{1,256}$/.test(new URL(c.url).searchParams.get('X-Amz-ClientId') ?? '') &&
          !/^aws_/i.test(new URL(c.url).searchParams.get('X-Amz-ClientId') ?? '')
        )
          continue;
        break;
      case 'master with ClientId':
        c = {
          label: kind,
          url: connectUrl(inst, mEndpoint, g.arn, 'not-allowed'),
          expect: bad(400, 'InvalidArgumentException'),
        };
        break;
      case 'bad ChannelARN':
        c = {
          label: kind,
          url: presignConnectUrl(
            vEndpoint,
            {
              'X-Amz-ChannelARN': r.pick([
                inst.fixtures.streamArn,
                'not-an-arn',
                '',
                `${g.arn}x`,
                'arn:aws:kinesisvideo:us-west-2:1:channel/ü/1',
              ]),
              'X-Amz-ClientId': 'x',
            },
            inst.creds,
            region,
            Date.now(),
          ),
          expect: bad(400, 'InvalidArgumentException'),
        };
        break;
      case 'unknown channel':
        c = {
          label: kind,
          url: connectUrl(inst, vEndpoint, inst.fixtures.unknownChannelArn, 'x'),
          expect: bad(404, 'ResourceNotFoundException'),
        };
        break;
      case 'junk query': {
        // Lone surrogates cannot be percent-encoded; everything else goes through as drawn.
        const enc = (t: string): string => encodeURIComponent(t.replace(/[\ud800-\udfff]/g, '?'));
        const q = Array.from(
          { length: r.range(1, 5) },
          () => `${enc(randomText(r, 3))}=${r.chance(0.3) ? '%zz' : enc(randomText(r, 3))}`,
        ).join('&');
        c = {
          label: kind,
          url: `${vEndpoint}?${q}`,
          expect: bad(403, 'MissingAuthenticationTokenException'),
        };
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
        c = {
          label: kind,
          url: presignConnectUrl(
            `${base.protocol}//${base.host}${path}`,
            { 'X-Amz-ChannelARN': g.arn, 'X-Amz-ClientId': 'x' },
            inst.creds,
            region,
            Date.now(),
          ),
          expect: bad(404, 'UnknownOperationException'),
        };
        break;
      }
      default:
        c = {
          label: kind,
          url: tamper(viewerUrl, 'X-Amz-Expires', r.pick(['0', '999999999', 'abc', '-1', '1.5'])),
          expect: bad(403, 'InvalidSignatureException'),
        };
    }
    out.push(c);
  }
  return out;
}

async function runUpgrades(inst: Instance, cases: UpgradeCase[]): Promise<void> {
  await pool(cases, 4, async (c) => {
    const r = await tryUpgrade(c.url);
    if (r.kind === 'open') {
      r.ws.terminate();
      upgradeOutcomes.add('101 open');
      if (c.expect !== 'open') problem(`upgrade "${c.label}" was accepted: ${c.url}`);
      return;
    }
    if (r.kind === 'failed') {
      upgradeOutcomes.add('no reply');
      problem(`upgrade "${c.label}" failed without a reply: ${r.error}`);
      return;
    }
    upgradeOutcomes.add(`${r.status} ${r.errorType ?? '-'}`);
    for (const p of checkRefusal(r)) problem(`upgrade "${c.label}": ${p}`);
    if (c.expect === 'open' || r.status !== c.expect.status || r.errorType !== c.expect.type)
      problem(
        `upgrade "${c.label}": got ${r.status} ${r.errorType ?? ''}, expected ${JSON.stringify(c.expect)}`,
      );
  });
}

/** Six viewers at once on a channel with the default 3 connects/s: some refused with 400 ClientLimitExceeded. */
async function connectFlood(inst: Instance): Promise<void> {
  const arn = await createChannel(inst.kv, 'fuzz-flood');
  const endpoint = await wssEndpoint(inst.kv, arn, 'VIEWER');
  const results = await Promise.all(
    Array.from({ length: 6 }, (_, i) => tryUpgrade(connectUrl(inst, endpoint, arn, `flood-${i}`))),
  );
  let opened = 0;
  let refused = 0;
  for (const r of results) {
    if (r.kind === 'open') {
      opened++;
      upgradeOutcomes.add('101 open');
      r.ws.close();
    } else if (r.kind === 'refused') {
      refused++;
      upgradeOutcomes.add(`${r.status} ${r.errorType ?? '-'}`);
      for (const p of checkRefusal(r)) problem(`connect flood: ${p}`);
      if (r.status !== 400 || r.errorType !== 'ClientLimitExceededException')
        problem(`connect flood: ${r.status} ${r.errorType ?? ''}`);
    } else {
      problem(`connect flood: ${r.error}`);
    }
  }
  if (opened === 0 || refused === 0) problem(`connect flood: ${opened} opened, ${refused} refused`);
}

/** Protocol-level abuse on throwaway connections: each must end that connection only. */
async function protocolAbuse(inst: Instance): Promise<void> {
  const arn = await createChannel(inst.kv, 'fuzz-throwaway');
  const endpoint = await wssEndpoint(inst.kv, arn, 'VIEWER');
  const closeOf = (ws: WebSocket): Promise<number> =>
    new Promise((resolve) => {
      const t = setTimeout(() => resolve(-1), 5000);
      ws.on('error', () => {});
      ws.once('close', (code) => {
        clearTimeout(t);
        resolve(code);
      });
    });
  for (let i = 0; i < 3; i++) {
    // Invalid UTF-8 in a text frame: RFC 6455 §8.1 says fail the connection (1007).
    const a = await open(connectUrl(inst, endpoint, arn, `utf8-${i}`));
    const closedA = closeOf(a);
    a.send(Buffer.from([0x7b, 0xff, 0xfe, 0xfd, 0x7d]), { binary: false });
    const codeA = await closedA;
    abuseOutcomes.add(`invalid UTF-8 text frame → close ${codeA}`);
    if (codeA !== 1007) problem(`invalid UTF-8 text frame: close ${codeA}, expected 1007`);
    // A frame above the broker's maxPayload: 1009 "message too big".
    const b = await open(connectUrl(inst, endpoint, arn, `big-${i}`));
    const closedB = closeOf(b);
    b.send(JSON.stringify({ action: 'SDP_OFFER', messagePayload: 'A'.repeat(70_000 + i * 50_000) }));
    const codeB = await closedB;
    abuseOutcomes.add(`frame over 64 KiB → close ${codeB}`);
    if (codeB !== 1009) problem(`oversized frame: close ${codeB}, expected 1009`);
    // Abrupt disconnects mid-stream.
    const c = await open(connectUrl(inst, endpoint, arn, `abrupt-${i}`));
    c.send('{"action":"SDP_OFF');
    c.terminate();
    abuseOutcomes.add('abrupt disconnect');
  }
  // Junk bytes on a raw TCP connection: the server must close it, nothing else.
  const junks = [
    Buffer.from('NOT HTTP AT ALL\r\n\r\n'),
    // Raw non-ASCII bytes in the request target (an SDK percent-encodes them).
    Buffer.from(
      'POST /createSignalingChannel\xff HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n',
      'latin1',
    ),
    // A header section far beyond Node's 16 KiB limit.
    Buffer.from(`POST /describeSignalingChannel HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(40_000)}\r\n\r\n`),
    ...Array.from({ length: 4 }, () => abuseRng.bytes(abuseRng.range(1, 4000))),
  ];
  for (const junk of junks) {
    const outcome = await new Promise<string>((resolve) => {
      const s = netConnect(inst.port, '127.0.0.1');
      let got = '';
      const t = setTimeout(() => {
        s.destroy();
        resolve('still open after 3 s');
      }, 3000);
      s.on('data', (d: Buffer) => (got += d.toString('latin1')));
      s.on('error', () => {});
      s.on('close', () => {
        clearTimeout(t);
        resolve(got ? `closed after ${got.split('\r\n')[0]}` : 'closed without reply');
      });
      s.write(junk);
    });
    abuseOutcomes.add(`raw TCP junk → ${outcome}`);
    if (outcome.startsWith('still open')) problem(`raw TCP junk: ${outcome}`);
  }
  // Signed upgrades that are no valid WebSocket handshake: refused with a modelled 400 like any other.
  const broken: Array<[string, string, Record<string, string>]> = [
    ['GET without Sec-WebSocket-Key', 'GET', { 'sec-websocket-version': '13' }],
    [
      'POST handshake',
      'POST',
      { 'sec-websocket-version': '13', 'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==' },
    ],
    [
      'bad Sec-WebSocket-Version',
      'GET',
      { 'sec-websocket-version': '99', 'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==' },
    ],
    ['bad Sec-WebSocket-Key', 'GET', { 'sec-websocket-version': '13', 'sec-websocket-key': 'short' }],
  ];
  for (const [label, method, extra] of broken) {
    const url = new URL(connectUrl(inst, endpoint, arn, `broken-${abuseRng.int(1e9)}`));
    const r = await new Promise<UpgradeResult>((resolve) => {
      const req = httpRequest({
        host: '127.0.0.1',
        port: inst.port,
        method,
        path: url.pathname + url.search,
        headers: { connection: 'Upgrade', upgrade: 'websocket', ...extra },
      });
      req.setTimeout(3000, () => req.destroy(new Error('timeout')));
      req.on('response', (res) => {
        let body = '';
        res.on('data', (d: Buffer) => (body += d.toString('utf8')));
        res.on('end', () => {
          const t = res.headers['x-amzn-errortype'];
          resolve({
            kind: 'refused',
            status: res.statusCode ?? 0,
            errorType: Array.isArray(t) ? t[0] : t,
            body,
          });
        });
      });
      req.on('upgrade', (_res, socket) => {
        socket.destroy();
        resolve({ kind: 'failed', error: 'upgraded' });
      });
      req.on('error', (err) => resolve({ kind: 'failed', error: err.message }));
      req.end();
    });
    if (r.kind !== 'refused') {
      abuseOutcomes.add(`${label} → ${r.kind === 'failed' ? r.error : r.kind}`);
      problem(`${label}: ${JSON.stringify(r)}`);
      continue;
    }
    abuseOutcomes.add(`${label} → ${r.status} ${r.errorType ?? '-'}`);
    for (const p of checkRefusal(r)) problem(`${label}: ${p}`);
    if (r.status !== 400 || r.errorType !== 'InvalidArgumentException')
      problem(`${label}: ${r.status} ${r.errorType ?? ''}, expected 400 InvalidArgumentException`);
  }
}

// ---- the suite ---------------------------------------------------------------------------------------

const t0 = Date.now();

beforeAll(async () => {
  instances.push(await startInstance('open'), await startInstance('default'));
  for (const inst of instances) inst.healthy.start();
}, 60_000);

describe('fuzzing kvs-local with bad input', () => {
  it('keeps the router table and the fuzzer in step', () => {
    const source = readFileSync(new URL('../../kvs-local/src/http/router.ts', import.meta.url), 'utf8');
    const routes = [...source.matchAll(/'(root|r|w|m|v|b) (\/[^']*)': '(\w+)'/g)].map(
      (m) => `${m[1]} ${m[2]} ${m[3]}`,
    );
    const ours = OPERATIONS.map((o) => `${o.kind} ${o.path} ${o.name}`);
    expect(routes.length).toBeGreaterThan(15);
    expect([...ours].sort()).toEqual([...routes].sort());
  });

  it(`answers ${HTTP_TOTAL} fuzzed HTTP requests with modelled replies only`, async () => {
    const mark = problems.length;
    const start = Date.now();
    const agent = new Agent({ keepAlive: true, maxSockets: HTTP_CONCURRENCY });
    const defaultEvery = Math.round(1 / HTTP_DEFAULT_SHARE);
    const indices = Array.from({ length: HTTP_TOTAL }, (_, i) => i);
    await pool(indices, HTTP_CONCURRENCY, async (i) => {
      // Drawn synchronously in index order, so the seed fixes every input.
      const inst = instances[i % defaultEvery === defaultEvery - 1 ? 1 : 0]!;
      const c: HttpCase = generateHttpCase(httpRng, i, inst.name, inst.fixtures);
      const headers = await signedHeaders(c, inst.creds, inst.kvs.info.region, inst.host, Date.now());
      const t1 = Date.now();
      const reply = await sendHttp(agent, inst.port, c, headers);
      if (process.env.FUZZ_DEBUG && Date.now() - t1 > 300) {
        const outcome = reply.ok
          ? `${reply.status} ${reply.body.toString('utf8').slice(0, 200)}`
          : reply.error;
        console.log(
          `slow: #${c.index} ${inst.name} ${c.category}/${c.detail} ${c.path} ${Date.now() - t1} ms → ${outcome}`,
        );
      }
      httpSent++;
      httpByInput.add(c.category);
      httpByInput.add(`→ ${inst.name} instance`);
      httpByReply.add(
        reply.ok ? `${reply.status} ${String(reply.headers['x-amzn-errortype'] ?? '-')}` : 'no reply',
      );
      for (const p of checkHttpReply(c, reply, inst.throttled))
        problem(
          `http #${c.index} ${inst.name} ${c.category}/${c.detail} ${c.method} ${c.path.slice(0, 80)}: ${p}`,
        );
    });
    agent.destroy();
    elapsed.http = Date.now() - start;
    for (const inst of instances) {
      for (const [key, n] of inst.kvs.replyCounts)
        if (/ 5\d\d$/.test(key)) problem(`${inst.name}: kvs-local counted ${n} × ${key}`);
    }
    checkLogs();
    expect(newProblems(mark)).toEqual([]);
  }, 120_000);

  it(`handles ${FRAMES_TOTAL} fuzzed signaling frames and bad upgrades without disturbing anyone`, async () => {
    const mark = problems.length;
    await sleep(1100); // The HTTP fuzz used the default instance's control-plane quotas; let them refill.
    const start = Date.now();
    const opened = instances[0]!;
    const def = instances[1]!;
    opened.groups.push(await openGroup(opened, 'fuzz-sig-a', 3), await openGroup(opened, 'fuzz-sig-b', 2));
    def.groups.push(await openGroup(def, 'fuzz-sig-c', 2));
    const defaultCount = Math.round(FRAMES_TOTAL * FRAME_DEFAULT_SHARE);
    const openUpgrades = await upgradeCases(opened, 120);
    const defaultUpgrades = await upgradeCases(def, 40);
    const seqOpen = { n: 0 };
    const seqDefault = { n: 1_000_000 };
    await Promise.all([
      fuzzFrames(opened, FRAMES_TOTAL - defaultCount, seqOpen).then(() => drain(opened, seqOpen)),
      fuzzFrames(def, defaultCount, seqDefault).then(() => drain(def, seqDefault)),
      runUpgrades(opened, openUpgrades),
      runUpgrades(def, defaultUpgrades).then(() => connectFlood(def)),
      protocolAbuse(opened),
    ]);
    for (const inst of instances) for (const g of inst.groups) evaluate(inst, g);
    elapsed.signaling = Date.now() - start;
    checkLogs();
    expect(newProblems(mark)).toEqual([]);
  }, 120_000);

  it('leaves the healthy pairs, the fuzz sockets and the SDK working', async () => {
    const mark = problems.length;
    for (const inst of instances) {
      await inst.healthy.stop();
      expect(inst.healthy.offersSent).toBeGreaterThan(10);
      expect(inst.healthy.answersAtViewer).toBe(inst.healthy.offersSent);
      expect(inst.healthy.open).toBe(true);
      expect(inst.alexa.readyState).toBe(WebSocket.OPEN);
      for (const g of inst.groups)
        for (const s of [g.master, ...g.viewers]) expect(s.ws.readyState, s.label).toBe(WebSocket.OPEN);
    }
    await sleep(1100); // Let the default instance's control-plane quotas refill.
    for (const inst of instances) {
      const info = await inst.kv.send(new DescribeSignalingChannelCommand({ ChannelARN: inst.healthyArn }));
      expect(info.ChannelInfo?.ChannelStatus).toBe('ACTIVE');
      const endpoints = await inst.kv.send(
        new GetSignalingChannelEndpointCommand({
          ChannelARN: inst.healthyArn,
          SingleMasterChannelEndpointConfiguration: { Protocols: ['HTTPS'], Role: 'VIEWER' },
        }),
      );
      const https = endpoints.ResourceEndpointList![0]!.ResourceEndpoint!;
      const sc = signalingClient(inst.kvs, https);
      const ice = await sc.send(new GetIceServerConfigCommand({ ChannelARN: inst.healthyArn }));
      sc.destroy();
      expect(ice.IceServerList?.length).toBeGreaterThan(0);
    }
    checkLogs();
    expect(newProblems(mark)).toEqual([]);
  }, 60_000);

  it('would notice a 500, a reply without an error type and a bad server frame (self-check)', async () => {
    const inst = instances[1]!;
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
    const reply = await sendHttp(
      agent,
      inst.port,
      c,
      await signedHeaders(c, inst.creds, inst.kvs.info.region, inst.host, Date.now()),
    );
    agent.destroy();
    expect(reply.ok && reply.status).toBe(500);
    expect(checkHttpReply(c, reply, true).join('\n')).toMatch(/status 500/);
    expect(
      checkHttpReply(c, { ok: true, status: 400, headers: {}, body: Buffer.from('{}') }, true).join('\n'),
    ).toMatch(/without x-amzn-errortype/);
    expect(parseServerFrame(Buffer.from('{"messageType":"HELLO"}'), false)).toMatch(/unknown messageType/);
    const verdict = judgeFrame(
      {
        kind: 'valid',
        data: '{"action":"NOPE","messagePayload":"QQ==","correlationId":"x"}',
        binary: false,
        ping: false,
      },
      { role: 'VIEWER', clientId: 'v', viewerIds: [], maxPayload: 10240 },
    );
    expect(verdict).toEqual({ kind: 'rejected', corr: 'x', afterRateCheck: false });
    expect(randomId(new Rng(SEED), 4, 4)).toBe(randomId(new Rng(SEED), 4, 4));
  });
});

afterAll(async () => {
  finished = true;
  const rows = (t: Tally): Array<[string, number]> => t.sorted();
  const table = formatTable(
    `kvs-local fuzz — seed ${SEED} (0x${SEED.toString(16)}); replay with FUZZ_SEED=${SEED}`,
    [
      {
        heading: `HTTP requests: ${httpSent} in ${((elapsed.http ?? 0) / 1000).toFixed(1)} s (status, x-amzn-errortype)`,
        rows: rows(httpByReply),
      },
      { heading: 'HTTP requests by input', rows: rows(httpByInput) },
      {
        heading: `Signaling frames: ${framesSent} (+ markers) with upgrades and abuse in ${((elapsed.signaling ?? 0) / 1000).toFixed(1)} s, by outcome`,
        rows: rows(frameOutcomes),
      },
      { heading: 'Signaling frames by input', rows: rows(frameKinds) },
      { heading: `Upgrade attempts: ${upgradeOutcomes.total()}`, rows: rows(upgradeOutcomes) },
      { heading: 'Protocol abuse on throwaway connections', rows: rows(abuseOutcomes) },
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
          ['fuzzed inputs (HTTP + frames)', httpSent + framesSent],
          ['problems', problems.length],
          ['elapsed s', ((Date.now() - t0) / 1000).toFixed(1)],
        ],
      },
    ],
  );
  console.log(table);
  if (problems.length > 0) console.log(`first problems:\n${problems.slice(0, 30).join('\n')}`);
  for (const inst of instances) {
    inst.healthy.halt();
    inst.kv.destroy();
    await inst.kvs.close();
  }
});
