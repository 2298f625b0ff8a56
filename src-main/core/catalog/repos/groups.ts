import { group as groupSchema } from '../../../../src-shared/ipc/schemas';
import type { Group } from '../model';
import type { Sql } from '../sql';
import { validate } from '../validate';

type Member = { group_id: string; channel_arn: string };

/** Camera groups: a name and an ordered list of channel ARNs. */
export class GroupsRepo {
  private readonly allGroups;
  private readonly allMembers;
  private readonly oneGroup;
  private readonly members;
  private readonly upsert;
  private readonly clearMembers;
  private readonly addMember;
  private readonly del;
  private readonly byChannel;

  constructor(
    private readonly sql: Sql,
    private readonly now: () => number,
  ) {
    this.allGroups = sql.prepare<void, { id: string; name: string }>(
      'groups.list',
      'SELECT id, name FROM groups ORDER BY name, id',
    );
    this.allMembers = sql.prepare<void, Member>(
      'groups.listMembers',
      'SELECT group_id, channel_arn FROM group_members ORDER BY group_id, position',
    );
    this.oneGroup = sql.prepare<{ id: string }, { id: string; name: string }>(
      'groups.get',
      'SELECT id, name FROM groups WHERE id = :id',
    );
    this.members = sql.prepare<{ id: string }, string>(
      'groups.members',
      'SELECT channel_arn FROM group_members WHERE group_id = :id ORDER BY position',
      { pluck: true },
    );
    this.upsert = sql.prepare<{ id: string; name: string; at: number }>(
      'groups.save',
      `INSERT INTO groups (id, name, updated_at) VALUES (:id, :name, :at)
       ON CONFLICT (id) DO UPDATE SET name = excluded.name, updated_at = excluded.updated_at`,
    );
    this.clearMembers = sql.prepare<{ id: string }>(
      'groups.clearMembers',
      'DELETE FROM group_members WHERE group_id = :id',
    );
    this.addMember = sql.prepare<{ id: string; arn: string; position: number }>(
      'groups.addMember',
      'INSERT INTO group_members (group_id, channel_arn, position) VALUES (:id, :arn, :position)',
    );
    this.del = sql.prepare<{ id: string }>('groups.delete', 'DELETE FROM groups WHERE id = :id');
    this.byChannel = sql.prepare<{ arn: string }, string>(
      'groups.ofChannel',
      'SELECT group_id FROM group_members WHERE channel_arn = :arn ORDER BY group_id',
      { pluck: true },
    );
  }

  /** Every group with its members in the operator's order. */
  list(): Group[] {
    const byGroup = new Map<string, string[]>();
    for (const m of this.allMembers.all()) {
      const list = byGroup.get(m.group_id);
      if (list) list.push(m.channel_arn);
      else byGroup.set(m.group_id, [m.channel_arn]);
    }
    return this.allGroups
      .all()
      .map((g) => ({ id: g.id, name: g.name, channelArns: byGroup.get(g.id) ?? [] }));
  }

  get(id: string): Group | undefined {
    const g = this.oneGroup.get({ id });
    return g && { id: g.id, name: g.name, channelArns: this.memberArns(id) };
  }

  /** Creates or replaces a group (name and members, duplicates dropped) in one transaction; returns it stored. */
  save(input: Group): Group {
    const g = validate(groupSchema, input, `group ${JSON.stringify(input.id)}`);
    return this.sql.tx('groups.save', () => {
      this.write(g);
      return this.get(g.id)!;
    });
  }

  /** The write part of `save`, for callers already inside a transaction (import). */
  write(g: Group): void {
    this.upsert.run({ id: g.id, name: g.name, at: this.now() });
    this.clearMembers.run({ id: g.id });
    [...new Set(g.channelArns)].forEach((arn, position) => this.addMember.run({ id: g.id, arn, position }));
  }

  /** Deletes a group (its members go with it). Returns false if there was none. */
  delete(id: string): boolean {
    return this.del.run({ id }).changes > 0;
  }

  /** The ids of the groups a channel belongs to. */
  groupsOf(channelArn: string): string[] {
    return this.byChannel.all({ arn: channelArn });
  }

  private memberArns(id: string): string[] {
    return this.members.all({ id });
  }
}
