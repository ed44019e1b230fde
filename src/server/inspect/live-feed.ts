// Server-Sent Events for the live view. While at least one viewer is connected, the census reports
// transitions and, at most every FLUSH_MS, each viewer gets one message with the current counts
// and the transitions since the last one. With no viewer there is no timer, no listener and no
// serialisation at all.
import type { ServerResponse } from 'node:http';
import type { ActorCensus, ObservedTransition } from './actor-census.js';

/** One SSE message (the page reads the same type): actors per state of each machine, and the transitions since the last message. */
export interface LiveFeedMessage {
  counts: Record<string, Record<string, number>>;
  transitions: ObservedTransition[];
}

/** The live view is at most this far behind the server (the issue asks for at most a second). */
export const FLUSH_MS = 250;
/** Transitions kept for the next message; a burst beyond it keeps the newest. */
const MAX_PENDING = 500;
/** Viewers at once: enough for a team watching, bounded so that viewers cannot load the server. */
export const MAX_VIEWERS = 32;

export class LiveFeed {
  private readonly viewers = new Set<ServerResponse>();
  private pending: ObservedTransition[] = [];
  private timer: NodeJS.Timeout | undefined;
  private stopListening: (() => void) | undefined;
  private lastCounts = '';

  constructor(private readonly census: ActorCensus) {}

  get viewerCount(): number {
    return this.viewers.size;
  }

  /** Whether another viewer may connect (each costs a socket and a copy of every message). */
  get full(): boolean {
    return this.viewers.size >= MAX_VIEWERS;
  }

  /** Starts an SSE stream on `res`: the current counts at once, then changes as they happen. */
  add(res: ServerResponse): void {
    res.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-store',
      Connection: 'keep-alive',
      'X-Content-Type-Options': 'nosniff',
    });
    res.write('retry: 1000\n\n');
    this.viewers.add(res);
    res.on('close', () => this.remove(res));
    if (this.viewers.size === 1) {
      this.stopListening = this.census.onTransition((t) => {
        this.pending.push(t);
        if (this.pending.length > MAX_PENDING)
          this.pending.splice(0, this.pending.length - MAX_PENDING);
      });
      this.timer = setInterval(() => this.flush(), FLUSH_MS);
      this.timer.unref();
    }
    this.send(res, this.message(this.census.counts(), []));
  }

  close(): void {
    for (const res of this.viewers) res.end();
    this.viewers.clear();
    this.stop();
  }

  private remove(res: ServerResponse): void {
    this.viewers.delete(res);
    if (this.viewers.size === 0) this.stop();
  }

  private stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    this.stopListening?.();
    this.stopListening = undefined;
    this.pending = [];
  }

  /** Sends what changed; counts alone are sent only when they differ from the last message. */
  private flush(): void {
    const counts = this.census.counts();
    if (this.pending.length === 0 && JSON.stringify(counts) === this.lastCounts) return;
    const data = this.message(counts, this.pending);
    this.pending = [];
    for (const res of this.viewers) this.send(res, data);
  }

  private message(counts: LiveFeedMessage['counts'], transitions: ObservedTransition[]): string {
    this.lastCounts = JSON.stringify(counts);
    const message: LiveFeedMessage = { counts, transitions };
    return JSON.stringify(message);
  }

  private send(res: ServerResponse, data: string): void {
    res.write(`data: ${data}\n\n`);
  }
}
