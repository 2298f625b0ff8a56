import { IpcFailure, type ErrorCode } from '../../../src-shared/ipc/errors';

/** Why the catalog refused: each kind has one thing the operator (or the composition root) can do. */
export type CatalogErrorKind =
  /** The file is not a SQLite database, or fails its quick_check: offer `quarantineAndRecreate`. */
  | 'corrupt'
  /** The file cannot be opened or read (permissions, a directory, an I/O error): the message says which. */
  | 'unreadable'
  /** Another process holds the database locked past the busy timeout. */
  | 'busy'
  /** The schema is newer than this build knows: update Watchfloor, or start fresh keeping the file aside. */
  | 'newer-version'
  /** An export document from a newer Watchfloor (format version this build cannot read). */
  | 'unsupported-document'
  /** A document, group or layout that does not match its schema; the message names the first problem. */
  | 'invalid'
  /** A channel, group or layout that is not in the catalog. */
  | 'not-found';

const CODES: Record<CatalogErrorKind, ErrorCode> = {
  corrupt: 'DatabaseError',
  unreadable: 'DatabaseError',
  busy: 'DatabaseError',
  'newer-version': 'DatabaseError',
  'unsupported-document': 'InvalidArgument',
  invalid: 'InvalidArgument',
  'not-found': 'ChannelNotFound',
};

/**
 * A catalog failure with a message safe to show. It is an `IpcFailure`, so the IPC router answers with the
 * matching code without a translation table of its own.
 */
export class CatalogError extends IpcFailure {
  constructor(
    readonly kind: CatalogErrorKind,
    message: string,
    /** The database file concerned, when there is one (for the "start fresh" dialog). */
    readonly file?: string,
    options?: { cause?: unknown },
  ) {
    super(CODES[kind], message);
    this.name = `CatalogError(${kind})`;
    if (options?.cause !== undefined) this.cause = options.cause;
  }

  /** Whether `quarantineAndRecreate` is a sensible way out for this error. */
  get canStartFresh(): boolean {
    return this.kind === 'corrupt' || this.kind === 'newer-version' || this.kind === 'unreadable';
  }
}

/** The message for a damaged catalog: what happened and the way out. */
export function corruptMessage(file: string, detail: string): string {
  return (
    `The catalog ${file} is damaged or is not a Watchfloor database (${detail}). ` +
    'Start with a fresh catalog (the damaged file is kept aside for recovery); channels come back with the next sync, ' +
    'groups and layouts from an export.'
  );
}

/**
 * Turns a SQLite error into a CatalogError with a message naming the file; passes anything else through
 * (CatalogErrors as they are, and bugs as bugs).
 */
export function classify(err: unknown, file: string): unknown {
  if (err instanceof CatalogError) return err;
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code !== 'string' || !code.startsWith('SQLITE_')) return err;
  const detail = err instanceof Error ? err.message : code;
  if (code === 'SQLITE_NOTADB' || code.startsWith('SQLITE_CORRUPT')) {
    return new CatalogError('corrupt', corruptMessage(file, detail), file, { cause: err });
  }
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) {
    return new CatalogError(
      'busy',
      `The catalog ${file} is locked by another process (is Watchfloor already running?): ${detail}`,
      file,
      { cause: err },
    );
  }
  if (
    code === 'SQLITE_CANTOPEN' ||
    code === 'SQLITE_PERM' ||
    code.startsWith('SQLITE_READONLY') ||
    code.startsWith('SQLITE_IOERR')
  ) {
    return new CatalogError(
      'unreadable',
      `The catalog ${file} cannot be opened or written (${detail}). Check that the file and its folder are readable ` +
        'and writable, or start with a fresh catalog (the current file is kept aside).',
      file,
      { cause: err },
    );
  }
  return err;
}
