/** The wall's layouts as the picker names them, and their grid specs as saved layouts store them. */
import type { z } from 'zod';
import type { gridSpec } from '../../src-shared/ipc/schemas';

export type GridSpec = z.infer<typeof gridSpec>;

/** Every layout the picker offers: rows×cols grids, then "focus + strip". */
export const LAYOUT_KEYS: readonly string[] = [
  '1x1',
  '1x2',
  '2x1',
  '2x2',
  '2x3',
  '3x2',
  '3x3',
  '3x4',
  '4x3',
  '4x4',
  '4x5',
  '5x4',
  '5x5',
  'focus',
];

/** Tiles in the focus layout's strip under the big tile. */
export const DEFAULT_STRIP = 6;
/** The most tiles any layout shows (5×5). */
export const MAX_TILES = 25;

export interface Shape {
  key: string;
  /** Grid rows and columns; for focus: the strip's length as columns, rows = 2 (focus row + strip). */
  rows: number;
  cols: number;
  count: number;
  focus: boolean;
}

/** Parses a picker value ("3x4" or "focus"); anything else is null. */
export function shapeOf(key: string, strip = DEFAULT_STRIP): Shape | null {
  if (key === 'focus') return { key, rows: 2, cols: strip, count: 1 + strip, focus: true };
  const m = /^([1-5])x([1-5])$/.exec(key);
  if (!m) return null;
  const rows = Number(m[1]);
  const cols = Number(m[2]);
  return { key, rows, cols, count: rows * cols, focus: false };
}

export function specOf(shape: Shape): GridSpec {
  return shape.focus
    ? { kind: 'focus', strip: shape.cols }
    : { kind: 'grid', rows: shape.rows, cols: shape.cols };
}

export function shapeOfSpec(spec: GridSpec): Shape {
  return spec.kind === 'focus'
    ? { key: 'focus', rows: 2, cols: spec.strip, count: 1 + spec.strip, focus: true }
    : {
        key: `${spec.rows}x${spec.cols}`,
        rows: spec.rows,
        cols: spec.cols,
        count: spec.rows * spec.cols,
        focus: false,
      };
}

/** Row and column of tile `index` (focus: the big tile is row 0, the strip row 1). */
export function cellOf(shape: Shape, index: number): { row: number; col: number } {
  if (shape.focus) return index === 0 ? { row: 0, col: 0 } : { row: 1, col: index - 1 };
  return { row: Math.floor(index / shape.cols), col: index % shape.cols };
}

/** The tile an arrow key leads to from `index`, staying put at the edges. */
export function neighbour(shape: Shape, index: number, dx: number, dy: number): number {
  if (shape.focus) {
    if (index === 0) return dy > 0 || dx > 0 ? 1 : 0;
    if (dy < 0) return 0;
    return Math.min(Math.max(index + dx, 1), shape.count - 1);
  }
  const { row, col } = cellOf(shape, index);
  const r = Math.min(Math.max(row + dy, 0), shape.rows - 1);
  const c = Math.min(Math.max(col + dx, 0), shape.cols - 1);
  return r * shape.cols + c;
}

/** The channel name inside a signaling channel ARN (`…:channel/<name>/<creation>`), or the ARN itself. */
export function channelNameOf(arn: string): string {
  return /:channel\/([^/]+)\//.exec(arn)?.[1] ?? arn;
}
