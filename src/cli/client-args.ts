import { isIP } from 'node:net';
import { err, ok, Result } from 'neverthrow';
import type { ClientOptions } from '../client/client-app.js';
import { AUTO_DATAGRAM_BYTES, CLIENT_OPTIONS } from './client-options.js';
import { formatOptionHelp, parseCommandLine } from './option-table.js';
import { parsePort, usageError, type UsageError } from './parse-number.js';

export const CLIENT_USAGE = `Usage: tessenger-client <server_ip> <server_port> <client_udp_port> [options]

  <server_ip>          the server's address (e.g. 127.0.0.1)
  <server_port>        the server's TCP port (1-65535)
  <client_udp_port>    UDP port this client receives files on (1-65535; 0 picks a free one)

${formatOptionHelp(CLIENT_OPTIONS)}`;

export type ClientCommand = { kind: 'help' } | { kind: 'run'; options: ClientOptions };

export function parseClientArgs(argv: string[]): Result<ClientCommand, UsageError> {
  return parseCommandLine(CLIENT_OPTIONS, argv, 'tessenger-client').andThen(({ options, positionals, help }): Result<ClientCommand, UsageError> => {
    if (help) return ok({ kind: 'help' });
    const [host, serverPort, udpPort, ...extra] = positionals;
    if (extra.length > 0) return err(usageError(`Too many arguments: ${extra.join(' ')}\n${CLIENT_USAGE}`));
    if (host === undefined) return err(usageError(CLIENT_USAGE));
    if (isIP(host) === 0 && host !== 'localhost') return err(usageError(`Invalid server address: ${host}. Give an IPv4 or IPv6 address such as 127.0.0.1`));
    return Result.combine([parsePort(serverPort, 'server port', false), parsePort(udpPort, 'client UDP port', true)]).map(([port, udp]) => ({
      kind: 'run' as const,
      options: {
        host,
        port,
        udpPort: udp,
        downloadDir: options.downloadDir,
        transport: {
          stallTimeoutMs: options.transferTimeoutMs,
          offerTimeoutMs: options.transferTimeoutMs,
          // The audience also waits for the presenter to open the file and start: twice as long.
          announceTimeoutMs: 2 * options.transferTimeoutMs,
          ...(options.datagramBytes !== AUTO_DATAGRAM_BYTES ? { datagramBytes: options.datagramBytes } : {}),
        },
      },
    }));
  });
}
