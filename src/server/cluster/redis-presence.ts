import { okAsync, type ResultAsync } from 'neverthrow';
import type { BackendError } from '../state/backend-error.js';
import type { ActiveUser, Presence } from '../state/presence.js';
import type { RedisLink } from './redis-link.js';
import { presenceChannel } from './cluster-delivery.js';

/** `SEQ|NODE|JSON` (scripts.ts) back to the user, with its node. */
function parseEntry(entry: string): { seq: number; user: ActiveUser } {
  const first = entry.indexOf('|');
  const second = entry.indexOf('|', first + 1);
  const node = entry.slice(first + 1, second);
  const user = JSON.parse(entry.slice(second + 1)) as ActiveUser;
  return { seq: Number(entry.slice(0, first)), user: { ...user, node } };
}

const entryJson = ({ username, address, udpPort, since }: ActiveUser): string =>
  JSON.stringify({ username, address, udpPort, since });

/**
 * The cluster's presence: one Redis hash, user → entry, claimed and released by Lua scripts so
 * a name is held once in the whole cluster. The node also remembers the users it holds, so it
 * can put them back after Redis lost them (restart, outage longer than the expiry: `sync`).
 * Every change is announced on the presence channel: each node rewrites its userlog.txt.
 */
export class RedisPresence implements Presence {
  /** The users whose sessions live on this node. */
  private readonly mine = new Map<string, ActiveUser>();
  /**
   * A claim or release failed, so Redis may disagree with `mine` (a release that never arrived,
   * a claim that timed out here but happened there): the next heartbeat syncs.
   */
  private stale = false;

  constructor(
    private readonly link: RedisLink,
    private readonly prefix: string,
    private readonly node: string,
  ) {}

  private announce(): void {
    // Fire and forget: a lost announcement only delays other nodes' userlog.txt rewrite.
    this.link.commands.publish(presenceChannel(this.prefix), this.node).catch(() => {});
  }

  claim(user: ActiveUser): ResultAsync<boolean, BackendError> {
    return this.link
      .script<number>('tsClaim', this.prefix, user.username, this.node, entryJson(user))
      .mapErr((e) => {
        this.stale = true;
        return e;
      })
      .map((claimed) => {
        if (claimed !== 1) return false;
        this.mine.set(user.username, user);
        this.announce();
        return true;
      });
  }

  release(username: string): ResultAsync<void, BackendError> {
    // Forgotten here first: if Redis is away now, the next sync removes the entry there.
    this.mine.delete(username);
    return this.link
      .script<number>('tsRelease', this.prefix, username, this.node)
      .mapErr((e) => {
        this.stale = true;
        return e;
      })
      .map(() => {
        this.announce();
      });
  }

  find(username: string): ResultAsync<ActiveUser | undefined, BackendError> {
    return this.link
      .call(this.link.commands.hget(`${this.prefix}presence`, username))
      .map((entry) => (entry === null ? undefined : parseEntry(entry).user));
  }

  findMany(usernames: readonly string[]): ResultAsync<Array<ActiveUser | undefined>, BackendError> {
    if (usernames.length === 0) return okAsync([]);
    return this.link
      .call(this.link.commands.hmget(`${this.prefix}presence`, ...usernames))
      .map((entries) => entries.map((e) => (e === null ? undefined : parseEntry(e).user)));
  }

  list(): ResultAsync<readonly ActiveUser[], BackendError> {
    return this.link.call(this.link.commands.hvals(`${this.prefix}presence`)).map((entries) =>
      entries
        .map(parseEntry)
        .sort((a, b) => a.seq - b.seq)
        .map((e) => e.user),
    );
  }

  /** Users whose sessions live on this node. */
  get held(): number {
    return this.mine.size;
  }

  get needsSync(): boolean {
    return this.stale;
  }

  /** Puts the cluster's presence in line with this node's sessions; returns names taken meanwhile. */
  sync(): ResultAsync<string[], BackendError> {
    const pairs = [...this.mine.values()].flatMap((u) => [u.username, entryJson(u)]);
    this.stale = false;
    return this.link
      .script<string[]>('tsSync', this.prefix, this.node, ...pairs)
      .mapErr((e) => {
        this.stale = true;
        return e;
      })
      .map((taken) => {
        this.announce();
        return taken;
      });
  }
}
