// Where the electron package's binary is, found as its index.js finds it (path.txt under the package, or
// ELECTRON_OVERRIDE_DIST_PATH) but without require('electron'): since Electron 45 that require runs the
// installer when the binary is missing ("Downloading Electron binary… fetch failed"), and neither
// `npm start` nor a test may reach outside or change node_modules. Used by scripts/start.mjs and the
// Electron launch test.
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/** @returns {{ path?: string, why?: string }} */
export function electronBinary() {
  let pkgDir;
  try {
    pkgDir = dirname(createRequire(import.meta.url).resolve('electron/package.json'));
  } catch {
    return { why: 'the electron package is not installed' };
  }
  const pathFile = join(pkgDir, 'path.txt');
  const name = existsSync(pathFile) ? readFileSync(pathFile, 'utf8').trim() : '';
  const override = process.env.ELECTRON_OVERRIDE_DIST_PATH;
  if (override) {
    const path = join(override, name || 'electron');
    return existsSync(path)
      ? { path }
      : { why: `ELECTRON_OVERRIDE_DIST_PATH names ${path}, which does not exist` };
  }
  if (!name) return { why: `${pathFile} is missing: the package's installer never downloaded the binary` };
  const path = join(pkgDir, 'dist', name);
  return existsSync(path) ? { path } : { why: `${path} does not exist` };
}
