import type { Rng } from './prng';

/** Random values and JSON helpers shared by the HTTP and signaling generators and the oracles. */

const ID_CHARS = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-';
const ALNUM = 'abcdefghijklmnopqrstuvwxyz0123456789';
const B64_CHARS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
/** Pieces that tend to break parsers, patterns, logs and JSON writers. */
const NASTY = [
  'é',
  'ß',
  '中文',
  '😀',
  '\u202e',
  '\u0000',
  '\ufeff',
  '\ud800',
  '\udfff',
  '\u200b',
  '\n',
  '\r\n',
  '\t',
  '"',
  '\\',
  '/',
  '<script>',
  '../',
  '%00',
  '%2F',
  '${x}',
  "'",
  '`',
  '__proto__',
  'constructor',
  ' ',
  '=',
  '+',
  'AWS_',
];

/** Numbers at the edges of the service's ranges and of JSON itself. */
export const NUMBERS = [
  0,
  -1,
  1,
  4,
  5,
  120,
  121,
  1.5,
  -0.5,
  2 ** 31,
  2 ** 53 + 2,
  -1e308,
  1e-300,
  86400,
  10001,
];

/** 1–max characters of the ClientId/correlationId alphabet `[a-zA-Z0-9_.-]`. */
export function randomId(rng: Rng, min = 1, max = 16): string {
  const n = rng.range(min, max);
  let s = '';
  for (let i = 0; i < n; i++) s += ID_CHARS[rng.int(ID_CHARS.length)];
  return s;
}

export function randomAlnum(rng: Rng, n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += ALNUM[rng.int(ALNUM.length)];
  return s;
}

/** Eight lower-case hex digits (an endpoint id). */
export function randomHex(rng: Rng): string {
  let s = '';
  for (let i = 0; i < 8; i++) s += '0123456789abcdef'[rng.int(16)];
  return s;
}

/** `n` printable ASCII characters. */
export function printable(rng: Rng, n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += String.fromCharCode(rng.range(0x20, 0x7e));
  return s;
}

/** Text mixing id characters with the NASTY pieces (unicode, controls, quotes, lone surrogates). */
export function randomText(rng: Rng, maxParts = 8): string {
  const n = rng.range(1, maxParts);
  let s = '';
  for (let i = 0; i < n; i++) s += rng.chance(0.5) ? randomId(rng, 1, 6) : rng.pick(NASTY);
  return s;
}

/** Characters of the base64 alphabet (valid to the service's pattern even when not decodable). */
export function base64Chars(rng: Rng, n: number): string {
  const out = Buffer.alloc(n);
  for (let i = 0; i < n; i++) out[i] = B64_CHARS.charCodeAt(rng.int(B64_CHARS.length));
  return out.toString('latin1');
}

/** A random JSON value; `depth` bounds nesting. */
export function randomJson(rng: Rng, depth = 2): unknown {
  switch (rng.int(depth > 0 ? 9 : 7)) {
    case 0:
      return null;
    case 1:
      return rng.chance(0.5);
    case 2:
      return rng.pick(NUMBERS);
    case 3:
      return rng.next() * 1e6 - 5e5;
    case 4:
      return randomText(rng);
    case 5:
      return rng.pick(['', ' ', '0', 'null', 'true', '[]', '{}']);
    case 6:
      return randomId(rng, 200, 2000);
    case 7: {
      const n = rng.int(4);
      const out: unknown[] = [];
      for (let i = 0; i < n; i++) out.push(randomJson(rng, depth - 1));
      return out;
    }
    default: {
      const n = rng.int(4);
      const out: Record<string, unknown> = {};
      for (let i = 0; i < n; i++)
        out[rng.chance(0.3) ? randomText(rng, 2) : randomId(rng, 1, 10)] = randomJson(rng, depth - 1);
      return out;
    }
  }
}

/** Value of a different JSON type than `v` (the "wrong type" mutation). */
export function wrongType(rng: Rng, v: unknown): unknown {
  for (let i = 0; i < 10; i++) {
    const w = randomJson(rng, 1);
    if (typeof w !== typeof v || Array.isArray(w) !== Array.isArray(v) || (w === null) !== (v === null))
      return w;
  }
  return typeof v === 'number' ? String(v) : 42;
}

export function b64json(value: unknown): string {
  return Buffer.from(JSON.stringify(value), 'utf8').toString('base64');
}

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The JSON object `text` holds, or `undefined` when it is not JSON or not an object. */
export function parseObject(text: string): Record<string, unknown> | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  return isPlainObject(value) ? value : undefined;
}

/** `{"key":value,…rest}` from an object's JSON text (handles the empty object). */
export function prependKey(json: string, key: string, valueJson: string): string {
  const rest = json.slice(1);
  return `{"${key}":${valueJson}${rest === '}' ? '' : ','}${rest}`;
}
