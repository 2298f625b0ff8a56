/**
 * The simulated camera's picture: an I420 frame with a bar sweeping across it (so consecutive frames
 * differ and a frozen picture is obvious), the channel name and a wall clock in a built-in 5×7 font,
 * and the machine-readable stamp band ({@link writeStamp}) along the top.
 *
 * A frame is a pure function of (label, seq, timeMs, size): a frozen camera re-renders its last
 * (seq, timeMs) and sends the same picture, and many cameras can render into one shared buffer.
 * Everything is drawn with `fill`/`set` on whole runs of bytes — no per-pixel callbacks — because
 * 16 cameras at 15 fps render 240 frames a second on a 2-core machine.
 */
import { GLYPH_HEIGHT, GLYPH_WIDTH, glyphRows } from './font5x7';
import { stampBandHeight, writeStamp } from './frameStamp';

/** A planar YUV 4:2:0 frame; `data` holds Y, then U, then V, as wrtc's `RTCVideoSource` takes it. */
export interface I420Frame {
  width: number;
  height: number;
  data: Uint8Array;
  /** Views into `data`; strides are `width` and `chromaWidth`. */
  y: Uint8Array;
  u: Uint8Array;
  v: Uint8Array;
  chromaWidth: number;
  chromaHeight: number;
}

/** An axis-aligned rectangle in luma pixels. */
export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** Where each element of the pattern goes for a given frame size. */
export interface PatternLayout {
  /** The stamp band (see frameStamp.ts). */
  band: Rect;
  /** The box the channel name is drawn in (at its longest). */
  label: Rect;
  /** The box the wall clock and frame counter are drawn in. */
  clock: Rect;
  /** Font pixels to frame pixels. */
  scale: number;
  /** Characters that fit on one text line. */
  maxChars: number;
}

const BG = { y: 52, u: 150, v: 112 };
const BAR = { y: 180, u: 64, v: 176 };
const TEXT_FG = 235;
const TEXT_BG = 16;
const NEUTRAL_CHROMA = 128;
const SWEEP_PERIOD_MS = 4000;
// A character cell is the 5×7 glyph plus one font pixel of padding left, top and bottom.
const CELL_W = GLYPH_WIDTH + 1;
const CELL_H = GLYPH_HEIGHT + 2;

/** Allocates a black-initialised I420 frame. */
export function createI420Frame(width: number, height: number): I420Frame {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 2 || height < 2) {
    throw new RangeError(`invalid frame size ${width}x${height}`);
  }
  const chromaWidth = Math.ceil(width / 2);
  const chromaHeight = Math.ceil(height / 2);
  const lumaSize = width * height;
  const chromaSize = chromaWidth * chromaHeight;
  const data = new Uint8Array(lumaSize + 2 * chromaSize);
  return {
    width,
    height,
    data,
    y: data.subarray(0, lumaSize),
    u: data.subarray(lumaSize, lumaSize + chromaSize),
    v: data.subarray(lumaSize + chromaSize),
    chromaWidth,
    chromaHeight,
  };
}

/** The layout of the pattern at `width`×`height`; text scales with the width. */
export function patternLayout(width: number, height: number): PatternLayout {
  const bandHeight = Math.min(stampBandHeight(width), height);
  const scale = Math.max(1, Math.round(width / 213));
  const margin = 2 * scale;
  const lineHeight = CELL_H * scale;
  const maxChars = Math.max(0, Math.floor((width - 2 * margin - scale) / (CELL_W * scale)));
  const boxWidth = maxChars * CELL_W * scale + scale;
  const label = { x: margin, y: bandHeight + margin, width: boxWidth, height: lineHeight };
  const clock = { x: margin, y: label.y + lineHeight + scale, width: boxWidth, height: lineHeight };
  return { band: { x: 0, y: 0, width, height: bandHeight }, label, clock, scale, maxChars };
}

/** Renders the moving test picture for one camera. Holds only its layout; frames come from the caller. */
export class TestPattern {
  readonly layout: PatternLayout;
  readonly #label: string;

  /** @param label the channel name burnt into the picture (truncated to fit the width) */
  constructor(
    readonly width: number,
    readonly height: number,
    label: string,
  ) {
    this.layout = patternLayout(width, height);
    this.#label = label.slice(0, this.layout.maxChars);
  }

