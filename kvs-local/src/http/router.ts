import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { CredentialStore } from '../auth/credentials';
import { verifyHeaderAuth } from '../auth/sigv4';
import type { KvsLocalLimits } from '../config';
import type { OpContext, Operation } from '../control/context';
import { answerSts, isStsRequest } from '../control/sts';
import { splitEndpointPath, type BaseUrls, type EndpointKind } from '../endpoints';
import { KvsError, kvsErrors, toKvsError, writeKvsError } from '../errors';
import type { FaultInjector, RateLimiter } from '../faults';
import type { KvsStore } from '../state/store';

/** Which operation a (endpoint kind, path) pair names. Paths are the SDKs' own (kvs-reference.md §8.1). */
const ROUTES: Record<string, string> = {
  'root /createSignalingChannel': 'CreateSignalingChannel',
  'root /describeSignalingChannel': 'DescribeSignalingChannel',
  'root /listSignalingChannels': 'ListSignalingChannels',
  'root /deleteSignalingChannel': 'DeleteSignalingChannel',
  'root /updateSignalingChannel': 'UpdateSignalingChannel',
  'root /getSignalingChannelEndpoint': 'GetSignalingChannelEndpoint',
  'root /describeMediaStorageConfiguration': 'DescribeMediaStorageConfiguration',
  'root /updateMediaStorageConfiguration': 'UpdateMediaStorageConfiguration',
  'root /describeMappedResourceConfiguration': 'DescribeMappedResourceConfiguration',
  'root /TagResource': 'TagResource',
  'root /UntagResource': 'UntagResource',
  'root /ListTagsForResource': 'ListTagsForResource',
  'root /createStream': 'CreateStream',
  'root /describeStream': 'DescribeStream',
  'root /listStreams': 'ListStreams',
  'root /deleteStream': 'DeleteStream',
  'root /getDataEndpoint': 'GetDataEndpoint',
  'r /v1/get-ice-server-config': 'GetIceServerConfig',
  'r /v1/send-alexa-offer-to-master': 'SendAlexaOfferToMaster',
  'w /joinStorageSession': 'JoinStorageSession',
  'w /joinStorageSessionAsViewer': 'JoinStorageSessionAsViewer',
};

/** Account-wide and per-channel TPS quotas (kvs-reference.md §5); unlisted operations get 50/account. */
const QUOTAS: Record<string, { account: number; channel?: number }> = {
  CreateSignalingChannel: { account: 50 },
  DescribeSignalingChannel: { account: 300, channel: 5 },
  GetSignalingChannelEndpoint: { account: 300 },
  ListSignalingChannels: { account: 50 },
  DeleteSignalingChannel: { account: 50, channel: 5 },
  UpdateSignalingChannel: { account: 50, channel: 5 },
  DescribeMediaStorageConfiguration: { account: 50, channel: 5 },
  UpdateMediaStorageConfiguration: { account: 10, channel: 5 },
  TagResource: { account: 50, channel: 5 },
  UntagResource: { account: 50, channel: 5 },
  ListTagsForResource: { account: 50, channel: 5 },
  GetIceServerConfig: { account: 300, channel: 5 },
  JoinStorageSession: { account: 50, channel: 5 },
  JoinStorageSessionAsViewer: { account: 50, channel: 5 },
};

const MAX_BODY = 1024 * 1024;

export interface RouterDeps {
  store: KvsStore;
  credentials: CredentialStore;
  faults: FaultInjector;
  limiter: RateLimiter;
  limits: KvsLocalLimits;
  urls: BaseUrls;
  region: string;
  operations: Record<string, Operation>;
  now: () => number;
  log: (line: string) => void;
  /** Counts replies per status, for the fuzz report and the admin API. */
  onReply?: (operation: string, status: number) => void;
}

