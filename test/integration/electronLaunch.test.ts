/**
 * Electron smoke (design.md testing layers): launches the built app with Playwright's `_electron` where an
 * Electron binary exists, and says plainly that it skipped where it does not (its installer downloads the
 * binary from outside the npm registry, which these build machines cannot reach).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { _electron as electron } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { electronBinary } from '../../scripts/electronBinary.mjs';

const binary = electronBinary();
if (!binary.path) {
  console.log(
    `SKIPPED: Electron launch test — no Electron binary on this machine (${binary.why}). ` +
      'The main core and the renderer are tested under Node and Chromium instead.',
  );
}

describe.skipIf(!binary.path)('the packaged-app entry in Electron', () => {
  it('opens a sandboxed window whose only bridge is window.watchfloor, and IPC answers', async () => {
    execFileSync(process.execPath, ['scripts/build-app.mjs'], { stdio: 'inherit' });
    const userData = mkdtempSync(join(tmpdir(), 'watchfloor-electron-'));
    const app = await electron.launch({
      executablePath: binary.path!,
      args: ['dist/main/main.cjs', `--user-data-dir=${userData}`],
      env: { ...process.env, ELECTRON_ENABLE_LOGGING: '1' },
    });
    try {
      const page = await app.firstWindow();
      await page.waitForSelector('text=Connected.');
      const shape = await page.evaluate(() => ({
        bridge: Object.keys((window as unknown as { watchfloor: object }).watchfloor).sort(),
        node: typeof (globalThis as { require?: unknown }).require,
        process: typeof (globalThis as { process?: unknown }).process,
      }));
      expect(shape).toEqual({ bridge: ['invoke', 'off', 'on'], node: 'undefined', process: 'undefined' });
      const unknown = await page.evaluate(() =>
        (
          window as unknown as { watchfloor: { invoke(c: string, r: unknown): Promise<unknown> } }
        ).watchfloor.invoke('shell:exec', {}),
      );
      expect(unknown).toMatchObject({ ok: false, error: { code: 'InvalidArgument' } });
    } finally {
      await app.close();
      rmSync(userData, { recursive: true, force: true });
    }
  }, 120_000);
});