  /**
   * Draws frame `seq` captured at `timeMs` into `target` (which must be `width`×`height`) and returns it.
   * The same arguments always produce the same pixels.
   */
  render(seq: number, timeMs: number, target: I420Frame): I420Frame {
    if (target.width !== this.width || target.height !== this.height) {
      throw new RangeError(
        `frame is ${target.width}x${target.height}, pattern is ${this.width}x${this.height}`,
      );
    }
    const { band, label, clock, scale } = this.layout;
    target.y.fill(BG.y);
    target.u.fill(BG.u);
    target.v.fill(BG.v);
    this.#drawBar(target, timeMs, band.height);
    // Neutral chroma under the band keeps the stamp black/white after any colour conversion.
    fillChromaRows(target, 0, band.height, 0, this.width, NEUTRAL_CHROMA);
    drawText(target, this.#label, label.x, label.y, scale);
    drawText(target, clockText(seq, timeMs), clock.x, clock.y, scale);
    writeStamp({ data: target.y, width: this.width, height: this.height }, { timeMs, seq });
    return target;
  }

  #drawBar(frame: I420Frame, timeMs: number, top: number): void {
    const { width, height } = frame;
    const barWidth = Math.max(2, Math.round(width / 16)) & ~1;
    const phase = (((timeMs % SWEEP_PERIOD_MS) + SWEEP_PERIOD_MS) % SWEEP_PERIOD_MS) / SWEEP_PERIOD_MS;
    // Even x keeps the bar aligned with the 2×2 chroma grid.
    const x = Math.floor(phase * (width - barWidth)) & ~1;
    for (let row = top; row < height; row++) frame.y.fill(BAR.y, row * width + x, row * width + x + barWidth);
    const cx = x >> 1;
    const cw = barWidth >> 1;
    for (let row = top >> 1; row < frame.chromaHeight; row++) {
      const start = row * frame.chromaWidth + cx;
      frame.u.fill(BAR.u, start, start + cw);
      frame.v.fill(BAR.v, start, start + cw);
    }
  }
}

/** `HH:MM:SS.mmm #seq` in UTC: what the clock line shows. */
export function clockText(seq: number, timeMs: number): string {
  const d = new Date(timeMs);
  const two = (n: number): string => String(n).padStart(2, '0');
  const ms = String(d.getUTCMilliseconds()).padStart(3, '0');
  return `${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())}.${ms} #${seq}`;
}

/**
 * Draws `text` as light-on-dark boxes of character cells at (x, y). Characters that do not fit the
 * frame are dropped; a line that does not fit vertically is not drawn.
 */
export function drawText(frame: I420Frame, text: string, x: number, y: number, scale: number): void {
  const cellW = CELL_W * scale;
  const cellH = CELL_H * scale;
  if (y < 0 || x < 0 || y + cellH > frame.height) return;
  const chars = Math.min(text.length, Math.floor((frame.width - x - scale) / cellW));
  if (chars <= 0) return;
  for (let i = 0; i < chars; i++) {
    const lines = glyphLines(text.charAt(i), scale);
    const x0 = x + i * cellW;
    for (let l = 0; l < cellH; l++) {
      const line = lines[l];
      if (line) frame.y.set(line, (y + l) * frame.width + x0);
    }
  }
  // One more font pixel of box on the right so the last glyph has padding on both sides.
  const right = x + chars * cellW;
  for (let l = 0; l < cellH; l++)
    frame.y.fill(TEXT_BG, (y + l) * frame.width + right, (y + l) * frame.width + right + scale);
  fillChromaRows(frame, y, y + cellH, x, right + scale, NEUTRAL_CHROMA);
}

// --- internals --------------------------------------------------------------------------------

// Pre-rendered character cells, one Uint8Array per pixel line, shared by every camera and frame.
const glyphCache = new Map<string, Uint8Array[]>();

function glyphLines(ch: string, scale: number): Uint8Array[] {
  const key = `${scale}:${ch}`;
  const cached = glyphCache.get(key);
  if (cached) return cached;
  const rows = glyphRows(ch);
  const cellW = CELL_W * scale;
  const lines: Uint8Array[] = [];
  for (let fy = 0; fy < CELL_H; fy++) {
    const line = new Uint8Array(cellW).fill(TEXT_BG);
    const mask = fy >= 1 && fy <= GLYPH_HEIGHT ? (rows[fy - 1] ?? 0) : 0;
    for (let fx = 0; fx < GLYPH_WIDTH; fx++) {
      if (mask & (1 << (GLYPH_WIDTH - 1 - fx))) line.fill(TEXT_FG, (fx + 1) * scale, (fx + 2) * scale);
    }
    for (let s = 0; s < scale; s++) lines.push(line);
  }
  glyphCache.set(key, lines);
  return lines;
}

/** Fills the chroma samples covering luma rows [y0, y1) and columns [x0, x1) with `value`. */
function fillChromaRows(
  frame: I420Frame,
  y0: number,
  y1: number,
  x0: number,
  x1: number,
  value: number,
): void {
  const c0 = x0 >> 1;
  const c1 = Math.min(frame.chromaWidth, (x1 + 1) >> 1);
  const r1 = Math.min(frame.chromaHeight, (y1 + 1) >> 1);
  if (c0 === 0 && c1 === frame.chromaWidth) {
    // Whole rows are contiguous: one fill per plane.
    frame.u.fill(value, (y0 >> 1) * frame.chromaWidth, r1 * frame.chromaWidth);
    frame.v.fill(value, (y0 >> 1) * frame.chromaWidth, r1 * frame.chromaWidth);
    return;
  }
  for (let r = y0 >> 1; r < r1; r++) {
    frame.u.fill(value, r * frame.chromaWidth + c0, r * frame.chromaWidth + c1);
    frame.v.fill(value, r * frame.chromaWidth + c0, r * frame.chromaWidth + c1);
  }
}
