import type { AuditEntry, AuditKind } from '../model';
import type { Sql } from '../sql';

type AuditRow = { id: number; at: number; kind: AuditKind; channel_arn: string | null; detail: string };

/** What to record; `at` defaults to now. */
export interface AuditInput {
  kind: AuditKind;
  channelArn: string | null;
  detail: AuditEntry['detail'];
  profileId?: string | null;
  at?: number;
}

/**
 * The append-only audit log (talk bursts, storage changes, kiosk unlocks, publishing). This class has no
 * update or delete, and the schema's triggers refuse them from anywhere else.
 */
export class AuditRepo {
  private readonly insert;
  private readonly latest;
  private readonly older;

  constructor(
    sql: Sql,
    private readonly now: () => number,
  ) {
    this.insert = sql.prepare<{
      at: number;
      kind: string;
      profileId: string | null;
      channelArn: string | null;
      detail: string;
    }>(
      'audit.append',
      `INSERT INTO audit (at, kind, profile_id, channel_arn, detail)
       VALUES (:at, :kind, :profileId, :channelArn, :detail)`,
    );
    this.latest = sql.prepare<{ limit: number }, AuditRow>(
      'audit.list',
      'SELECT id, at, kind, channel_arn, detail FROM audit ORDER BY id DESC LIMIT :limit',
    );
    this.older = sql.prepare<{ limit: number; before: number }, AuditRow>(
      'audit.listBefore',
      'SELECT id, at, kind, channel_arn, detail FROM audit WHERE id < :before ORDER BY id DESC LIMIT :limit',
    );
  }

  /** Appends one entry; returns its id. */
  append(entry: AuditInput): number {
    const r = this.insert.run({
      at: entry.at ?? this.now(),
      kind: entry.kind,
      profileId: entry.profileId ?? null,
      channelArn: entry.channelArn,
      detail: JSON.stringify(entry.detail),
    });
    return Number(r.lastInsertRowid);
  }

  /** Newest first; `before` (an id) pages back through older entries. */
  list(options: { limit?: number; before?: number } = {}): AuditEntry[] {
    const limit = Math.min(1000, Math.max(1, options.limit ?? 100));
    const rows =
      options.before === undefined
        ? this.latest.all({ limit })
        : this.older.all({ limit, before: options.before });
    return rows.map((r) => ({
      id: r.id,
      at: r.at,
      kind: r.kind,
      channelArn: r.channel_arn,
      detail: JSON.parse(r.detail) as AuditEntry['detail'],
    }));
  }
}
