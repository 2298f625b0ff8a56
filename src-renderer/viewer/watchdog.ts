/**
 * The frozen-picture watchdog's decisions (design.md "Viewer session"): no advanced picture for 3 s while
 * live -> frozen; then staged recovery — an ICE restart at 6 s of picture age, a new peer at 12 s, then new
 * peers with backoff. "Advanced" comes from the frame probe (a frozen simulated camera keeps sending the same
 * frame, so frames arriving prove nothing). The session owns the timer and acts on what {@link check} says.
 */
import { retryDelayMs } from './backoff';
import type { Random } from './ports';

export const FROZEN_AFTER_MS = 3_000;
export const ICE_RESTART_AT_MS = 6_000;
export const NEW_PEER_AT_MS = 12_000;
export const WATCHDOG_TICK_MS = 1_000;
/**
 * After `setVideoPaused(false)` the picture is not judged until it advanced once or this much time passed:
 * the video receiver has to get a key frame before it decodes again (browserPeer.ts), which can take longer
 * than {@link FROZEN_AFTER_MS}. See ViewerSessionImpl.tick.
 */
export const RESUME_GRACE_MS = 10_000;

export type WatchdogAction = 'none' | 'freeze' | 'iceRestart' | 'newPeer';

export class FrozenWatchdog {
  /** True from the freeze until the picture advances (across peer rebuilds). */
  frozen = false;
  private stage = 0;
  private baselineAt = 0;
  private escalateAt = Number.POSITIVE_INFINITY;

  constructor(private readonly random: Random) {}

  /**
   * One tick while media is up and the video is not paused. `baselineAt` is the latest of: the last
   * advanced picture, the moment media came up, the moment video was resumed.
   */
  check(now: number, baselineAt: number, canIceRestart: boolean): WatchdogAction {
    if (!this.frozen) {
      if (now - baselineAt < FROZEN_AFTER_MS) return 'none';
      this.frozen = true;
      this.stage = 0;
      this.baselineAt = baselineAt;
      this.escalateAt = baselineAt + (canIceRestart ? ICE_RESTART_AT_MS : NEW_PEER_AT_MS);
      return 'freeze';
    }
    if (now < this.escalateAt) return 'none';
    if (this.stage === 0 && canIceRestart) {
      this.stage = 1;
      this.escalateAt = Math.max(this.baselineAt + NEW_PEER_AT_MS, now + WATCHDOG_TICK_MS);
      return 'iceRestart';
    }
    this.stage = Math.max(this.stage, 1) + 1;
    // Wait for the new peer to connect (reconnected) before the next step is timed.
    this.escalateAt = Number.POSITIVE_INFINITY;
    return 'newPeer';
  }

  /** The ICE restart could not be done or failed: go to a new peer on the next tick. */
  escalateNow(now: number): void {
    if (this.frozen) this.escalateAt = now;
  }

  /** A peer rebuilt during the freeze is connected: time the next rebuild with backoff. */
  reconnected(now: number): void {
    if (!this.frozen) return;
    this.escalateAt = now + retryDelayMs('Frozen', Math.max(1, this.stage - 1), this.random);
  }

  /** The picture advanced (or the session starts over): not frozen any more. */
  reset(): void {
    this.frozen = false;
    this.stage = 0;
    this.escalateAt = Number.POSITIVE_INFINITY;
  }
}
