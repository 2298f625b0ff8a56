/**
 * Publishes a session's snapshots: a new object on every change; state changes go out at once, pure
 * frame-counter changes at most every {@link FRAME_SNAPSHOT_INTERVAL_MS} (≤ 4/s per tile, so 25 tiles do
 * not flood the UI with 25 × 25 fps snapshots).
 */
import type { Clock } from './ports';
import type { ViewerSnapshot } from './types';

export const FRAME_SNAPSHOT_INTERVAL_MS = 250;

export class SnapshotPublisher {
  private current: ViewerSnapshot;
  private lastAt = Number.NEGATIVE_INFINITY;
  private timer: unknown = undefined;

  constructor(
    private readonly clock: Clock,
    private readonly build: () => ViewerSnapshot,
    private readonly emit: (snapshot: ViewerSnapshot) => void,
  ) {
    this.current = build();
  }

  get snapshot(): ViewerSnapshot {
    return this.current;
  }

  /** Something the tile must show now changed (state, reason, mode, signaling, talking…). */
  now(): void {
    this.cancel();
    this.current = this.build();
    this.lastAt = this.clock.now();
    this.emit(this.current);
  }

  /** Only counters changed (frames, picture time, g2g): publish at most every 250 ms. */
  soon(): void {
    if (this.timer !== undefined) return;
    const wait = this.lastAt + FRAME_SNAPSHOT_INTERVAL_MS - this.clock.now();
    if (wait <= 0) {
      this.now();
      return;
    }
    this.timer = this.clock.setTimeout(() => {
      this.timer = undefined;
      this.now();
    }, wait);
  }

  cancel(): void {
    if (this.timer === undefined) return;
    this.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }
}
