// Bundles the Electron main process and the preload with esbuild (CommonJS, as Electron loads them), and
// the Svelte renderer with Vite (vite.config.ts). npm dependencies of main stay external: they ship in the
// app's node_modules (better-sqlite3 13 loads its N-API prebuild in Electron without a rebuild).
import { build } from 'esbuild';
import { rmSync } from 'node:fs';
import { build as viteBuild } from 'vite';

rmSync('dist', { recursive: true, force: true });
const common = { bundle: true, platform: 'node', target: 'node22', sourcemap: true, logLevel: 'warning' };
await build({
  ...common,
  entryPoints: ['src-main/electron/main.ts'],
  outfile: 'dist/main/main.cjs',
  format: 'cjs',
  packages: 'external',
});
await build({
  ...common,
  entryPoints: ['src-main/preload/preload.ts'],
  outfile: 'dist/preload/preload.cjs',
  format: 'cjs',
  // A sandboxed preload may only require('electron'): everything else is bundled in.
  external: ['electron'],
});
await viteBuild({ configFile: 'vite.config.ts', logLevel: 'warn' });
console.error('build: dist/main/main.cjs, dist/preload/preload.cjs, dist/renderer/');
