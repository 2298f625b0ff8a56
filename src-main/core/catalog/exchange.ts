import { exportDocument } from '../../../src-shared/ipc/schemas';
import { CatalogError } from './errors';
import type { ExportDocument } from './model';
import type { GroupsRepo } from './repos/groups';
import type { LayoutsRepo } from './repos/layouts';
import type { Sql } from './sql';
import { validate } from './validate';

/** The document format this build writes and reads. */
export const EXPORT_FORMAT = 'watchfloor.layouts';
export const EXPORT_VERSION = 1;

/** The operator's groups and layouts as the versioned exchange document. */
export function exportWall(groups: GroupsRepo, layouts: LayoutsRepo, now: number): ExportDocument {
  return {
    format: EXPORT_FORMAT,
    version: EXPORT_VERSION,
    exportedAt: now,
    groups: groups.list(),
    layouts: layouts.list(),
  };
}

/**
 * Validates an exchange document and upserts its groups and layouts (by id) in one transaction: a bad
 * document changes nothing. A document from a newer Watchfloor is refused by name, not by a schema error.
 */
export function importWall(
  sql: Sql,
  groups: GroupsRepo,
  layouts: LayoutsRepo,
  input: unknown,
): { groups: number; layouts: number } {
  if (
    typeof input !== 'object' ||
    input === null ||
    (input as { format?: unknown }).format !== EXPORT_FORMAT
  ) {
    throw new CatalogError(
      'invalid',
      `not a Watchfloor layouts document (expected format "${EXPORT_FORMAT}")`,
    );
  }
  const version = (input as { version?: unknown }).version;
  if (typeof version === 'number' && version > EXPORT_VERSION) {
    throw new CatalogError(
      'unsupported-document',
      `this layouts document is version ${version}, written by a newer Watchfloor; this build reads version ${EXPORT_VERSION}. Update Watchfloor to import it.`,
    );
  }
  const doc = validate(exportDocument, input, 'layouts document');
  return sql.tx('layouts.import', () => {
    for (const g of doc.groups) groups.write(g);
    for (const l of doc.layouts) layouts.write(l);
    return { groups: doc.groups.length, layouts: doc.layouts.length };
  });
}
