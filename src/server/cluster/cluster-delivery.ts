import { LocalDelivery } from '../state/delivery.js';
import type { ActiveUser, Presence } from '../state/presence.js';
import type { RedisLink } from './redis-link.js';

/** The channel a node listens on for frames to its users. */
export const nodeChannel = (prefix: string, node: string): string => `${prefix}node:${node}`;
/** Where a node says its users logged in or out (the others rewrite their userlog.txt). */
export const presenceChannel = (prefix: string): string => `${prefix}presence`;

/**
 * Delivery across the cluster (the shape of Socket.IO's Redis adapter): a frame for a user on
 * this node goes straight to the connection; for users on other nodes it is published once per
 * node on that node's channel, as `["user",…]\n` followed by the encoded frame, and that node
 * hands it to its connections. Publishes issued in one event-loop turn go out in one write
 * (ioredis auto-pipelining). Fire and forget, as in one process: the message is already logged.
 */
export class ClusterDelivery extends LocalDelivery {
  constructor(
    private readonly link: RedisLink,
    private readonly prefix: string,
    private readonly node: string,
    private readonly presence: Presence,
  ) {
    super();
  }

  override deliver(username: string, frame: Buffer): void {
    if (this.deliverHere(username, frame)) return;
    // Not here: ask presence where (a user found nowhere is offline and gets nothing).
    void this.presence.find(username).map((user) => {
      if (user?.node !== undefined && user.node !== this.node) this.deliverMany([user], frame);
    });
  }

  override deliverMany(recipients: readonly ActiveUser[], frame: Buffer): void {
    let elsewhere: Map<string, string[]> | undefined;
    for (const user of recipients) {
      if (user.node === undefined || user.node === this.node) {
        this.deliverHere(user.username, frame);
        continue;
      }
      elsewhere ??= new Map();
      const names = elsewhere.get(user.node);
      if (names) names.push(user.username);
      else elsewhere.set(user.node, [user.username]);
    }
    if (!elsewhere) return;
    for (const [node, names] of elsewhere) {
      const payload = Buffer.concat([Buffer.from(`${JSON.stringify(names)}\n`), frame]);
      // Redis away: like a recipient that went offline, they are not told now.
      this.link.commands.publish(nodeChannel(this.prefix, node), payload).catch(() => {});
    }
  }

  /** A publish on this node's channel: the frame goes to the named users connected here. */
  receive(payload: Buffer): void {
    const end = payload.indexOf(0x0a);
    if (end < 0) return;
    let names: unknown;
    try {
      names = JSON.parse(payload.subarray(0, end).toString('utf8'));
    } catch {
      return;
    }
    if (!Array.isArray(names)) return;
    const frame = payload.subarray(end + 1);
    for (const name of names) if (typeof name === 'string') this.deliverHere(name, frame);
  }
}
