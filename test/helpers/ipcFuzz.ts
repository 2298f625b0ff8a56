/**
 * A seeded PRNG and structured-clone-able junk for fuzzing the IPC contract: values of every type the
 * renderer could send over Electron IPC, mutations of valid requests (drop, replace, extra keys including
 * own `__proto__`/`constructor`, wrong types, huge and unicode strings, out-of-range numbers). The PRNG is
 * the kvs-local fuzz suite's (fuzz/prng.ts).
 */
import { Rng } from './fuzz/prng';

export { Rng };

export const FUZZ_NUMBERS: readonly number[] = [
  0,
  -0,
  1,
  -1,
  0.5,
  -0.0001,
  5,
  63,
  64,
  65,
  299,
  404,
  500,
  501,
  1000,
  1001,
  1_000_001,
  -60,
  61,
  2 ** 31,
  -(2 ** 31),
  2 ** 53,
  2 ** 53 + 2,
  -(2 ** 53),
  Number.MAX_SAFE_INTEGER,
  Number.MAX_VALUE,
  -Number.MAX_VALUE,
  Number.MIN_VALUE,
  Number.EPSILON,
  Number.NaN,
  Infinity,
  -Infinity,
];

const UNICODE = [
  '\u0000',
  '\u0000abc',
  '\ud800',
  '\udfff\ud800',
  '🎥📹🔊',
  'ünïcødé-caméra',
  '\u202egnp.exe',
  'ﷺ',
  '𝕏'.repeat(40),
  '\r\n\t\v\f',
  '\u2028\u2029',
  'Ω≈ç√∫˜µ≤≥÷',
  '表ポあA鷗Œé',
];

/** Strings that mean something somewhere (ids, ARNs, URLs, FTS5 and SQL syntax, prototype names). */
export function fuzzStrings(context: readonly string[]): string[] {
  return [
    '',
    ' ',
    'a',
    'local-demo',
    'aws:default',
    'keys:00000000-0000-4000-8000-000000000000',
    'us-west-2',
    'eu-west-1',
    'mars-north-1',
    'AWS_x',
    'aws_client-1',
    'wf-00000000-t',
    'tile-1',
    'arn:aws:kinesisvideo:us-west-2:111122223333:channel/ghost/1',
    'arn:aws:kinesisvideo:us-west-2:999999999999:channel/other-account/1',
    'arn:aws:kinesisvideo:eu-west-1:111122223333:channel/elsewhere/1',
    'arn:aws-cn:kinesisvideo:cn-north-1:111122223333:channel/cn/1',
    'arn:aws:kinesisvideo:us-west-2:111122223333:stream/s/1',
    'arn:aws:kinesisvideo:us-west-2:111122223333:channel/../1',
    'arn:aws:iam::111122223333:user/x',
    `arn:aws:kinesisvideo:us-west-2:111122223333:channel/${'n'.repeat(300)}/1`,
    'ws://127.0.0.1:1/v-00000000',
    'wss://evil.example/v-12345678',
    'https://evil.example/',
    'file:///etc/passwd',
    'javascript:alert(1)',
    '../../../../etc/passwd',
    '%00%2e%2e%2f',
    '${jndi:ldap://x/a}',
    "' OR 1=1 --",
    "'); DROP TABLE channels; --",
    '"front AND * -door',
    'NEAR(a b, 2)',
    'a* OR b*',
    '^site',
    'col:value',
    '""""',
    '__proto__',
    'constructor',
    'prototype',
    'toString',
    'hasOwnProperty',
    'X-Amz-Security-Token',
    'X-Amz-ChannelARN',
    'X-Amz-ClientId',
    'watchfloor.layouts',
    'grid',
    'focus',
    'ENABLED',
    'ACTIVE',
    'x'.repeat(64),
    'x'.repeat(65),
    'x'.repeat(129),
    'x'.repeat(201),
    'x'.repeat(257),
    'x'.repeat(1025),
    'x'.repeat(2049),
    'x'.repeat(4097),
    ...UNICODE,
    ...context,
  ];
}

/** A random string: printable, unicode, or control characters. */
export function randomString(r: Rng, maxLength = 48): string {
  const n = r.int(maxLength + 1);
  let s = '';
  const kind = r.int(4);
  for (let i = 0; i < n; i++) {
    if (kind === 0) s += String.fromCharCode(97 + r.int(26));
    else if (kind === 1) s += String.fromCharCode(32 + r.int(95));
    else if (kind === 2) s += String.fromCodePoint(r.int(0x3000));
    else s += String.fromCodePoint(r.chance(0.1) ? 0xd800 + r.int(0x800) : r.int(0x11000));
  }
  return s;
}

/** Own keys, as JSON.parse makes them: `__proto__` is data here, not the prototype. */
export function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

const EXTRA_KEYS = [
  '__proto__',
  'constructor',
  'prototype',
  'extra',
  'secretAccessKey',
  'sessionToken',
  'X-Amz-Security-Token',
  'X-Amz-Expires',
  '',
  '0',
  'toString',
];

/** How much one payload may hold: values (nodes) and characters of huge strings. */
export interface JunkBudget {
  nodes: number;
  chars: number;
}

/** ~20k values and ~256 KiB of huge strings per payload: big enough to hit every limit, bounded in memory. */
export function newBudget(): JunkBudget {
  return { nodes: 20_000, chars: 256 * 1024 };
}

