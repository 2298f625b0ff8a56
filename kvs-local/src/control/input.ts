import { kvsErrors } from '../errors';

/**
 * Field readers for request bodies. Each throws InvalidArgumentException naming the field and the
 * constraint from the service model (kvs-reference.md §1.1), which is what the service itself answers.
 */
export type Body = Record<string, unknown>;

interface StrRule {
  min?: number;
  max?: number;
  pattern?: RegExp;
}

function bad(field: string, why: string): never {
  throw kvsErrors.invalidArgument(
    `1 validation error detected: Value at '${field}' failed to satisfy constraint: ${why}`,
  );
}

export function optStr(body: Body, field: string, rule: StrRule = {}): string | undefined {
  const v = body[field];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') bad(field, 'Member must be a string');
  const { min = 0, max = Infinity, pattern } = rule;
  if (v.length < min || v.length > max) {
    bad(
      field,
      `Member must have length ${max === Infinity ? `greater than or equal to ${min}` : `between ${min} and ${max}`}`,
    );
  }
  if (pattern && !pattern.test(v))
    bad(field, `Member must satisfy regular expression pattern: ${pattern.source}`);
  return v;
}

export function reqStr(body: Body, field: string, rule: StrRule = {}): string {
  const v = optStr(body, field, rule);
  if (v === undefined) bad(field, 'Member must not be null');
  return v;
}

export function optInt(body: Body, field: string, min: number, max: number): number | undefined {
  const v = body[field];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v)) bad(field, 'Member must be an integer');
  if (v < min || v > max) bad(field, `Member must have value between ${min} and ${max}`);
  return v;
}

export function optEnum<T extends string>(body: Body, field: string, values: readonly T[]): T | undefined {
  const v = body[field];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string' || !values.includes(v as T))
    bad(field, `Member must satisfy enum value set: [${values.join(', ')}]`);
  return v as T;
}

export function reqEnum<T extends string>(body: Body, field: string, values: readonly T[]): T {
  const v = optEnum(body, field, values);
  if (v === undefined) bad(field, 'Member must not be null');
  return v;
}

export function optObj(body: Body, field: string): Body | undefined {
  const v = body[field];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'object' || Array.isArray(v)) bad(field, 'Member must be a structure');
  return v as Body;
}

export function reqObj(body: Body, field: string): Body {
  const v = optObj(body, field);
  if (v === undefined) bad(field, 'Member must not be null');
  return v;
}

export function optList(body: Body, field: string, min: number, max: number): unknown[] | undefined {
  const v = body[field];
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v)) bad(field, 'Member must be a list');
  if (v.length < min || v.length > max) bad(field, `Member must have length between ${min} and ${max}`);
  return v as unknown[];
}

export const TAG_KEY = /^([\p{L}\p{Z}\p{N}_.:/=+\-@]*)$/u;
export const TAG_VALUE = TAG_KEY;
export const NEXT_TOKEN = /^[a-zA-Z0-9+/=]*$/;
export const VERSION = /^[a-zA-Z0-9]+$/;
export const NAME = /^[a-zA-Z0-9_.-]+$/;
export const ARN = /^arn:[a-z\d-]+:kinesisvideo:[a-z0-9-]+:[0-9]+:[a-z]+\/[a-zA-Z0-9_.-]+\/[0-9]+$/;

/** Validates a `[{Key, Value}]` tag list (TagOnCreateList / TagList). */
export function tagList(list: unknown[], field: string): Record<string, string> {
  const out: Record<string, string> = {};
  list.forEach((item, i) => {
    if (typeof item !== 'object' || item === null || Array.isArray(item))
      bad(`${field}.${i + 1}`, 'Member must be a structure');
    const tag = item as Body;
    const key = reqStr(tag, 'Key', { min: 1, max: 128, pattern: TAG_KEY });
    out[key] = optStr(tag, 'Value', { min: 0, max: 256, pattern: TAG_VALUE }) ?? '';
  });
  return out;
}

/** Validates a `{key: value}` tag map (CreateStream / ResourceTags). */
export function tagMap(body: Body, field: string): Record<string, string> | undefined {
  const m = optObj(body, field);
  if (!m) return undefined;
  const entries = Object.entries(m);
  if (entries.length < 1 || entries.length > 50) bad(field, 'Member must have length between 1 and 50');
  const out: Record<string, string> = {};
  for (const [k, v] of entries) {
    if (k.length < 1 || k.length > 128 || !TAG_KEY.test(k))
      bad(`${field}.key`, 'Member must satisfy the tag key pattern');
    if (typeof v !== 'string' || v.length > 256 || !TAG_VALUE.test(v))
      bad(`${field}.value`, 'Member must be a tag value string');
    out[k] = v;
  }
  return out;
}

/** Opaque pagination token: base64 of the last name returned. */
export function encodeToken(lastName: string): string {
  return Buffer.from(`v1:${lastName}`).toString('base64');
}

export function decodeToken(token: string | undefined): string | undefined {
  if (!token) return undefined;
  const text = Buffer.from(token, 'base64').toString('utf8');
  if (!text.startsWith('v1:')) throw kvsErrors.invalidArgument('The NextToken is invalid or has expired.');
  return text.slice(3);
}

/** Epoch ms → the epoch-seconds JSON number the service sends. */
export function epochSeconds(ms: number): number {
  return ms / 1000;
}

/**
 * One page of a name-sorted list for the List* operations: MaxResults (1–10000, `defaultMax`), NextToken and
 * a BEGINS_WITH name condition under `conditionField`. The paginators continue while NextToken is truthy.
 */
export function pageByName<T extends { name: string; status: string }>(
  body: Body,
  items: T[],
  conditionField: string,
  defaultMax: number,
): { page: T[]; nextToken?: string } {
  const max = optInt(body, 'MaxResults', 1, 10000) ?? defaultMax;
  const after = decodeToken(optStr(body, 'NextToken', { min: 0, max: 1024, pattern: NEXT_TOKEN }));
  const cond = optObj(body, conditionField);
  let prefix: string | undefined;
  if (cond) {
    optEnum(cond, 'ComparisonOperator', ['BEGINS_WITH'] as const);
    prefix = optStr(cond, 'ComparisonValue', { min: 1, max: 256, pattern: NAME });
  }
  const all = items.filter(
    (c) =>
      c.status !== 'DELETING' &&
      (prefix === undefined || c.name.startsWith(prefix)) &&
      (after === undefined || c.name > after),
  );
  const page = all.slice(0, max);
  return all.length > max ? { page, nextToken: encodeToken(page[page.length - 1]!.name) } : { page };
}
