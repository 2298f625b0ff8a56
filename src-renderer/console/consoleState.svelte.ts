import { createContext } from 'svelte';
import type { WatchfloorApi } from '../../src-shared/ipc/api';
import type { Res } from '../../src-shared/ipc/contract';
import { CatalogState } from '../catalog/catalogState.svelte';
import { Ipc } from '../lib/ipc.svelte';
import { Notices } from '../lib/notices.svelte';
import { PageVisibility } from '../lib/pageVisibility.svelte';
import { PublishControl } from '../publish/publishControl.svelte';
import { SettingsState } from '../settings/settingsState.svelte';
import { TalkController } from '../talk/talkController.svelte';
import { SavedLayouts } from '../wall/savedLayouts.svelte';
import { WallState } from '../wall/wallState.svelte';
import { SessionRegistry, type SessionFactory } from './sessionRegistry';

/**
 * The console: everything the components share, created once by App.svelte and handed down with
 * {@link setConsole}. Sessions live in its registry, so no component owns a connection.
 */
export class ConsoleState {
  readonly notices = new Notices();
  readonly ipc: Ipc;
  readonly registry: SessionRegistry;
  readonly settings: SettingsState;
  readonly catalog: CatalogState;
  readonly wall: WallState;
  readonly layouts: SavedLayouts;
  readonly talk: TalkController;
  readonly publish: PublishControl;
  readonly page = new PageVisibility();
  info = $state.raw<Res<'app:info'> | null>(null);

  constructor(api: WatchfloorApi, factory: (api: WatchfloorApi) => SessionFactory) {
    this.ipc = new Ipc(api);
    this.registry = new SessionRegistry(factory(this.ipc.observed()), (tileId, error) =>
      this.notices.report(`Tile ${tileId}`, error),
    );
    this.settings = new SettingsState(this.ipc, this.notices);
    this.catalog = new CatalogState(this.ipc, this.notices);
    this.wall = new WallState(this.registry, () => this.settings.value.showStats);
    this.layouts = new SavedLayouts(this.ipc, this.notices, this.wall, this.settings);
    this.talk = new TalkController(this.ipc, this.notices, this.settings);
    this.publish = new PublishControl(this.ipc, this.settings);
    this.registry.onRelease = (tileId) => this.talk.sessionClosing(tileId);
  }

  /** Loads what the console shows first and subscribes to main's events; returns the teardown. */
  start(): () => void {
    const offs = [
      this.ipc.on('catalog:syncProgress', (p) => this.catalog.onProgress(p)),
      this.ipc.on('catalog:changed', (p) => this.catalog.onChanged(p.reason)),
      this.ipc.on('credentials:expired', (p) => {
        this.settings.expired = p;
      }),
    ];
    void this.#load();
    return () => {
      for (const off of offs) off();
      void this.talk.stop();
      void this.publish.stop();
      this.registry.closeAll();
    };
  }

  async #load(): Promise<void> {
    try {
      this.info = await this.ipc.call('app:info', {});
    } catch (error) {
      this.notices.report('Console', error);
    }
    await Promise.all([
      this.settings.load(),
      this.settings.loadProfiles(),
      this.catalog.search(),
      this.catalog.loadGroups(),
      this.layouts.load(),
    ]);
    const defaultId = this.settings.value.defaultLayoutId;
    if (defaultId && this.layouts.list.some((l) => l.id === defaultId)) await this.layouts.open(defaultId);
  }
}

export const [getConsole, setConsole] = createContext<ConsoleState>();
