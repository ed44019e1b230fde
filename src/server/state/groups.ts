import { err, ok, type Result } from 'neverthrow';
import type { GroupRecord, StoredGroup } from '../storage/group-store.js';

export type Membership = 'invited' | 'joined';

export interface Group {
  name: string;
  /** Creator first, then invitees in the order named. */
  members: ReadonlyMap<string, Membership>;
}

export type JoinError =
  { type: 'GroupNotFound' } | { type: 'NotInvited' } | { type: 'AlreadyJoined' };
export type ReserveError = { type: 'GroupExists' } | { type: 'TooManyGroups' };

/**
 * A group name held, with its place under the cap on groups, until the group is committed or
 * the name released. Holding the place first makes the cap atomic with the creation it guards:
 * twenty pipelined creations against a cap of five create five groups, never more.
 */
export interface GroupReservation {
  /** Makes the group exist (stored, where the backend stores); rejects if that fails, releasing the name. */
  commit(creator: string, invitees: readonly string[]): Promise<Group>;
  release(): Promise<void>;
}

/** Group chats and their members. Async for the same reason as Presence. */
export interface Groups {
  find(name: string): Promise<Group | undefined>;
  /** Takes the name and a place under `maxGroups` in one atomic step. */
  reserve(name: string, maxGroups: number): Promise<Result<GroupReservation, ReserveError>>;
  join(name: string, username: string): Promise<Result<Group, JoinError>>;
  /** How many groups exist or are being created. */
  count(): Promise<number>;
  /** Groups `username` was invited to and has not joined yet, with who invited them (the creator). */
  invitations(username: string): Promise<Invitation[]>;
}

export interface Invitation {
  group: string;
  by: string;
}

/** Where changes go before they are believed; `memoryOnly` keeps nothing. */
export interface GroupRecorder {
  record(change: GroupRecord): Promise<void>;
}

export const memoryOnly: GroupRecorder = { record: async () => {} };

/**
 * This process's groups. Every change is recorded (see GroupStore: on disk, before the caller is
 * answered) and only then applied, so a change that could not be stored is never visible and
 * never acknowledged. Checks and the decisions they guard happen without an `await` between
 * them, so concurrent requests cannot slip past a check.
 */
export class LocalGroups implements Groups {
  private readonly groups = new Map<string, { name: string; members: Map<string, Membership> }>();
  private readonly reserved = new Set<string>();
  /** Per user, the groups they are invited to but have not joined, so a login need not scan every group. */
  private readonly pending = new Map<string, Set<string>>();
  /** Joins being recorded: a second join of the same member waits for the first. */
  private readonly joining = new Map<string, Promise<Result<Group, JoinError>>>();

  constructor(
    private readonly recorder: GroupRecorder = memoryOnly,
    restored: readonly StoredGroup[] = [],
  ) {
    for (const group of restored) this.add(group.name, new Map(group.members));
  }

  private add(
    name: string,
    members: Map<string, Membership>,
  ): { name: string; members: Map<string, Membership> } {
    const group = { name, members };
    this.groups.set(name, group);
    for (const [user, membership] of members) {
      if (membership === 'invited')
        this.pending.set(user, (this.pending.get(user) ?? new Set()).add(name));
    }
    return group;
  }

  async find(name: string): Promise<Group | undefined> {
    return this.groups.get(name);
  }

  async reserve(name: string, maxGroups: number): Promise<Result<GroupReservation, ReserveError>> {
    if (this.groups.has(name) || this.reserved.has(name)) return err({ type: 'GroupExists' });
    if (this.groups.size + this.reserved.size >= maxGroups) return err({ type: 'TooManyGroups' });
    this.reserved.add(name);
    let held = true;
    const release = () => {
      if (held) this.reserved.delete(name);
      held = false;
    };
    return ok({
      commit: async (creator, invitees) => {
        const members = new Map<string, Membership>([[creator, 'joined']]);
        for (const user of invitees) if (!members.has(user)) members.set(user, 'invited');
        try {
          await this.recorder.record({ t: 'group', group: name, members: [...members] });
        } finally {
          release();
        }
        return this.add(name, members);
      },
      release: async () => release(),
    });
  }

  async join(name: string, username: string): Promise<Result<Group, JoinError>> {
    const key = `${name}\u0000${username}`;
    const earlier = this.joining.get(key);
    if (earlier) {
      await earlier.catch(() => undefined);
      return this.join(name, username);
    }
    const group = this.groups.get(name);
    if (!group) return err({ type: 'GroupNotFound' });
    const membership = group.members.get(username);
    if (membership === undefined) return err({ type: 'NotInvited' });
    if (membership === 'joined') return err({ type: 'AlreadyJoined' });
    const joined = this.recorder
      .record({ t: 'join', group: name, user: username })
      .then((): Result<Group, JoinError> => {
        group.members.set(username, 'joined');
        const waiting = this.pending.get(username);
        waiting?.delete(name);
        if (waiting?.size === 0) this.pending.delete(username);
        return ok(group);
      });
    this.joining.set(key, joined);
    try {
      return await joined;
    } finally {
      this.joining.delete(key);
    }
  }

  async count(): Promise<number> {
    return this.groups.size + this.reserved.size;
  }

  async invitations(username: string): Promise<Invitation[]> {
    return [...(this.pending.get(username) ?? [])].map((group) => ({
      group,
      by: this.groups.get(group)?.members.keys().next().value ?? '',
    }));
  }
}

/** Groups kept in memory only (tests, and a server run that needs no durability). */
export class InMemoryGroups extends LocalGroups {
  constructor() {
    super(memoryOnly);
  }
}
