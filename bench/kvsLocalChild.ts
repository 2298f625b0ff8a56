/**
 * kvs-local in its own process for the benchmarks (forked by bench/lib/child.ts with an IPC channel), so
 * its memory and CPU can be read apart from the load-generating clients. Options arrive as JSON in argv[2]
 * (a serialisable subset of KvsLocalOptions: cameras and limits). Replies to `mem` after a full GC; `close`
 * (or the parent going away) shuts kvs-local down and exits.
 */
import type { KvsLocalOptions } from '../kvs-local/src/config';
import { startKvsLocal } from '../kvs-local/src/server';
import type { ChildReply, ChildRequest, ChildOptions } from './lib/child';

const options = JSON.parse(process.argv[2] ?? '{}') as ChildOptions;
const send = (msg: ChildReply): void => {
  if (process.connected) process.send?.(msg);
};

function fullGc(): void {
  // --expose-gc is passed by the parent; without it the numbers include garbage, which the report says.
  for (let i = 0; i < 3; i++) globalThis.gc?.();
}

const startOptions: KvsLocalOptions = {
  cameras: options.cameras ?? { count: 0 },
  log: options.log ? (line) => process.stderr.write(`[kvs-local] ${line}\n`) : () => {},
};
if (options.limits) startOptions.limits = options.limits;
const kvs = await startKvsLocal(startOptions);

let closing = false;
const shutdown = (): void => {
  if (closing) return;
  closing = true;
  const force = setTimeout(() => process.exit(1), 5000);
  force.unref();
  kvs.close().then(
    () => process.exit(0),
    (err: unknown) => {
      process.stderr.write(`bench child: close failed: ${String(err)}\n`);
      process.exit(1);
    },
  );
};

process.on('message', (raw) => {
  const req = raw as ChildRequest;
  if (req.cmd === 'mem') {
    fullGc();
    send({
      type: 'reply',
      id: req.id,
      memory: process.memoryUsage(),
      gc: typeof globalThis.gc === 'function',
    });
  } else if (req.cmd === 'close') {
    shutdown();
  }
});
process.on('disconnect', shutdown);
process.on('SIGTERM', shutdown);

send({ type: 'ready', info: kvs.info, pid: process.pid });
