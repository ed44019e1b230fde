export interface ActiveUser {
  username: string;
  address: string;
  udpPort: number;
  /** Login time as SPEC's TS, shown by /activeuser and written to userlog.txt. */
  since: string;
  /** Pushes an encoded event frame to this user's client (one frame is shared by all recipients). */
  deliver: (frame: Buffer) => void;
}

/**
 * Who is online. Every operation is atomic from the caller's point of view; the async shape lets
 * a shared backend (e.g. Redis, for several server processes) replace this one later.
 */
export interface Presence {
  /** Marks the user active unless already active; false means someone else holds the name. */
  claim(user: ActiveUser): Promise<boolean>;
  release(username: string): Promise<void>;
  find(username: string): Promise<ActiveUser | undefined>;
  /** Several lookups in one call (one round trip for a shared backend), in the order asked. */
  findMany(usernames: readonly string[]): Promise<Array<ActiveUser | undefined>>;
  /** Active users in login order. */
  list(): Promise<readonly ActiveUser[]>;
}

export class InMemoryPresence implements Presence {
  private readonly users = new Map<string, ActiveUser>();

  async claim(user: ActiveUser): Promise<boolean> {
    if (this.users.has(user.username)) return false;
    this.users.set(user.username, user);
    return true;
  }

  async release(username: string): Promise<void> {
    this.users.delete(username);
  }

  async find(username: string): Promise<ActiveUser | undefined> {
    return this.users.get(username);
  }

  async findMany(usernames: readonly string[]): Promise<Array<ActiveUser | undefined>> {
    return usernames.map((name) => this.users.get(name));
  }

  async list(): Promise<readonly ActiveUser[]> {
    return [...this.users.values()];
  }

  /** Synchronous view for the userlog writer, which must see one consistent list. */
  snapshot(): readonly ActiveUser[] {
    return [...this.users.values()];
  }
}
