/**
 * What a tile says about its session (src-renderer/tile/status.ts), state by state, and that every status
 * carries its own shape (StatusIcon.svelte, rendered here on the server) besides its words and colour.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Component } from 'svelte';
import { compile } from 'svelte/compiler';
import { render } from 'svelte/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tileStatus, type StatusIcon, type TileStatus } from '../../../src-renderer/tile/status';
import type { ViewerReason, ViewerSnapshot, ViewerState } from '../../../src-renderer/viewer/types';

const NOW = 1_700_000_000_000;

function snap(state: ViewerState, patch: Partial<ViewerSnapshot> = {}): ViewerSnapshot {
  return {
    tileId: 'tile-1',
    channelArn: 'arn:aws:kinesisvideo:us-west-2:123456789012:channel/lobby/1700000000000',
    state,
    reason: null,
    mode: 'p2p',
    signalingOpen: true,
    framesDecoded: 0,
    lastPictureAt: null,
    frozenForMs: null,
    attempt: 0,
    nextRetryAt: null,
    waterfall: {},
    g2gMs: null,
    talking: false,
    ...patch,
  };
}

const reason = (code: ViewerReason['code'], message: string, retrying = true): ViewerReason => ({
  code,
  message,
  retrying,
});

const shown = (s: TileStatus): string => `${s.icon}: ${s.text}`;

describe('tile status text and icon', () => {
  it('an empty tile invites a drop', () => {
    expect(tileStatus(null, NOW)).toEqual({ icon: 'empty', text: 'Empty — drop a camera here', detail: '' });
  });

  it.each(['idle', 'preparing', 'signaling', 'negotiating'] as const)('%s says Connecting…', (state) => {
    expect(shown(tileStatus(snap(state), NOW))).toBe('connecting: Connecting…');
  });

  it('live says Live, and mentions signaling reconnecting behind the picture in the detail', () => {
    expect(tileStatus(snap('live'), NOW)).toEqual({ icon: 'live', text: 'Live', detail: '' });
    const behind = snap('live', {
      signalingOpen: false,
      reason: reason('SignalingLost', 'Signaling closed; the picture continues — reconnecting signaling…'),
    });
    expect(tileStatus(behind, NOW)).toEqual({ icon: 'live', text: 'Live', detail: 'Signaling reconnecting' });
  });

  it('a frozen picture says Frozen with its age in whole seconds (at least 1)', () => {
    const frozen = (ms: number) =>
      tileStatus(
        snap('recovering', { reason: reason('Frozen', 'The picture stopped.'), frozenForMs: ms }),
        NOW,
      );
    expect(shown(frozen(4_000))).toBe('frozen: Frozen 4 s');
    expect(shown(frozen(4_400))).toBe('frozen: Frozen 4 s');
    expect(shown(frozen(4_600))).toBe('frozen: Frozen 5 s');
    expect(shown(frozen(200))).toBe('frozen: Frozen 1 s');
    expect(frozen(12_000).detail).toBe('The picture stopped.');
  });

  it('a camera that does not answer says Offline, with the next try in the detail', () => {
    const s = tileStatus(
      snap('recovering', {
        reason: reason('CameraOffline', 'The camera is not answering — it may be offline. Retrying…'),
        nextRetryAt: NOW + 4_200,
      }),
      NOW,
    );
    expect(shown(s)).toBe('offline: Offline — camera not answering');
    expect(s.detail).toBe('The camera is not answering — it may be offline. Retrying… Next try in 5 s.');
    const gaveUp = tileStatus(snap('failed', { reason: reason('CameraOffline', 'Gave up.', false) }), NOW);
    expect(shown(gaveUp)).toBe('offline: Offline — camera not answering');
  });

  it.each([
    ['MediaFailed', 'The media connection failed.'],
    ['SignalingLost', 'Could not connect to the signaling channel'],
    ['Throttled', 'KVS throttled the call.'],
  ] as const)('recovering from %s says Reconnecting…', (code, message) => {
    const s = tileStatus(
      snap('recovering', { reason: reason(code, message), nextRetryAt: NOW + 1_000 }),
      NOW,
    );
    expect(shown(s)).toBe('reconnecting: Reconnecting…');
    expect(s.detail).toBe(`${message} Next try in 1 s.`);
  });

  it('a refusal says Refused: with the reason, a deleted channel says Channel gone:', () => {
    const denied = tileStatus(
      snap('failed', { reason: reason('AccessDenied', 'This profile may not connect as a viewer.', false) }),
      NOW,
    );
    expect(shown(denied)).toBe('refused: Refused: This profile may not connect as a viewer.');
    const gone = tileStatus(
      snap('failed', { reason: reason('ChannelNotFound', 'lobby was deleted.', false) }),
      NOW,
    );
    expect(shown(gone)).toBe('refused: Channel gone: lobby was deleted.');
    expect(shown(tileStatus(snap('failed'), NOW))).toBe('refused: Refused: the connection was refused');
  });

  it('a closed session says Closed', () => {
    expect(shown(tileStatus(snap('closed'), NOW))).toBe('empty: Closed');
  });
});

describe('status shapes (not colour alone)', () => {
  const icons: StatusIcon[] = ['empty', 'connecting', 'live', 'reconnecting', 'frozen', 'offline', 'refused'];
  let svg: (icon: StatusIcon) => string;
  let file = '';
  afterAll(() => {
    if (file) rmSync(file, { force: true });
  });

  beforeAll(async () => {
    // Compile the component for the server and render each icon to markup (no DOM needed).
    const source = readFileSync('src-renderer/tile/StatusIcon.svelte', 'utf8').replace(
      /<script lang="ts">[\s\S]*?<\/script>/,
      '<script>let { icon } = $props();</script>',
    );
    const { js } = compile(source, { generate: 'server', runes: true, filename: 'StatusIcon.svelte' });
    const dir = join('test-results', 'unit-renderer');
    mkdirSync(dir, { recursive: true });
    file = join(dir, `StatusIcon-${process.pid}.js`);
    writeFileSync(file, js.code);
    const mod = (await import(pathToFileURL(join(process.cwd(), file)).href)) as {
      default: Component<{ icon: StatusIcon }>;
    };
    svg = (icon) => {
      const body = render(mod.default, { props: { icon } }).body;
      // Only the drawing inside the <svg> (whose class carries the colour): its elements and their
      // fill/dash classes, which are shape, not colour.
      return [...body.matchAll(/<(circle|rect|path)\b([^>]*)>/g)]
        .map((m) => `${m[1]}${m[2] ?? ''}`)
        .join('|');
    };
  });

  it('every status the tile can show has its own drawing', () => {
    const drawings = icons.map((icon) => svg(icon));
    for (const [i, d] of drawings.entries()) expect(d, icons[i]).toMatch(/^(circle|rect|path)/);
    expect(new Set(drawings).size).toBe(icons.length);
  });

  it('the status words differ wherever the shape does, so neither relies on colour', () => {
    const samples: TileStatus[] = [
      tileStatus(null, NOW),
      tileStatus(snap('negotiating'), NOW),
      tileStatus(snap('live'), NOW),
      tileStatus(snap('recovering', { reason: reason('MediaFailed', 'x') }), NOW),
      tileStatus(snap('recovering', { reason: reason('Frozen', 'x'), frozenForMs: 3_000 }), NOW),
      tileStatus(snap('recovering', { reason: reason('CameraOffline', 'x') }), NOW),
      tileStatus(snap('failed', { reason: reason('AccessDenied', 'x', false) }), NOW),
    ];
    expect(samples.map((x) => x.icon)).toEqual(icons);
    expect(new Set(samples.map((x) => x.text)).size).toBe(samples.length);
  });
});
