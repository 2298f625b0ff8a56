/**
 * kvs-local CLI. Contract (later checks rely on it exactly): the FIRST line on stdout is one JSON object
 * `{"endpoint","region","accessKeyId","secretAccessKey","sessionToken"?,"admin","channels":[{"name","arn"}]}`;
 * everything else goes to stderr; SIGINT/SIGTERM end it cleanly.
 */
import { parseArgs } from 'node:util';
import { startKvsLocal } from './src/server';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '0' },
    host: { type: 'string', default: '127.0.0.1' },
    cameras: { type: 'string', default: '0' },
    tls: { type: 'boolean', default: false },
    fps: { type: 'string', default: '15' },
    size: { type: 'string', default: '640x360' },
    state: { type: 'string' },
    region: { type: 'string', default: 'us-west-2' },
    temporary: { type: 'boolean', default: false },
    'tps-scale': { type: 'string', default: '1' },
    help: { type: 'boolean', default: false },
  },
  strict: true,
});

if (values.help) {
  process.stderr.write(
    'usage: npm run kvs-local -- [--port 0] [--cameras N] [--tls] [--fps 15] [--size 640x360] [--state DIR]\n' +
      '                           [--region us-west-2] [--temporary] [--tps-scale 1]\n',
  );
  process.exit(0);
}

function fail(message: string): never {
  process.stderr.write(`kvs-local: ${message}\n`);
  process.exit(2);
}

const port = Number(values.port);
const count = Number(values.cameras);
const fps = Number(values.fps);
const size = /^(\d+)x(\d+)$/.exec(values.size);
const tpsScale = Number(values['tps-scale']);
if (!Number.isInteger(port) || port < 0 || port > 65535) fail(`--port must be 0..65535, got ${values.port}`);
if (!Number.isInteger(count) || count < 0 || count > 64)
  fail(`--cameras must be 0..64, got ${values.cameras}`);
if (!Number.isFinite(fps) || fps < 1 || fps > 60) fail(`--fps must be 1..60, got ${values.fps}`);
if (!size) fail(`--size must look like 640x360, got ${values.size}`);
if (!Number.isFinite(tpsScale) || tpsScale < 0) fail(`--tps-scale must be >= 0, got ${values['tps-scale']}`);
const width = Number(size[1]);
const height = Number(size[2]);
if (width < 160 || height < 90 || width > 1920 || height > 1920 || width % 2 || height % 2) {
  fail('--size must be even, at least 160x90 and at most 1920x1920');
}

const kvs = await startKvsLocal({
  port,
  host: values.host,
  region: values.region,
  tls: values.tls,
  temporaryCredentials: values.temporary,
  ...(values.state ? { stateDir: values.state } : {}),
  cameras: { count, fps, width, height },
  limits: { controlTpsScale: tpsScale },
  log: (line) => process.stderr.write(`${line}\n`),
});

const { caCert, ...info } = kvs.info;
process.stdout.write(`${JSON.stringify(info)}\n`);
if (caCert) process.stderr.write(`kvs-local: TLS certificate (trust it as a CA for this run):\n${caCert}`);
process.stderr.write(
  `kvs-local: listening on ${info.endpoint} (region ${info.region}), admin API on ${info.admin}, ` +
    `${info.channels.length} simulated camera(s): ${info.channels.map((c) => c.name).join(', ') || 'none'}\n`,
);

let stopping = false;
const stop = (signal: string): void => {
  if (stopping) return;
  stopping = true;
  process.stderr.write(`kvs-local: ${signal}, shutting down\n`);
  const force = setTimeout(() => process.exit(1), 5000);
  force.unref();
  kvs.close().then(
    () => process.exit(0),
    (err: unknown) => {
      process.stderr.write(`kvs-local: shutdown failed: ${String(err)}\n`);
      process.exit(1);
    },
  );
};
process.on('SIGINT', () => stop('SIGINT'));
process.on('SIGTERM', () => stop('SIGTERM'));
// When whatever started us dies without signalling (npm and tsx do not always forward signals to their
// children), we are reparented: shut down rather than linger as an orphan holding ports.
const parent = process.ppid;
setInterval(() => {
  if (process.ppid !== parent) stop('parent process exited');
}, 1000).unref();
