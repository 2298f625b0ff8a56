import { request as httpRequest } from 'node:http';
import { connect as netConnect } from 'node:net';
import type { WebSocket } from 'ws';
import { checkRefusal } from './expectations';
import { connectUrl, openSocket, readRefusal, type UpgradeResult } from './handshake';
import { channelEndpoint, createChannel, type Instance } from './instances';
import type { Rng } from './prng';
import type { Problems, Tally } from './report';

/** Protocol-level abuse on throwaway connections: each must end that connection only. */

function closeOf(ws: WebSocket): Promise<number> {
  return new Promise((resolve) => {
    const t = setTimeout(() => resolve(-1), 5000);
    ws.on('error', () => {});
    ws.once('close', (code) => {
      clearTimeout(t);
      resolve(code);
    });
  });
}

/** Writes `junk` on a raw TCP connection and reports how the server ended it. */
function rawTcp(port: number, junk: Buffer): Promise<string> {
  return new Promise<string>((resolve) => {
    const s = netConnect(port, '127.0.0.1');
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
}

/** Sends a presigned upgrade request by hand, with `method` and `headers` as given. */
function handshake(
  port: number,
  method: string,
  url: URL,
  headers: Record<string, string>,
): Promise<UpgradeResult> {
  return new Promise<UpgradeResult>((resolve) => {
    const req = httpRequest({
      host: '127.0.0.1',
      port,
      method,
      path: url.pathname + url.search,
      headers: { connection: 'Upgrade', upgrade: 'websocket', ...headers },
    });
    req.setTimeout(3000, () => req.destroy(new Error('timeout')));
    req.on('response', (res) => readRefusal(res, resolve));
    req.on('upgrade', (_res, socket) => {
      socket.destroy();
      resolve({ kind: 'failed', error: 'upgraded' });
    });
    req.on('error', (err) => resolve({ kind: 'failed', error: err.message }));
    req.end();
  });
}

export async function protocolAbuse(
  inst: Instance,
  rng: Rng,
  tally: Tally,
  problems: Problems,
): Promise<void> {
  const arn = await createChannel(inst.kv, 'fuzz-throwaway');
  const endpoint = await channelEndpoint(inst.kv, arn, 'VIEWER');
  for (let i = 0; i < 3; i++) {
    // Invalid UTF-8 in a text frame: RFC 6455 §8.1 says fail the connection (1007).
    const a = await openSocket(connectUrl(inst, endpoint, arn, `utf8-${i}`));
    const closedA = closeOf(a);
    a.send(Buffer.from([0x7b, 0xff, 0xfe, 0xfd, 0x7d]), { binary: false });
    const codeA = await closedA;
    tally.add(`invalid UTF-8 text frame → close ${codeA}`);
    if (codeA !== 1007) problems.add(`invalid UTF-8 text frame: close ${codeA}, expected 1007`);
    // A frame above the broker's maxPayload: 1009 "message too big".
    const b = await openSocket(connectUrl(inst, endpoint, arn, `big-${i}`));
    const closedB = closeOf(b);
    b.send(JSON.stringify({ action: 'SDP_OFFER', messagePayload: 'A'.repeat(70_000 + i * 50_000) }));
    const codeB = await closedB;
    tally.add(`frame over 64 KiB → close ${codeB}`);
    if (codeB !== 1009) problems.add(`oversized frame: close ${codeB}, expected 1009`);
    // Abrupt disconnects mid-stream.
    const c = await openSocket(connectUrl(inst, endpoint, arn, `abrupt-${i}`));
    c.send('{"action":"SDP_OFF');
    c.terminate();
    tally.add('abrupt disconnect');
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
    ...Array.from({ length: 4 }, () => rng.bytes(rng.range(1, 4000))),
  ];
  for (const junk of junks) {
    const outcome = await rawTcp(inst.port, junk);
    tally.add(`raw TCP junk → ${outcome}`);
    if (outcome.startsWith('still open')) problems.add(`raw TCP junk: ${outcome}`);
  }
  // Signed upgrades that are no valid WebSocket handshake: refused with a modelled 400 like any other.
  const key = 'dGhlIHNhbXBsZSBub25jZQ==';
  const broken: Array<[string, string, Record<string, string>]> = [
    ['GET without Sec-WebSocket-Key', 'GET', { 'sec-websocket-version': '13' }],
    ['POST handshake', 'POST', { 'sec-websocket-version': '13', 'sec-websocket-key': key }],
    ['bad Sec-WebSocket-Version', 'GET', { 'sec-websocket-version': '99', 'sec-websocket-key': key }],
    ['bad Sec-WebSocket-Key', 'GET', { 'sec-websocket-version': '13', 'sec-websocket-key': 'short' }],
  ];
  for (const [label, method, extra] of broken) {
    const url = new URL(connectUrl(inst, endpoint, arn, `broken-${rng.int(1e9)}`));
    const r = await handshake(inst.port, method, url, extra);
    if (r.kind !== 'refused') {
      tally.add(`${label} → ${r.kind === 'failed' ? r.error : r.kind}`);
      problems.add(`${label}: ${JSON.stringify(r)}`);
      continue;
    }
    tally.add(`${label} → ${r.status} ${r.errorType ?? '-'}`);
    for (const p of checkRefusal(r, { status: 400, type: 'InvalidArgumentException' }))
      problems.add(`${label}: ${p}`);
  }
}
