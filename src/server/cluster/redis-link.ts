import { Redis, ReplyError } from 'ioredis';
import { errAsync, ResultAsync } from 'neverthrow';
import { backendFailed, clusterUnavailable, type BackendError } from '../state/backend-error.js';
import { CLUSTER_SCRIPTS, type ScriptName } from './scripts.js';

export interface RedisLinkOptions {
  url: string;
  /** A command unanswered this long fails: the request is refused, the node keeps running. */
  timeoutMs: number;
  /** Told once when Redis is lost and once when it is back (console lines). */
  onLost: (reason: string) => void;
  onBack: () => void;
}

type ScriptRunner = (...args: Array<string | number>) => Promise<unknown>;

/**
 * This node's two connections to the cluster's Redis: one for commands, one subscribed to the
 * node's channels (a subscribed connection can do nothing else).
 *
 * ioredis, not node-redis: it reconnects by itself with a retry strategy we choose, lets us turn
 * the offline queue off (so a command while Redis is away fails at once instead of piling up
 * behind the outage: the client is told CLUSTER_UNAVAILABLE and nothing half-happens later),
 * pipelines every command issued in one event-loop turn into one write (`enableAutoPipelining`),
 * runs Lua scripts by SHA with a fallback to EVAL (`defineCommand`), and re-subscribes after a
 * reconnect. It is also what Socket.IO's Redis adapter is usually run with.
 */
export class RedisLink {
  readonly commands: Redis;
  readonly subscriber: Redis;
  private lost = false;
  private closing = false;

  private constructor(private readonly options: RedisLinkOptions) {
    const common = {
      lazyConnect: true,
      connectTimeout: options.timeoutMs,
      // Reconnect quickly at first, then once a second, forever: a node outlives a Redis restart.
      retryStrategy: (times: number) => Math.min(times * 100, 1000),
      // Unbounded names in error messages are not wanted in the console.
      showFriendlyErrorStack: false,
    };
    this.commands = new Redis(options.url, {
      ...common,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      commandTimeout: options.timeoutMs,
      enableAutoPipelining: true,
    });
    // Subscriptions made while Redis is away wait for it and are renewed after a reconnect.
    this.subscriber = new Redis(options.url, { ...common, autoResubscribe: true });
    for (const [name, lua] of Object.entries(CLUSTER_SCRIPTS))
      this.commands.defineCommand(name, { numberOfKeys: 0, lua });
    // An 'error' event without a listener would crash the process; the state is reported once.
    const onError = (e: Error) => this.markLost(e.message);
    this.commands.on('error', onError);
    this.subscriber.on('error', onError);
    this.commands.on('close', () => this.markLost('connection closed'));
    this.commands.on('ready', () => this.markBack());
  }

  /** Connects both connections, or fails with why (the server then does not start). */
  static open(options: RedisLinkOptions): ResultAsync<RedisLink, string> {
    const link = new RedisLink(options);
    return ResultAsync.fromPromise(
      Promise.all([link.commands.connect(), link.subscriber.connect()]),
      (e) => {
        link.disconnect();
        return `Cannot reach Redis at ${options.url}: ${e instanceof Error ? e.message : String(e)}`;
      },
    ).map(() => {
      link.lost = false;
      return link;
    });
  }

  private markLost(reason: string): void {
    if (this.lost || this.closing) return;
    this.lost = true;
    this.options.onLost(reason);
  }

  private markBack(): void {
    if (!this.lost) return;
    this.lost = false;
    this.options.onBack();
  }

  /** A command's reply, or its failure as a BackendError value (never a rejection). */
  call<T>(command: Promise<T>): ResultAsync<T, BackendError> {
    return ResultAsync.fromPromise(command, toBackendError);
  }

  /** Runs one of the cluster's Lua scripts (scripts.ts); each takes the key prefix first. */
  script<T>(name: ScriptName, ...args: Array<string | number>): ResultAsync<T, BackendError> {
    if (!this.ready) return errAsync(clusterUnavailable(`Redis is ${this.commands.status}`));
    const run = (this.commands as unknown as Record<ScriptName, ScriptRunner>)[name];
    return this.call(run.apply(this.commands, args) as Promise<T>);
  }

  get ready(): boolean {
    return this.commands.status === 'ready';
  }

  disconnect(): void {
    this.closing = true;
    this.commands.disconnect();
    this.subscriber.disconnect();
  }
}

/** Redis answered with an error: a bug or a misconfiguration. Anything else: it cannot be reached. */
function toBackendError(e: unknown): BackendError {
  const reason = e instanceof Error ? e.message : String(e);
  return e instanceof (ReplyError as new () => Error)
    ? backendFailed(`Redis: ${reason}`)
    : clusterUnavailable(reason);
}
