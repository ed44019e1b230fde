import { DEFAULTS } from '../server/config.js';
import { SYNC_POLICIES } from '../server/storage/storage-fs.js';
import type { OptionTable } from './option-table.js';

/** Every server option; keys are the ServerConfig fields they fill. Defaults come from the modules that own them (config.ts). */
export const SERVER_OPTIONS = {
  credentialsFile: { flag: '--credentials', kind: 'text', placeholder: 'FILE', default: DEFAULTS.credentialsFile, help: 'credentials file' },
  dataDir: { flag: '--data-dir', kind: 'text', placeholder: 'DIR', default: DEFAULTS.dataDir, help: 'where userlog.txt and the message logs live' },
  host: { flag: '--host', kind: 'text', placeholder: 'ADDR', default: DEFAULTS.host, defaultText: 'all interfaces', help: 'address to listen on' },
  blockMs: { flag: '--block-seconds', kind: 'seconds', defaultMs: DEFAULTS.blockMs, help: 'how long a blocked account stays blocked' },
  loginTimeoutMs: { flag: '--login-timeout', kind: 'seconds', defaultMs: DEFAULTS.loginTimeoutMs, help: 'seconds a connection may take to log in' },
  maxFrameBytes: { flag: '--max-frame-bytes', kind: 'integer', min: 1024, max: 16 * 1024 * 1024, default: DEFAULTS.maxFrameBytes, help: 'largest protocol frame accepted' },
  maxMessageLength: { flag: '--max-message-length', kind: 'integer', min: 1, max: 100_000, default: DEFAULTS.maxMessageLength, help: 'longest message text in characters' },
  maxQueuedBytes: { flag: '--max-queued-bytes', kind: 'integer', min: 1024, max: 1024 ** 3, default: DEFAULTS.maxQueuedBytes, help: 'bytes queued to a client that does not read before it is cut' },
  maxConnections: { flag: '--max-connections', kind: 'integer', min: 1, max: 1_000_000, default: DEFAULTS.maxConnections, help: 'total connections' },
  maxConnectionsPerIp: { flag: '--max-connections-per-ip', kind: 'integer', min: 1, max: 1_000_000, default: DEFAULTS.maxConnectionsPerIp, help: 'concurrent connections from one IP address' },
  maxUnauthenticatedMessages: { flag: '--max-unauthenticated', kind: 'integer', min: 2, max: 10_000, default: DEFAULTS.maxUnauthenticatedMessages, help: 'requests allowed before login completes' },
  rateBurst: { flag: '--rate-burst', kind: 'integer', min: 1, max: 10_000_000, default: DEFAULTS.rateBurst, help: 'commands a client may send in a burst' },
  ratePerSecond: { flag: '--rate-per-second', kind: 'integer', min: 1, max: 10_000_000, default: DEFAULTS.ratePerSecond, help: 'sustained commands per second per client' },
  maxThrottled: { flag: '--max-throttled', kind: 'integer', min: 1, max: 10_000_000, default: DEFAULTS.maxThrottled, help: 'throttled commands (refilled at 1/s) before a flooding client is cut' },
  maxFailuresPerIpPerMinute: { flag: '--max-ip-failures', kind: 'integer', min: 1, max: 1_000_000, default: DEFAULTS.maxFailuresPerIpPerMinute, help: 'failed logins per IP address per minute before it is throttled' },
  maxGroups: { flag: '--max-groups', kind: 'integer', min: 1, max: 10_000_000, default: DEFAULTS.maxGroups, help: 'group chats the server holds at most' },
  sync: {
    flag: '--sync',
    kind: 'choice',
    choices: SYNC_POLICIES,
    default: DEFAULTS.sync,
    help: 'always: acknowledge a message only once it is on stable storage (one fdatasync per batch); off: acknowledge once written (survives a server crash, not a power cut; faster)',
  },
  statsFile: { flag: '--stats-file', kind: 'text', placeholder: 'FILE', default: DEFAULTS.statsFile, help: 'on SIGUSR2, write event-loop delay and memory figures to FILE as JSON' },
  // Read as text so "not given" (no live view) differs from 0 (any free port); server-args checks the range.
  inspectPort: { flag: '--inspect-port', kind: 'text', placeholder: 'N', default: undefined, defaultText: 'off', help: 'serve the statechart explorer with live session counts on this HTTP port (0: any free port)' },
  inspectHost: { flag: '--inspect-host', kind: 'text', placeholder: 'ADDR', default: DEFAULTS.inspectHost, help: 'address the live view listens on (anything but loopback shows user names to the network)' },
  tlsCert: { flag: '--tls-cert', kind: 'text', placeholder: 'FILE', default: DEFAULTS.tlsCert, defaultText: 'self-signed, made in DIR/tls/ at first start', help: 'PEM certificate to serve TLS with (needs --tls-key)' },
  tlsKey: { flag: '--tls-key', kind: 'text', placeholder: 'FILE', default: DEFAULTS.tlsKey, help: 'PEM private key of --tls-cert' },
  plaintext: { flag: '--plaintext', kind: 'flag', help: 'serve plain TCP without TLS (tests, benchmarks, old clients): passwords and messages travel unencrypted' },
} as const satisfies OptionTable;
