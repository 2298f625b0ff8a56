/**
 * The wall's layouts (src-renderer/wall/layouts.ts): every grid from 1×1 to 5×5 and focus + strip, the
 * specs saved layouts store (checked against the IPC schema), tile numbering and arrow-key navigation.
 */
import { describe, expect, it } from 'vitest';
import { gridSpec } from '../../../src-shared/ipc/schemas';
import {
  DEFAULT_STRIP,
  LAYOUT_KEYS,
  MAX_TILES,
  cellOf,
  channelNameOf,
  neighbour,
  shapeOf,
  shapeOfSpec,
  specOf,
  type Shape,
} from '../../../src-renderer/wall/layouts';

const must = (key: string, strip?: number): Shape => {
  const shape = shapeOf(key, strip);
  if (!shape) throw new Error(`no shape for ${key}`);
  return shape;
};

const grids: Array<[number, number]> = [];
for (let rows = 1; rows <= 5; rows++) for (let cols = 1; cols <= 5; cols++) grids.push([rows, cols]);

describe('layout shapes and specs', () => {
  it.each(grids)('%i×%i is a grid of rows·cols tiles whose spec round-trips', (rows, cols) => {
    const shape = must(`${rows}x${cols}`);
    expect(shape).toEqual({ key: `${rows}x${cols}`, rows, cols, count: rows * cols, focus: false });
    const spec = specOf(shape);
    expect(spec).toEqual({ kind: 'grid', rows, cols });
    expect(gridSpec.parse(spec)).toEqual(spec);
    expect(shapeOfSpec(spec)).toEqual(shape);
  });

  it('focus is one big tile over a strip (6 by default, or the strip asked for)', () => {
    expect(must('focus')).toEqual({
      key: 'focus',
      rows: 2,
      cols: DEFAULT_STRIP,
      count: 1 + DEFAULT_STRIP,
      focus: true,
    });
    const four = must('focus', 4);
    expect(four.count).toBe(5);
    expect(specOf(four)).toEqual({ kind: 'focus', strip: 4 });
    expect(gridSpec.parse(specOf(four))).toEqual({ kind: 'focus', strip: 4 });
    expect(shapeOfSpec({ kind: 'focus', strip: 4 })).toEqual(four);
  });

  it('rejects anything that is not a 1–5 grid or focus', () => {
    for (const key of ['0x1', '1x0', '6x1', '1x6', '3X3', '3x3 ', 'x3', '10x1', 'grid', '', 'Focus']) {
      expect(shapeOf(key), key).toBeNull();
    }
  });

  it('the picker offers only layouts it can parse, 5×5 being the largest', () => {
    expect(new Set(LAYOUT_KEYS).size).toBe(LAYOUT_KEYS.length);
    for (const key of LAYOUT_KEYS) expect(shapeOf(key), key).not.toBeNull();
    expect(LAYOUT_KEYS).toContain('1x1');
    expect(LAYOUT_KEYS).toContain('5x5');
    expect(LAYOUT_KEYS.at(-1)).toBe('focus');
    expect(Math.max(...LAYOUT_KEYS.map((k) => must(k).count))).toBe(MAX_TILES);
  });
});

describe('tile numbering', () => {
  it.each(grids)('%i×%i numbers tiles row by row, left to right', (rows, cols) => {
    const shape = must(`${rows}x${cols}`);
    const seen = new Set<string>();
    for (let index = 0; index < shape.count; index++) {
      const cell = cellOf(shape, index);
      // Tile number index + 1 sits in row ⌊index / cols⌋, column index mod cols.
      expect(cell).toEqual({ row: Math.floor(index / cols), col: index % cols });
      expect(cell.row).toBeLessThan(rows);
      seen.add(`${cell.row},${cell.col}`);
    }
    expect(seen.size).toBe(shape.count);
  });

  it('focus: tile 1 is the big tile, 2.. run along the strip', () => {
    const shape = must('focus');
    expect(cellOf(shape, 0)).toEqual({ row: 0, col: 0 });
    for (let index = 1; index < shape.count; index++)
      expect(cellOf(shape, index)).toEqual({ row: 1, col: index - 1 });
  });
});

describe('arrow-key navigation', () => {
  const right = (s: Shape, i: number) => neighbour(s, i, 1, 0);
  const left = (s: Shape, i: number) => neighbour(s, i, -1, 0);
  const down = (s: Shape, i: number) => neighbour(s, i, 0, 1);
  const up = (s: Shape, i: number) => neighbour(s, i, 0, -1);

  it('moves one cell in a 3×3 grid and stays put at the edges', () => {
    const s = must('3x3');
    // 0 1 2 / 3 4 5 / 6 7 8
    expect([right(s, 4), left(s, 4), down(s, 4), up(s, 4)]).toEqual([5, 3, 7, 1]);
    expect([left(s, 0), up(s, 0)]).toEqual([0, 0]);
    expect([right(s, 2), up(s, 2)]).toEqual([2, 2]);
    expect([right(s, 8), down(s, 8)]).toEqual([8, 8]);
    // The row's end does not wrap to the next row.
    expect(right(s, 5)).toBe(5);
    expect(left(s, 3)).toBe(3);
  });

  it.each(grids)('%i×%i: every move stays on the wall and is undone by the opposite move', (rows, cols) => {
    const s = must(`${rows}x${cols}`);
    for (let i = 0; i < s.count; i++) {
      for (const [go, back] of [
        [right, left],
        [left, right],
        [down, up],
        [up, down],
      ] as const) {
        const to = go(s, i);
        expect(to).toBeGreaterThanOrEqual(0);
        expect(to).toBeLessThan(s.count);
        if (to !== i) expect(back(s, to)).toBe(i);
      }
    }
  });

  it('1×1 has nowhere to go', () => {
    const s = must('1x1');
    expect([right(s, 0), left(s, 0), down(s, 0), up(s, 0)]).toEqual([0, 0, 0, 0]);
  });

  it('focus: from the big tile down or right to the strip, along the strip, and up back to the big tile', () => {
    const s = must('focus');
    expect(down(s, 0)).toBe(1);
    expect(right(s, 0)).toBe(1);
    expect(left(s, 0)).toBe(0);
    expect(up(s, 0)).toBe(0);
    expect(right(s, 1)).toBe(2);
    expect(left(s, 2)).toBe(1);
    expect(left(s, 1)).toBe(1);
    expect(right(s, s.count - 1)).toBe(s.count - 1);
    expect(up(s, 4)).toBe(0);
    expect(down(s, 4)).toBe(4);
  });
});

describe('channelNameOf', () => {
  it('reads the name out of a signaling channel ARN and leaves anything else as it is', () => {
    expect(channelNameOf('arn:aws:kinesisvideo:us-west-2:123456789012:channel/lobby-cam/1700000000000')).toBe(
      'lobby-cam',
    );
    expect(channelNameOf('not-an-arn')).toBe('not-an-arn');
  });
});
