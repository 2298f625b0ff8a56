/**
 * Electron entry (kept thin, design.md): lifecycle, the one window, safeStorage, the IPC wiring, and the
 * "catalog is corrupt" choice. Everything else is src-main/core, which the tests run under plain Node.
 */
import { app, dialog, type BrowserWindow } from 'electron';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createCore, type Core, type CoreOptions } from '../core/app';
import { CatalogError } from '../core/catalog';
import type { LocalDemoInfo } from '../core/credentials';
import { registerIpc, sendEvent } from './ipc';
import { stderrLogger as log } from './log';
import { safeStorageBox } from './secretBox';
import { createConsoleWindow, isAppUrl } from './window';

const kiosk = process.argv.includes('--kiosk') || process.env.WATCHFLOOR_KIOSK === '1';
const rendererUrl =
  process.env.WATCHFLOOR_RENDERER_URL ?? pathToFileURL(join(__dirname, '../renderer/index.html')).href;

/** The local demo's connection info, written by `npm start` (kvs-local's first stdout line) to a file. */
function localDemo(): (() => LocalDemoInfo) | undefined {
  const file = process.env.WATCHFLOOR_DEMO_INFO;
  if (!file) return undefined;
  return () => JSON.parse(readFileSync(file, 'utf8')) as LocalDemoInfo;
}

function openCore(base: Omit<CoreOptions, 'onCorruptCatalog'>): Core | undefined {
  try {
    return createCore({ ...base, onCorruptCatalog: 'fail' });
  } catch (err) {
    if (err instanceof CatalogError && err.kind === 'corrupt') {
      const choice = dialog.showMessageBoxSync({
        type: 'error',
        title: 'Watchfloor',
        message: 'The channel catalog is damaged and cannot be opened.',
        detail: `${err.message}\n\nStart with a fresh catalog? The damaged file is kept aside next to it; groups and layouts can be imported again from an export.`,
        buttons: ['Start with a fresh catalog', 'Quit'],
        defaultId: 0,
        cancelId: 1,
      });
      return choice === 0 ? createCore({ ...base, onCorruptCatalog: 'quarantine' }) : undefined;
    }
    dialog.showErrorBox('Watchfloor cannot start', err instanceof Error ? err.message : String(err));
    return undefined;
  }
}

async function main(): Promise<void> {
  if (!app.requestSingleInstanceLock()) {
    app.quit();
    return;
  }
  app.enableSandbox();
  await app.whenReady();
  // The window is created after the core (whose events it receives); events before that are dropped.
  const ui: { win?: BrowserWindow } = {};
  const demo = localDemo();
  const core = openCore({
    dataDir: app.getPath('userData'),
    secretBox: safeStorageBox(),
    version: app.getVersion(),
    kiosk,
    ...(demo ? { localDemo: demo } : {}),
    isTrustedOrigin: (url) => isAppUrl(url, rendererUrl),
    send: (name, payload) => {
      if (ui.win) sendEvent(ui.win.webContents, name, payload);
    },
    log,
  });
  if (!core) {
    app.quit();
    return;
  }
  const unregister = registerIpc(core.router);
  await core.restoreProfile();
  const win = createConsoleWindow({
    rendererUrl,
    preloadPath: join(__dirname, '../preload/preload.cjs'),
    kiosk,
  });
  ui.win = win;
  app.on('second-instance', () => {
    if (win.isMinimized()) win.restore();
    win.focus();
  });
  app.on('window-all-closed', () => app.quit());
  let quitting = false;
  app.on('before-quit', (event) => {
    if (quitting) return;
    quitting = true;
    event.preventDefault();
    unregister();
    void core.close().finally(() => app.exit(0));
  });
}

main().catch((err: unknown) => {
  log.error('watchfloor: failed to start', { error: err instanceof Error ? err.message : String(err) });
  app.exit(1);
});
