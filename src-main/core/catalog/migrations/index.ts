import type { Migration } from '../migrate';
import { migration001 } from './001-core';
import { migration002 } from './002-channel-search';
import { migration003 } from './003-wall';
import { migration004 } from './004-audit-cache';
import { migration005 } from './005-search-prefixes';
import { migration006 } from './006-tags-freshness';
import { migration007 } from './007-name-order';

/** Every migration, in order. Append only: a released migration is never edited (add a new one instead). */
export const MIGRATIONS: readonly Migration[] = [
  migration001,
  migration002,
  migration003,
  migration004,
  migration005,
  migration006,
  migration007,
];

/** The schema version this build writes. */
export const LATEST_VERSION = MIGRATIONS.length;
