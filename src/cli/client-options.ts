import { DEFAULT_CONFIG } from '../p2p/config.js';
import { MAX_DATAGRAM_BYTES, MIN_DATAGRAM_BYTES } from '../p2p/datagram.js';
import type { OptionTable } from './option-table.js';

/** "Let the transport choose" for --datagram-bytes: 65,507 to loopback peers, 1,472 otherwise (src/p2p/config.ts). */
export const AUTO_DATAGRAM_BYTES = 0;

/** Every client option. */
export const CLIENT_OPTIONS = {
  downloadDir: {
    flag: '--download-dir',
    kind: 'text',
    placeholder: 'DIR',
    default: '.',
    help: 'where received files are saved',
  },
  transferTimeoutMs: {
    flag: '--transfer-timeout',
    kind: 'seconds',
    defaultMs: DEFAULT_CONFIG.stallTimeoutMs,
    help: "seconds of silence from a peer before a file transfer fails (an audience waits twice that for the presenter's first datagram)",
  },
  datagramBytes: {
    flag: '--datagram-bytes',
    kind: 'integer',
    min: MIN_DATAGRAM_BYTES,
    max: MAX_DATAGRAM_BYTES,
    default: AUTO_DATAGRAM_BYTES,
    defaultText: `${MAX_DATAGRAM_BYTES} to loopback peers, 1472 otherwise`,
    help: `UDP datagram size for file transfers, ${MIN_DATAGRAM_BYTES}-${MAX_DATAGRAM_BYTES}`,
  },
  ca: {
    flag: '--ca',
    kind: 'text',
    placeholder: 'FILE',
    default: undefined,
    help: "verify the server's certificate against this CA (PEM), host name included, instead of pinning it",
  },
  knownServers: {
    flag: '--known-servers',
    kind: 'text',
    placeholder: 'FILE',
    default: undefined,
    defaultText: '~/.config/tessenger/known_servers',
    help: 'where servers trusted on first use are pinned (host:port and certificate fingerprint)',
  },
  fingerprint: {
    flag: '--fingerprint',
    kind: 'text',
    placeholder: 'SHA256:…',
    default: undefined,
    help: 'accept only the server certificate with this fingerprint (as the server prints it)',
  },
  plaintext: {
    flag: '--plaintext',
    kind: 'flag',
    help: 'connect without TLS (only to a server started with --plaintext): nothing is encrypted',
  },
} as const satisfies OptionTable;
