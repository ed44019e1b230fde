import { err, errAsync, ok, okAsync, ResultAsync, type Result } from 'neverthrow';
import type { GroupRecord, StoredGroup } from '../storage/group-store.js';
import { backendFailed, type BackendError } from './backend-error.js';

export type Membership = 'invited' | 'joined';

export interface Group {
  name: string;
  /** Creator first, then invitees in the order named. */
  members: ReadonlyMap<string, Membership>;
}

/** A new group's members: the creator joined, then each invitee (named once) invited. */
export function membersOf(creator: string, invitees: readonly string[]): Map<string, Membership> {
  const members = new Map<string, Membership>([[creator, 'joined']]);
  for (const user of invitees) if (!members.has(user)) members.set(user, 'invited');
  return members;
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
  /** Makes the group exist (stored, where the backend stores); a failure releases the name. */
  commit(creator: string, invitees: readonly string[]): ResultAsync<Group, BackendError>;
  release(): ResultAsync<void, BackendError>;
}

/** Group chats and their members. ResultAsync like the rest of the shared state (backend-error.ts). */
export interface Groups {
  find(name: string): ResultAsync<Group | undefined, BackendError>;
  /** Takes the name and a place under `maxGroups` in one atomic step. */
  reserve(
    name: string,
    maxGroups: number,
  ): ResultAsync<GroupReservation, ReserveError | BackendError>;
  join(name: string, username: string): ResultAsync<Group, JoinError | BackendError>;
  /** How many groups exist or are being created. */
  count(): ResultAsync<number, BackendError>;
  /** Groups `username` was invited to and has not joined yet, with who invited them (the creator). */
  invitations(username: string): ResultAsync<Invitation[], BackendError>;
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
  private readonly joining = new Map<string, Promise<Result<Group, JoinError | BackendError>>>();

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

  find(name: string): ResultAsync<Group | undefined, BackendError> {
    return okAsync(this.groups.get(name));
  }

  reserve(name: string, maxGroups: number): ResultAsync<GroupReservation, ReserveError> {
    if (this.groups.has(name) || this.reserved.has(name)) return errAsync({ type: 'GroupExists' });
    if (this.groups.size + this.reserved.size >= maxGroups)
      return errAsync({ type: 'TooManyGroups' });
    this.reserved.add(name);
    let held = true;
    const release = () => {
      if (held) this.reserved.delete(name);
      held = false;
    };
    return okAsync({
      commit: (creator, invitees) => {
        const members = membersOf(creator, invitees);
        return ResultAsync.fromPromise(
          this.recorder.record({ t: 'group', group: name, members: [...members] }),
          (e) => backendFailed(`could not store group ${name}: ${String(e)}`),
        )
          .map(() => {
            release();
            return this.add(name, members);
          })
          .mapErr((e) => {
            release();
            return e;
          });
      },
      release: () => {
        release();
        return okAsync(undefined);
      },
    });
  }

  join(name: string, username: string): ResultAsync<Group, JoinError | BackendError> {
    return new ResultAsync(this.joinNow(name, username));
  }

  private async joinNow(
    name: string,
    username: string,
  ): Promise<Result<Group, JoinError | BackendError>> {
    const key = `${name}\u0000${username}`;
    const earlier = this.joining.get(key);
    if (earlier) {
      await earlier;
      return this.joinNow(name, username);
    }
    const group = this.groups.get(name);
    if (!group) return err({ type: 'GroupNotFound' });
    const membership = group.members.get(username);
    if (membership === undefined) return err({ type: 'NotInvited' });
    if (membership === 'joined') return err({ type: 'AlreadyJoined' });
    const joined = this.recorder.record({ t: 'join', group: name, user: username }).then(
      (): Result<Group, JoinError | BackendError> => {
        group.members.set(username, 'joined');
        const waiting = this.pending.get(username);
        waiting?.delete(name);
        if (waiting?.size === 0) this.pending.delete(username);
        return ok(group);
      },
      (e: unknown) => err(backendFailed(`could not store the join to ${name}: ${String(e)}`)),
    );
    this.joining.set(key, joined);
    try {
      return await joined;
    } finally {
      this.joining.delete(key);
    }
  }

  count(): ResultAsync<number, BackendError> {
    return okAsync(this.groups.size + this.reserved.size);
  }

  invitations(username: string): ResultAsync<Invitation[], BackendError> {
    return okAsync(
      [...(this.pending.get(username) ?? [])].map((group) => ({
        group,
        by: this.groups.get(group)?.members.keys().next().value ?? '',
      })),
    );
  }
}

/** Groups kept in memory only (tests, and a server run that needs no durability). */
export class InMemoryGroups extends LocalGroups {
  constructor() {
    super(memoryOnly);
  }
}
