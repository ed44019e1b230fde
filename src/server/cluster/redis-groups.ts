import { errAsync, okAsync, type ResultAsync } from 'neverthrow';
import type { BackendError } from '../state/backend-error.js';
import {
  membersOf,
  type Group,
  type GroupReservation,
  type Groups,
  type Invitation,
  type JoinError,
  type Membership,
  type ReserveError,
} from '../state/groups.js';
import type { RedisLink } from './redis-link.js';

/** How long a reserved name is held for a node that never commits it (it died mid-creation). */
const RESERVATION_HOLD_MS = 30_000;

const toGroup = (name: string, json: string): Group => ({
  name,
  members: new Map(JSON.parse(json) as Array<[string, Membership]>),
});

/**
 * The cluster's groups: one Redis hash, name → members as JSON (creator first), plus each
 * user's open invitations. Reservation, commit and join are Lua scripts, so the cap on groups
 * and "join once" hold across nodes exactly as in one process (LocalGroups). Stored when Redis
 * has answered: how durable that is, is Redis's persistence setting (docs/CLUSTER.md).
 */
export class RedisGroups implements Groups {
  constructor(
    private readonly link: RedisLink,
    private readonly prefix: string,
  ) {}

  find(name: string): ResultAsync<Group | undefined, BackendError> {
    return this.link
      .call(this.link.commands.hget(`${this.prefix}groups`, name))
      .map((json) => (json === null ? undefined : toGroup(name, json)));
  }

  reserve(
    name: string,
    maxGroups: number,
  ): ResultAsync<GroupReservation, ReserveError | BackendError> {
    return this.link
      .script<string>('tsReserve', this.prefix, name, maxGroups, RESERVATION_HOLD_MS)
      .andThen((outcome) => {
        if (outcome === 'GroupExists' || outcome === 'TooManyGroups')
          return errAsync<GroupReservation, ReserveError>({ type: outcome });
        return okAsync(this.reservation(name));
      });
  }

  private reservation(name: string): GroupReservation {
    const release = () =>
      this.link.call(this.link.commands.zrem(`${this.prefix}groups:reserved`, name)).map(() => {});
    return {
      commit: (creator, invitees) => {
        const members = membersOf(creator, invitees);
        const json = JSON.stringify([...members]);
        const invited = [...members].filter(([, m]) => m === 'invited').map(([u]) => u);
        return this.link
          .script<number>('tsCommit', this.prefix, name, json, ...invited)
          .map(() => toGroup(name, json))
          .orElse((e) => release().andThen(() => errAsync<Group, BackendError>(e)));
      },
      release,
    };
  }

  join(name: string, username: string): ResultAsync<Group, JoinError | BackendError> {
    return this.link
      .script<[string, string?]>('tsJoin', this.prefix, name, username)
      .andThen(([outcome, json]) =>
        outcome === 'ok' && json !== undefined
          ? okAsync(toGroup(name, json))
          : errAsync<Group, JoinError>({ type: outcome as JoinError['type'] }),
      );
  }

  count(): ResultAsync<number, BackendError> {
    return this.link.script<number>('tsCountGroups', this.prefix);
  }

  invitations(username: string): ResultAsync<Invitation[], BackendError> {
    return this.link.script<string[]>('tsInvitations', this.prefix, username).map((flat) => {
      const out: Invitation[] = [];
      for (let i = 0; i + 1 < flat.length; i += 2) out.push({ group: flat[i]!, by: flat[i + 1]! });
      return out;
    });
  }
}