/** Any value Electron's structured clone could deliver (no functions, symbols or class instances). */
export function junk(
  r: Rng,
  strings: readonly string[],
  depth = 0,
  budget: JunkBudget = newBudget(),
): unknown {
  budget.nodes -= 1;
  const deep = depth < 3 && budget.nodes > 0;
  switch (r.int(deep ? 18 : 13)) {
    case 0:
      return null;
    case 1:
      return undefined;
    case 2:
    case 3:
      return r.pick(FUZZ_NUMBERS);
    case 4:
      return (r.next() - 0.5) * 10 ** r.int(20);
    case 5:
      return r.chance(0.5);
    case 6:
    case 7:
      return r.pick(strings);
    case 8:
      return randomString(r);
    case 9: {
      // Huge: up to 64 KiB of one character, or of random text.
      const n = Math.min(budget.chars, 1024 + r.int(65_536));
      budget.chars -= n;
      return r.chance(0.5) ? 'z'.repeat(Math.max(0, n)) : randomString(r, Math.max(0, Math.min(n, 8192)));
    }
    case 10:
      // (No `**` on bigints: the test transform may lower it to Math.pow.)
      return BigInt(r.int(1_000_000)) * BigInt(`1${'0'.repeat(r.int(30))}`);
    case 11:
      return r.chance(0.5) ? new Date(r.int(2 ** 42)) : new Uint8Array(r.int(64));
    case 12:
      return r.chance(0.5) ? new Map([[r.pick(strings), r.pick(FUZZ_NUMBERS)]]) : [];
    case 13:
    case 14: {
      const n = Math.min(budget.nodes, r.chance(0.05) ? 1000 + r.int(2000) : r.int(5));
      return Array.from({ length: Math.max(0, n) }, () => junk(r, strings, depth + 1, budget));
    }
    default: {
      const o: Record<string, unknown> = {};
      for (let i = r.int(5); i > 0; i--) {
        setOwn(
          o,
          r.chance(0.3) ? r.pick(EXTRA_KEYS) : randomString(r, 12),
          junk(r, strings, depth + 1, budget),
        );
      }
      return o;
    }
  }
}

type Path = Array<string | number>;

function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (v === null || typeof v !== 'object') return false;
  const proto = Object.getPrototypeOf(v) as unknown;
  return proto === Object.prototype || proto === null;
}

/** Every path to a value inside `v` (plain objects and arrays, not typed arrays or maps), root `[]` too. */
function pathsOf(v: unknown, prefix: Path = [], out: Path[] = []): Path[] {
  out.push(prefix);
  if (Array.isArray(v)) v.forEach((x, i) => pathsOf(x, [...prefix, i], out));
  else if (isPlainObject(v)) for (const [k, x] of Object.entries(v)) pathsOf(x, [...prefix, k], out);
  return out;
}

/** Values plus characters/64: what a copy of `v` costs. */
function sizeOf(v: unknown): number {
  if (typeof v === 'string') return 1 + v.length / 64;
  if (Array.isArray(v)) return v.reduce((n: number, x) => n + sizeOf(x), 1);
  if (isPlainObject(v)) return Object.values(v).reduce((n: number, x) => n + sizeOf(x), 1);
  return 1;
}

function at(root: unknown, path: Path): unknown {
  let cur = root;
  for (const k of path) cur = (cur as Record<string | number, unknown>)[k];
  return cur;
}

/** One mutation of `payload` (a fresh copy); the root may be replaced entirely. */
export function mutate(
  r: Rng,
  payload: unknown,
  strings: readonly string[],
  budget: JunkBudget = newBudget(),
): unknown {
  const root = { v: payload };
  const path = r.pick(pathsOf(payload));
  const full: Path = ['v', ...path];
  const parent = at(root, full.slice(0, -1)) as Record<string | number, unknown>;
  const key = full[full.length - 1]!;
  const value = parent[key];
  const op = r.int(8);
  if (op === 0 && path.length > 0) {
    // Drop the field (or the array element).
    if (Array.isArray(parent)) parent.splice(key as number, 1);
    else delete parent[key];
  } else if (op === 1 && isPlainObject(value)) {
    setOwn(value, r.pick(EXTRA_KEYS), junk(r, strings, 2, budget));
  } else if (op === 2) {
    // Same kind, wrong content: a string for a string, a number for a number.
    parent[key] =
      typeof value === 'number'
        ? r.pick(FUZZ_NUMBERS)
        : typeof value === 'string'
          ? r.chance(0.7)
            ? r.pick(strings)
            : randomString(r)
          : junk(r, strings, 1, budget);
  } else if (op === 3) {
    parent[key] =
      typeof value === 'number' ? String(value) : typeof value === 'string' ? Number(value) : null;
  } else if (op === 4) {
    parent[key] = [value];
  } else if (op === 5 && Array.isArray(value) && value.length > 0) {
    // Many copies: arrays beyond their limits (bounded by the size of what is copied).
    const size = sizeOf(value);
    const n = Math.min(r.chance(0.2) ? 1000 + r.int(12_000) : r.int(70), Math.floor(50_000 / size));
    parent[key] = Array.from({ length: n }, (_, i) => structuredClone(value[i % value.length]) as unknown);
  } else {
    parent[key] = junk(r, strings, 1, budget);
  }
  return root.v;
}
