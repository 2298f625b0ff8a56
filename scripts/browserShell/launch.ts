/**
 * `npm run start:browser`: the console in a visible Chromium window instead of Electron — kvs-local with
 * simulated cameras and the main core run in this Node process, the built renderer is served on loopback,
 * and the page gets `window.watchfloor` through the same bridge the end-to-end tests use. Ctrl+C or
 * closing the window stops everything.
 *
 *   --cameras N     simulated cameras (default 4)
 *   --headless      no window (a smoke run on a machine without a display)
 *   --temporary     kvs-local issues temporary credentials (a session token)
 *   --no-build      serve the renderer already in dist/renderer
 * WATCHFLOOR_RENDERER_DIR=<dir> serves that build instead (as in the e2e harness).
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startKvsLocal } from '../../kvs-local/src/server';
import { createCore } from '../../src-main/core/app';
import { aesGcmBox } from '../../src-main/core/credentials';
import { installBridge, type Bridge } from './bridge';
import { buildRenderer } from './build';
import { launchChromium } from './chromium';
import { serveRenderer } from './server';
import { writeToneWav } from './tone';

interface Args {
  cameras: number;
  headless: boolean;
  temporary: boolean;
  build: boolean;
}

function parseArgs(argv: string[]): Args {
  const args: Args = { cameras: 4, headless: false, temporary: false, build: true };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--cameras') args.cameras = Number(argv[++i]);
    else if (a === '--headless') args.headless = true;
    else if (a === '--temporary') args.temporary = true;
    else if (a === '--no-build') args.build = false;
    else throw new Error(`unknown option ${a} (options: --cameras N, --headless, --temporary, --no-build)`);
  }
  if (!Number.isInteger(args.cameras) || args.cameras < 0 || args.cameras > 64)
    throw new Error('--cameras takes 0–64');
  return args;
}

const say = (line: string) => process.stderr.write(`watchfloor: ${line}\n`);

export async function main(argv: string[]): Promise<void> {
  const args = parseArgs(argv);
  if (!args.headless && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY) {
    throw new Error(
      'there is no display (DISPLAY / WAYLAND_DISPLAY are unset), so no window can open here. ' +
        'Run it on a desktop, or pass --headless for a smoke run.',
    );
  }
  const repo = process.cwd();
  const root = mkdtempSync(join(tmpdir(), 'watchfloor-browser-'));
  const steps: Array<[string, () => Promise<unknown>]> = [];
  let stopping: Promise<void> | undefined;
  const stop = (why: string): Promise<void> =>
    (stopping ??= (async () => {
      say(`stopping (${why})`);
      for (const [label, step] of steps.reverse()) {
        await Promise.race([step(), new Promise((r) => setTimeout(r, 10_000))]).catch((err: unknown) =>
          say(`${label}: ${err instanceof Error ? err.message : String(err)}`),
        );
      }
      rmSync(root, { recursive: true, force: true });
    })());
  // `stop` runs once; a second Ctrl+C while it runs is ignored rather than killing the cleanup.
  process.on('SIGINT', () => void stop('Ctrl+C').then(() => process.exit(0)));
  process.on('SIGTERM', () => void stop('SIGTERM').then(() => process.exit(0)));
  process.on('SIGHUP', () => void stop('SIGHUP').then(() => process.exit(0)));

  try {
    const rendererDir =
      process.env.WATCHFLOOR_RENDERER_DIR ??
      (args.build ? buildRenderer(repo, join(root, 'renderer')) : join(repo, 'dist/renderer'));
    const kvs = await startKvsLocal({
      port: 0,
      cameras: { count: args.cameras },
      ...(args.temporary ? { temporaryCredentials: true } : {}),
      log: process.env.KVS_LOCAL_LOG ? (l) => process.stderr.write(`kvs-local: ${l}\n`) : () => {},
    });
    steps.push(['kvs-local', () => kvs.close()]);
    say(`kvs-local on ${kvs.info.endpoint} (admin ${kvs.info.admin}) with ${args.cameras} cameras`);

    const server = await serveRenderer(rendererDir);
    steps.push(['renderer server', () => server.close()]);

    const bridgeRef: { current?: Bridge } = {};
    const log = (level: string) => (message: string, fields?: Record<string, unknown>) =>
      process.stderr.write(`main ${level}: ${message}${fields ? ` ${JSON.stringify(fields)}` : ''}\n`);
    const core = createCore({
      dataDir: join(root, 'data'),
      secretBox: aesGcmBox(randomBytes(32)),
      version: '0.0.0-browser',
      kiosk: false,
      localDemo: () => kvs.info,
      sharedConfig: { configFile: join(root, 'no-config'), credentialsFile: join(root, 'no-credentials') },
      isTrustedOrigin: (url) => {
        try {
          return new URL(url).origin === server.origin;
        } catch {
          return false;
        }
      },
      send: (name, payload) => bridgeRef.current?.emit(name, payload),
      log: { info: log('info'), warn: log('warn'), error: log('error') },
    });
    steps.push(['main core', () => core.close()]);
    await core.restoreProfile();

    const tone = join(root, 'tone-1khz.wav');
    writeToneWav(tone);
    const context = await launchChromium({
      headless: args.headless,
      profileDir: join(root, 'profile'),
      fakeAudioFile: tone,
      handleSignals: false,
      // A real window: let the page follow the window's size.
      viewport: args.headless ? { width: 1600, height: 960 } : null,
      extraArgs: args.headless ? [] : ['--window-size=1600,960'],
    });
    steps.push(['chromium', () => context.close()]);
    const bridge = await installBridge(context, { router: core.router });
    bridgeRef.current = bridge;
    steps.push(['bridge', () => Promise.resolve(bridge.dispose())]);
    context.on('close', () => void stop('window closed').then(() => process.exit(0)));

    const page = context.pages()[0] ?? (await context.newPage());
    page.on('close', () => {
      if (context.pages().length === 0) void stop('window closed').then(() => process.exit(0));
    });
    page.on('pageerror', (err) => say(`page error: ${err.message}`));
    await page.goto(server.url);
    say(`console open at ${server.url}${args.headless ? ' (headless)' : ''} — Ctrl+C to quit`);
  } catch (err) {
    await stop('failed to start');
    throw err;
  }
}
