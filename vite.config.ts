import { svelte } from '@sveltejs/vite-plugin-svelte';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const here = (path: string): string => fileURLToPath(new URL(path, import.meta.url));

/**
 * The renderer bundle. It loads from file:// inside Electron (base './'), targets Electron's Chromium,
 * and carries the KVS SignalingClient, which is CommonJS written for Node and browsers alike.
 */
export default defineConfig({
  root: here('./src-renderer'),
  base: './',
  publicDir: false,
  plugins: [svelte({ configFile: here('./svelte.config.js') })],
  resolve: {
    alias: {
      // SignalingClient does `new (WebSocket || require('ws'))`: the browser's WebSocket always wins, so
      // Node's ws must never be bundled; this empty module satisfies the require.
      ws: here('./src-renderer/shims/ws.ts'),
      // The SDK's own signer imports it; Chromium's WebCrypto is all it would need (and main signs anyway).
      'isomorphic-webcrypto': here('./src-renderer/shims/webcrypto.ts'),
      // SignalingClient extends Node's EventEmitter: the `events` npm package is the browser build of it.
      events: here('./node_modules/events/events.js'),
    },
  },
  build: {
    outDir: here('./dist/renderer'),
    emptyOutDir: true,
    target: 'chrome140',
    sourcemap: true,
    // One small app: inline nothing as data: URLs (the CSP allows data: images only).
    assetsInlineLimit: 0,
    reportCompressedSize: false,
  },
  server: { strictPort: true },
});
