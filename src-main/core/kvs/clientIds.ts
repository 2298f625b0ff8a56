import { IpcFailure } from '../../../src-shared/ipc/errors';
import { clientIdProblem } from '../../../src-shared/kvs/validate';

/**
 * Signaling ClientIds: one stable id per (console install, tile). A reconnect with the same ClientId makes
 * the service replace the stale connection (kvs-reference §4.2) and the storage session supersede the old
 * viewer (§6.3), instead of counting another of the 10 viewers per channel (or 3 per storage session) —
 * PR #659 of the JS SDK is the failure this avoids. The install part keeps two consoles' tile "t1" apart.
 */

/** The renderer's tile id as the contract allows it (src-shared/ipc/schemas.ts `tileId`). */
const TILE_ID = /^[a-zA-Z0-9_-]{1,64}$/;

/** Letters and digits of the install id that go into every ClientId. */
const INSTALL_PART_LENGTH = 8;

/** The install id's first 8 letters/digits, lower-cased; throws when it has fewer than 8. */
export function installPart(installId: string): string {
  const part = installId
    .replace(/[^a-zA-Z0-9]/g, '')
    .slice(0, INSTALL_PART_LENGTH)
    .toLowerCase();
  if (part.length < INSTALL_PART_LENGTH) {
    throw new Error(`installId must contain at least ${INSTALL_PART_LENGTH} letters or digits`);
  }
  return part;
}

/**
 * `wf-<install8>-<tileId>`: the `wf-` prefix means it can never start with `AWS_` (§4.2) and marks our
 * connections in the service's logs. Throws IpcFailure('InvalidArgument') for a tile id the contract
 * would have refused, and re-checks the result with the shared validator before anything signs it.
 */
export function clientIdFor(installId: string, tileId: string): string {
  if (!TILE_ID.test(tileId)) {
    throw new IpcFailure('InvalidArgument', 'tileId must be 1–64 of letters, digits, _ and -.');
  }
  const id = `wf-${installPart(installId)}-${tileId}`;
  const problem = clientIdProblem(id);
  if (problem !== null) throw new IpcFailure('InvalidArgument', problem);
  return id;
}

/** The ClientIds of one install; cheap to call on every request (pure). */
export class ClientIds {
  private readonly install: string;

  constructor(installId: string) {
    // Validate once at start: a bad install id is a wiring bug, not a per-request failure.
    this.install = installPart(installId);
  }

  /** The stable ClientId of `tileId`. */
  forTile(tileId: string): string {
    return clientIdFor(this.install, tileId);
  }
}
