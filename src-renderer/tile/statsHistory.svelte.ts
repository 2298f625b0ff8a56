import type { Attachment } from 'svelte/attachments';
import type { TileStats, ViewerSession } from '../viewer/types';

const KEEP = 60;
const PERIOD_MS = 1000;

/**
 * The last minute of a tile's stats, sampled once a second only while the overlay is open (its
 * {@link StatsHistory.sampler} attachment runs for as long as the overlay is in the DOM).
 */
export class StatsHistory {
  samples = $state.raw<readonly TileStats[]>([]);
  error = $state<string | null>(null);
  readonly latest: TileStats | undefined = $derived(this.samples.at(-1));

  series(pick: (s: TileStats) => number | null): (number | null)[] {
    return this.samples.map(pick);
  }

  sampler(session: ViewerSession): Attachment {
    return () => {
      let stopped = false;
      let timer: ReturnType<typeof setTimeout> | undefined;
      const tick = async (): Promise<void> => {
        try {
          const stats = await session.getStats();
          if (stopped) return;
          this.samples = [...this.samples.slice(-(KEEP - 1)), stats];
          this.error = null;
        } catch (error) {
          if (!stopped) this.error = error instanceof Error ? error.message : String(error);
        }
        if (!stopped) timer = setTimeout(() => void tick(), PERIOD_MS);
      };
      void tick();
      return () => {
        stopped = true;
        clearTimeout(timer);
      };
    };
  }
}
