import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import { createHash } from 'node:crypto';
import { request as httpRequest, type Agent, type IncomingHttpHeaders } from 'node:http';
import { WebSocket } from 'ws';

/**
 * Building blocks of the fuzz suite (test/integration/fuzz.test.ts): a seeded PRNG, generators of random
 * and mutated JSON, the HTTP request generator with SigV4 signing (good and deliberately broken), the
 * signaling frame generator, and the oracles that say which replies the reference allows for each input
 * (kvs-reference.md §1.0, §4.1–§4.5). Every generator draws only from the PRNG it is given, so a seed
 * reproduces the same inputs.
 */

// ---- PRNG --------------------------------------------------------------------------------------------

/** mulberry32: small, fast, good enough to pick fuzz inputs, and fully determined by its seed. */
export class Rng {
  private s: number;

  constructor(seed: number) {
    this.s = seed >>> 0;
  }

  next(): number {
    this.s = (this.s + 0x6d2b79f5) >>> 0;
    let t = this.s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** Integer in [min, max]. */
  range(min: number, max: number): number {
    return min + this.int(max - min + 1);
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('pick from an empty list');
    return items[this.int(items.length)]!;
  }

  /** Picks a key with probability proportional to its weight. */
  weighted<K extends string>(table: Readonly<Record<K, number>>): K {
    const entries = Object.entries(table) as Array<[K, number]>;
    let total = 0;
    for (const [, w] of entries) total += w;
    let x = this.next() * total;
    for (const [k, w] of entries) {
      x -= w;
      if (x < 0) return k;
    }
    return entries[entries.length - 1]![0];
  }

  bytes(n: number): Buffer {
    const b = Buffer.alloc(n);
    for (let i = 0; i < n; i++) b[i] = this.int(256);
    return b;
  }

  /** An independent stream, so that one part of the suite drawing more numbers does not shift another. */
  fork(): Rng {
    return new Rng(this.int(2 ** 32));
  }
}

// ---- random values -----------------------------------------------------------------------------------

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

const NUMBERS = [0, -1, 1, 4, 5, 120, 121, 1.5, -0.5, 2 ** 31, 2 ** 53 + 2, -1e308, 1e-300, 86400, 10001];

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

export function b64json(value: unknown): string {
  return Buffer.from(JSON.stringify(value), 'utf8').toString('base64');
}

/** JSON.parse that returns `undefined` instead of throwing. */
export function tryParse(text: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch {
    return { ok: false };
  }
}

/** `{"key":value,…rest}` from an object's JSON text (handles the empty object). */
export function prependKey(json: string, key: string, valueJson: string): string {
  const rest = json.slice(1);
  return `{"${key}":${valueJson}${rest === '}' ? '' : ','}${rest}`;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function clone<T>(v: T): T {
  return JSON.parse(JSON.stringify(v)) as T;
}

/** Every (container, key) pair inside a JSON value, for picking a field to mutate. */
function slots(value: unknown, out: Array<[Record<string, unknown> | unknown[], string | number]> = []) {
  if (Array.isArray(value)) {
    value.forEach((v, i) => {
      out.push([value, i]);
      slots(v, out);
    });
  } else if (isPlainObject(value)) {
    for (const [k, v] of Object.entries(value)) {
      out.push([value, k]);
      slots(v, out);
    }
  }
  return out;
}

function setSlot(container: Record<string, unknown> | unknown[], key: string | number, v: unknown): void {
  if (Array.isArray(container)) container[key as number] = v;
  else container[key as string] = v;
}

function deleteSlot(container: Record<string, unknown> | unknown[], key: string | number): void {
  if (Array.isArray(container)) container.splice(key as number, 1);
  else delete container[key as string];
}

/** Value of a different JSON type than `v` (the "wrong type" mutation). */
function wrongType(rng: Rng, v: unknown): unknown {
  for (let i = 0; i < 10; i++) {
    const w = randomJson(rng, 1);
    if (typeof w !== typeof v || Array.isArray(w) !== Array.isArray(v) || (w === null) !== (v === null))
      return w;
  }
  return typeof v === 'number' ? String(v) : 42;
}

function recase(key: string, rng: Rng): string {
  const first = key[0] ?? '';
  switch (rng.int(4)) {
    case 0:
      return first === first.toUpperCase()
        ? first.toLowerCase() + key.slice(1)
        : first.toUpperCase() + key.slice(1);
    case 1:
      return key.toUpperCase();
    case 2:
      return key.toLowerCase();
    default:
      return `${key} `;
  }
}

/** Mutation kinds for request bodies and the weight each is drawn with. */
export const BODY_MUTATIONS = {
  'as-is': 12,
  'drop-field': 10,
  'wrong-type': 20,
  'extra-fields': 6,
  'key-case': 5,
  'empty-body': 5,
  'empty-object': 3,
  'not-json': 6,
  'top-level': 5,
  deep: 3,
  unicode: 6,
  'bad-base64': 4,
  'duplicate-keys': 3,
  numbers: 4,
  'random-object': 5,
  'big-string': 3,
} as const;
export type BodyMutation = keyof typeof BODY_MUTATIONS;

/** A request body derived from a valid one by `kind` (see BODY_MUTATIONS). */
export function mutateBody(rng: Rng, base: Record<string, unknown>, kind: BodyMutation): Buffer {
  const v = clone(base);
  const all = slots(v);
  const text = (x: unknown): Buffer => Buffer.from(JSON.stringify(x), 'utf8');
  const field = (): [Record<string, unknown> | unknown[], string | number] | undefined =>
    all.length > 0 ? rng.pick(all) : undefined;
  switch (kind) {
    case 'as-is':
      return text(v);
    case 'drop-field': {
      const s = field();
      if (s) deleteSlot(s[0], s[1]);
      return text(v);
    }
    case 'wrong-type': {
      const n = rng.range(1, 3);
      for (let i = 0; i < n; i++) {
        const s = field();
        if (s)
          setSlot(
            s[0],
            s[1],
            wrongType(rng, Array.isArray(s[0]) ? s[0][s[1] as number] : s[0][s[1] as string]),
          );
      }
      return text(v);
    }
    case 'extra-fields': {
      const n = rng.range(1, 5);
      for (let i = 0; i < n; i++)
        v[rng.chance(0.5) ? randomText(rng, 2) : randomId(rng, 1, 12)] = randomJson(rng);
      // "__proto__" and friends as real own keys (an object literal would set the prototype instead).
      const json = JSON.stringify(v);
      const extra = rng.pick(['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'prototype']);
      return Buffer.from(prependKey(json, extra, JSON.stringify(randomJson(rng, 1))), 'utf8');
    }
    case 'key-case': {
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v)) out[rng.chance(0.7) ? recase(k, rng) : k] = x;
      return text(out);
    }
    case 'empty-body':
      return Buffer.alloc(0);
    case 'empty-object':
      return Buffer.from(rng.pick(['{}', '{ }', ' {}\n', '{"":""}']), 'utf8');
    case 'not-json': {
      const json = JSON.stringify(v);
      switch (rng.int(6)) {
        case 0:
          return rng.bytes(rng.range(1, 300));
        case 1:
          return Buffer.from(json.slice(0, rng.int(json.length)), 'utf8');
        case 2:
          return Buffer.from(randomText(rng, 12), 'utf8');
        case 3:
          return Buffer.from(`${json}garbage`, 'utf8');
        case 4:
          return Buffer.from(json.replace(/"/g, "'"), 'utf8');
        default:
          return Buffer.from(`{${json}`, 'utf8');
      }
    }
    case 'top-level':
      return Buffer.from(
        rng.pick(['[]', 'null', '0', '-1', '"x"', 'true', '""', `[${JSON.stringify(v)}]`, '1e999']),
        'utf8',
      );
    case 'deep': {
      const d = rng.range(100, 100_000);
      const key = Object.keys(v)[0] ?? 'x';
      const open = rng.chance(0.5) ? '['.repeat(d) : '{"a":'.repeat(d);
      const close = open.startsWith('[') ? ']'.repeat(d) : '}'.repeat(d);
      return Buffer.from(`{"${key}":${open}${close}}`, 'utf8');
    }
    case 'unicode': {
      const s = field();
      if (s) setSlot(s[0], s[1], randomText(rng, 10));
      return text(v);
    }
    case 'bad-base64': {
      const s = field();
      if (s)
        setSlot(
          s[0],
          s[1],
          rng.pick(['!!!', '====', 'a', 'QQ', '%%%', 'djE6', 'Zm9v\n', ' QQ==', 'ÿÿÿ', '😀']),
        );
      return text(v);
    }
    case 'duplicate-keys': {
      const json = JSON.stringify(v);
      const key = Object.keys(v)[0] ?? 'x';
      return Buffer.from(prependKey(json, key, JSON.stringify(randomJson(rng, 1))), 'utf8');
    }
    case 'numbers': {
      const s = field();
      if (s) setSlot(s[0], s[1], rng.pick(NUMBERS));
      const raw = JSON.stringify(v);
      // Literals JSON.stringify cannot produce: overflow to Infinity, negative zero, exponents.
      return Buffer.from(rng.chance(0.3) ? raw.replace(/:(-?\d+(\.\d+)?)/, ':1e400') : raw, 'utf8');
    }
    case 'random-object':
      return text(randomJson(rng, 3));
    case 'big-string': {
      const s = field();
      const big = randomId(rng, 10_000, 200_000);
      if (s) setSlot(s[0], s[1], big);
      else v.x = big;
      return text(v);
    }
  }
}

/** A JSON object body of roughly `size` bytes: one field holding a long string. */
export function hugeBody(rng: Rng, field: string, size: number): Buffer {
  const head = Buffer.from(`{"${field}":"`, 'utf8');
  const tail = Buffer.from('"}', 'utf8');
  const fill = Buffer.alloc(Math.max(0, size - head.length - tail.length), rng.pick(['a', '0', ' ', 'é']));
  return Buffer.concat([head, fill, tail]);
}

// ---- tallies and the printed table -------------------------------------------------------------------

export class Tally {
  readonly counts = new Map<string, number>();

  add(key: string, n = 1): void {
    this.counts.set(key, (this.counts.get(key) ?? 0) + n);
  }

  get(key: string): number {
    return this.counts.get(key) ?? 0;
  }

  total(): number {
    let t = 0;
    for (const n of this.counts.values()) t += n;
    return t;
  }

  sorted(): Array<[string, number]> {
    return [...this.counts.entries()].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  }
}

/** A plain-text table: a title line, then sections of `key  count` rows. */
export function formatTable(
  title: string,
  sections: Array<{ heading: string; rows: Array<[string, number | string]> }>,
): string {
  const width = Math.max(
    40,
    ...sections.flatMap((s) => s.rows.map(([k]) => k.length + 2)),
    ...sections.map((s) => s.heading.length),
  );
  const line = '-'.repeat(width + 12);
  const out = [line, title, line];
  for (const s of sections) {
    out.push(s.heading);
    for (const [k, n] of s.rows) out.push(`  ${k.padEnd(width)}${String(n).padStart(10)}`);
    out.push('');
  }
  out.push(line);
  return out.join('\n');
}

// ---- HTTP: operations, cases, signing ----------------------------------------------------------------

/** What the valid bodies refer to: one kvs-local instance's fixtures. */
export interface HttpFixtures {
  channelArn: string;
  channelName: string;
  /** Version of `channelArn` at start (UpdateSignalingChannel with it succeeds once). */
  channelVersion: string;
  streamArn: string;
  streamName: string;
  /** Channels and streams the fuzzer may delete. */
  victimChannelArns: string[];
  victimStreamArns: string[];
  /**
   * A channel (MessageTtlSeconds 5) whose master answers every offer at once, for SendAlexaOfferToMaster:
   * a valid call waits for the master's answer (up to the TTL), so it needs a master that answers.
   */
  alexaChannelArn: string;
  /** Well-formed ARNs of nothing. */
  unknownChannelArn: string;
  unknownStreamArn: string;
  /** 8-hex endpoint id of `channelArn` (the `r-`/`w-` path prefix). */
  endpointHex: string;
}

export type RouteKind = 'root' | 'r' | 'w';

export interface OperationSpec {
  name: string;
  kind: RouteKind;
  path: string;
  /** A body the operation accepts (it may still fail on state: not found, version mismatch, in use…). */
  base(rng: Rng, f: HttpFixtures): Record<string, unknown>;
}

const API_NAMES = ['PUT_MEDIA', 'GET_MEDIA', 'LIST_FRAGMENTS', 'GET_CLIP', 'GET_IMAGES'];

/** Every route kvs-local's router knows (its ROUTES table; the test checks the two stay in step). */
export const OPERATIONS: readonly OperationSpec[] = [
  {
    name: 'CreateSignalingChannel',
    kind: 'root',
    path: '/createSignalingChannel',
    base: (r) => ({
      ChannelName: `fz-${randomAlnum(r, r.range(3, 10))}`,
      ChannelType: 'SINGLE_MASTER',
      SingleMasterConfiguration: { MessageTtlSeconds: r.range(5, 120) },
      Tags: [{ Key: 'k', Value: 'v' }],
    }),
  },
  {
    name: 'DescribeSignalingChannel',
    kind: 'root',
    path: '/describeSignalingChannel',
    base: (r, f) =>
      r.chance(0.3)
        ? { ChannelName: f.channelName }
        : { ChannelARN: r.pick([f.channelArn, f.unknownChannelArn]) },
  },
  {
    name: 'ListSignalingChannels',
    kind: 'root',
    path: '/listSignalingChannels',
    base: (r) => ({
      MaxResults: r.range(1, 10),
      ChannelNameCondition: {
        ComparisonOperator: 'BEGINS_WITH',
        ComparisonValue: r.pick(['fz', 'fuzz', 'f']),
      },
      ...(r.chance(0.3) ? { NextToken: Buffer.from('v1:fz-m').toString('base64') } : {}),
    }),
  },
  {
    name: 'DeleteSignalingChannel',
    kind: 'root',
    path: '/deleteSignalingChannel',
    base: (r, f) => ({
      ChannelARN: r.pick([...f.victimChannelArns, f.unknownChannelArn]),
      ...(r.chance(0.3) ? { CurrentVersion: 'abc123' } : {}),
    }),
  },
  {
    name: 'UpdateSignalingChannel',
    kind: 'root',
    path: '/updateSignalingChannel',
    base: (r, f) => ({
      ChannelARN: f.channelArn,
      CurrentVersion: r.chance(0.5) ? f.channelVersion : 'abc123',
      SingleMasterConfiguration: { MessageTtlSeconds: r.range(5, 120) },
    }),
  },
  {
    name: 'GetSignalingChannelEndpoint',
    kind: 'root',
    path: '/getSignalingChannelEndpoint',
    base: (r, f) => ({
      ChannelARN: f.channelArn,
      SingleMasterChannelEndpointConfiguration: {
        Protocols: r.pick([['WSS', 'HTTPS'], ['WSS'], ['HTTPS'], ['WEBRTC'], ['HTTPS', 'WSS', 'WSS']]),
        Role: r.pick(['MASTER', 'VIEWER']),
      },
    }),
  },
  {
    name: 'DescribeMediaStorageConfiguration',
    kind: 'root',
    path: '/describeMediaStorageConfiguration',
    base: (r, f) => (r.chance(0.5) ? { ChannelARN: f.channelArn } : { ChannelName: f.channelName }),
  },
  {
    name: 'UpdateMediaStorageConfiguration',
    kind: 'root',
    path: '/updateMediaStorageConfiguration',
    // Never a stream with retention: the fuzzer must not start real storage sessions (ffmpeg, WebRTC).
    base: (r, f) => ({
      ChannelARN: f.channelArn,
      MediaStorageConfiguration: r.pick([
        { Status: 'DISABLED' },
        { Status: 'ENABLED', StreamARN: f.streamArn },
        { Status: 'ENABLED', StreamARN: f.unknownStreamArn },
      ]),
    }),
  },
  {
    name: 'DescribeMappedResourceConfiguration',
    kind: 'root',
    path: '/describeMappedResourceConfiguration',
    base: (r, f) =>
      r.chance(0.5) ? { StreamARN: f.streamArn, MaxResults: 1 } : { StreamName: f.streamName },
  },
  {
    name: 'TagResource',
    kind: 'root',
    path: '/TagResource',
    base: (r, f) => ({
      ResourceARN: r.pick([f.channelArn, f.streamArn]),
      Tags: [{ Key: randomAlnum(r, r.range(1, 6)), Value: randomAlnum(r, r.range(0, 6)) }],
    }),
  },
  {
    name: 'UntagResource',
    kind: 'root',
    path: '/UntagResource',
    base: (r, f) => ({ ResourceARN: r.pick([f.channelArn, f.streamArn]), TagKeyList: [randomAlnum(r, 2)] }),
  },
  {
    name: 'ListTagsForResource',
    kind: 'root',
    path: '/ListTagsForResource',
    base: (r, f) => ({ ResourceARN: r.pick([f.channelArn, f.streamArn, f.unknownStreamArn]) }),
  },
  {
    name: 'CreateStream',
    kind: 'root',
    path: '/createStream',
    base: (r) => ({
      StreamName: `fzs-${randomAlnum(r, r.range(3, 10))}`,
      DataRetentionInHours: 0,
      MediaType: 'video/h264',
      DeviceName: 'fuzz-device',
      Tags: { a: 'b' },
    }),
  },
  {
    name: 'DescribeStream',
    kind: 'root',
    path: '/describeStream',
    base: (r, f) => (r.chance(0.5) ? { StreamName: f.streamName } : { StreamARN: f.streamArn }),
  },
  {
    name: 'ListStreams',
    kind: 'root',
    path: '/listStreams',
    base: (r) => ({
      MaxResults: r.range(1, 5),
      StreamNameCondition: { ComparisonOperator: 'BEGINS_WITH', ComparisonValue: 'fz' },
    }),
  },
  {
    name: 'DeleteStream',
    kind: 'root',
    path: '/deleteStream',
    base: (r, f) => ({ StreamARN: r.pick([...f.victimStreamArns, f.unknownStreamArn]) }),
  },
  {
    name: 'GetDataEndpoint',
    kind: 'root',
    path: '/getDataEndpoint',
    base: (r, f) => ({ APIName: r.pick(API_NAMES), StreamARN: f.streamArn }),
  },
  {
    name: 'GetIceServerConfig',
    kind: 'r',
    path: '/v1/get-ice-server-config',
    base: (r, f) => ({
      ChannelARN: r.chance(0.9) ? f.channelArn : f.unknownChannelArn,
      ...(r.chance(0.5) ? { ClientId: 'fuzz-client', Service: 'TURN' } : {}),
    }),
  },
  {
    name: 'SendAlexaOfferToMaster',
    kind: 'r',
    path: '/v1/send-alexa-offer-to-master',
    base: (r, f) => ({
      ChannelARN: f.alexaChannelArn,
      SenderClientId: `alexa-${randomAlnum(r, 10)}`,
      MessagePayload: b64json({ type: 'offer', sdp: 'v=0\r\n' }),
    }),
  },
  {
    name: 'JoinStorageSession',
    kind: 'w',
    path: '/joinStorageSession',
    base: (_r, f) => ({ channelArn: f.channelArn }),
  },
  {
    name: 'JoinStorageSessionAsViewer',
    kind: 'w',
    path: '/joinStorageSessionAsViewer',
    base: (_r, f) => ({ channelArn: f.channelArn, clientId: 'fuzz-viewer' }),
  },
];

/** How a request is authenticated: correctly, or broken in one particular way. */
export const AUTH_MODES = {
  valid: 0,
  missing: 2,
  garbage: 2,
  'bad-signature': 2,
  'wrong-secret': 1,
  'unknown-key': 1,
  expired: 1,
  future: 1,
  'wrong-region': 1,
  'wrong-service': 1,
  'body-tampered': 1,
  'no-date': 1,
  'bad-date': 1,
  'host-unsigned': 1,
  'odd-signed-headers': 2,
  'scope-date': 1,
  'token-mismatch': 1,
} as const;
export type AuthMode = keyof typeof AUTH_MODES;

/** The error an auth failure must produce (§1.0 "Generic SigV4 failures", all 403). */
export function expectedAuthError(mode: AuthMode): string {
  switch (mode) {
    case 'missing':
      return 'MissingAuthenticationTokenException';
    case 'unknown-key':
    case 'token-mismatch':
      return 'UnrecognizedClientException';
    default:
      return 'InvalidSignatureException';
  }
}

export interface HttpCase {
  index: number;
  /** Seed of the draws made while signing (signing is async, so it cannot share the sequential stream). */
  seed: number;
  target: string;
  /** Coarse kind of the input, for the table. */
  category: 'body' | 'auth' | 'method' | 'path' | 'huge' | 'headers';
  /** Finer detail: the body mutation, auth mode, method… */
  detail: string;
  method: string;
  /** Raw request target: path and query as sent. */
  path: string;
  /** The router knows this path for POST (after splitting off the query). */
  knownRoute: boolean;
  operation: string | undefined;
  auth: AuthMode;
  /** Bytes that are signed. */
  body: Buffer;
  /** Bytes that are sent when they differ from what was signed (body-tampered). */
  sentBody: Buffer | undefined;
  chunked: boolean;
  contentType: string | null;
  extraHeaders: Record<string, string>;
  unsignedPayload: boolean;
}

const BAD_PATHS = (hex: string): string[] => [
  '/',
  '/createsignalingchannel',
  '/CreateSignalingChannel',
  '/createSignalingChannel/',
  '//createSignalingChannel',
  '/createSignalingChannel%00',
  '/%2e%2e/createSignalingChannel',
  '/v1/get-ice-server-config',
  `/w-${hex}/v1/get-ice-server-config`,
  `/r-${hex}/createSignalingChannel`,
  `/r-${hex}`,
  `/r-${hex}/`,
  `/m-${hex}`,
  `/v-${hex}`,
  `/b-${hex}/getMedia`,
  `/x-${hex}/joinStorageSession`,
  '/r-XYZXYZXY/v1/get-ice-server-config',
  '/r-1234567/v1/get-ice-server-config',
  `/R-${hex}/v1/get-ice-server-config`,
  '/joinStorageSession',
  '/admin/faults',
  '/favicon.ico',
  `/${'a'.repeat(4000)}`,
  '/%ff%fe',
  '/createSignalingChannel;x=1',
  '/2017-09-30/createSignalingChannel',
];

/** Draws one HTTP fuzz case against an instance's fixtures. */
export function generateHttpCase(rng: Rng, index: number, target: string, f: HttpFixtures): HttpCase {
  const category = rng.weighted({ body: 57, auth: 15, method: 8, path: 12, huge: 2, headers: 6 } as const);
  const op = rng.pick(OPERATIONS);
  const prefix = op.kind === 'root' ? '' : `/${op.kind}-${rng.chance(0.9) ? f.endpointHex : randomHex(rng)}`;
  const c: HttpCase = {
    index,
    seed: rng.int(2 ** 32),
    target,
    category,
    detail: '',
    method: 'POST',
    path: prefix + op.path,
    knownRoute: true,
    operation: op.name,
    auth: 'valid',
    body: Buffer.alloc(0),
    sentBody: undefined,
    chunked: false,
    contentType: 'application/json',
    extraHeaders: {},
    unsignedPayload: false,
  };
  const base = op.base(rng, f);
  switch (category) {
    case 'body': {
      const kind = rng.weighted(BODY_MUTATIONS);
      c.detail = kind;
      c.body = mutateBody(rng, base, kind);
      break;
    }
    case 'auth': {
      const mode = rng.weighted(AUTH_MODES);
      c.auth = mode;
      c.detail = mode;
      c.body = rng.chance(0.5)
        ? mutateBody(rng, base, 'as-is')
        : mutateBody(rng, base, rng.weighted(BODY_MUTATIONS));
      if (mode === 'body-tampered') c.sentBody = mutateBody(rng, { ...base, tampered: true }, 'as-is');
      break;
    }
    case 'method': {
      c.method = rng.pick(['GET', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD']);
      c.detail = c.method;
      c.knownRoute = false;
      if (c.method === 'PUT' || c.method === 'PATCH' || c.method === 'DELETE')
        c.body = mutateBody(rng, base, 'as-is');
      if (rng.chance(0.2)) c.auth = 'missing';
      break;
    }
    case 'path': {
      c.path = rng.chance(0.7)
        ? rng.pick(BAD_PATHS(f.endpointHex))
        : `/${randomAlnum(rng, rng.range(1, 12))}/${randomHex(rng)}`;
      c.operation = undefined;
      c.knownRoute = false;
      c.detail = 'unknown path';
      c.body = mutateBody(rng, base, 'as-is');
      if (rng.chance(0.3)) c.auth = rng.weighted(AUTH_MODES);
      break;
    }
    case 'huge': {
      // Around the 1 MiB limit: at most 1 MiB is parsed, above it the router refuses before authenticating.
      const size = rng.chance(0.5)
        ? rng.range(900 * 1024, 1024 * 1024)
        : rng.range(1024 * 1024 + 1, 1536 * 1024);
      c.body = hugeBody(rng, Object.keys(base)[0] ?? 'x', size);
      c.detail = size > 1024 * 1024 ? 'over 1 MiB' : 'under 1 MiB';
      if (rng.chance(0.2)) c.chunked = true;
      break;
    }
    case 'headers': {
      c.body = mutateBody(rng, base, rng.chance(0.5) ? 'as-is' : rng.weighted(BODY_MUTATIONS));
      const kind = rng.pick([
        'no content-type',
        'text/plain',
        'amz-json',
        'chunked',
        'unsigned payload',
        'junk headers',
        'query string',
      ]);
      c.detail = kind;
      if (kind === 'no content-type') c.contentType = null;
      if (kind === 'text/plain') c.contentType = 'text/plain; charset=latin1';
      if (kind === 'amz-json') c.contentType = 'application/x-amz-json-1.1';
      if (kind === 'chunked') c.chunked = true;
      if (kind === 'unsigned payload') c.unsignedPayload = true;
      if (kind === 'junk headers') {
        c.extraHeaders = {
          'x-amz-target': `KinesisVideo_20170930.${randomAlnum(rng, 8)}`,
          'content-encoding': rng.pick(['gzip', 'identity', 'br']),
          'x-amzn-errortype': 'SpoofedException',
          [`x-${randomAlnum(rng, 6)}`]: randomAlnum(rng, 40),
        };
      }
      // Queries the signer and the verifier must canonicalize alike (no repeated keys: the signer's
      // query object holds one value per key).
      if (kind === 'query string')
        c.path += rng.pick([
          `?${randomAlnum(rng, 3)}=${randomAlnum(rng, 5)}&Action=${op.name}`,
          '?flag',
          '?empty=',
          '?x=a%20b&y=%2F%3D%2B',
          `?z=${encodeURIComponent('é中😀')}&a=1`,
          '?b=~._-&A=upper',
        ]);
      break;
    }
  }
  return c;
}

function randomHex(rng: Rng): string {
  let s = '';
  for (let i = 0; i < 8; i++) s += '0123456789abcdef'[rng.int(16)];
  return s;
}

export interface SigningCreds {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

function sha256Hex(b: Buffer): string {
  return createHash('sha256').update(b).digest('hex');
}

const signers = new Map<string, SignatureV4>();

function signerFor(creds: SigningCreds, region: string, service: string): SignatureV4 {
  const key = `${creds.accessKeyId}|${creds.secretAccessKey}|${creds.sessionToken ?? ''}|${region}|${service}`;
  let s = signers.get(key);
  if (!s) {
    s = new SignatureV4({ credentials: creds, region, service, sha256: Sha256 });
    signers.set(key, s);
  }
  return s;
}

/**
 * The headers to send for a case: SigV4 header auth by an independent signer (@smithy/signature-v4), then
 * broken as `c.auth` says. The payload hash is computed with node:crypto and handed to the signer through
 * `x-amz-content-sha256`, which it then signs instead of hashing the (possibly 1.5 MiB) body in JS.
 */
export async function signedHeaders(
  c: HttpCase,
  creds: SigningCreds,
  region: string,
  host: string,
  nowMs: number,
): Promise<Record<string, string>> {
  const rng = new Rng(c.seed);
  const q = c.path.indexOf('?');
  const path = q < 0 ? c.path : c.path.slice(0, q);
  const query: Record<string, string> = {};
  if (q >= 0) for (const [k, v] of new URLSearchParams(c.path.slice(q + 1))) query[k] = v;
  const headers: Record<string, string> = {
    host,
    'x-amz-content-sha256': c.unsignedPayload ? 'UNSIGNED-PAYLOAD' : sha256Hex(c.body),
    ...c.extraHeaders,
  };
  if (c.contentType !== null) headers['content-type'] = c.contentType;
  if (c.auth === 'missing') return headers;
  if (c.auth === 'garbage') {
    headers['x-amz-date'] = formatAmzDate(nowMs);
    headers.authorization = rng.pick([
      'Bearer abc',
      'AWS4-HMAC-SHA256',
      'AWS4-HMAC-SHA256 Credential=, SignedHeaders=, Signature=',
      `AWS4-HMAC-SHA256 Credential=A/B/C/D/E, SignedHeaders=host, Signature=${'0'.repeat(64)}`,
      `AWS4-HMAC-SHA256 Credential=${creds.accessKeyId}, SignedHeaders=host, Signature=${'f'.repeat(64)}`,
      `Basic ${Buffer.from('user:pass').toString('base64')}`,
      printable(rng, rng.range(1, 3000)),
    ]);
    return headers;
  }
  let signCreds: SigningCreds = creds;
  let signRegion = region;
  let service = 'kinesisvideo';
  let date = nowMs;
  if (c.auth === 'wrong-secret') signCreds = { ...creds, secretAccessKey: 'local/not-the-secret' };
  if (c.auth === 'unknown-key') signCreds = { ...creds, accessKeyId: 'LOCALKVSNOSUCHKEY000' };
  if (c.auth === 'token-mismatch') {
    signCreds = creds.sessionToken
      ? rng.chance(0.5)
        ? { accessKeyId: creds.accessKeyId, secretAccessKey: creds.secretAccessKey }
        : { ...creds, sessionToken: `${creds.sessionToken}x` }
      : { ...creds, sessionToken: 'LocalSessionToken/not-issued' };
  }
  if (c.auth === 'expired') date = nowMs - rng.range(6, 60) * 60_000;
  if (c.auth === 'future') date = nowMs + rng.range(6, 60) * 60_000;
  if (c.auth === 'wrong-region') signRegion = rng.pick(['eu-central-1', 'us-east-1', 'US-WEST-2', '']);
  if (c.auth === 'wrong-service')
    service = rng.pick(['kinesis-video-signaling', 'kinesisvideo-webrtc', 's3']);
  const signed = await signerFor(signCreds, signRegion, service).sign(
    {
      method: c.method,
      protocol: 'http:',
      hostname: host.split(':')[0]!,
      path,
      query,
      headers: { ...headers },
      body: c.body,
    },
    { signingDate: new Date(date) },
  );
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(signed.headers)) out[k.toLowerCase()] = String(v);
  const auth = out.authorization ?? '';
  switch (c.auth) {
    case 'bad-signature': {
      const i = auth.length - 1 - rng.int(64);
      const ch = auth[i] === '0' ? '1' : '0';
      out.authorization = auth.slice(0, i) + ch + auth.slice(i + 1);
      break;
    }
    case 'no-date':
      delete out['x-amz-date'];
      break;
    case 'bad-date':
      out['x-amz-date'] = rng.pick([
        '',
        '2020-01-01T00:00:00Z',
        'yesterday',
        '20200101T000000',
        '99999999T999999Z',
      ]);
      break;
    case 'host-unsigned':
      out.authorization = auth.replace(/SignedHeaders=([^,]+)/, (_m, list: string) => {
        const rest = list
          .split(';')
          .filter((h) => h !== 'host')
          .join(';');
        return `SignedHeaders=${rest || 'x-amz-date'}`;
      });
      break;
    case 'odd-signed-headers': {
      const odd = rng.pick([
        'constructor',
        '__proto__',
        'toString',
        'hasOwnProperty',
        'valueOf',
        'x-not-sent',
      ]);
      out.authorization = auth.replace(
        /SignedHeaders=([^,]+)/,
        (_m, list: string) => `SignedHeaders=${list};${odd}`,
      );
      break;
    }
    case 'scope-date':
      out.authorization = auth.replace(
        /Credential=([^/]+)\/(\d{8})\//,
        (_m, id: string) => `Credential=${id}/19990101/`,
      );
      break;
    default:
      break;
  }
  return out;
}

function printable(rng: Rng, n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += String.fromCharCode(rng.range(0x20, 0x7e));
  return s;
}

export function formatAmzDate(ms: number): string {
  return new Date(ms)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
}

export type HttpReply =
  { ok: true; status: number; headers: IncomingHttpHeaders; body: Buffer } | { ok: false; error: string };

/** Sends one case; never rejects (transport failures come back as `ok: false`). */
export function sendHttp(
  agent: Agent,
  port: number,
  c: HttpCase,
  headers: Record<string, string>,
  timeoutMs = 15_000,
): Promise<HttpReply> {
  const body = c.sentBody ?? c.body;
  const h: Record<string, string> = { ...headers };
  if (c.chunked) h['transfer-encoding'] = 'chunked';
  else if (body.length > 0 || c.method === 'POST') h['content-length'] = String(body.length);
  return new Promise((resolve) => {
    let settled = false;
    const done = (r: HttpReply): void => {
      if (!settled) {
        settled = true;
        resolve(r);
      }
    };
    const req = httpRequest(
      { agent, host: '127.0.0.1', port, method: c.method, path: c.path, headers: h },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size <= 4 * 1024 * 1024) chunks.push(chunk);
        });
        res.on('end', () =>
          done({ ok: true, status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
        );
        res.on('error', (err) => done({ ok: false, error: `response: ${err.message}` }));
      },
    );
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`no reply within ${timeoutMs} ms`)));
    req.on('error', (err) => done({ ok: false, error: err.message }));
    if (c.chunked && body.length > 0) {
      const cut = Math.floor(body.length / 2);
      req.write(body.subarray(0, cut));
      req.write(body.subarray(cut));
      req.end();
    } else {
      req.end(body);
    }
  });
}

/** Modelled error types and their statuses (kvs-reference §1.0, §2, §3; errors.ts). */
export const MODELLED_ERRORS: Readonly<Record<string, readonly number[]>> = {
  InvalidArgumentException: [400],
  ClientLimitExceededException: [400],
  ResourceInUseException: [400],
  VersionMismatchException: [400],
  AccountChannelLimitExceededException: [400],
  AccountStreamLimitExceededException: [400],
  TagsPerResourceExceededLimitException: [400],
  NoDataRetentionException: [400],
  InvalidResourceFormatException: [400],
  DeviceStreamLimitExceededException: [400],
  InvalidDeviceException: [400],
  InvalidClientException: [400],
  SessionExpiredException: [400],
  AccessDeniedException: [401, 403],
  NotAuthorizedException: [401],
  ResourceNotFoundException: [404],
  StreamEdgeConfigurationNotFoundException: [404],
  UnknownOperationException: [404],
  MissingAuthenticationTokenException: [403],
  InvalidSignatureException: [403],
  UnrecognizedClientException: [403],
  ExpiredTokenException: [403],
};

const AUTH_ERRORS = new Set([
  'MissingAuthenticationTokenException',
  'InvalidSignatureException',
  'UnrecognizedClientException',
  'ExpiredTokenException',
  'AccessDeniedException',
  'NotAuthorizedException',
]);

export const MAX_HTTP_BODY = 1024 * 1024;

/** Operations whose success is an empty body (§3). */
const EMPTY_OK = new Set(['JoinStorageSession', 'JoinStorageSessionAsViewer']);

/**
 * What the reply to `c` must look like, as the router's documented order implies (body limit → route →
 * SigV4 → JSON → quotas → operation): returns the problems found, empty when the reply is acceptable.
 */
export function checkHttpReply(c: HttpCase, r: HttpReply, throttled: boolean): string[] {
  if (!r.ok) return [`no reply: ${r.error}`];
  const problems: string[] = [];
  const errorType = headerString(r.headers['x-amzn-errortype']);
  if (![200, 400, 401, 403, 404].includes(r.status))
    problems.push(`status ${r.status} (${errorType ?? 'no error type'})`);
  const text = r.body.toString('utf8');
  if (r.status === 200) {
    if (errorType !== undefined) problems.push(`200 with x-amzn-errortype ${errorType}`);
    if (c.method === 'HEAD') {
      // No body to check (HEAD replies carry none); the oracle below still applies.
    } else if (text === '') {
      if (!c.operation || !EMPTY_OK.has(c.operation)) problems.push('200 with an empty body');
    } else {
      const parsed = tryParse(text);
      if (!parsed.ok || !isPlainObject(parsed.value)) problems.push('200 body is not a JSON object');
    }
  } else {
    if (errorType === undefined) problems.push(`${r.status} without x-amzn-errortype`);
    else if (!MODELLED_ERRORS[errorType]?.includes(r.status))
      problems.push(`${r.status} ${errorType} is not a modelled error/status pair`);
    if (c.method !== 'HEAD') {
      const parsed = tryParse(text);
      if (!parsed.ok || !isPlainObject(parsed.value))
        problems.push(`${r.status} body is not a JSON object: ${text.slice(0, 80)}`);
      else {
        const b = parsed.value;
        if (b.__type !== errorType)
          problems.push(`__type ${String(b.__type)} differs from header ${errorType}`);
        const msg = b.message ?? b.Message;
        if (typeof msg !== 'string' || msg.length === 0) problems.push('error body without a message');
      }
      if (r.body.length > 2048) problems.push(`error body of ${r.body.length} bytes (input reflected?)`);
    }
  }
  // The oracle: which outcome this input must have.
  const sent = c.sentBody ?? c.body;
  const expect = (status: number, types: readonly string[]): void => {
    if (
      r.status !== status ||
      (errorType !== undefined && !types.includes(errorType)) ||
      (status !== 200 && errorType === undefined)
    )
      problems.push(`expected ${status} ${types.join('|')}, got ${r.status} ${errorType ?? ''}`);
  };
  if (sent.length > MAX_HTTP_BODY) {
    expect(400, ['InvalidArgumentException']);
  } else if (!c.knownRoute || c.method !== 'POST') {
    expect(404, ['UnknownOperationException']);
  } else if (c.auth !== 'valid') {
    expect(403, [expectedAuthError(c.auth)]);
  } else {
    const text2 = sent.toString('utf8');
    const parsed = text2.length === 0 ? { ok: true as const, value: {} } : tryParse(text2);
    if (!parsed.ok || !isPlainObject(parsed.value)) expect(400, ['InvalidArgumentException']);
    else if (r.status === 403 || r.status === 401 || (errorType !== undefined && AUTH_ERRORS.has(errorType)))
      problems.push(`a correctly signed request was refused: ${r.status} ${errorType ?? ''}`);
    else if (errorType === 'ClientLimitExceededException' && !throttled)
      problems.push('ClientLimitExceededException with control-plane quotas off');
    else if (errorType === 'UnknownOperationException')
      problems.push(`UnknownOperationException for the routed operation ${c.operation ?? ''}`);
  }
  return problems;
}

function headerString(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

/** Runs `fn` over `items` with at most `concurrency` in flight. */
export async function pool<T>(
  items: readonly T[],
  concurrency: number,
  fn: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const item = items[next++]!;
      await fn(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
}

// ---- signaling frames --------------------------------------------------------------------------------

export const ACTIONS = ['SDP_OFFER', 'SDP_ANSWER', 'ICE_CANDIDATE'] as const;
export const SERVER_TYPES = new Set([...ACTIONS, 'STATUS_RESPONSE', 'GO_AWAY', 'RECONNECT_ICE_SERVER']);
const ID_PATTERN = /^[a-zA-Z0-9_.-]+$/;
const BASE64_PATTERN = /^[A-Za-z0-9+/=]+$/;

/** Who sends a frame and what it could address. */
export interface Sender {
  role: 'MASTER' | 'VIEWER';
  clientId: string | null;
  /** ClientIds of the viewers connected to the sender's channel. */
  viewerIds: readonly string[];
  /** The broker's messagePayload limit (limits.maxMessageBytes). */
  maxPayload: number;
}

export const FRAME_KINDS = {
  valid: 20,
  pascal: 6,
  'null-camel': 3,
  mutated: 18,
  'unknown-action': 6,
  'bad-base64': 6,
  'odd-base64': 2,
  empty: 5,
  oversize: 4,
  boundary: 2,
  'bad-recipient': 5,
  'unknown-recipient': 3,
  'bad-correlation': 5,
  'random-json': 4,
  'not-json': 4,
  binary: 6,
  'binary-json': 2,
  'extra-keys': 3,
  'duplicate-keys': 2,
  ping: 2,
} as const;
export type FrameKind = keyof typeof FRAME_KINDS;

export interface FrameCase {
  kind: FrameKind;
  data: string | Buffer;
  binary: boolean;
  ping: boolean;
}

/** A well-formed client message (§4.3) from `s`; `seq` makes payloads and correlationIds unique. */
export function validMessage(
  rng: Rng,
  s: Sender,
  seq: number,
  withCorrelation = rng.chance(0.6),
): Record<string, unknown> {
  const action = rng.pick(ACTIONS);
  const payload =
    action === 'ICE_CANDIDATE'
      ? {
          candidate: `candidate:${seq} 1 udp 2122260223 127.0.0.1 ${rng.range(1024, 65535)} typ host`,
          sdpMid: '0',
          sdpMLineIndex: 0,
        }
      : {
          type: action === 'SDP_OFFER' ? 'offer' : 'answer',
          sdp: `v=0\r\no=- ${seq} 2 IN IP4 127.0.0.1\r\n${'a=x\r\n'.repeat(rng.int(60))}`,
        };
  const msg: Record<string, unknown> = { action, messagePayload: b64json(payload) };
  if (s.role === 'MASTER') msg.recipientClientId = rng.pick(s.viewerIds);
  else if (rng.chance(0.2)) msg.recipientClientId = rng.chance(0.5) ? '' : randomId(rng);
  if (withCorrelation) msg.correlationId = rng.chance(0.5) ? `c${seq}` : `c.${seq}_${randomAlnum(rng, 3)}-x`;
  return msg;
}

/** Draws one frame of `kind` for sender `s`. */
export function generateFrame(
  rng: Rng,
  s: Sender,
  seq: number,
  kind: FrameKind = rng.weighted(FRAME_KINDS),
): FrameCase {
  const text = (v: unknown): FrameCase => ({ kind, data: JSON.stringify(v), binary: false, ping: false });
  const m = validMessage(rng, s, seq);
  switch (kind) {
    case 'valid':
      return text(m);
    case 'pascal': {
      // The C SDK's casing (§4.3): lower-case action, PascalCase others, "" recipient from a viewer.
      const out: Record<string, unknown> = {
        [rng.chance(0.8) ? 'action' : 'Action']: m.action,
        MessagePayload: m.messagePayload,
      };
      out.RecipientClientId = s.role === 'MASTER' ? m.recipientClientId : '';
      if (m.correlationId !== undefined) out.CorrelationId = m.correlationId;
      if (rng.chance(0.3)) out.IceServerList = [{ Password: 'p', Ttl: 300, Uris: ['turn:x'], Username: 'u' }];
      return text(out);
    }
    case 'null-camel': {
      const out: Record<string, unknown> = { ...m, messagePayload: null, MessagePayload: m.messagePayload };
      if (m.correlationId !== undefined) {
        out.correlationId = null;
        out.CorrelationId = m.correlationId;
      }
      return text(out);
    }
    case 'mutated': {
      const keys = Object.keys(m);
      const n = rng.range(1, 2);
      for (let i = 0; i < n; i++) {
        const k = rng.pick(keys);
        if (rng.chance(0.3)) delete m[k];
        else m[k] = wrongType(rng, m[k]);
      }
      return text(m);
    }
    case 'unknown-action':
      m.action = rng.pick([
        'sdp_offer',
        'SDP_OFFERX',
        '',
        'GO_AWAY',
        'STATUS_RESPONSE',
        'SDP OFFER',
        randomId(rng),
        42,
        null,
        ['SDP_OFFER'],
        {},
      ]);
      if (m.action === null) delete m.action;
      return text(m);
    case 'bad-base64':
      m.messagePayload = rng.pick([
        String(m.messagePayload).replace(/[+/]/g, '-'),
        'not base64!',
        'QQ==\n',
        ' QQ==',
        'ÿÿÿ',
        '😀',
        '%%%',
        'QQ== ',
        'Q_Q-',
        `${String(m.messagePayload)}\u0000`,
      ]);
      return text(m);
    case 'odd-base64':
      // Matches the documented pattern though it is no valid base64: relayed as-is (P2P never decodes).
      m.messagePayload = rng.pick(['A', '====', 'AB=C', 'QQ', '+/+/']);
      return text(m);
    case 'empty':
      if (rng.chance(0.5)) {
        m.messagePayload = '';
        return text(m);
      }
      return {
        kind,
        data: rng.pick(['', '{}', '[]', 'null', '""', ' ', '{"action":""}']),
        binary: false,
        ping: false,
      };
    case 'oversize':
      m.messagePayload = base64Chars(rng, rng.range(s.maxPayload + 1, 50_000));
      return text(m);
    case 'boundary':
      m.messagePayload = base64Chars(rng, rng.chance(0.5) ? s.maxPayload : s.maxPayload + 1);
      return text(m);
    case 'bad-recipient':
      m.recipientClientId = rng.pick([
        'bad id',
        'x'.repeat(257),
        42,
        {},
        [],
        true,
        'ü',
        'a/b',
        '..',
        `${randomId(rng)} `,
      ]);
      return text(m);
    case 'unknown-recipient':
      m.recipientClientId = `nobody-${randomId(rng, 1, 8)}`;
      return text(m);
    case 'bad-correlation':
      m.correlationId = rng.pick(['has space', 'x'.repeat(257), 12, {}, [], true, 'ü', 'a/b', 'end\n']);
      return text(m);
    case 'random-json':
      return text(randomJson(rng, 3));
    case 'not-json': {
      const json = JSON.stringify(m);
      return {
        kind,
        data: rng.pick([
          randomText(rng, 12),
          json.slice(0, rng.int(json.length)),
          `${json}}`,
          json.replace(/"/g, "'"),
        ]),
        binary: false,
        ping: false,
      };
    }
    case 'binary':
      return { kind, data: rng.bytes(rng.range(0, 2000)), binary: true, ping: false };
    case 'binary-json':
      return { kind, data: Buffer.from(JSON.stringify(m), 'utf8'), binary: true, ping: false };
    case 'extra-keys': {
      m.senderClientId = 'spoofed-sender';
      m.messageType = 'STATUS_RESPONSE';
      m[randomId(rng)] = randomJson(rng);
      const json = JSON.stringify(m);
      const data = prependKey(prependKey(json, 'constructor', '1'), '__proto__', '{"action":"SDP_OFFER"}');
      return { kind, data, binary: false, ping: false };
    }
    case 'duplicate-keys': {
      const json = JSON.stringify(m);
      // The last duplicate wins in JSON.parse; the first is junk.
      const data = prependKey(prependKey(json, 'messagePayload', '"!!"'), 'action', '"JUNK"');
      return { kind, data, binary: false, ping: false };
    }
    case 'ping':
      return { kind, data: rng.bytes(rng.range(0, 125)), binary: true, ping: true };
  }
}

export type FrameVerdict =
  /** No reply and no relay: binary, unparsable, not an object, or a malformed correlationId. */
  | { kind: 'ignored' }
  /**
   * InvalidArgument: a STATUS_RESPONSE exactly when `corr` is set. `afterRateCheck`: the problem is the
   * master's recipient, which is checked after the per-connection TPS, so ClientLimitExceeded may come first.
   */
  | { kind: 'rejected'; corr: string | undefined; afterRateCheck: boolean }
  /** Relayed to the master (`to` null) or the viewer `to` (or queued when not connected). */
  | { kind: 'relay'; corr: string | undefined; action: string; payload: string; to: string | null };

function pickField(obj: Record<string, unknown>, camel: string, pascal: string): unknown {
  const v = obj[camel];
  return v === undefined || v === null ? obj[pascal] : v;
}

/**
 * What the service does with a frame (kvs-reference §4.3–§4.5), written from the reference: both key
 * casings, empty recipient = absent, unknown keys ignored; STATUS_RESPONSE only for failures of messages
 * with a usable correlationId (`[a-zA-Z0-9_.-]{1,256}`); binary and unparsable frames ignored; payload
 * 1–max characters of the base64 alphabet; a viewer's recipient ignored, the master's required.
 */
export function judgeFrame(f: FrameCase, s: Sender): FrameVerdict {
  if (f.binary || f.ping || typeof f.data !== 'string') return { kind: 'ignored' };
  const parsed = tryParse(f.data);
  if (!parsed.ok || !isPlainObject(parsed.value)) return { kind: 'ignored' };
  const obj = parsed.value;
  const rawCorr = pickField(obj, 'correlationId', 'CorrelationId');
  let corr: string | undefined;
  if (rawCorr !== undefined && rawCorr !== null && rawCorr !== '') {
    if (typeof rawCorr !== 'string' || rawCorr.length > 256 || !ID_PATTERN.test(rawCorr))
      return { kind: 'ignored' };
    corr = rawCorr;
  }
  const action = pickField(obj, 'action', 'Action');
  if (typeof action !== 'string' || !(ACTIONS as readonly string[]).includes(action))
    return { kind: 'rejected', corr, afterRateCheck: false };
  const payload = pickField(obj, 'messagePayload', 'MessagePayload');
  if (
    typeof payload !== 'string' ||
    payload.length === 0 ||
    payload.length > s.maxPayload ||
    !BASE64_PATTERN.test(payload)
  )
    return { kind: 'rejected', corr, afterRateCheck: false };
  if (s.role === 'VIEWER') return { kind: 'relay', corr, action, payload, to: null };
  let recipient = pickField(obj, 'recipientClientId', 'RecipientClientId');
  if (recipient === '' || recipient === null) recipient = undefined;
  if (typeof recipient !== 'string' || recipient.length > 256 || !ID_PATTERN.test(recipient))
    return { kind: 'rejected', corr, afterRateCheck: true };
  return { kind: 'relay', corr, action, payload, to: recipient };
}

/** A server frame as received, with the problems found in it. */
export interface ServerFrame {
  messageType: string;
  senderClientId: string | undefined;
  messagePayload: string | undefined;
  statusResponse: { correlationId: string; errorType: string; statusCode: string } | undefined;
}

/** Validates one server → client frame against §4.4; returns the frame or the problem. */
export function parseServerFrame(data: Buffer, isBinary: boolean): ServerFrame | string {
  if (isBinary) return 'binary frame from the server';
  const parsed = tryParse(data.toString('utf8'));
  if (!parsed.ok || !isPlainObject(parsed.value))
    return `server frame is not a JSON object: ${data.toString('utf8').slice(0, 80)}`;
  const f = parsed.value;
  if (typeof f.messageType !== 'string' || !SERVER_TYPES.has(f.messageType))
    return `unknown messageType ${String(f.messageType)}`;
  const frame: ServerFrame = {
    messageType: f.messageType,
    senderClientId: undefined,
    messagePayload: undefined,
    statusResponse: undefined,
  };
  if (f.senderClientId !== undefined) {
    if (typeof f.senderClientId !== 'string' || !ID_PATTERN.test(f.senderClientId))
      return 'malformed senderClientId';
    frame.senderClientId = f.senderClientId;
  }
  if (f.messageType === 'STATUS_RESPONSE') {
    const sr = f.statusResponse;
    if (!isPlainObject(sr)) return 'STATUS_RESPONSE without statusResponse';
    if (
      typeof sr.correlationId !== 'string' ||
      typeof sr.errorType !== 'string' ||
      typeof sr.statusCode !== 'string'
    )
      return `malformed statusResponse ${JSON.stringify(sr).slice(0, 120)}`;
    if (sr.success !== false) return 'STATUS_RESPONSE with success other than false';
    if (sr.description !== undefined && (typeof sr.description !== 'string' || sr.description.length > 1024))
      return 'statusResponse.description is not a string of at most 1K';
    if (!MODELLED_ERRORS[sr.errorType]?.includes(Number(sr.statusCode)))
      return `statusResponse ${sr.statusCode} ${sr.errorType} is not a modelled error/status pair`;
    frame.statusResponse = {
      correlationId: sr.correlationId,
      errorType: sr.errorType,
      statusCode: sr.statusCode,
    };
  } else if ((ACTIONS as readonly string[]).includes(f.messageType)) {
    if (typeof f.messagePayload !== 'string' || !BASE64_PATTERN.test(f.messagePayload))
      return 'relayed frame without a base64 messagePayload';
    frame.messagePayload = f.messagePayload;
  }
  return frame;
}

// ---- WebSocket upgrades ------------------------------------------------------------------------------

export type UpgradeResult =
  | { kind: 'open'; ws: WebSocket }
  | { kind: 'refused'; status: number; errorType: string | undefined; body: string }
  | { kind: 'failed'; error: string };

/** Attempts a WebSocket upgrade; a refusal comes back with its status, error type and body. */
export function tryUpgrade(url: string, timeoutMs = 5000): Promise<UpgradeResult> {
  const ws = new WebSocket(url, { handshakeTimeout: timeoutMs });
  return new Promise((resolve) => {
    let settled = false;
    const done = (r: UpgradeResult): void => {
      if (!settled) {
        settled = true;
        resolve(r);
      }
    };
    ws.once('open', () => done({ kind: 'open', ws }));
    ws.once('unexpected-response', (req, res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString('utf8')));
      res.on('end', () => {
        done({
          kind: 'refused',
          status: res.statusCode ?? 0,
          errorType: headerString(res.headers['x-amzn-errortype']),
          body,
        });
        req.destroy();
      });
      res.on('error', (err) => done({ kind: 'failed', error: err.message }));
    });
    ws.on('error', (err) => done({ kind: 'failed', error: err.message }));
  });
}

/** Problems with a refused upgrade: it must be a modelled error with a matching JSON body. */
export function checkRefusal(r: Extract<UpgradeResult, { kind: 'refused' }>): string[] {
  const problems: string[] = [];
  if (r.errorType === undefined)
    return [`${r.status} refusal without x-amzn-errortype: ${r.body.slice(0, 80)}`];
  if (!MODELLED_ERRORS[r.errorType]?.includes(r.status))
    problems.push(`${r.status} ${r.errorType} is not modelled`);
  const parsed = tryParse(r.body);
  if (!parsed.ok || !isPlainObject(parsed.value)) problems.push('refusal body is not a JSON object');
  else if (parsed.value.__type !== r.errorType) problems.push('refusal __type differs from x-amzn-errortype');
  return problems;
}
