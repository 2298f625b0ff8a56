import type { z } from 'zod';
import { CatalogError } from './errors';

/** Parses `value` with `schema`, or throws CatalogError('invalid') naming the first problem and where. */
export function validate<S extends z.ZodType>(schema: S, value: unknown, what: string): z.output<S> {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  const where = issue && issue.path.length > 0 ? ` at ${issue.path.join('.')}` : '';
  throw new CatalogError('invalid', `${what} is not valid${where}: ${issue?.message ?? 'unknown problem'}`);
}
