/**
 * A machine-readable capture stamp drawn into the luma of every simulated camera frame, so that a
 * viewer can read the capture time back from DECODED pixels and measure glass-to-glass latency.
 *
 * Layout (everything scales with the frame width W; U = W / 40, cell = U × U pixels):
 *
 * ```
 *  y = 0 ┌────┬────┬────────────────── 36 data cells ──────────────────┬────┬────┐
 *  row 0 │ W  │ B  │ bits 0..35  (MSB of the 72-bit word first)         │ B  │ W  │
 *  y = U ├────┼────┼────────────────────────────────────────────────────┼────┼────┤
 *  row 1 │ B  │ W  │ bits 36..71                                        │ W  │ B  │
 * y = 2U └────┴────┴────────────────────────────────────────────────────┴────┴────┘
 * ```
 *
 * - The band is the full frame width and 2U tall (32 px at 640×360, 96 px at 1920×1080, 16 px at
 *   320×180). At 640 wide a cell is exactly one 16×16 macroblock, which is what lets it survive
 *   VP8/H.264 at a few hundred kbps; at 320 wide it is one 8×8 transform block.
 * - Columns 0, 1, 38, 39 are sync cells (B = black, W = white). Row 0 and row 1 use mirrored sync
 *   patterns so a band shifted by one row cannot validate. Their levels also give the reader its
 *   black/white reference, so contrast loss and level shifts from the codec do not matter.
 * - The 72-bit word is `timeLow` (40 bits: epoch ms modulo 2^40, ~34.8 years), `seq` (16 bits) and a
 *   CRC-16/CCITT-FALSE over those 7 bytes. A white cell is a 1.
 * - A reader samples the inner half of each cell (away from ringing at the edges) and derives the
 *   geometry from the width of the frame it holds, so a downscaled frame decodes at its own size.
 *   Any doubt (weak contrast, a sync cell wrong, an ambiguous cell, a CRC mismatch) yields null.
 */

/** Columns of cells across the band. */
export const STAMP_COLUMNS = 40;
/** Rows of cells in the band. */
export const STAMP_ROWS = 2;
/** Bits of epoch milliseconds carried (the low bits; see {@link resolveStampTime}). */
export const STAMP_TIME_BITS = 40;
/** Bits of the frame counter carried; it wraps at 2^16 (see {@link seqDelta}). */
export const STAMP_SEQ_BITS = 16;
/** Luma used for a black cell (BT.601 limited-range black). */
export const STAMP_BLACK = 16;
/** Luma used for a white cell (BT.601 limited-range white). */
export const STAMP_WHITE = 235;

const TIME_MODULUS = 2 ** STAMP_TIME_BITS;
const SEQ_MODULUS = 2 ** STAMP_SEQ_BITS;
const DATA_COLUMNS = 36;
const DATA_BITS = DATA_COLUMNS * STAMP_ROWS;
// Sync cells per row as [column, isWhite]; row 1 is the mirror image of row 0.
const SYNC_ROW0: readonly (readonly [number, boolean])[] = [
  [0, true],
  [1, false],
  [38, false],
  [39, true],
];
// Weakest black-to-white step (in 0..255 luma) a real stamp keeps after lossy coding.
const MIN_CONTRAST = 40;
// A data cell closer to the threshold than this fraction of the contrast is "unreadable".
const AMBIGUITY = 0.1;

/** What a camera stamps into a frame. */
export interface FrameStamp {
  /** Capture time, epoch milliseconds (only the low {@link STAMP_TIME_BITS} bits are stored). */
  timeMs: number;
  /** Frame counter (only the low {@link STAMP_SEQ_BITS} bits are stored). */
  seq: number;
}

/** What a reader gets back from decoded pixels. */
export interface StampReading {
  /** `timeMs mod 2^40`; turn it into epoch ms with {@link resolveStampTime}. */
  timeLow: number;
  /** `seq mod 2^16`. */
  seq: number;
}

/** A plane of 8-bit samples as decoders and canvases hand them out. */
export interface LumaPlane {
  data: Uint8Array | Uint8ClampedArray;
  width: number;
  height: number;
  /** Bytes from one row to the next; defaults to `width`. */
  stride?: number;
}

