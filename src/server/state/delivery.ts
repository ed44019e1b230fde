import type { ActiveUser } from './presence.js';

/** Something that can take an encoded frame for one client: a connection, in this process. */
export interface FrameSink {
  deliver(frame: Buffer): void;
}

/**
 * Delivery to a user wherever that user is connected: the second seam for scale-out (beside the
 * shared state). In one process it is a map from username to connection; with several processes
 * an implementation publishes the frame to the node that holds the user (Socket.IO's Redis
 * adapter shape). Fire and forget: what was delivered is already logged, and an encoded frame is
 * shared by every recipient of a group message.
 */
export interface Delivery {
  /** From now on, frames for `username` go to `sink`. */
  attach(username: string, sink: FrameSink): void;
  /** Stops delivering to `sink` (a later session of the same user keeps its own). */
  detach(username: string, sink: FrameSink): void;
  deliver(username: string, frame: Buffer): void;
  /**
   * The same frame to users found in presence (so their node is known): in a cluster, one
   * publish per other node that holds any of them, however many they are.
   */
  deliverMany(recipients: readonly ActiveUser[], frame: Buffer): void;
}

export class LocalDelivery implements Delivery {
  private readonly sinks = new Map<string, FrameSink>();

  attach(username: string, sink: FrameSink): void {
    this.sinks.set(username, sink);
  }

  detach(username: string, sink: FrameSink): void {
    if (this.sinks.get(username) === sink) this.sinks.delete(username);
  }

  deliver(username: string, frame: Buffer): void {
    this.deliverHere(username, frame);
  }

  deliverMany(recipients: readonly ActiveUser[], frame: Buffer): void {
    for (const { username } of recipients) this.deliverHere(username, frame);
  }

  /** Hands the frame to `username`'s connection in this process; false if there is none. */
  protected deliverHere(username: string, frame: Buffer): boolean {
    const sink = this.sinks.get(username);
    sink?.deliver(frame);
    return sink !== undefined;
  }
}
