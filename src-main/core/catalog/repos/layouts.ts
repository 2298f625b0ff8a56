import { layout as layoutSchema } from '../../../../src-shared/ipc/schemas';
import { CatalogError } from '../errors';
import { fromJson, type GridSpec, type Layout } from '../model';
import type { Sql } from '../sql';
import { validate } from '../validate';

type LayoutRow = { id: string; name: string; grid: string };
type TileRow = { layout_id: string; tile_index: number; channel_arn: string | null };

/** Wall layouts: a grid spec and which channel sits in which tile. */
export class LayoutsRepo {
  private readonly allLayouts;
  private readonly allTiles;
  private readonly oneLayout;
  private readonly tiles;
  private readonly upsert;
  private readonly clearTiles;
  private readonly addTile;
  private readonly del;

  constructor(
    private readonly sql: Sql,
    private readonly now: () => number,
  ) {
    this.allLayouts = sql.prepare<void, LayoutRow>(
      'layouts.list',
      'SELECT id, name, grid FROM layouts ORDER BY name, id',
    );
    this.allTiles = sql.prepare<void, TileRow>(
      'layouts.listTiles',
      'SELECT layout_id, tile_index, channel_arn FROM layout_tiles ORDER BY layout_id, tile_index',
    );
    this.oneLayout = sql.prepare<{ id: string }, LayoutRow>(
      'layouts.get',
      'SELECT id, name, grid FROM layouts WHERE id = :id',
    );
    this.tiles = sql.prepare<{ id: string }, TileRow>(
      'layouts.tiles',
      'SELECT layout_id, tile_index, channel_arn FROM layout_tiles WHERE layout_id = :id ORDER BY tile_index',
    );
    this.upsert = sql.prepare<{ id: string; name: string; grid: string; at: number }>(
      'layouts.save',
      `INSERT INTO layouts (id, name, grid, updated_at) VALUES (:id, :name, :grid, :at)
       ON CONFLICT (id) DO UPDATE SET name = excluded.name, grid = excluded.grid, updated_at = excluded.updated_at`,
    );
    this.clearTiles = sql.prepare<{ id: string }>(
      'layouts.clearTiles',
      'DELETE FROM layout_tiles WHERE layout_id = :id',
    );
    this.addTile = sql.prepare<{ id: string; index: number; arn: string | null }>(
      'layouts.addTile',
      'INSERT INTO layout_tiles (layout_id, tile_index, channel_arn) VALUES (:id, :index, :arn)',
    );
    this.del = sql.prepare<{ id: string }>('layouts.delete', 'DELETE FROM layouts WHERE id = :id');
  }

  /** Every layout with its tiles by index. */
  list(): Layout[] {
    const byLayout = new Map<string, Layout['tiles']>();
    for (const t of this.allTiles.all()) {
      const tile = { index: t.tile_index, channelArn: t.channel_arn };
      const list = byLayout.get(t.layout_id);
      if (list) list.push(tile);
      else byLayout.set(t.layout_id, [tile]);
    }
    return this.allLayouts.all().map((l) => toLayout(l, byLayout.get(l.id) ?? []));
  }

  get(id: string): Layout | undefined {
    const l = this.oneLayout.get({ id });
    return (
      l &&
      toLayout(
        l,
        this.tiles.all({ id }).map((t) => ({ index: t.tile_index, channelArn: t.channel_arn })),
      )
    );
  }

  /** Creates or replaces a layout and its tiles in one transaction; returns it as stored. */
  save(input: Layout): Layout {
    const l = checked(input);
    return this.sql.tx('layouts.save', () => {
      this.writeChecked(l);
      return this.get(l.id)!;
    });
  }

  /** The write part of `save`, for callers already inside a transaction (import). */
  write(input: Layout): void {
    this.writeChecked(checked(input));
  }

  /** Deletes a layout (its tiles go with it). Returns false if there was none. */
  delete(id: string): boolean {
    return this.del.run({ id }).changes > 0;
  }

  private writeChecked(l: Layout): void {
    this.upsert.run({ id: l.id, name: l.name, grid: JSON.stringify(l.grid), at: this.now() });
    this.clearTiles.run({ id: l.id });
    for (const t of l.tiles) this.addTile.run({ id: l.id, index: t.index, arn: t.channelArn });
  }
}

function checked(input: Layout): Layout {
  const l = validate(layoutSchema, input, `layout ${JSON.stringify(input.id)}`);
  const seen = new Set<number>();
  for (const t of l.tiles) {
    if (seen.has(t.index)) {
      throw new CatalogError('invalid', `layout ${JSON.stringify(l.id)} has two tiles at index ${t.index}`);
    }
    seen.add(t.index);
  }
  return l;
}

function toLayout(l: LayoutRow, tiles: Layout['tiles']): Layout {
  return { id: l.id, name: l.name, grid: fromJson<GridSpec>(l.grid), tiles };
}
