// `npm start`: the real Electron app on the local demo. Builds the app, starts kvs-local (simulated
// cameras) as a child, hands its connection info to Electron through WATCHFLOOR_DEMO_INFO (a 0600 temp
// file: it holds that run's keys) and launches Electron. Where the Electron binary is missing — its
// installer downloads it from outside the npm registry, which some machines cannot reach — it says so and
// opens the browser console instead (scripts/start-browser.mjs: same core, same renderer, same contract).
//
//   npm start [-- --cameras N]
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { electronBinary } from './electronBinary.mjs';

const require = createRequire(import.meta.url);
const say = (line) => process.stderr.write(`watchfloor: ${line}\n`);

function camerasArg(argv) {
  const i = argv.indexOf('--cameras');
  return i >= 0 && argv[i + 1] ? argv[i + 1] : '4';
}

/** Runs the browser console in this terminal and exits with its status. */
function browserConsole(argv) {
  const child = spawn(process.execPath, ['scripts/start-browser.mjs', ...argv], { stdio: 'inherit' });
  // The child shuts down on the first signal and ignores repeats (a terminal's Ctrl+C reaches both).
  process.on('SIGINT', () => child.kill('SIGINT'));
  process.on('SIGTERM', () => child.kill('SIGTERM'));
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
}

/** Starts kvs-local and resolves with its first stdout line (the connection info JSON). */
function startKvsLocal(cameras) {
  const tsx = require.resolve('tsx/cli');
  const child = spawn(process.execPath, [tsx, 'kvs-local/cli.ts', '--port', '0', '--cameras', cameras], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const errors = [];
  child.stderr.on('data', (chunk) => {
    if (process.env.KVS_LOCAL_LOG) process.stderr.write(chunk);
    else errors.push(chunk);
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGTERM');
      reject(new Error('kvs-local did not print its connection info within 60 s'));
    }, 60_000);
    createInterface({ input: child.stdout }).once('line', (line) => {
      clearTimeout(timer);
      resolve({ child, info: line });
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`kvs-local exited (${code}) before it started:\n${Buffer.concat(errors).toString()}`));
    });
  });
}

async function electronApp(electron, argv) {
  say('building the app…');
  const build = spawnSync(process.execPath, ['scripts/build-app.mjs'], { stdio: 'inherit' });
  if (build.status !== 0) throw new Error('the build failed');
  const cameras = camerasArg(argv);
  const { child: kvs, info } = await startKvsLocal(cameras);
  const dir = mkdtempSync(join(tmpdir(), 'watchfloor-demo-'));
  const infoFile = join(dir, 'demo-info.json');
  writeFileSync(infoFile, info, { mode: 0o600 });
  say(`kvs-local is up with ${cameras} cameras; starting Electron`);
  const app = spawn(electron, ['dist/main/main.cjs'], {
    stdio: 'inherit',
    env: { ...process.env, WATCHFLOOR_DEMO_INFO: infoFile },
  });
  let done = false;
  const finish = (code) => {
    if (done) return;
    done = true;
    kvs.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
    process.exitCode = code;
  };
  process.on('SIGINT', () => app.kill('SIGTERM'));
  process.on('SIGTERM', () => app.kill('SIGTERM'));
  app.on('exit', (code) => finish(code ?? 0));
  kvs.on('exit', (code) => {
    if (done) return;
    say(`kvs-local stopped unexpectedly (${code}); closing the app`);
    app.kill('SIGTERM');
  });
}

const argv = process.argv.slice(2);
const electron = electronBinary();
if (!electron.path) {
  say(
    `no Electron binary on this machine (${electron.why}). Electron's installer downloads it from outside ` +
      'the npm registry. Opening the browser console instead (npm run start:browser): the same main core ' +
      'and renderer, in Chromium.',
  );
  browserConsole(argv);
} else {
  electronApp(electron.path, argv).catch((err) => {
    say(err instanceof Error ? err.message : String(err));
    process.exit(1);
  });
}
