import type { z } from 'zod';
import type { settings } from './schemas';

/**
 * What a fresh install uses. Main overlays stored values on it; the renderer shows it until main has
 * answered `settings:get`. Type-only imports: the renderer bundles no zod for this.
 */
export const DEFAULT_SETTINGS: Readonly<z.infer<typeof settings>> = Object.freeze({
  micDeviceId: null,
  talkLatch: false,
  duckOthersDb: -18,
  talkFullDuplex: false,
  showStats: false,
  defaultLayoutId: null,
});