/** Height in pixels of the stamp band for a frame `width` pixels wide. */
export function stampBandHeight(width: number): number {
  return Math.floor((STAMP_ROWS * width) / STAMP_COLUMNS);
}

/** Smallest frame the stamp is specified for; narrower frames read as null. */
export const STAMP_MIN_WIDTH = 160;

/**
 * Writes the stamp band into rows `[0, stampBandHeight(width))` of a luma plane. The caller keeps
 * the chroma of those rows neutral (128) so the band stays black and white after colour conversion.
 */
export function writeStamp(plane: LumaPlane, stamp: FrameStamp): void {
  const { data, width } = plane;
  const stride = plane.stride ?? width;
  const bits = stampBits(stamp);
  for (let row = 0; row < STAMP_ROWS; row++) {
    const y0 = cellEdge(row, width);
    const y1 = Math.min(cellEdge(row + 1, width), plane.height);
    if (y1 <= y0) return;
    // Draw one line of the row, then copy it down: one fill per cell instead of one per pixel line.
    const first = y0 * stride;
    for (let col = 0; col < STAMP_COLUMNS; col++) {
      const white = cellIsWhite(bits, row, col);
      data.fill(
        white ? STAMP_WHITE : STAMP_BLACK,
        first + cellEdge(col, width),
        first + cellEdge(col + 1, width),
      );
    }
    for (let y = y0 + 1; y < y1; y++) data.copyWithin(y * stride, first, first + width);
  }
}

/** Reads the stamp from an 8-bit luma plane (an I420 Y plane, e.g. a wrtc `RTCVideoSink` frame). */
export function readStampFromLuma(plane: LumaPlane): StampReading | null {
  const stride = plane.stride ?? plane.width;
  return readStamp(plane.width, plane.height, (x0, x1, y0, y1) => {
    const { data } = plane;
    let sum = 0;
    for (let y = y0; y < y1; y++) {
      const rowStart = y * stride;
      for (let x = x0; x < x1; x++) sum += data[rowStart + x] ?? 0;
    }
    return sum / ((x1 - x0) * (y1 - y0));
  });
}

/** Reads the stamp from 8-bit RGBA pixels (a canvas `getImageData().data`), stride `width * 4`. */
export function readStampFromRgba(
  rgba: Uint8Array | Uint8ClampedArray,
  width: number,
  height: number,
): StampReading | null {
  return readStamp(width, height, (x0, x1, y0, y1) => {
    let sum = 0;
    for (let y = y0; y < y1; y++) {
      let i = (y * width + x0) * 4;
      for (let x = x0; x < x1; x++, i += 4) {
        // BT.601 luma weights in 8.8 fixed point; the band is grey, so this only has to be monotonic.
        sum += (77 * (rgba[i] ?? 0) + 150 * (rgba[i + 1] ?? 0) + 29 * (rgba[i + 2] ?? 0)) >> 8;
      }
    }
    return sum / ((x1 - x0) * (y1 - y0));
  });
}

/**
 * The full epoch milliseconds nearest to `nowMs` whose low 40 bits are `timeLow`. Correct as long as
 * the true capture time is within ±17 years of `nowMs`.
 */
export function resolveStampTime(timeLow: number, nowMs: number): number {
  const base = nowMs - mod(nowMs, TIME_MODULUS);
  let best = base + mod(timeLow, TIME_MODULUS);
  for (const candidate of [best - TIME_MODULUS, best + TIME_MODULUS]) {
    if (Math.abs(candidate - nowMs) < Math.abs(best - nowMs)) best = candidate;
  }
  return best;
}

/** Frames from `prev` to `next`, modulo the 16-bit counter: in `[-32768, 32767]`. */
export function seqDelta(prev: number, next: number): number {
  const d = mod(next - prev, SEQ_MODULUS);
  return d >= SEQ_MODULUS / 2 ? d - SEQ_MODULUS : d;
}

// --- internals --------------------------------------------------------------------------------

type CellMean = (x0: number, x1: number, y0: number, y1: number) => number;

