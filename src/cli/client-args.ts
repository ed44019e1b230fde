import { isIP } from 'node:net';
import arg from 'arg';
import { err, ok, Result } from 'neverthrow';
import type { ClientOptions } from '../client/client-app.js';
import { DEFAULT_CONFIG } from '../p2p/config.js';
import { MAX_DATAGRAM_BYTES, MIN_DATAGRAM_BYTES } from '../p2p/datagram.js';
import { hideNegativeNumbers, parseIntegerOption, parsePort, parseSecondsOption, restoreNegativeNumbers, usageError, type UsageError } from './parse-number.js';

export const CLIENT_USAGE = `Usage: tessenger-client <server_ip> <server_port> <client_udp_port> [options]

  <server_ip>          the server's address (e.g. 127.0.0.1)
  <server_port>        the server's TCP port (1-65535)
  <client_udp_port>    UDP port this client receives files on (1-65535; 0 picks a free one)

Options:
  --download-dir DIR   where received files are saved (default .)
  --transfer-timeout N seconds of silence from a peer before a file transfer fails (default 15;
                       an audience waits twice that for the presenter's first datagram)
  --datagram-bytes N   UDP datagram size for file transfers, 1200-65507 (default: 65507 to
                       loopback peers, 1472 otherwise)
  -h, --help           show this help`;

export type ClientCommand = { kind: 'help' } | { kind: 'run'; options: ClientOptions };

const SPEC = { '--download-dir': String, '--transfer-timeout': String, '--datagram-bytes': String, '--help': Boolean, '-h': '--help' } as const;

const safeArg = Result.fromThrowable(
  (argv: string[]) => {
    return restoreNegativeNumbers(arg(SPEC, { argv: hideNegativeNumbers(argv), permissive: false }));
  },
  (e) => usageError(`${e instanceof Error ? e.message : String(e)}\nRun tessenger-client --help for usage.`),
);

export function parseClientArgs(argv: string[]): Result<ClientCommand, UsageError> {
  return safeArg(argv).andThen((args): Result<ClientCommand, UsageError> => {
    if (args['--help']) return ok({ kind: 'help' });
    const [host, serverPort, udpPort, ...extra] = args._;
    if (extra.length > 0) return err(usageError(`Too many arguments: ${extra.join(' ')}\n${CLIENT_USAGE}`));
    if (host === undefined) return err(usageError(CLIENT_USAGE));
    if (isIP(host) === 0 && host !== 'localhost') return err(usageError(`Invalid server address: ${host}. Give an IPv4 or IPv6 address such as 127.0.0.1`));
    return Result.combine([
      parsePort(serverPort, 'server port', false),
      parsePort(udpPort, 'client UDP port', true),
      parseSecondsOption(args['--transfer-timeout'], '--transfer-timeout', DEFAULT_CONFIG.stallTimeoutMs),
      parseIntegerOption(args['--datagram-bytes'], '--datagram-bytes', MIN_DATAGRAM_BYTES, MAX_DATAGRAM_BYTES, 0),
    ]).map(([port, udp, timeoutMs, datagramBytes]) => ({
      kind: 'run' as const,
      options: {
        host,
        port,
        udpPort: udp,
        downloadDir: args['--download-dir'] ?? '.',
        transport: {
          stallTimeoutMs: timeoutMs,
          offerTimeoutMs: timeoutMs,
          // The audience also waits for the presenter to open the file and start: twice as long.
          announceTimeoutMs: 2 * timeoutMs,
          ...(datagramBytes > 0 ? { datagramBytes } : {}),
        },
      },
    }));
  });
}
