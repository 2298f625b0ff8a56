import { settings as settingsSchema } from '../../../../src-shared/ipc/schemas';
import { DEFAULT_SETTINGS } from '../../../../src-shared/ipc/settingsDefaults';
import type { Logger } from '../../types';
import type { Settings } from '../model';
import type { Sql } from '../sql';
import { validate } from '../validate';

/** What a fresh install uses (shared with the renderer); a stored value overrides its key. */
export { DEFAULT_SETTINGS };

const KEYS = Object.keys(DEFAULT_SETTINGS) as (keyof Settings)[];

/** Operator settings as key → JSON rows, read over the defaults and checked against the contract's schema. */
export class SettingsRepo {
  private readonly all;
  private readonly put;

  constructor(
    private readonly sql: Sql,
    private readonly log: Logger,
  ) {
    this.all = sql.prepare<void, { key: string; value: string }>(
      'settings.get',
      'SELECT key, value FROM settings',
    );
    this.put = sql.prepare<{ key: string; value: string }>(
      'settings.set',
      `INSERT INTO settings (key, value) VALUES (:key, :value)
       ON CONFLICT (key) DO UPDATE SET value = excluded.value`,
    );
  }

  /**
   * The settings: defaults overlaid with stored values. A stored value that no longer fits the schema (an
   * older build's, a hand edit) falls back to its default rather than breaking the console.
   */
  get(): Settings {
    const out: Record<string, unknown> = { ...DEFAULT_SETTINGS };
    for (const { key, value } of this.all.all()) {
      if (!(key in DEFAULT_SETTINGS)) continue;
      const field = settingsSchema.shape[key as keyof Settings].safeParse(JSON.parse(value));
      if (field.success) out[key] = field.data;
      else this.log.warn('catalog: stored setting ignored', { key });
    }
    return out as Settings;
  }

  /** Applies a partial update in one transaction and returns the whole settings. */
  set(patch: Partial<Settings>): Settings {
    const p = validate(settingsSchema.partial().strict(), patch, 'settings patch');
    this.sql.tx('settings.set', () => {
      for (const key of KEYS) {
        if (p[key] !== undefined) this.put.run({ key, value: JSON.stringify(p[key]) });
      }
    });
    return this.get();
  }
}
