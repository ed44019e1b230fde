import { okAsync, type ResultAsync } from 'neverthrow';
import type { BackendError } from './backend-error.js';

/** An online user: data only, so any backend can store it (delivery is delivery.ts's job). */
export interface ActiveUser {
  username: string;
  address: string;
  udpPort: number;
  /** Login time as SPEC's TS, shown by /activeuser and written to userlog.txt. */
  since: string;
  /** In a cluster, the node that holds the session (where its frames are delivered). */
  node?: string;
}

/**
 * Who is online. Every operation is atomic from the caller's point of view; the async shape lets
 * a shared backend (e.g. Redis, for several server processes) replace this one.
 */
export interface Presence {
  /** Marks the user active unless already active; false means someone else holds the name. */
  claim(user: ActiveUser): ResultAsync<boolean, BackendError>;
  release(username: string): ResultAsync<void, BackendError>;
  find(username: string): ResultAsync<ActiveUser | undefined, BackendError>;
  /** Several lookups in one call (one round trip for a shared backend), in the order asked. */
  findMany(usernames: readonly string[]): ResultAsync<Array<ActiveUser | undefined>, BackendError>;
  /** Active users in login order. */
  list(): ResultAsync<readonly ActiveUser[], BackendError>;
}

export class InMemoryPresence implements Presence {
  private readonly users = new Map<string, ActiveUser>();

  claim(user: ActiveUser): ResultAsync<boolean, BackendError> {
    if (this.users.has(user.username)) return okAsync(false);
    this.users.set(user.username, user);
    return okAsync(true);
  }

  release(username: string): ResultAsync<void, BackendError> {
    this.users.delete(username);
    return okAsync(undefined);
  }

  find(username: string): ResultAsync<ActiveUser | undefined, BackendError> {
    return okAsync(this.users.get(username));
  }

  findMany(usernames: readonly string[]): ResultAsync<Array<ActiveUser | undefined>, BackendError> {
    return okAsync(usernames.map((name) => this.users.get(name)));
  }

  list(): ResultAsync<readonly ActiveUser[], BackendError> {
    return okAsync([...this.users.values()]);
  }
}
