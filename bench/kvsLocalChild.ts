/**
 * kvs-local in its own process for the benchmarks (see lib/child.ts). argv[2] is a serialisable subset of
 * KvsLocalOptions (cameras, limits). `mem` answers process.memoryUsage() after a full GC; `seed` adds
 * `count` channels of the synthetic fleet (lib/fleet.ts) straight to the store, as setup that is not timed.
 */
import { addChannelRecord } from '../kvs-local/src/control/channels';
import type { KvsLocalOptions } from '../kvs-local/src/config';
import { startKvsLocal } from '../kvs-local/src/server';
import { childArgs, serveChild } from './lib/child';
import { makeFleet } from './lib/fleet';
import { LoopProbe, type LoopStats } from './lib/measure';

export interface KvsChildArgs {
  cameras?: KvsLocalOptions['cameras'];
  limits?: KvsLocalOptions['limits'];
  /** Forward kvs-local's log to stderr (debugging). */
  log?: boolean;
}

export interface SeedArgs {
  count: number;
  seed: number;
}

export interface MemReply {
  memory: NodeJS.MemoryUsage;
  gc: boolean;
}

const args = childArgs<KvsChildArgs>();
const kvs = await startKvsLocal({
  cameras: args.cameras ?? { count: 0 },
  ...(args.limits ? { limits: args.limits } : {}),
  log: args.log ? (line) => process.stderr.write(`[kvs-local] ${line}\n`) : () => {},
});

const loop = new LoopProbe();

serveChild(
  kvs.info,
  {
    mem: (): MemReply => {
      // --expose-gc comes from the parent; several passes so weak/finalised objects go too.
      for (let i = 0; i < 3; i++) globalThis.gc?.();
      return { memory: process.memoryUsage(), gc: typeof globalThis.gc === 'function' };
    },
    'loop-start': (): null => {
      loop.start();
      return null;
    },
    'loop-read': (): LoopStats => loop.read(),
    seed: (raw): number => {
      const { count, seed } = raw as SeedArgs;
      const now = Date.now();
      for (const c of makeFleet(count, seed)) addChannelRecord(kvs.store, c.name, now, { tags: c.tags });
      return kvs.store.channels().length;
    },
  },
  () => kvs.close(),
);
