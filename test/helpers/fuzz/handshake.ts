import type { IncomingMessage } from 'node:http';
import { WebSocket } from 'ws';
import { presignConnectUrl } from '../../../kvs-local/src/auth/sigv4';
import type { KvsLocal } from '../../../kvs-local/src/server';
import type { ClientCreds } from '../kvsLocal';
import { headerString } from './expectations';

/** Signaling connect URLs and WebSocket upgrade attempts whose refusals come back for inspection. */

export type UpgradeResult =
  | { kind: 'open'; ws: WebSocket }
  | { kind: 'refused'; status: number; errorType: string | undefined; body: string }
  | { kind: 'failed'; error: string };

/** Who presigns: an instance's credentials and region. */
export interface Presigner {
  creds: ClientCreds;
  kvs: KvsLocal;
}

/** A presigned connect URL for `endpoint` with `params` (by default the instance's own credentials, now). */
export function presignedUrl(
  p: Presigner,
  endpoint: string,
  params: Record<string, string>,
  { creds = p.creds, nowMs = Date.now() }: { creds?: ClientCreds; nowMs?: number } = {},
): string {
  return presignConnectUrl(endpoint, params, creds, p.kvs.info.region, nowMs);
}

/** The connect URL a master (no `clientId`) or viewer of `arn` would use. */
export function connectUrl(
  p: Presigner,
  endpoint: string,
  arn: string,
  clientId?: string,
  nowMs = Date.now(),
): string {
  const params: Record<string, string> = { 'X-Amz-ChannelARN': arn };
  if (clientId !== undefined) params['X-Amz-ClientId'] = clientId;
  return presignedUrl(p, endpoint, params, { nowMs });
}

/** Reads a refused upgrade's status, error type and body. */
export function readRefusal(res: IncomingMessage, done: (r: UpgradeResult) => void): void {
  let body = '';
  res.on('data', (c: Buffer) => (body += c.toString('utf8')));
  res.on('end', () =>
    done({
      kind: 'refused',
      status: res.statusCode ?? 0,
      errorType: headerString(res.headers['x-amzn-errortype']),
      body,
    }),
  );
  res.on('error', (err) => done({ kind: 'failed', error: err.message }));
}

/** Attempts a WebSocket upgrade; a refusal comes back with its status, error type and body. */
export function tryUpgrade(url: string, timeoutMs = 5000): Promise<UpgradeResult> {
  const ws = new WebSocket(url, { handshakeTimeout: timeoutMs });
  return new Promise((resolve) => {
    let settled = false;
    const done = (r: UpgradeResult): void => {
      if (!settled) {
        settled = true;
        resolve(r);
      }
    };
    ws.once('open', () => done({ kind: 'open', ws }));
    ws.once('unexpected-response', (req, res) =>
      readRefusal(res, (r) => {
        done(r);
        if (r.kind === 'refused') req.destroy();
      }),
    );
    ws.on('error', (err) => done({ kind: 'failed', error: err.message }));
  });
}

/** Opens a WebSocket that must be accepted. */
export async function openSocket(url: string): Promise<WebSocket> {
  const r = await tryUpgrade(url);
  if (r.kind !== 'open') throw new Error(`upgrade failed: ${JSON.stringify(r)}`);
  return r.ws;
}

/** Every socket the fuzz keeps must stay up: its close or error is a problem. */
export function watchSocket(ws: WebSocket, label: string, problem: (text: string) => void): void {
  ws.on('close', (code) => problem(`${label}: closed (${code})`));
  ws.on('error', (err) => problem(`${label}: socket error ${err.message}`));
}
