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
  /** Groups `username` was invited to and has not joined yet, with who invited them (the creator). */
  invitations(username: string): Promise<Invitation[]>;
}

export interface Invitation {
  group: string;
  by: string;
}

export class InMemoryGroups implements Groups {
  private readonly groups = new Map<string, { name: string; members: Map<string, Membership> }>();
  /** Per user, the groups they are invited to but have not joined, so a login need not scan every group. */
  private readonly pending = new Map<string, Set<string>>();

  async find(name: string): Promise<Group | undefined> {
    return this.groups.get(name);
  }

  async create(name: string, creator: string, invitees: readonly string[]): Promise<boolean> {
    if (this.groups.has(name)) return false;
    const members = new Map<string, Membership>([[creator, 'joined']]);
    for (const user of invitees) {
      if (members.has(user)) continue;
      members.set(user, 'invited');
      this.pending.set(user, (this.pending.get(user) ?? new Set()).add(name));
    }
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
    const waiting = this.pending.get(username);
    waiting?.delete(name);
    if (waiting?.size === 0) this.pending.delete(username);
    return ok(group);
  }

  async count(): Promise<number> {
    return this.groups.size;
  }

  async invitations(username: string): Promise<Invitation[]> {
    return [...(this.pending.get(username) ?? [])].map((group) => ({ group, by: this.groups.get(group)?.members.keys().next().value ?? '' }));
  }
}
