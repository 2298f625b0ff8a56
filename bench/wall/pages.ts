/**
 * Serves the wall bench's comparison page (bench/wall/page.ts, bundled with esbuild for the browser) on a
 * loopback port. The official SignalingClient's `WebSocket || require('ws')` never reaches `ws` in a
 * browser, so `ws` stays external.
 */
import { build } from 'esbuild';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';

export interface PageServer {
  url: string;
  close(): Promise<void>;
}

export async function serveBenchPage(): Promise<PageServer> {
  const out = await build({
    entryPoints: [fileURLToPath(new URL('./page.ts', import.meta.url))],
    bundle: true,
    write: false,
    platform: 'browser',
    format: 'iife',
    target: 'chrome140',
    external: ['ws'],
    logLevel: 'warning',
  });
  const js = out.outputFiles[0]!.text;
  const html =
    '<!doctype html><meta charset="utf-8"><title>wall bench</title><script src="page.js"></script>';
  const server: Server = createServer((req, res) => {
    if (req.url === '/page.js') {
      res.writeHead(200, { 'content-type': 'text/javascript' }).end(js);
    } else if (req.url === '/' || req.url === '/index.html') {
      res.writeHead(200, { 'content-type': 'text/html' }).end(html);
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
