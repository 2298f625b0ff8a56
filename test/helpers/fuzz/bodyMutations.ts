import type { Rng } from './prng';
import { NUMBERS, isPlainObject, prependKey, randomId, randomJson, randomText, wrongType } from './values';

/** Request bodies derived from a valid one: each mutation kind breaks it in one particular way. */

type Slot = [Record<string, unknown> | unknown[], string | number];

function clone<T>(v: T): T {
  return JSON.parse(JSON.stringify(v)) as T;
}

/** Every (container, key) pair inside a JSON value, for picking a field to mutate. */
function slots(value: unknown, out: Slot[] = []): Slot[] {
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

function getSlot([container, key]: Slot): unknown {
  return Array.isArray(container) ? container[key as number] : container[key as string];
}

function setSlot([container, key]: Slot, v: unknown): void {
  if (Array.isArray(container)) container[key as number] = v;
  else container[key as string] = v;
}

function deleteSlot([container, key]: Slot): void {
  if (Array.isArray(container)) container.splice(key as number, 1);
  else delete container[key as string];
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
  const field = (): Slot | undefined => (all.length > 0 ? rng.pick(all) : undefined);
  switch (kind) {
    case 'as-is':
      return text(v);
    case 'drop-field': {
      const s = field();
      if (s) deleteSlot(s);
      return text(v);
    }
    case 'wrong-type': {
      const n = rng.range(1, 3);
      for (let i = 0; i < n; i++) {
        const s = field();
        if (s) setSlot(s, wrongType(rng, getSlot(s)));
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
      if (s) setSlot(s, randomText(rng, 10));
      return text(v);
    }
    case 'bad-base64': {
      const s = field();
      if (s) setSlot(s, rng.pick(['!!!', '====', 'a', 'QQ', '%%%', 'djE6', 'Zm9v\n', ' QQ==', 'ÿÿÿ', '😀']));
      return text(v);
    }
    case 'duplicate-keys': {
      const json = JSON.stringify(v);
      const key = Object.keys(v)[0] ?? 'x';
      return Buffer.from(prependKey(json, key, JSON.stringify(randomJson(rng, 1))), 'utf8');
    }
    case 'numbers': {
      const s = field();
      if (s) setSlot(s, rng.pick(NUMBERS));
      const raw = JSON.stringify(v);
      // Literals JSON.stringify cannot produce: overflow to Infinity, negative zero, exponents.
      return Buffer.from(rng.chance(0.3) ? raw.replace(/:(-?\d+(\.\d+)?)/, ':1e400') : raw, 'utf8');
    }
    case 'random-object':
      return text(randomJson(rng, 3));
    case 'big-string': {
      const s = field();
      const big = randomId(rng, 10_000, 200_000);
      if (s) setSlot(s, big);
      else v.x = big;
      return text(v);
    }
  }
}

/** Half the time the valid body as-is, otherwise a mutation drawn by weight. */
export function mostlyValidBody(rng: Rng, base: Record<string, unknown>): Buffer {
  return mutateBody(rng, base, rng.chance(0.5) ? 'as-is' : rng.weighted(BODY_MUTATIONS));
}

/** A JSON object body of roughly `size` bytes: one field holding a long string. */
export function hugeBody(rng: Rng, field: string, size: number): Buffer {
  const head = Buffer.from(`{"${field}":"`, 'utf8');
  const tail = Buffer.from('"}', 'utf8');
  const fill = Buffer.alloc(Math.max(0, size - head.length - tail.length), rng.pick(['a', '0', ' ', 'é']));
  return Buffer.concat([head, fill, tail]);
}
