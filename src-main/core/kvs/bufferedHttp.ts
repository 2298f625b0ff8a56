import http from 'node:http';
import https from 'node:https';
import type {
  HttpHandlerOptions,
  HttpRequest,
  HttpResponse,
  QueryParameterBag,
  RequestHandler,
} from '@smithy/types';

/**
 * A lean SDK v3 request handler for small JSON calls made in bulk (the catalog sync's 10,000
 * DescribeMediaStorageConfiguration calls): one keep-alive agent, the response body read into one buffer
 * (the SDK's deserializer takes a Uint8Array as is, no stream collector), and only the timers it needs — a
 * connect timer only while a socket is connecting, and the socket's own idle timeout.
 *
 * The SDK's NodeHttpHandler arms four timers and an abort listener per call and wraps the body in a stream
 * mixin; against kvs-local that made up a third of the sync's CPU. This handler does the same wire work:
 * the request (already signed by the SDK) is sent unchanged, the SDK parses the response and its errors.
 */
export interface BufferedHttpOptions {
  /** A socket that has not connected by then fails with ERR_SOCKET_CONNECTION_TIMEOUT (Offline). */
  connectionTimeoutMs: number;
  /** A request whose socket stays silent this long is destroyed (ETIMEDOUT). */
  socketTimeoutMs: number;
  /** Sockets per origin; more calls queue in the agent. */
  maxSockets: number;
}

const DEFAULTS: BufferedHttpOptions = { connectionTimeoutMs: 3_000, socketTimeoutMs: 15_000, maxSockets: 32 };

function errorWithCode(message: string, code: string): Error {
  return Object.assign(new Error(message), { code });
}

function queryString(query: QueryParameterBag | undefined): string {
  if (!query) return '';
  const parts: string[] = [];
  for (const [key, value] of Object.entries(query)) {
    const k = encodeURIComponent(key);
    if (value === null) parts.push(k);
    else if (Array.isArray(value)) for (const v of value) parts.push(`${k}=${encodeURIComponent(v)}`);
    else parts.push(`${k}=${encodeURIComponent(value)}`);
  }
  return parts.length > 0 ? `?${parts.join('&')}` : '';
}

/** Node's header object as the SDK's `HeaderBag` (repeated headers joined, as NodeHttpHandler does). */
function headerBag(headers: http.IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) out[name] = Array.isArray(value) ? value.join(',') : value;
  }
  return out;
}

export class BufferedHttpHandler implements RequestHandler<HttpRequest, HttpResponse, HttpHandlerOptions> {
  private readonly options: BufferedHttpOptions;
  private readonly httpAgent: http.Agent;
  private readonly httpsAgent: https.Agent;

  constructor(options: Partial<BufferedHttpOptions> = {}) {
    this.options = { ...DEFAULTS, ...options };
    const agent = { keepAlive: true, maxSockets: this.options.maxSockets };
    this.httpAgent = new http.Agent(agent);
    this.httpsAgent = new https.Agent(agent);
  }

  handle(request: HttpRequest, options: HttpHandlerOptions = {}): Promise<{ response: HttpResponse }> {
    // The bulk clients pass none (clients.ts); a modern AbortSignal is honoured when one comes.
    const abortSignal = options.abortSignal as AbortSignal | undefined;
    return new Promise((resolve, reject) => {
      if (abortSignal?.aborted) {
        reject(Object.assign(new Error('The request was aborted.'), { name: 'AbortError' }));
        return;
      }
      const secure = request.protocol === 'https:';
      const hostname = request.hostname.startsWith('[') ? request.hostname.slice(1, -1) : request.hostname;
      const req = (secure ? https : http).request(
        {
          protocol: secure ? 'https:' : 'http:',
          host: hostname,
          port: request.port,
          method: request.method,
          path: request.path + queryString(request.query),
          headers: request.headers,
          agent: secure ? this.httpsAgent : this.httpAgent,
          timeout: this.options.socketTimeoutMs,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.once('error', reject);
          res.once('end', () => {
            resolve({
              response: {
                statusCode: res.statusCode ?? -1,
                reason: res.statusMessage,
                headers: headerBag(res.headers),
                body: chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks),
              },
            });
          });
        },
      );
      req.once('error', reject);
      req.once('timeout', () => req.destroy(errorWithCode('The request timed out.', 'ETIMEDOUT')));
      req.once('socket', (socket) => {
        if (!socket.connecting) return;
        const timer = setTimeout(
          () => req.destroy(errorWithCode('Connecting timed out.', 'ERR_SOCKET_CONNECTION_TIMEOUT')),
          this.options.connectionTimeoutMs,
        );
        socket.once('connect', () => clearTimeout(timer));
        socket.once('close', () => clearTimeout(timer));
      });
      if (typeof abortSignal?.addEventListener === 'function') {
        const onAbort = () =>
          req.destroy(Object.assign(new Error('The request was aborted.'), { name: 'AbortError' }));
        abortSignal.addEventListener('abort', onAbort, { once: true });
        req.once('close', () => abortSignal.removeEventListener('abort', onAbort));
      }
      const body: unknown = request.body;
      if (body && typeof (body as { pipe?: unknown }).pipe === 'function') {
        (body as NodeJS.ReadableStream).pipe(req);
      } else {
        req.end(body as string | Uint8Array | undefined);
      }
    });
  }

  updateHttpClientConfig(): void {
    // Nothing to update: the handler's settings are fixed when it is built.
  }

  httpHandlerConfigs(): Record<string, never> {
    return {};
  }

  destroy(): void {
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
  }
}
