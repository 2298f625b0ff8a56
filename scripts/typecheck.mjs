// Type-checks every root with its own tsconfig (style.md §1: one tsconfig per runtime layer). The renderer
// goes through svelte-check, which checks its .svelte components as well as its .ts files.
// A root without sources yet is reported and skipped rather than failing the build.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';

const require = createRequire(import.meta.url);
const tsc = require.resolve('typescript/bin/tsc');
const svelteCheck = require.resolve('svelte-check/bin/svelte-check');
const roots = [
  'src-shared',
  'src-main',
  'src-main/electron',
  'src-main/preload',
  'src-renderer',
  'kvs-local',
  'scripts/browserShell',
  'test',
];
const svelteRoots = new Set(['src-renderer']);

function check(root, project) {
  if (svelteRoots.has(root)) {
    return spawnSync(
      process.execPath,
      [
        svelteCheck,
        ...['--workspace', resolve(root), '--tsconfig', resolve(project)],
        ...['--config', resolve('svelte.config.js'), '--fail-on-warnings', '--output', 'human'],
      ],
      { encoding: 'utf8' },
    );
  }
  return spawnSync(process.execPath, [tsc, '-p', project], { encoding: 'utf8' });
}

let failed = false;
for (const root of roots) {
  const project = `${root}/tsconfig.json`;
  if (!existsSync(project)) continue;
  const r = check(root, project);
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
