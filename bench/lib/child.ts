import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { CameraOptions, KvsLocalLimits } from '../../kvs-local/src/config';
import type { KvsLocalInfo } from '../../kvs-local/src/server';
import { procCpuSeconds, withTimeout } from './measure';

/** What the bench child accepts (JSON in argv): the serialisable part of KvsLocalOptions. */
export interface ChildOptions {
  cameras?: Partial<CameraOptions>;
  limits?: Partial<KvsLocalLimits>;
  /** Forward kvs-local's log to stderr (debugging). */
  log?: boolean;
}

export type ChildRequest = { cmd: 'mem'; id: number } | { cmd: 'close' };

export type ChildReply =
  | { type: 'ready'; info: KvsLocalInfo; pid: number }
  | { type: 'reply'; id: number; memory: NodeJS.MemoryUsage; gc: boolean };

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const childScript = fileURLToPath(new URL('../kvsLocalChild.ts', import.meta.url));

/**
 * kvs-local in a forked Node process. `fork` (not `npx tsx`, whose CLI runs the script in a further child)
 * so that `pid` is the process that serves, which is what /proc CPU readings need.
 */
export class KvsChild {
  private seq = 0;
  private readonly waiting = new Map<number, (r: Extract<ChildReply, { type: 'reply' }>) => void>();
  private readonly exited: Promise<number | null>;

  private constructor(
    private readonly proc: ChildProcess,
    readonly info: KvsLocalInfo,
    readonly pid: number,
  ) {
    this.exited = new Promise((resolve) => {
      if (proc.exitCode !== null) resolve(proc.exitCode);
      else proc.once('exit', (code) => resolve(code));
    });
    proc.on('message', (raw) => {
      const msg = raw as ChildReply;
      if (msg.type === 'reply') {
        this.waiting.get(msg.id)?.(msg);
        this.waiting.delete(msg.id);
      }
    });
  }

  static async start(options: ChildOptions, timeoutMs = 30_000): Promise<KvsChild> {
    const proc = fork(childScript, [JSON.stringify(options)], {
      cwd: repoRoot,
      execArgv: ['--import', 'tsx', '--expose-gc'],
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    });
    live.add(proc);
    proc.once('exit', () => live.delete(proc));
    const ready = new Promise<Extract<ChildReply, { type: 'ready' }>>((resolve, reject) => {
      proc.on('message', (raw) => {
        const msg = raw as ChildReply;
        if (msg.type === 'ready') resolve(msg);
      });
      proc.once('exit', (code) => reject(new Error(`bench child exited (${code}) before it was ready`)));
      proc.once('error', reject);
    });
    try {
      const msg = await withTimeout(ready, timeoutMs, 'starting kvs-local child');
      return new KvsChild(proc, msg.info, msg.pid);
    } catch (err) {
      proc.kill('SIGKILL');
      throw err;
    }
  }

  /** The child's memory after a full GC. */
  async memory(): Promise<NodeJS.MemoryUsage> {
    const id = ++this.seq;
    const reply = new Promise<Extract<ChildReply, { type: 'reply' }>>((resolve) =>
      this.waiting.set(id, resolve),
    );
    this.proc.send({ cmd: 'mem', id } satisfies ChildRequest);
    const r = await withTimeout(reply, 10_000, 'child memory reading');
    if (!r.gc) throw new Error('bench child has no gc(); memory readings would include garbage');
    return r.memory;
  }

  /** CPU seconds the child has used (all threads), from /proc. */
  cpuSeconds(): number | undefined {
    return procCpuSeconds(this.pid);
  }

  /** Asks kvs-local to close and waits for the exit; kills it if it has not gone within `timeoutMs`. */
  async close(timeoutMs = 8000): Promise<void> {
    if (this.proc.exitCode !== null || this.proc.signalCode !== null) return;
    if (this.proc.connected) this.proc.send({ cmd: 'close' } satisfies ChildRequest);
    else this.proc.kill('SIGTERM');
    try {
      await withTimeout(this.exited, timeoutMs, 'kvs-local child exit');
    } catch {
      this.proc.kill('SIGKILL');
      await this.exited;
    }
  }
}

const live = new Set<ChildProcess>();

/** Kills children still running (an aborted bench); called from the runner's exit path. */
export function killChildren(): void {
  for (const p of live) p.kill('SIGKILL');
}
