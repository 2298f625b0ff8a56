import type { z } from 'zod';
import type { channelSummary, layout } from '../../src-shared/ipc/schemas';
import type { SessionRegistry } from '../console/sessionRegistry';
import type { SessionView } from '../tile/sessionView.svelte';
import { DEFAULT_STRIP, MAX_TILES, neighbour, shapeOf, shapeOfSpec, specOf, type Shape } from './layouts';

export type ChannelSummary = z.infer<typeof channelSummary>;
export type Layout = z.infer<typeof layout>;

/** What a tile shows: the channel, and its catalog entry when the catalog knows it. */
export interface TileChannel {
  readonly arn: string;
  readonly name: string;
  readonly summary: ChannelSummary | null;
}

export function tileChannel(summary: ChannelSummary): TileChannel {
  return { arn: summary.arn, name: summary.name, summary };
}

let nextTileNumber = 1;

/**
 * One place on the wall. The object (and its id, from which main derives the stable ClientId) moves with
 * its channel when tiles are swapped; its session lives in the {@link SessionRegistry}, not in a component.
 */
export class WallTile {
  readonly id = `tile-${nextTileNumber++}`;
  channel = $state.raw<TileChannel | null>(null);
  view = $state.raw<SessionView | null>(null);
  volume = $state(1);
  muted = $state(false);
  showStats = $state(false);
  showStorage = $state(false);
  showWaterfall = $state(false);
}

/**
 * The wall: its layout, the ordered tiles (position = tile number − 1), selection and fullscreen. Every
 * change ends in {@link WallState.reconcile}, which opens sessions for visible assigned tiles and closes
 * the rest; nothing here depends on components being mounted.
 */
export class WallState {
  layoutKey = $state('2x2');
  strip = $state(DEFAULT_STRIP);
  readonly shape: Shape = $derived(shapeOf(this.layoutKey, this.strip) ?? (shapeOf('2x2') as Shape));
  tiles = $state.raw<readonly WallTile[]>(Array.from({ length: MAX_TILES }, () => new WallTile()));
  readonly visible: readonly WallTile[] = $derived(this.tiles.slice(0, this.shape.count));
  selected = $state(0);
  /** Index of the tile shown over the whole wall, or null. */
  fullscreen = $state<number | null>(null);
  readonly selectedTile: WallTile | undefined = $derived(this.visible[this.selected]);

  readonly #registry: SessionRegistry;
  readonly #statsByDefault: () => boolean;

  constructor(registry: SessionRegistry, statsByDefault: () => boolean) {
    this.#registry = registry;
    this.#statsByDefault = statsByDefault;
  }

  setLayout(key: string, strip = this.strip): void {
    const shape = shapeOf(key, strip);
    if (!shape) return;
    this.layoutKey = key;
    this.strip = strip;
    this.selected = Math.min(this.selected, shape.count - 1);
    if (this.fullscreen !== null && this.fullscreen >= shape.count) this.fullscreen = null;
    this.reconcile();
  }

  select(index: number): void {
    if (index >= 0 && index < this.shape.count) this.selected = index;
  }

  /** Arrow keys: the selection moves to the neighbouring tile. */
  moveSelection(dx: number, dy: number): void {
    this.selected = neighbour(this.shape, this.selected, dx, dy);
  }

  /** Shift+arrow keys: the selected tile trades places with its neighbour (the keyboard's drag). */
  moveSelectedTile(dx: number, dy: number): void {
    const to = neighbour(this.shape, this.selected, dx, dy);
    if (to !== this.selected) this.swap(this.selected, to);
  }

  assign(index: number, channel: TileChannel): void {
    const tile = this.visible[index];
    if (!tile) return;
    if (tile.channel?.arn !== channel.arn) {
      tile.channel = channel;
      tile.showStats = this.#statsByDefault();
    }
    this.selected = index;
    this.reconcile();
  }

  clear(index: number): void {
    const tile = this.visible[index];
    if (!tile) return;
    tile.channel = null;
    tile.showStorage = false;
    this.reconcile();
  }

  /** Swaps two tiles; their sessions go with them (nothing reconnects). */
  swap(a: number, b: number): void {
    const tiles = [...this.tiles];
    const ta = tiles[a];
    const tb = tiles[b];
    if (!ta || !tb || a === b) return;
    tiles[a] = tb;
    tiles[b] = ta;
    this.tiles = tiles;
    if (this.selected === a) this.selected = b;
    else if (this.selected === b) this.selected = a;
    if (this.fullscreen === a) this.fullscreen = b;
    else if (this.fullscreen === b) this.fullscreen = a;
  }

  /** Puts `channels` into the empty visible tiles in order, skipping channels already on the wall. */
  fill(channels: readonly TileChannel[]): number {
    const shown = this.visible.flatMap((t) => (t.channel ? [t.channel.arn] : []));
    const queue = channels.filter((c) => !shown.includes(c.arn));
    let placed = 0;
    for (const tile of this.visible) {
      if (tile.channel) continue;
      const next = queue.shift();
      if (!next) break;
      tile.channel = next;
      tile.showStats = this.#statsByDefault();
      placed++;
    }
    this.reconcile();
    return placed;
  }

  /** Applies a saved layout: every tile is assigned first, then all sessions open at once (main paces). */
  apply(saved: Layout, channels: readonly TileChannel[]): void {
    const shape = shapeOfSpec(saved.grid);
    this.layoutKey = shape.key;
    if (shape.focus) this.strip = shape.cols;
    this.fullscreen = null;
    this.selected = 0;
    for (const [index, tile] of this.tiles.entries()) {
      const arn = saved.tiles.find((t) => t.index === index)?.channelArn ?? null;
      const next = arn ? (channels.find((c) => c.arn === arn) ?? null) : null;
      if (tile.channel?.arn !== next?.arn) {
        tile.channel = next;
        tile.showStats = this.#statsByDefault();
        tile.showStorage = false;
      }
    }
    this.reconcile();
  }

  /** The wall as a saved layout document. */
  toLayout(id: string, name: string): Layout {
    return {
      id,
      name,
      grid: specOf(this.shape),
      tiles: this.visible.map((tile, index) => ({ index, channelArn: tile.channel?.arn ?? null })),
    };
  }

  toggleFullscreen(index = this.selected): void {
    this.fullscreen = this.fullscreen === index ? null : index;
  }

  /** Opens the sessions of visible assigned tiles and closes every other one. */
  reconcile(): void {
    const count = this.shape.count;
    for (const [index, tile] of this.tiles.entries()) {
      if (index < count && tile.channel) {
        tile.view = this.#registry.ensure(tile.id, tile.channel.arn);
      } else if (tile.view) {
        this.#registry.release(tile.id);
        tile.view = null;
      }
    }
  }

  indexOf(tile: WallTile): number {
    return this.visible.indexOf(tile);
  }
}
