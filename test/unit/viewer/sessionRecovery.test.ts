import { describe, expect, it } from 'vitest';
import { FROZEN_AFTER_MS, ICE_RESTART_AT_MS, RESUME_GRACE_MS } from '../../../src-renderer/viewer/watchdog';
import { goLive, play, rig, settle } from './fakes';

describe('ViewerSession: staying up', () => {
  it('keeps media when signaling closes while live and reconnects signaling with backoff', async () => {
    const r = rig({ autoOpen: false, random: () => 1 });
    void r.session.start();
    await settle();
    r.sig().accept();
    await settle();
    r.sig().answer();
    await settle();
    r.peer().state('connected');
    await settle();
    const peer = r.peer();
    expect(r.session.snapshot().state).toBe('live');

    // The 10-minute idle close (or the 1 h cap after GO_AWAY): the socket goes, the peer stays.
    r.sig().drop();
    await settle();
    let s = r.session.snapshot();
    expect(s.state).toBe('live');
    expect(s.signalingOpen).toBe(false);
    expect(s.reason?.code).toBe('SignalingLost');
    expect(peer.closed).toBe(false);

    // First reconnect comes after a short delay, and it is signed afresh.
    await play(r, 999);
    expect(r.sigs).toHaveLength(1);
    await play(r, 1);
    expect(r.sigs).toHaveLength(2);
    expect(r.api.count('kvs:signConnectUrl')).toBe(2);
    // That attempt is refused: main is told, and the next one waits longer.
    r.sig().refuse();
    await settle();
    expect(r.api.count('kvs:connectFailed')).toBe(1);
    await play(r, 1_999);
    expect(r.sigs).toHaveLength(2);
    await play(r, 1);
    expect(r.sigs).toHaveLength(3);
    r.sig().accept();
    await settle();
    s = r.session.snapshot();
    expect(s.state).toBe('live');
    expect(s.signalingOpen).toBe(true);
    expect(s.reason).toBeNull();
    expect(r.peers).toHaveLength(1);
    expect(peer.closed).toBe(false);
    expect(r.states()).not.toContain('recovering');
  });

  it('rebuilds the peer when media fails, over the same signaling socket', async () => {
    const r = rig();
    await goLive(r);
    const first = r.peer();
    first.state('failed');
    await settle();
    expect(r.session.snapshot().state).toBe('recovering');
    expect(r.session.snapshot().reason?.code).toBe('MediaFailed');
    expect(first.closed).toBe(true);
    await r.clock.advance(1_000);
    expect(r.peers).toHaveLength(2);
    expect(r.sigs).toHaveLength(1);
    expect(r.sig().offers()).toHaveLength(2);
    r.sig().answer();
    await settle();
    r.peer().state('connected');
    await settle();
    expect(r.session.snapshot().state).toBe('live');
    expect(r.session.snapshot().attempt).toBe(0);
  });

  it('rides out a short "disconnected" but rebuilds after 3 s of it', async () => {
    const r = rig();
    await goLive(r);
    r.peer().state('disconnected');
    await r.clock.advance(2_000);
    r.peer().state('connected');
    await r.clock.advance(10_000);
    r.session.notePicture({ at: r.clock.now(), advanced: true, g2gMs: null });
    expect(r.peers).toHaveLength(1);
    expect(r.session.snapshot().state).toBe('live');

    r.peer().state('disconnected');
    await r.clock.advance(2_999);
    expect(r.peer().closed).toBe(false);
    await r.clock.advance(1);
    expect(r.peers[0]?.closed).toBe(true);
    expect(r.session.snapshot().reason?.code).toBe('MediaFailed');
  });

  it('detects a frozen picture, shows its age, recovers in stages and goes live when it advances', async () => {
    const r = rig();
    await goLive(r);
    const t0 = r.clock.now();
    // The camera keeps sending the same frame: frames arrive, the picture does not advance.
    const repeat = async (ms: number): Promise<void> => {
      for (let i = 0; i < ms / 250; i++) {
        r.session.notePicture({ at: r.clock.now(), advanced: false, g2gMs: null, frames: 6 });
        await r.clock.advance(250);
      }
    };
    await repeat(2_750);
    expect(r.session.snapshot().state).toBe('live');
    await repeat(250);
    let s = r.session.snapshot();
    expect(s.state).toBe('recovering');
    expect(s.reason?.code).toBe('Frozen');
    expect(s.frozenForMs).toBe(3_000);
    await repeat(1_000);
    expect(r.session.snapshot().frozenForMs).toBe(4_000);

    // Stage 1 at 6 s: an ICE restart offer on the same peer.
    await repeat(2_000);
    expect(r.peers).toHaveLength(1);
    expect(r.peer().offers.at(-1)).toEqual({ iceRestart: true });
    expect(r.sig().offers()).toHaveLength(2);
    r.sig().answer();
    await settle();

    // Stage 2 at 12 s: a new peer.
    await repeat(6_000);
    expect(r.clock.now() - t0).toBe(12_000);
    expect(r.peers).toHaveLength(2);
    expect(r.peers[0]?.closed).toBe(true);
    r.sig().answer();
    await settle();
    r.peer().state('connected');
    await settle();
    // Connected again, but still the same picture: still frozen, and the age keeps counting.
    s = r.session.snapshot();
    expect(s.state).toBe('recovering');
    expect(s.reason?.code).toBe('Frozen');
    await repeat(1_000);
    expect(r.session.snapshot().frozenForMs).toBe(13_000);

    // The picture advances: live at once.
    r.session.notePicture({ at: r.clock.now(), advanced: true, g2gMs: 50 });
    s = r.session.snapshot();
    expect(s.state).toBe('live');
    expect(s.reason).toBeNull();
    expect(s.frozenForMs).toBeNull();
    expect(s.framesDecoded).toBeGreaterThan(13 * 4 * 6);
  });

  it('does not call a paused tile frozen, and after resuming waits RESUME_GRACE_MS for the first picture', async () => {
    const r = rig();
    await goLive(r);
    r.session.setVideoPaused(true);
    await settle();
    expect(r.peer().paused).toBe(true);
    await r.clock.advance(60_000);
    expect(r.session.snapshot().state).toBe('live');
    r.session.setVideoPaused(false);
    const resumedAt = r.clock.now();
    // The resumed receiver is still waiting for a key frame: not frozen yet, long after FROZEN_AFTER_MS.
    await r.clock.advance(RESUME_GRACE_MS - 1_000);
    let s = r.session.snapshot();
    expect(s.state).toBe('live');
    expect(s.frozenForMs).toBeNull();
    await r.clock.advance(1_000);
    s = r.session.snapshot();
    expect(s.reason?.code).toBe('Frozen');
    // The picture's age counts from the resume, not from before the pause.
    expect(s.frozenForMs).toBe(RESUME_GRACE_MS);
    expect(r.peer().offers).toHaveLength(1);
    // Staged recovery keeps its spacing after the grace: ICE restart at 6 s of (graced) picture age.
    await r.clock.advance(ICE_RESTART_AT_MS - FROZEN_AFTER_MS - 1_000);
    expect(r.peer().offers).toHaveLength(1);
    await r.clock.advance(1_000);
    expect(r.clock.now() - resumedAt).toBe(RESUME_GRACE_MS + ICE_RESTART_AT_MS - FROZEN_AFTER_MS);
    expect(r.peer().offers.at(-1)).toEqual({ iceRestart: true });
  });

  it('applies the usual 3 s again once the resumed picture has advanced', async () => {
    const r = rig();
    await goLive(r);
    r.session.setVideoPaused(true);
    await r.clock.advance(30_000);
    r.session.setVideoPaused(false);
    await r.clock.advance(4_000);
    expect(r.session.snapshot().state).toBe('live');
    // The key frame arrived: from now on the picture is judged as always.
    r.session.notePicture({ at: r.clock.now(), advanced: true, g2gMs: 40 });
    await r.clock.advance(FROZEN_AFTER_MS - 1_000);
    expect(r.session.snapshot().state).toBe('live');
    await r.clock.advance(1_000);
    const s = r.session.snapshot();
    expect(s.reason?.code).toBe('Frozen');
    expect(s.frozenForMs).toBe(FROZEN_AFTER_MS);
  });

  it('says the camera is offline when no answer comes, and keeps retrying with a capped backoff', async () => {
    const r = rig({ random: () => 1 });
    void r.session.start();
    await settle();
    await r.clock.advance(7_999);
    expect(r.session.snapshot().state).toBe('negotiating');
    await r.clock.advance(1);
    let s = r.session.snapshot();
    expect(s.state).toBe('recovering');
    expect(s.reason).toEqual({
      code: 'CameraOffline',
      message: 'The camera is not answering — it may be offline. Retrying…',
      retrying: true,
    });
    const gaps: number[] = [];
    for (let i = 0; i < 8; i++) {
      const wait = (r.session.snapshot().nextRetryAt ?? 0) - r.clock.now();
      gaps.push(wait);
      const offers = r.sig().offers().length;
      await r.clock.advance(wait);
      expect(r.sig().offers()).toHaveLength(offers + 1);
      await r.clock.advance(8_000);
    }
    expect(Math.max(...gaps)).toBeLessThanOrEqual(12_000);
    expect(gaps[0]).toBeLessThan(gaps[3] ?? 0);
    expect(r.sigs).toHaveLength(1);
    // Each unanswered peer was replaced by the next offer's.
    expect(r.peers.slice(0, -1).every((p) => p.closed)).toBe(true);

    // The camera comes back and answers the latest offer during the wait: no further retry, live.
    r.sig().answer();
    await settle();
    expect(r.session.snapshot().nextRetryAt).toBeNull();
    r.peer().state('connected');
    await settle();
    s = r.session.snapshot();
    expect(s.state).toBe('live');
    expect(s.attempt).toBe(0);
    const peers = r.peers.length;
    await play(r, 30_000);
    expect(r.peers).toHaveLength(peers);
    expect(r.session.snapshot().state).toBe('live');
  });

  it('ignores an answer when no offer is waiting for one', async () => {
    const r = rig();
    await goLive(r);
    r.sig().answer('v=0 stray');
    await settle();
    expect(r.peer().remoteDescriptions).toHaveLength(1);
    expect(r.session.snapshot().state).toBe('live');
  });
});
