/**
 * The CLI contract later checks rely on: `npm run kvs-local -- …` prints one JSON object as the first line
 * on stdout, logs go to stderr, SIGTERM ends it cleanly, and --state keeps channels across restarts.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { ListSignalingChannelsCommand, KinesisVideoClient } from '@aws-sdk/client-kinesis-video';
import { afterAll, describe, expect, it } from 'vitest';
import type { KvsLocalInfo } from '../../kvs-local/src/server';

type Info = Omit<KvsLocalInfo, 'caCert'>;

const children: ChildProcessWithoutNullStreams[] = [];
const stateDir = mkdtempSync(join(tmpdir(), 'kvs-local-cli-'));
afterAll(() => {
  for (const c of children) {
    try {
      process.kill(-c.pid!, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  rmSync(stateDir, { recursive: true, force: true });
});

async function launch(
  args: string[],
): Promise<{ child: ChildProcessWithoutNullStreams; info: Info; firstLine: string; stderr: () => string }> {
  // Own process group, so a signal reaches npm, its shell, tsx and kvs-local alike (as Ctrl-C does).
  const child = spawn('npm', ['run', 'kvs-local', '--', ...args], {
    cwd: process.cwd(),
    env: { ...process.env },
    detached: true,
  });
  children.push(child);
  let err = '';
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const lines = createInterface({ input: child.stdout });
  const firstLine = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no stdout line within 30 s; stderr: ${err}`)), 30_000);
    lines.once('line', (line) => {
      clearTimeout(timer);
      resolve(line);
    });
    child.once('exit', (code) => reject(new Error(`exited ${code} before printing; stderr: ${err}`)));
  });
  return { child, info: JSON.parse(firstLine) as Info, firstLine, stderr: () => err };
}

function exitOf(child: ChildProcessWithoutNullStreams): Promise<number | null> {
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

/** Signals the whole process group and waits until kvs-local has said goodbye and nothing is left. */
async function stopGroup(
  child: ChildProcessWithoutNullStreams,
  signal: NodeJS.Signals,
  stderr: () => string,
  endpoint: string,
) {
  const exited = exitOf(child);
  process.kill(-child.pid!, signal);
  await exited;
  await new Promise((r) => setTimeout(r, 500));
  expect(stderr()).toContain(`kvs-local: ${signal}, shutting down`);
  expect(stderr()).not.toContain('shutdown failed');
  await expect(fetch(endpoint)).rejects.toThrow(); // the listener is gone
}

describe('kvs-local CLI', () => {
  it('prints its connection info as the first stdout line, serves it, and exits cleanly on SIGTERM', async () => {
    const { child, info, stderr } = await launch([
      '--port',
      '0',
      '--cameras',
      '2',
      '--fps',
      '10',
      '--size',
      '320x180',
      '--state',
      stateDir,
    ]);
    expect(Object.keys(info).sort()).toEqual([
      'accessKeyId',
      'admin',
      'channels',
      'endpoint',
      'region',
      'secretAccessKey',
    ]);
    expect(info.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(info.admin).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(info.channels.map((c) => c.name)).toEqual(['camera-1', 'camera-2']);
    const kv = new KinesisVideoClient({
      region: info.region,
      endpoint: info.endpoint,
      credentials: info,
      maxAttempts: 1,
    });
    const listed = await kv.send(new ListSignalingChannelsCommand({}));
    kv.destroy();
    expect(listed.ChannelInfoList!.map((c) => c.ChannelARN)).toEqual(info.channels.map((c) => c.arn));
    expect(stderr()).toContain('kvs-local: listening on');
    await stopGroup(child, 'SIGTERM', stderr, info.endpoint);
  });

  it('keeps channels in --state DIR across restarts and can issue temporary credentials', async () => {
    const { child, info, stderr } = await launch([
      '--port',
      '0',
      '--cameras',
      '1',
      '--state',
      stateDir,
      '--temporary',
    ]);
    expect(info.sessionToken).toBeTruthy();
    expect(info.channels[0]!.name).toBe('camera-1');
    const kv = new KinesisVideoClient({
      region: info.region,
      endpoint: info.endpoint,
      credentials: info,
      maxAttempts: 1,
    });
    const listed = await kv.send(new ListSignalingChannelsCommand({}));
    kv.destroy();
    // camera-2 came from the previous run's state.
    expect(listed.ChannelInfoList!.map((c) => c.ChannelName)).toEqual(['camera-1', 'camera-2']);
    await stopGroup(child, 'SIGINT', stderr, info.endpoint);
  });

  it('refuses bad arguments with a message that says what is allowed', async () => {
    const child = spawn('npm', ['run', 'kvs-local', '--', '--size', 'huge'], {
      env: { ...process.env },
      detached: true,
    });
    children.push(child);
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    expect(await exitOf(child)).not.toBe(0);
    expect(err).toContain('--size must look like 640x360');
  });
});
