// Type-checks every root with its own tsconfig (style.md §1: one tsconfig per runtime layer).
// A root without sources yet is reported and skipped rather than failing the build.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const tsc = require.resolve('typescript/bin/tsc');
const roots = [
  'src-shared',
  'src-main',
  'src-main/electron',
  'src-main/preload',
  'src-renderer',
  'kvs-local',
  'test',
];
let failed = false;
for (const root of roots) {
  const project = `${root}/tsconfig.json`;
  if (!existsSync(project)) continue;
  const r = spawnSync(process.execPath, [tsc, '-p', project], { encoding: 'utf8' });
  const out = `${r.stdout}${r.stderr}`;
  if (r.status === 0) {
    console.log(`typecheck ${root}: ok`);
  } else if (out.includes('TS18003')) {
    console.log(`typecheck ${root}: no sources yet, skipped`);
  } else {
    failed = true;
    console.log(`typecheck ${root}: FAILED\n${out}`);
  }
}
process.exit(failed ? 1 : 0);