function readStamp(width: number, height: number, cellMean: CellMean): StampReading | null {
  if (width < STAMP_MIN_WIDTH || stampBandHeight(width) > height) return null;
  const sample = (row: number, col: number): number => {
    const [x0, x1] = innerHalf(cellEdge(col, width), cellEdge(col + 1, width));
    const [y0, y1] = innerHalf(cellEdge(row, width), cellEdge(row + 1, width));
    return cellMean(x0, x1, y0, y1);
  };
  let blackSum = 0;
  let whiteSum = 0;
  let blackMax = -Infinity;
  let whiteMin = Infinity;
  for (let row = 0; row < STAMP_ROWS; row++) {
    for (const [col, whiteInRow0] of SYNC_ROW0) {
      const v = sample(row, col);
      if (whiteInRow0 === (row === 0)) {
        whiteSum += v;
        whiteMin = Math.min(whiteMin, v);
      } else {
        blackSum += v;
        blackMax = Math.max(blackMax, v);
      }
    }
  }
  if (whiteMin - blackMax < MIN_CONTRAST) return null;
  const syncCells = SYNC_ROW0.length; // per colour, over both rows
  const threshold = (blackSum / syncCells + whiteSum / syncCells) / 2;
  const margin = (whiteMin - blackMax) * AMBIGUITY;
  const bytes = new Uint8Array(DATA_BITS / 8);
  for (let bit = 0; bit < DATA_BITS; bit++) {
    const v = sample(Math.floor(bit / DATA_COLUMNS), 2 + (bit % DATA_COLUMNS));
    if (Math.abs(v - threshold) < margin) return null;
    if (v > threshold) bytes[bit >> 3] = (bytes[bit >> 3] ?? 0) | (0x80 >> (bit & 7));
  }
  if (crc16(bytes, 7) !== (((bytes[7] ?? 0) << 8) | (bytes[8] ?? 0))) return null;
  const b = (i: number): number => bytes[i] ?? 0;
  const timeLow = b(0) * 2 ** 32 + (((b(1) << 24) | (b(2) << 16) | (b(3) << 8) | b(4)) >>> 0);
  return { timeLow, seq: (b(5) << 8) | b(6) };
}

// Reused by every writer: writing is synchronous, so one scratch word serves all cameras.
const wordScratch = new Uint8Array(9);

/** The 72-bit word as 9 bytes, MSB first: time (5 bytes), seq (2 bytes), CRC-16 (2 bytes). */
function stampBits(stamp: FrameStamp): Uint8Array {
  const time = mod(Math.floor(stamp.timeMs), TIME_MODULUS);
  const hi = Math.floor(time / 2 ** 32);
  const lo = time % 2 ** 32;
  const seq = mod(Math.floor(stamp.seq), SEQ_MODULUS);
  const bytes = wordScratch;
  bytes[0] = hi & 0xff;
  bytes[1] = (lo >>> 24) & 0xff;
  bytes[2] = (lo >>> 16) & 0xff;
  bytes[3] = (lo >>> 8) & 0xff;
  bytes[4] = lo & 0xff;
  bytes[5] = (seq >> 8) & 0xff;
  bytes[6] = seq & 0xff;
  const crc = crc16(bytes, 7);
  bytes[7] = crc >> 8;
  bytes[8] = crc & 0xff;
  return bytes;
}

function cellIsWhite(bits: Uint8Array, row: number, col: number): boolean {
  for (const [syncCol, whiteInRow0] of SYNC_ROW0) {
    if (syncCol === col) return whiteInRow0 === (row === 0);
  }
  const bit = row * DATA_COLUMNS + (col - 2);
  return ((bits[bit >> 3] ?? 0) & (0x80 >> (bit & 7))) !== 0;
}

/** Pixel edge of cell boundary `i` (both axes use the width-derived unit so cells stay square). */
function cellEdge(i: number, width: number): number {
  return Math.floor((i * width) / STAMP_COLUMNS);
}

function innerHalf(a: number, b: number): [number, number] {
  const quarter = Math.floor((b - a) / 4);
  return b - a - 2 * quarter >= 1 ? [a + quarter, b - quarter] : [a, Math.max(b, a + 1)];
}

/** CRC-16/CCITT-FALSE (poly 0x1021, init 0xFFFF) over the first `length` bytes. */
function crc16(bytes: Uint8Array, length: number): number {
  let crc = 0xffff;
  for (let i = 0; i < length; i++) {
    crc ^= (bytes[i] ?? 0) << 8;
    for (let k = 0; k < 8; k++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc;
}

function mod(a: number, m: number): number {
  return ((a % m) + m) % m;
}
