import { describe, expect, it } from 'vitest';
import type { Res } from '../../../src-shared/ipc/contract';
import type { IpcResult } from '../../../src-shared/ipc/errors';
import { CHANNEL, CLIENT_ID, TILE, fail, goLive, prepared, rig, settle } from './fakes';

describe('ViewerSession: connecting', () => {
  it('goes idle -> preparing -> signaling -> negotiating -> live and records the waterfall', async () => {
    const r = rig({ autoOpen: false });
    // Each IPC step takes a known time on the fake clock.
    r.api.on(
      'kvs:prepareViewer',
      () =>
        new Promise<IpcResult<Res<'kvs:prepareViewer'>>>((resolve) =>
          r.clock.setTimeout(() => resolve({ ok: true, value: prepared() }), 100),
        ),
    );
    r.api.on(
      'kvs:signConnectUrl',
      () =>
        new Promise<IpcResult<Res<'kvs:signConnectUrl'>>>((resolve) =>
          r.clock.setTimeout(() => resolve({ ok: true, value: { url: 'wss://signed' } }), 50),
        ),
    );
    void r.session.start();
    await r.clock.advance(150);
    expect(r.session.snapshot().state).toBe('signaling');
    await r.clock.advance(30);
    r.sig().accept();
    await settle();
    expect(r.session.snapshot().state).toBe('negotiating');
    await r.clock.advance(120);
    r.sig().answer();
    await r.clock.advance(100);
    r.peer().state('connected');
    await r.clock.advance(100);
    r.session.notePicture({ at: r.clock.now(), advanced: true, g2gMs: 35 });

    expect(r.states()).toEqual(['preparing', 'signaling', 'negotiating', 'live']);
    const s = r.session.snapshot();
    expect(s.waterfall).toEqual({
      prepare: 100,
      sign: 150,
      socketOpen: 180,
      offerAnswer: 300,
      ice: 400,
      firstFrame: 500,
    });
    expect(s.signalingOpen).toBe(true);
    expect(s.reason).toBeNull();
    expect(s.g2gMs).toBe(35);
    expect(s.mode).toBe('p2p');
    // The stable ClientId main returned, and the signing request named this tile and channel.
    expect(r.sig().init.clientId).toBe(CLIENT_ID);
    expect(r.api.calls.find((c) => c.channel === 'kvs:signConnectUrl')?.req).toMatchObject({
      channelArn: CHANNEL,
      tileId: TILE,
      endpoint: prepared().endpoints.wss,
    });
    expect(r.sig().offers()).toHaveLength(1);
  });

  it('holds remote candidates until the answer is applied, and local ones until the offer is out', async () => {
    const r = rig({ autoOpen: false });
    void r.session.start();
    await settle();
    // Gathering starts while the socket connects: this candidate must wait for the socket and the offer.
    r.peer().localCandidate('local-1');
    await settle();
    expect(r.sig().sent).toEqual([]);
    r.sig().accept();
    await settle();
    expect(r.sig().sent.map((s) => s.type)).toEqual(['offer', 'candidate']);
    r.peer().localCandidate('local-2');
    expect(r.sig().sent.at(-1)).toEqual({ type: 'candidate', candidate: 'local-2' });

    // The camera trickles before its answer arrives.
    r.sig().candidate('remote-1');
    r.sig().candidate('remote-2');
    await settle();
    expect(r.peer().remoteCandidates).toEqual([]);
    r.sig().answer();
    await settle();
    expect(r.peer().remoteCandidates).toEqual(['remote-1', 'remote-2']);
    expect(r.sig().drains).toBe(1);
    r.sig().candidate('remote-3');
    await settle();
    expect(r.peer().remoteCandidates).toEqual(['remote-1', 'remote-2', 'remote-3']);
  });

  it('serialises start: a second start() during the first opens nothing more', async () => {
    const r = rig();
    let release: () => void = () => {};
    r.api.on(
      'kvs:prepareViewer',
      () =>
        new Promise<IpcResult<Res<'kvs:prepareViewer'>>>((resolve) => {
          release = () => resolve({ ok: true, value: prepared() });
        }),
    );
    const first = r.session.start();
    const second = r.session.start();
    await settle();
    release();
    await Promise.all([first, second]);
    expect(r.api.count('kvs:prepareViewer')).toBe(1);
    expect(r.sigs).toHaveLength(1);
    expect(r.peers).toHaveLength(1);
  });

  it('restart during a start aborts the first attempt before it opens a socket', async () => {
    const r = rig();
    const releases: Array<() => void> = [];
    r.api.on(
      'kvs:prepareViewer',
      () =>
        new Promise<IpcResult<Res<'kvs:prepareViewer'>>>((resolve) => {
          releases.push(() => resolve({ ok: true, value: prepared() }));
        }),
    );
    void r.session.start();
    await settle();
    const restarted = r.session.restart('operator');
    await settle();
    expect(releases).toHaveLength(2);
    releases[0]?.();
    releases[1]?.();
    await restarted;
    await settle();
    expect(r.sigs).toHaveLength(1);
    expect(r.sigs.filter((s) => s.state === 'open')).toHaveLength(1);
  });

  it('close() is idempotent and aborts the step in flight', async () => {
    const r = rig();
    let release: () => void = () => {};
    r.api.on(
      'kvs:prepareViewer',
      () =>
        new Promise<IpcResult<Res<'kvs:prepareViewer'>>>((resolve) => {
          release = () => resolve({ ok: true, value: prepared() });
        }),
    );
    void r.session.start();
    await settle();
    expect(r.session.snapshot().state).toBe('preparing');
    const a = r.session.close();
    const b = r.session.close();
    expect(b).toBe(a);
    await a;
    expect(r.session.snapshot().state).toBe('closed');
    // The prepare answer comes back after the close: nothing may be opened with it.
    release();
    await r.clock.advance(60_000);
    expect(r.sigs).toHaveLength(0);
    expect(r.peers).toHaveLength(0);
    expect(r.states().filter((s) => s === 'closed')).toHaveLength(1);
    await r.session.start();
    expect(r.api.count('kvs:prepareViewer')).toBe(1);
  });

  it('close() while live closes the peer and the socket and drops the stream', async () => {
    const r = rig();
    await goLive(r);
    r.peer().stream();
    expect(r.session.stream()).not.toBeNull();
    await r.session.close();
    expect(r.peer().closed).toBe(true);
    expect(r.sig().closedByClient).toBe(true);
    expect(r.session.stream()).toBeNull();
    expect(r.events.at(-2)).toMatchObject({ type: 'transition', from: 'live', to: 'closed' });
    expect(r.clock.pending).toBe(0);
  });

  it.each([
    ['AccessDenied', 'kvs:prepareViewer', /Access denied/],
    ['ChannelNotFound', 'kvs:prepareViewer', /deleted or is not visible/],
    ['InvalidArgument', 'kvs:signConnectUrl', /refused this tile's connection/],
    ['AccessDenied', 'kvs:signConnectUrl', /Access denied/],
  ] as const)('does not retry %s from %s', async (code, channel, message) => {
    const r = rig();
    r.api.on(channel, () => fail(code, 'because'));
    await r.session.start();
    await settle();
    const s = r.session.snapshot();
    expect(s.state).toBe('failed');
    expect(s.reason?.code).toBe(code);
    expect(s.reason?.retrying).toBe(false);
    expect(s.reason?.message).toMatch(message);
    expect(s.nextRetryAt).toBeNull();
    const calls = r.api.calls.length;
    await r.clock.advance(10 * 60_000);
    expect(r.api.calls.length).toBe(calls);
  });

  it('backs off longer on ClientLimitExceeded than on Throttled, and says so', async () => {
    const delays: Record<string, number> = {};
    for (const code of ['ClientLimitExceeded', 'Throttled'] as const) {
      const r = rig({ random: () => 1 });
      r.api.on('kvs:signConnectUrl', () => fail(code));
      await r.session.start();
      await settle();
      const s = r.session.snapshot();
      expect(s.state).toBe('recovering');
      expect(s.reason?.retrying).toBe(true);
      delays[code] = (s.nextRetryAt ?? 0) - r.clock.now();
      if (code === 'ClientLimitExceeded')
        expect(s.reason?.message).toBe(
          `Too many viewers on this channel (10 at most) — retrying in ${Math.ceil(delays[code] / 1000)} s`,
        );
      // Nothing happens before the delay; the retry prepares again after it.
      await r.clock.advance(delays[code] - 1);
      expect(r.api.count('kvs:prepareViewer')).toBe(1);
      await r.clock.advance(1);
      expect(r.api.count('kvs:prepareViewer')).toBe(2);
    }
    expect(delays.ClientLimitExceeded).toBeGreaterThanOrEqual(15_000);
    expect(delays.ClientLimitExceeded).toBeGreaterThan(3 * (delays.Throttled ?? 0));
  });

  it('tells main about a refused socket and retries with growing, jittered, capped delays', async () => {
    const r = rig({ autoOpen: false, random: () => 1 });
    void r.session.start();
    const delays: number[] = [];
    for (let i = 0; i < 7; i++) {
      await settle();
      r.sig().refuse();
      await settle();
      const s = r.session.snapshot();
      expect(s.state).toBe('recovering');
      const delay = (s.nextRetryAt ?? 0) - r.clock.now();
      delays.push(delay);
      await r.clock.advance(delay);
    }
    expect(r.api.count('kvs:connectFailed')).toBe(7);
    expect(r.api.calls.find((c) => c.channel === 'kvs:connectFailed')?.req).toEqual({
      channelArn: CHANNEL,
      tileId: TILE,
    });
    // Every retry prepares again, so a moved or deleted channel is found out there.
    expect(r.api.count('kvs:prepareViewer')).toBe(8);
    expect(delays[1]).toBeGreaterThan(delays[0] ?? Infinity);
    expect(Math.max(...delays)).toBeLessThanOrEqual(15_000);
    expect(Math.min(...delays)).toBeGreaterThanOrEqual(1_000);
  });

  it('throttles pure frame-counter snapshots to 4 a second', async () => {
    const r = rig();
    await goLive(r);
    const before = r.events.filter((e) => e.type === 'snapshot').length;
    for (let i = 0; i < 25; i++) {
      r.session.notePicture({ at: r.clock.now(), advanced: true, g2gMs: 40, frames: 1 });
      await r.clock.advance(40);
    }
    const snapshots = r.events.filter((e) => e.type === 'snapshot').length - before;
    expect(snapshots).toBeGreaterThanOrEqual(3);
    expect(snapshots).toBeLessThanOrEqual(5);
    await r.clock.advance(300);
    expect(r.session.snapshot().framesDecoded).toBe(26);
  });
});
