import { Agent, request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { pool } from './async';
import { checkHttpReply } from './expectations';
import { generateHttpCase, type HttpCase } from './httpCases';
import { signedHeaders } from './httpSigning';
import type { Instance } from './instances';
import type { Rng } from './prng';
import { Tally, type Problems } from './report';

/** Sends the HTTP fuzz cases and checks every reply against the oracle. */

/** Share of HTTP requests sent to the default-limits instance (enough to meet its quotas). */
const HTTP_DEFAULT_SHARE = 1 / 3;
const HTTP_CONCURRENCY = 16;

export type HttpReply =
  { ok: true; status: number; headers: IncomingHttpHeaders; body: Buffer } | { ok: false; error: string };

/** Sends one case; never rejects (transport failures come back as `ok: false`). */
export function sendHttp(
  agent: Agent,
  port: number,
  c: HttpCase,
  headers: Record<string, string>,
  timeoutMs = 15_000,
): Promise<HttpReply> {
  const body = c.sentBody ?? c.body;
  const h: Record<string, string> = { ...headers };
  if (c.chunked) h['transfer-encoding'] = 'chunked';
  else if (body.length > 0 || c.method === 'POST') h['content-length'] = String(body.length);
  return new Promise((resolve) => {
    let settled = false;
    const done = (r: HttpReply): void => {
      if (!settled) {
        settled = true;
        resolve(r);
      }
    };
    const req = httpRequest(
      { agent, host: '127.0.0.1', port, method: c.method, path: c.path, headers: h },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size <= 4 * 1024 * 1024) chunks.push(chunk);
        });
        res.on('end', () =>
          done({ ok: true, status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
        );
        res.on('error', (err) => done({ ok: false, error: `response: ${err.message}` }));
      },
    );
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`no reply within ${timeoutMs} ms`)));
    req.on('error', (err) => done({ ok: false, error: err.message }));
    if (c.chunked && body.length > 0) {
      const cut = Math.floor(body.length / 2);
      req.write(body.subarray(0, cut));
      req.write(body.subarray(cut));
      req.end();
    } else {
      req.end(body);
    }
  });
}

/** Sends one case to `inst`, signed as the case says. */
export async function sendCase(agent: Agent, inst: Instance, c: HttpCase): Promise<HttpReply> {
  const headers = await signedHeaders(c, inst.creds, inst.kvs.info.region, inst.host, Date.now());
  return sendHttp(agent, inst.port, c, headers);
}

export interface HttpStats {
  byReply: Tally;
  byInput: Tally;
  sent: number;
}

export function newHttpStats(): HttpStats {
  return { byReply: new Tally(), byInput: new Tally(), sent: 0 };
}

/**
 * Sends `total` cases drawn from `rng`, one in three to the default-limits instance (`instances[1]`), and
 * records every reply the oracle objects to. FUZZ_DEBUG=1 logs the slow ones.
 */
export async function runHttpFuzz(
  instances: readonly Instance[],
  rng: Rng,
  total: number,
  stats: HttpStats,
  problems: Problems,
): Promise<void> {
  const agent = new Agent({ keepAlive: true, maxSockets: HTTP_CONCURRENCY });
  const defaultEvery = Math.round(1 / HTTP_DEFAULT_SHARE);
  const indices = Array.from({ length: total }, (_, i) => i);
  await pool(indices, HTTP_CONCURRENCY, async (i) => {
    // Drawn synchronously in index order, so the seed fixes every input.
    const inst = instances[i % defaultEvery === defaultEvery - 1 ? 1 : 0]!;
    const c = generateHttpCase(rng, i, inst.name, inst.fixtures);
    const headers = await signedHeaders(c, inst.creds, inst.kvs.info.region, inst.host, Date.now());
    const t1 = Date.now();
    const reply = await sendHttp(agent, inst.port, c, headers);
    if (process.env.FUZZ_DEBUG && Date.now() - t1 > 300) {
      const outcome = reply.ok ? `${reply.status} ${reply.body.toString('utf8').slice(0, 200)}` : reply.error;
      console.log(
        `slow: #${c.index} ${inst.name} ${c.category}/${c.detail} ${c.path} ${Date.now() - t1} ms → ${outcome}`,
      );
    }
    stats.sent++;
    stats.byInput.add(c.category);
    stats.byInput.add(`→ ${inst.name} instance`);
    stats.byReply.add(
      reply.ok ? `${reply.status} ${String(reply.headers['x-amzn-errortype'] ?? '-')}` : 'no reply',
    );
    for (const p of checkHttpReply(c, reply, inst.throttled))
      problems.add(
        `http #${c.index} ${inst.name} ${c.category}/${c.detail} ${c.method} ${c.path.slice(0, 80)}: ${p}`,
      );
  });
  agent.destroy();
}
