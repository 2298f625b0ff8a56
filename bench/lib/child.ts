import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { procCpuSeconds, withTimeout } from './measure';

/**
 * Bench helpers run in forked Node processes (kvs-local itself, and the WebRTC viewers) so their CPU and
 * memory can be read apart from the load generator. `fork` with `--import tsx` rather than `npx tsx`:
 * the tsx CLI runs the script in a further child, and /proc readings need the pid that does the work.
 *
 * Protocol over the IPC channel: the child sends `{type:'ready', ...}` once, then answers
 * `{id, cmd, args}` with `{type:'reply', id, result}` or `{type:'reply', id, error}`. `close` (or the
 * parent disconnecting) makes it clean up and exit.
 */
type Reply = { type: 'reply'; id: number; result?: unknown; error?: string };
type Ready = { type: 'ready'; pid: number; payload: unknown };

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const live = new Set<ChildProcess>();

export class BenchChild<R> {
  private seq = 0;
  private readonly waiting = new Map<number, (r: Reply) => void>();
  private readonly exited: Promise<void>;

  private constructor(
    private readonly proc: ChildProcess,
    readonly pid: number,
    readonly ready: R,
  ) {
    this.exited = new Promise((resolve) => {
      if (proc.exitCode !== null || proc.signalCode !== null) resolve();
      else proc.once('exit', () => resolve());
    });
    proc.on('message', (raw) => {
      const msg = raw as Reply;
      if (msg.type !== 'reply') return;
      this.waiting.get(msg.id)?.(msg);
      this.waiting.delete(msg.id);
    });
  }

  /** Forks `script` (a path relative to bench/) with `args` as JSON in argv[2]; resolves on its 'ready'. */
  static async start<R>(script: string, args: unknown, timeoutMs = 30_000): Promise<BenchChild<R>> {
    const proc = fork(fileURLToPath(new URL(`../${script}`, import.meta.url)), [JSON.stringify(args)], {
      cwd: repoRoot,
      execArgv: ['--import', 'tsx', '--expose-gc'],
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    });
    live.add(proc);
    proc.once('exit', () => live.delete(proc));
    const ready = new Promise<Ready>((resolve, reject) => {
      proc.on('message', (raw) => {
        const msg = raw as Ready;
        if (msg.type === 'ready') resolve(msg);
      });
      proc.once('exit', (code, signal) =>
        reject(new Error(`${script} exited (${code ?? signal}) before it was ready`)),
      );
      proc.once('error', reject);
    });
    try {
      const msg = await withTimeout(ready, timeoutMs, `starting ${script}`);
      return new BenchChild<R>(proc, msg.pid, msg.payload as R);
    } catch (err) {
      proc.kill('SIGKILL');
      throw err;
    }
  }

  /** Sends a command and waits (bounded) for its reply. */
  async request<T>(cmd: string, args?: unknown, timeoutMs = 10_000): Promise<T> {
    const id = ++this.seq;
    const reply = new Promise<Reply>((resolve) => this.waiting.set(id, resolve));
    this.proc.send({ id, cmd, args });
    try {
      const r = await withTimeout(reply, timeoutMs, `child ${cmd}`);
      if (r.error !== undefined) throw new Error(`child ${cmd}: ${r.error}`);
      return r.result as T;
    } finally {
      this.waiting.delete(id);
    }
  }

  /** CPU seconds the child has used (all threads), from /proc. */
  cpuSeconds(): number | undefined {
    return procCpuSeconds(this.pid);
  }

  /** Asks the child to clean up and exit; kills it if it has not gone within `timeoutMs`. */
  async close(timeoutMs = 8000): Promise<void> {
    if (this.proc.exitCode !== null || this.proc.signalCode !== null) return;
    if (this.proc.connected) this.proc.send({ id: 0, cmd: 'close' });
    else this.proc.kill('SIGTERM');
    try {
      await withTimeout(this.exited, timeoutMs, 'child exit');
    } catch {
      this.proc.kill('SIGKILL');
      await this.exited;
    }
    if (this.proc.exitCode !== 0) {
      process.stderr.write(
        `bench: child ${this.pid} ended with ${this.proc.exitCode ?? this.proc.signalCode}\n`,
      );
    }
  }
}

/** Kills children still running (an aborted bench); called from the runner's exit path. */
export function killChildren(): void {
  for (const p of live) p.kill('SIGKILL');
}

/**
 * The child side: answers commands with `handlers`, and on `close` or a lost parent runs `cleanup` and
 * exits with process.exit — deliberately: @roamhq/wrtc's finalizers can crash Node's own teardown
 * (SIGSEGV at exit) once peer connections have carried media, so processes that loaded it end explicitly.
 */
export function serveChild(
  ready: unknown,
  handlers: Record<string, (args: unknown) => unknown>,
  cleanup: () => Promise<void>,
): void {
  let closing = false;
  const shutdown = (): void => {
    if (closing) return;
    closing = true;
    const force = setTimeout(() => process.exit(1), 5000);
    force.unref();
    cleanup().then(
      () => process.exit(0),
      (err: unknown) => {
        process.stderr.write(`bench child: cleanup failed: ${String(err)}\n`);
        process.exit(1);
      },
    );
  };
  process.on('message', (raw) => {
    const { id, cmd, args } = raw as { id: number; cmd: string; args: unknown };
    if (cmd === 'close') return shutdown();
    const handler = handlers[cmd];
    const reply = (r: Omit<Reply, 'type' | 'id'>): void => {
      if (process.connected) process.send?.({ type: 'reply', id, ...r });
    };
    if (!handler) return reply({ error: `unknown command ${cmd}` });
    Promise.resolve()
      .then(() => handler(args))
      .then(
        (result) => reply({ result }),
        (err: unknown) => reply({ error: err instanceof Error ? err.message : String(err) }),
      );
  });
  process.on('disconnect', shutdown);
  process.on('SIGTERM', shutdown);
  process.send?.({ type: 'ready', pid: process.pid, payload: ready } satisfies Ready);
}

/** The argv[2] JSON a bench child was started with. */
export function childArgs<T>(): T {
  return JSON.parse(process.argv[2] ?? '{}') as T;
}
