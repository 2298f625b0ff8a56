import type { Ipc } from '../lib/ipc.svelte';
import type { Notices } from '../lib/notices.svelte';
import type { SettingsState } from '../settings/settingsState.svelte';
import { channelNameOf } from './layouts';
import { tileChannel, type Layout, type TileChannel, type WallState } from './wallState.svelte';

/** Saved layouts (`layouts:list/save/delete`): open one, save the wall as one, mark one as the default. */
export class SavedLayouts {
  list = $state.raw<readonly Layout[]>([]);
  opening = $state(false);

  readonly #ipc: Ipc;
  readonly #notices: Notices;
  readonly #wall: WallState;
  readonly #settings: SettingsState;

  constructor(ipc: Ipc, notices: Notices, wall: WallState, settings: SettingsState) {
    this.#ipc = ipc;
    this.#notices = notices;
    this.#wall = wall;
    this.#settings = settings;
  }

  async load(): Promise<void> {
    try {
      this.list = (await this.#ipc.call('layouts:list', {})).layouts;
    } catch (error) {
      this.#notices.report('Layouts', error);
    }
  }

  /** Saves the wall under `name` (replacing the layout of that name, if any). */
  async save(name: string): Promise<void> {
    const trimmed = name.trim();
    if (!trimmed) return;
    const id = this.list.find((l) => l.name === trimmed)?.id ?? crypto.randomUUID();
    try {
      const saved = (await this.#ipc.call('layouts:save', { layout: this.#wall.toLayout(id, trimmed) }))
        .layout;
      this.list = [...this.list.filter((l) => l.id !== saved.id), saved];
    } catch (error) {
      this.#notices.report(`Layout ${trimmed}`, error);
    }
  }

  async remove(id: string): Promise<void> {
    try {
      await this.#ipc.call('layouts:delete', { id });
      this.list = this.list.filter((l) => l.id !== id);
      if (this.#settings.value.defaultLayoutId === id) await this.#settings.set({ defaultLayoutId: null });
    } catch (error) {
      this.#notices.report('Layouts', error);
    }
  }

  /**
   * Opens a saved layout: looks its channels up in the catalog, then assigns every tile at once — main
   * paces the connects per channel, so the wall does not stagger them itself.
   */
  async open(id: string): Promise<void> {
    const saved = this.list.find((l) => l.id === id);
    if (!saved) return;
    this.opening = true;
    try {
      const arns = saved.tiles.flatMap((t) => (t.channelArn ? [t.channelArn] : []));
      const unique = arns.filter((arn, i) => arns.indexOf(arn) === i);
      this.#wall.apply(saved, await Promise.all(unique.map((arn) => this.#lookup(arn))));
    } finally {
      this.opening = false;
    }
  }

  async #lookup(arn: string): Promise<TileChannel> {
    try {
      return tileChannel((await this.#ipc.call('catalog:channel', { channelArn: arn })).channel);
    } catch (error) {
      // The tile still opens: its session reports what is wrong with the channel in its own words.
      this.#notices.report(`Layout channel ${channelNameOf(arn)}`, error);
      return { arn, name: channelNameOf(arn), summary: null };
    }
  }
}
