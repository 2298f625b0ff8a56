import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

function run(repo: string, args: string[]): void {
  const r = spawnSync(process.execPath, args, { cwd: repo, stdio: ['ignore', 'inherit', 'inherit'] });
  if (r.status !== 0) throw new Error(`renderer build failed: ${args.join(' ')} exited with ${r.status}`);
}

/**
 * Builds the renderer into `outDir` (its own directory, so a rebuild of dist/ by someone else cannot pull
 * files from under a running page). The project's build script is the source of truth; while it does
 * not run Vite yet and a vite.config.ts exists, Vite builds the renderer directly.
 */
export function buildRenderer(repo: string, outDir: string): string {
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  const buildScript = join(repo, 'scripts/build-app.mjs');
  const viteConfig = ['vite.config.ts', 'vite.config.mjs', 'vite.config.js'].find((f) =>
    existsSync(join(repo, f)),
  );
  const projectBuildRunsVite = readFileSync(buildScript, 'utf8').includes('vite');
  if (viteConfig && !projectBuildRunsVite) {
    const vite = createRequire(join(repo, 'package.json')).resolve('vite/bin/vite.js');
    run(repo, [vite, 'build', '--logLevel', 'warn', '--outDir', outDir, '--emptyOutDir']);
  } else {
    run(repo, [buildScript]);
    cpSync(join(repo, 'dist/renderer'), outDir, { recursive: true });
  }
  if (!existsSync(join(outDir, 'index.html')))
    throw new Error(`renderer build left no index.html in ${outDir}`);
  return outDir;
}
