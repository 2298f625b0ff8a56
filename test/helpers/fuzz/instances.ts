import {
  CreateSignalingChannelCommand,
  CreateStreamCommand,
  DescribeSignalingChannelCommand,
  GetSignalingChannelEndpointCommand,
  type ChannelProtocol,
  type KinesisVideoClient,
} from '@aws-sdk/client-kinesis-video';
import type { WebSocket } from 'ws';
import type { KvsLocalLimits } from '../../../kvs-local/src/config';
import { endpointId } from '../../../kvs-local/src/endpoints';
import type { KvsLocal } from '../../../kvs-local/src/server';
import { controlClient, credsOf, startTestKvs, type ClientCreds } from '../kvsLocal';
import { parseServerFrame } from './expectations';
import type { Group } from './fuzzSocket';
import { connectUrl, openSocket, watchSocket } from './handshake';
import { HealthyPair } from './healthyPair';
import type { HttpFixtures } from './operations';
import type { Problems } from './report';
import { b64json } from './values';

/**
 * The kvs-local instances a fuzz file runs against. Two run side by side:
 *  - "open": temporary credentials, control-plane quotas and per-connection signaling TPS off, so inputs
 *    reach the deepest validation and the signaling oracle can be exact;
 *  - "default": the service's own limits, so throttling (HTTP ClientLimitExceeded, STATUS_RESPONSE
 *    ClientLimitExceeded, connect TPS) is part of what is fuzzed.
 * A healthy master/viewer pair on each keeps exchanging offers and answers throughout.
 */

export type InstanceName = 'open' | 'default';

export interface Instance {
  name: InstanceName;
  kvs: KvsLocal;
  kv: KinesisVideoClient;
  creds: ClientCreds;
  port: number;
  host: string;
  /** Control-plane quotas on. */
  throttled: boolean;
  /** Per-connection signaling TPS on. */
  limited: boolean;
  fixtures: HttpFixtures;
  healthy: HealthyPair;
  /** Fuzzed signaling channels (opened by the signaling fuzz). */
  groups: Group[];
  logs: string[];
  healthyArn: string;
  /** The master that answers SendAlexaOfferToMaster offers. */
  alexa: WebSocket;
  /** How many log lines checkLogs has looked at. */
  logsChecked: number;
}

export async function createChannel(
  kv: KinesisVideoClient,
  name: string,
  ttlSeconds?: number,
): Promise<string> {
  const out = await kv.send(
    new CreateSignalingChannelCommand({
      ChannelName: name,
      ...(ttlSeconds === undefined ? {} : { SingleMasterConfiguration: { MessageTtlSeconds: ttlSeconds } }),
    }),
  );
  return out.ChannelARN!;
}

async function createStream(kv: KinesisVideoClient, name: string): Promise<string> {
  const out = await kv.send(new CreateStreamCommand({ StreamName: name, DataRetentionInHours: 0 }));
  return out.StreamARN!;
}

/** The channel's endpoint for `role` and `protocol` (WSS: the connect URL base). */
export async function channelEndpoint(
  kv: KinesisVideoClient,
  arn: string,
  role: 'MASTER' | 'VIEWER',
  protocol: ChannelProtocol = 'WSS',
): Promise<string> {
  const out = await kv.send(
    new GetSignalingChannelEndpointCommand({
      ChannelARN: arn,
      SingleMasterChannelEndpointConfiguration: { Protocols: [protocol], Role: role },
    }),
  );
  return out.ResourceEndpointList![0]!.ResourceEndpoint!;
}

/** Starts one instance with its fixtures, its healthy pair (not yet sending) and its Alexa master. */
export async function startInstance(name: InstanceName, problems: Problems): Promise<Instance> {
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
  const signer = { creds: credsOf(kvs), kvs };
  const healthyArn = await createChannel(kv, 'fuzz-healthy');
  const alexaChannelArn = await createChannel(kv, 'fuzz-alexa', 5);
  const alexa = answeringMaster(
    name,
    await openSocket(
      connectUrl(signer, await channelEndpoint(kv, alexaChannelArn, 'MASTER'), alexaChannelArn),
    ),
    problems,
  );
  const hm = await openSocket(
    connectUrl(signer, await channelEndpoint(kv, healthyArn, 'MASTER'), healthyArn),
  );
  const hv = await openSocket(
    connectUrl(signer, await channelEndpoint(kv, healthyArn, 'VIEWER'), healthyArn, 'healthy-viewer'),
  );
  const region = kvs.info.region;
  return {
    name,
    kvs,
    kv,
    creds: signer.creds,
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
      unknownChannelArn: `arn:aws:kinesisvideo:${region}:111122223333:channel/no-such-channel/1700000000000`,
      unknownStreamArn: `arn:aws:kinesisvideo:${region}:111122223333:stream/no-such-stream/1700000000000`,
      endpointHex: endpointId(channelArn),
      alexaChannelArn,
    },
    alexa,
    logsChecked: 0,
    // Under the default 5 SDP/s per connection: one offer (viewer) and one answer (master) every 300 ms.
    healthy: new HealthyPair(name, hm, hv, name === 'open' ? 40 : 300, problems),
    groups: [],
    logs,
    healthyArn,
  };
}

/** A master that answers every SDP_OFFER at once (the other end of SendAlexaOfferToMaster calls). */
function answeringMaster(name: string, ws: WebSocket, problems: Problems): WebSocket {
  const label = `${name} alexa master`;
  ws.on('message', (data: Buffer, isBinary) => {
    const f = parseServerFrame(data, isBinary);
    if (typeof f === 'string') return problems.add(`${label}: ${f}`);
    if (f.messageType !== 'SDP_OFFER' || f.senderClientId === undefined)
      return problems.add(`${label}: unexpected ${data.toString('utf8').slice(0, 120)}`);
    ws.send(
      JSON.stringify({
        action: 'SDP_ANSWER',
        recipientClientId: f.senderClientId,
        messagePayload: b64json({ type: 'answer', sdp: `v=0\r\ns=${f.senderClientId}\r\n` }),
      }),
    );
  });
  watchSocket(ws, label, problems.add);
  return ws;
}

/** Log lines of kvs-local that only an unexpected exception writes (each line is checked once). */
export function checkLogs(instances: readonly Instance[], problems: Problems): void {
  for (const inst of instances) {
    for (const line of inst.logs.slice(inst.logsChecked))
      if (/unexpectedly|storage router failed/.test(line)) problems.add(`${inst.name} log: ${line}`);
    inst.logsChecked = inst.logs.length;
  }
}

/** 5xx replies kvs-local counted itself (a crash the client may not have seen). */
export function checkServerErrors(instances: readonly Instance[], problems: Problems): void {
  for (const inst of instances) {
    for (const [key, n] of inst.kvs.replyCounts)
      if (/ 5\d\d$/.test(key)) problems.add(`${inst.name}: kvs-local counted ${n} × ${key}`);
  }
}
