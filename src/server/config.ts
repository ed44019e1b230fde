import { DEFAULT_BLOCK_MS } from '../../machines/lockout.machine.js';
import { DEFAULT_LOGIN_TIMEOUT_MS } from '../../machines/session.machine.js';
import { DEFAULT_MAX_FRAME_BYTES } from '../protocol/frame-codec.js';
import { DEFAULT_MAX_MESSAGE_LENGTH } from '../shared/message-text.js';
import { DEFAULT_SYNC_POLICY, type SyncPolicy } from './storage/storage-fs.js';

/** Everything the server can be tuned with; each has a documented default (README). */
export interface ServerConfig {
  port: number;
  host: string | undefined;
  maxFailedAttempts: number;
  credentialsFile: string;
  dataDir: string;
  blockMs: number;
  loginTimeoutMs: number;
  maxFrameBytes: number;
  maxMessageLength: number;
  /** Bytes queued to a client that does not read before it is disconnected. */
  maxQueuedBytes: number;
  maxConnections: number;
  maxConnectionsPerIp: number;
  /** Requests a connection may send before it has logged in. */
  maxUnauthenticatedMessages: number;
  /** Malformed messages tolerated on one connection before it is closed. */
  maxBadMessages: number;
  /** Per-connection command rate: a bucket of `burst` refilled at `perSecond`. */
  rateBurst: number;
  ratePerSecond: number;
  /** Requests refused for rate before the connection is cut as a flood. */
  maxThrottled: number;
  /** Failed logins per IP address per minute before that address is throttled. */
  maxFailuresPerIpPerMinute: number;
  /** Group chats the server holds at most (each has a log file). */
  maxGroups: number;
  /** When logs and stores are forced to stable storage (see storage-fs.ts). */
  sync: SyncPolicy;
  /** Where SIGUSR2 writes event-loop delay and memory figures (benchmarks), if anywhere. */
  statsFile: string | undefined;
  /** Port of the live statechart view (HTTP), if any; 0 picks a free one. */
  inspectPort: number | undefined;
  /** Address the live view listens on; loopback unless the operator says otherwise. */
  inspectHost: string;
  /** PEM certificate and key to serve TLS with; without them a self-signed pair in <dataDir>/tls/ is used. */
  tlsCert: string | undefined;
  tlsKey: string | undefined;
  /** Serve plain TCP instead of TLS (tests, benchmarks, old clients): nothing on the link is encrypted. */
  plaintext: boolean;
  /** Redis of the cluster this server joins (docs/CLUSTER.md); undefined: a server on its own. */
  redisUrl: string | undefined;
  /** Prefix of every key and channel: servers with the same Redis and prefix are one Tessenger. */
  redisPrefix: string;
  /** This node's name in the cluster; undefined: HOST:PORT (stable across restarts). */
  nodeId: string | undefined;
  /** How often a node renews its liveness key in Redis. */
  nodeHeartbeatMs: number;
  /** A node silent this long is dead: its users leave the cluster's presence. */
  nodeExpiryMs: number;
  /** A Redis command unanswered this long fails (CLUSTER_UNAVAILABLE). */
  redisTimeoutMs: number;
}

export const DEFAULTS: Omit<ServerConfig, 'port' | 'maxFailedAttempts'> = {
  host: undefined,
  credentialsFile: 'credentials.txt',
  dataDir: '.',
  blockMs: DEFAULT_BLOCK_MS,
  loginTimeoutMs: DEFAULT_LOGIN_TIMEOUT_MS,
  maxFrameBytes: DEFAULT_MAX_FRAME_BYTES,
  maxMessageLength: DEFAULT_MAX_MESSAGE_LENGTH,
  maxQueuedBytes: 1024 * 1024,
  maxConnections: 10_000,
  maxConnectionsPerIp: 64,
  maxUnauthenticatedMessages: 20,
  maxBadMessages: 10,
  rateBurst: 100,
  ratePerSecond: 20,
  maxThrottled: 50,
  maxFailuresPerIpPerMinute: 30,
  maxGroups: 10_000,
  sync: DEFAULT_SYNC_POLICY,
  statsFile: undefined,
  inspectPort: undefined,
  inspectHost: '127.0.0.1',
  tlsCert: undefined,
  tlsKey: undefined,
  plaintext: false,
  redisUrl: undefined,
  redisPrefix: 'tessenger:',
  nodeId: undefined,
  nodeHeartbeatMs: 1000,
  nodeExpiryMs: 5000,
  redisTimeoutMs: 2000,
};