function routeOf(kind: EndpointKind | null, rest: string): string | undefined {
  return ROUTES[`${kind ?? 'root'} ${rest}`];
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY) {
        reject(kvsErrors.invalidArgument('The request body is larger than 1 MiB.'));
        req.resume();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function channelKey(body: Record<string, unknown>): string | undefined {
  const v = body.ChannelARN ?? body.channelArn ?? body.ResourceARN ?? body.ChannelName;
  return typeof v === 'string' ? v : undefined;
}

/**
 * The HTTP data path: route → body → SigV4 → JSON → faults → quotas → operation → reply. Authentication
 * comes before anything reads the body as JSON, so a wrong signature never reaches an operation.
 */
export function createRouter(deps: RouterDeps): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    const requestId = randomUUID();
    let operation = 'Unknown';
    const reply = (status: number, payload: unknown): void => {
      const text = payload === undefined ? '' : JSON.stringify(payload);
      res.writeHead(status, {
        'content-type': 'application/json',
        'x-amzn-requestid': requestId,
        'content-length': Buffer.byteLength(text),
      });
      res.end(text);
      deps.onReply?.(operation, status);
    };
    const fail = (err: unknown): void => {
      const e = toKvsError(err);
      if (!(err instanceof KvsError)) deps.log(`kvs-local: ${operation} failed unexpectedly: ${String(err)}`);
      if (!res.headersSent) writeKvsError(res, e, requestId);
      deps.onReply?.(operation, e.status);
    };
    const run = async (): Promise<void> => {
      const url = req.url ?? '/';
      const q = url.indexOf('?');
      const path = q < 0 ? url : url.slice(0, q);
      const { kind, id, rest } = splitEndpointPath(path);
      const body = await readBody(req);
      // STS speaks awsQuery (form in, XML out) on the root path: its own small pipeline (control/sts.ts).
      if (isStsRequest(req.method, kind === null && rest === '/', req.headers)) {
        const query = q < 0 ? '' : url.slice(q + 1);
        const { credentials, region, store } = deps;
        const out = answerSts(
          res,
          { method: 'POST', path, query, headers: req.headers, body },
          { credentials, region, accountId: store.accountId, now: deps.now() },
          requestId,
          deps.log,
        );
        operation = out.operation;
        deps.onReply?.(operation, out.status);
        return;
      }
      const name = req.method === 'POST' ? routeOf(kind, rest) : undefined;
      if (!name) throw kvsErrors.unknownOperation(`${req.method ?? '?'} ${path}`);
      operation = name;
      const caller = verifyHeaderAuth(
        { method: 'POST', path, query: q < 0 ? '' : url.slice(q + 1), headers: req.headers, body },
        { store: deps.credentials, region: deps.region, now: deps.now() },
      );
      let input: unknown = {};
      if (body.length > 0) {
        try {
          input = JSON.parse(body.toString('utf8'));
        } catch {
          throw kvsErrors.invalidArgument('The request body is not valid JSON.');
        }
      }
      if (typeof input !== 'object' || input === null || Array.isArray(input)) {
        throw kvsErrors.invalidArgument('The request body must be a JSON object.');
      }
      const fields = input as Record<string, unknown>;
      const fault = deps.faults.take(name);
      if (fault?.delayMs) await new Promise((r) => setTimeout(r, fault.delayMs));
      if (fault?.error) throw fault.error;
      const scale = deps.limits.controlTpsScale;
      const quota = QUOTAS[name] ?? { account: 50 };
      if (scale > 0) {
        const key = channelKey(fields);
        if (!deps.limiter.allow(`op:${name}`, quota.account * scale)) throw kvsErrors.clientLimit();
        if (quota.channel && key && !deps.limiter.allow(`op:${name}:${key}`, quota.channel * scale)) {
          throw kvsErrors.clientLimit();
        }
      }
      const op = deps.operations[name];
      if (!op) throw kvsErrors.unknownOperation(path);
      const ctx: OpContext = {
        store: deps.store,
        limits: deps.limits,
        urls: deps.urls,
        now: deps.now,
        caller,
        endpointId: id,
      };
      const result = await op(fields, ctx);
      // `null` means "200 with an empty body" (JoinStorageSession and friends, kvs-reference.md §3).
      reply(200, result === null ? undefined : (result ?? {}));
    };
    run().catch(fail);
  };
}
