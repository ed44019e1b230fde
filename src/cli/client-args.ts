import { isIP } from 'node:net';
import { err, ok, Result } from 'neverthrow';
import type { ClientOptions } from '../client/client-app.js';
import { AUTO_DATAGRAM_BYTES, CLIENT_OPTIONS } from './client-options.js';
import { formatOptionHelp, parseCommandLine, type OptionValues } from './option-table.js';
import type { ClientLinkSecurity } from '../client/trust/link-security.js';
import { defaultKnownServersFile } from '../client/trust/known-servers.js';
import { parseFingerprint } from '../shared/certificate-fingerprint.js';
import { parsePort, usageError, type UsageError } from './parse-number.js';

export const CLIENT_USAGE = `Usage: tessenger-client <server_ip> <server_port> <client_udp_port> [options]

  <server_ip>          the server's address (e.g. 127.0.0.1)
  <server_port>        the server's TCP port (1-65535)
  <client_udp_port>    UDP port this client receives files on (1-65535; 0 picks a free one)

${formatOptionHelp(CLIENT_OPTIONS)}`;

/** --plaintext, --ca, --fingerprint or (the default) trust on first use pinned in the known-servers file. */
function linkSecurityOf(
  options: OptionValues<typeof CLIENT_OPTIONS>,
): Result<ClientLinkSecurity, UsageError> {
  const { plaintext, ca, fingerprint, knownServers } = options;
  const chosen = [
    plaintext ? '--plaintext' : null,
    ca !== undefined ? '--ca' : null,
    fingerprint !== undefined ? '--fingerprint' : null,
  ].filter((flag) => flag !== null);
  if (chosen.length > 1)
    return err(
      usageError(
        `${chosen.join(' and ')} cannot be combined: choose one way to connect.\nRun tessenger-client --help for usage.`,
      ),
    );
  if (plaintext) return ok({ kind: 'plaintext' });
  if (ca !== undefined) return ok({ kind: 'ca', caFile: ca });
  if (fingerprint !== undefined) {
    return parseFingerprint(fingerprint)
      .map((parsed): ClientLinkSecurity => ({ kind: 'fingerprint', fingerprint: parsed }))
      .mapErr((why) => usageError(`Invalid value for --fingerprint: ${fingerprint}. ${why}`));
  }
  return ok({ kind: 'pinned', knownServersFile: knownServers ?? defaultKnownServersFile() });
}

export type ClientCommand = { kind: 'help' } | { kind: 'run'; options: ClientOptions };

export function parseClientArgs(argv: string[]): Result<ClientCommand, UsageError> {
  return parseCommandLine(CLIENT_OPTIONS, argv, 'tessenger-client').andThen(
    ({ options, positionals, help }): Result<ClientCommand, UsageError> => {
      if (help) return ok({ kind: 'help' });
      const [host, serverPort, udpPort, ...extra] = positionals;
      if (extra.length > 0)
        return err(usageError(`Too many arguments: ${extra.join(' ')}\n${CLIENT_USAGE}`));
      if (host === undefined) return err(usageError(CLIENT_USAGE));
      if (isIP(host) === 0 && host !== 'localhost')
        return err(
          usageError(
            `Invalid server address: ${host}. Give an IPv4 or IPv6 address such as 127.0.0.1`,
          ),
        );
      return Result.combine([
        parsePort(serverPort, 'server port', false),
        parsePort(udpPort, 'client UDP port', true),
        linkSecurityOf(options),
      ]).map(([port, udp, linkSecurity]) => ({
        kind: 'run' as const,
        options: {
          host,
          port,
          udpPort: udp,
          downloadDir: options.downloadDir,
          linkSecurity,
          transport: {
            stallTimeoutMs: options.transferTimeoutMs,
            offerTimeoutMs: options.transferTimeoutMs,
            // The audience also waits for the presenter to open the file and start: twice as long.
            announceTimeoutMs: 2 * options.transferTimeoutMs,
            ...(options.datagramBytes !== AUTO_DATAGRAM_BYTES
              ? { datagramBytes: options.datagramBytes }
              : {}),
          },
        },
      }));
    },
  );
}
