import { BrowserWindow, session, shell, type WebContents } from 'electron';
import { join } from 'node:path';
import { CSP } from './csp';

export interface WindowOptions {
  rendererUrl: string;
  preloadPath: string;
  kiosk: boolean;
}

/** True for URLs of the app's own renderer (what the IPC router trusts). */
export function isAppUrl(url: string, rendererUrl: string): boolean {
  try {
    const u = new URL(url);
    const r = new URL(rendererUrl);
    return (
      u.protocol === r.protocol && u.host === r.host && (u.protocol !== 'file:' || u.pathname === r.pathname)
    );
  } catch {
    return false;
  }
}

function lockDown(contents: WebContents, rendererUrl: string): void {
  contents.on('will-navigate', (event, url) => {
    if (!isAppUrl(url, rendererUrl)) event.preventDefault();
  });
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(({ url }) => {
    // Links to documentation open in the system browser, never inside the console.
    if (/^https:\/\//.test(url)) void shell.openExternal(url);
    return { action: 'deny' };
  });
}

/**
 * The console window: sandboxed, context-isolated, no Node, a strict CSP, no navigation away from the app
 * and no new windows (design.md "Processes and trust"). In kiosk mode it is fullscreen and cannot be left.
 */
export function createConsoleWindow(opts: WindowOptions): BrowserWindow {
  session.defaultSession.webRequest.onHeadersReceived((details, callback) => {
    callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [CSP] } });
  });
  // Camera/microphone only for talk-back and publishing, only for the app's own page.
  session.defaultSession.setPermissionRequestHandler((contents, permission, callback) => {
    callback(permission === 'media' && isAppUrl(contents.getURL(), opts.rendererUrl));
  });
  const win = new BrowserWindow({
    width: 1600,
    height: 960,
    show: false,
    backgroundColor: '#10161f',
    kiosk: opts.kiosk,
    autoHideMenuBar: true,
    icon: join(__dirname, '../../resources/icon.png'),
    webPreferences: {
      preload: opts.preloadPath,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
      spellcheck: false,
      backgroundThrottling: false,
    },
  });
  lockDown(win.webContents, opts.rendererUrl);
  win.once('ready-to-show', () => win.show());
  void win.loadURL(opts.rendererUrl);
  return win;
}
