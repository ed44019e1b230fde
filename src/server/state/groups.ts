import { err, ok, type Result } from 'neverthrow';

export type Membership = 'invited' | 'joined';

export interface Group {
  name: string;
  /** Creator first, then invitees in the order named. */
  members: ReadonlyMap<string, Membership>;
}

export type JoinError = { type: 'GroupNotFound' } | { type: 'NotInvited' } | { type: 'AlreadyJoined' };

/** Group chats and their members. Async for the same reason as Presence. */
export interface Groups {
  find(name: string): Promise<Group | undefined>;
  /** Creates the group unless the name is taken; false means it already existed. */
  create(name: string, creator: string, invitees: readonly string[]): Promise<boolean>;
  join(name: string, username: string): Promise<Result<Group, JoinError>>;
  /** How many groups exist (for the server's cap on groups). */
  count(): Promise<number>;
}

export class InMemoryGroups implements Groups {
  private readonly groups = new Map<string, { name: string; members: Map<string, Membership> }>();

  async find(name: string): Promise<Group | undefined> {
    return this.groups.get(name);
  }

  async create(name: string, creator: string, invitees: readonly string[]): Promise<boolean> {
    if (this.groups.has(name)) return false;
    const members = new Map<string, Membership>([[creator, 'joined']]);
    for (const user of invitees) if (!members.has(user)) members.set(user, 'invited');
    this.groups.set(name, { name, members });
    return true;
  }

  async join(name: string, username: string): Promise<Result<Group, JoinError>> {
    const group = this.groups.get(name);
    if (!group) return err({ type: 'GroupNotFound' });
    const membership = group.members.get(username);
    if (membership === undefined) return err({ type: 'NotInvited' });
    if (membership === 'joined') return err({ type: 'AlreadyJoined' });
    group.members.set(username, 'joined');
    return ok(group);
  }

  async count(): Promise<number> {
    return this.groups.size;
  }
}
