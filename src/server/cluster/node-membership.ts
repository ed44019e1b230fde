import type { ResultAsync } from 'neverthrow';
import type { BackendError } from '../state/backend-error.js';
import type { StateListener } from '../state/shared-state.js';
import type { RedisLink } from './redis-link.js';
import type { RedisPresence } from './redis-presence.js';

export interface MembershipOptions {
  node: string;
  prefix: string;
  heartbeatMs: number;
  expiryMs: number;
  /** This node's key was gone and its users are back in presence (console line). */
  onRejoined: (users: number) => void;
}

/**
 * This node's membership of the cluster: a liveness key renewed every heartbeat that expires
 * after `expiryMs` of silence. Each beat also reaps nodes whose key has expired (killed with
 * kill -9, cut off): their users leave presence, and the node whose beat reaped them tells its
 * server (usersLeft), which announces the departures. A beat that finds this node's own key
 * gone (Redis restarted, or this node was cut off longer than the expiry and reaped) puts this
 * node's users back (RedisPresence.sync): the node rejoins by itself. After a claim or release
 * failed (an outage shorter than the expiry) the beat syncs too, so a user who logged out
 * meanwhile does not stay online in Redis.
 */
export class NodeMembership {
  private timer: NodeJS.Timeout | undefined;
  private beating: Promise<void> | undefined;
  private listener: StateListener | undefined;

  constructor(
    private readonly link: RedisLink,
    private readonly presence: RedisPresence,
    private readonly options: MembershipOptions,
  ) {}

  listen(listener: StateListener): void {
    this.listener = listener;
  }

  /** Joins: first beat (so no node reaps us while we sync), then this node's old entries go. */
  join(): ResultAsync<void, BackendError> {
    return this.beatOnce()
      .andThen(() => this.sync())
      .map(() => {});
  }

  start(): void {
    this.timer = setInterval(() => void this.beat(), this.options.heartbeatMs);
    this.timer.unref();
  }

  /** One beat at a time; a beat while Redis is away does nothing (the link reports the loss). */
  beat(): Promise<void> {
    this.beating ??= (async () => {
      const beat = await this.beatOnce();
      if (beat.isErr()) return;
      if (!beat.value) {
        const synced = await this.sync();
        if (synced.isOk()) this.options.onRejoined(synced.value);
      } else if (this.presence.needsSync) {
        // A claim or release failed meanwhile (a short outage): Redis may hold a ghost.
        await this.sync();
      }
    })().finally(() => (this.beating = undefined));
    return this.beating;
  }

  private beatOnce(): ResultAsync<boolean, BackendError> {
    const { prefix, node, expiryMs } = this.options;
    return this.link
      .script<[number, string[]]>('tsBeat', prefix, node, expiryMs)
      .map(([renewed, reaped]) => {
        const byNode = new Map<string, string[]>();
        for (const entry of reaped) {
          const bar = entry.indexOf('|');
          const other = entry.slice(0, bar);
          const users = byNode.get(other);
          if (users) users.push(entry.slice(bar + 1));
          else byNode.set(other, [entry.slice(bar + 1)]);
        }
        for (const [other, users] of byNode) this.listener?.usersLeft(other, users);
        return renewed === 1;
      });
  }

  /** Returns how many of this node's users are in presence now. */
  private sync(): ResultAsync<number, BackendError> {
    return this.presence.sync().map((taken) => {
      if (taken.length > 0) this.listener?.namesTaken(taken);
      // This node's userlog.txt too (the others hear it on the presence channel).
      this.listener?.presenceChanged();
      return this.presence.held - taken.length;
    });
  }

  /** Leaves the cluster (graceful shutdown): other nodes need not wait for the expiry. */
  async leave(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.beating;
    const { prefix, node } = this.options;
    await this.link
      .call(
        this.link.commands
          .multi()
          .srem(`${prefix}nodes`, node)
          .del(`${prefix}node:${node}`, `${prefix}node:${node}:users`)
          .exec(),
      )
      .unwrapOr(undefined);
  }
}
