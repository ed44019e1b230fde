import { err, ok, Result } from 'neverthrow';
import { DEFAULTS, type ServerConfig } from '../server/config.js';
import { formatOptionHelp, parseCommandLine } from './option-table.js';
import { parsePort, usageError, type UsageError } from './parse-number.js';
import { SERVER_OPTIONS } from './server-options.js';

export const SERVER_USAGE = `Usage: tessenger-server <port> <max_failed_attempts> [options]
       tessenger-server hash-password

  <port>                   TCP port to listen on (1-65535; 0 picks a free port and prints it)
  <max_failed_attempts>    consecutive failed logins that block an account (1-5)

${formatOptionHelp(SERVER_OPTIONS)}

hash-password reads a password (without echo on a terminal) and prints the scrypt line to put
in credentials.txt in place of the plain password.`;

export type ServerCommand =
  { kind: 'help' } | { kind: 'hashPassword' } | { kind: 'serve'; config: ServerConfig };

const MORE_HELP = '\nRun tessenger-server --help for usage.';

export function parseServerArgs(argv: string[]): Result<ServerCommand, UsageError> {
  return parseCommandLine(SERVER_OPTIONS, argv, 'tessenger-server').andThen(
    ({ options, positionals, help }): Result<ServerCommand, UsageError> => {
      if (help) return ok({ kind: 'help' });
      if (positionals[0] === 'hash-password' && positionals.length === 1)
        return ok({ kind: 'hashPassword' });
      if (positionals.length > 2)
        return err(usageError(`Too many arguments: ${positionals.slice(2).join(' ')}${MORE_HELP}`));
      const attemptsText = positionals[1];
      return parsePort(positionals[0], 'port', true).andThen(
        (port): Result<ServerCommand, UsageError> => {
          if (attemptsText === undefined || !/^[1-5]$/.test(attemptsText)) {
            return err(
              usageError(
                `Invalid number of allowed failed consecutive attempts: ${attemptsText ?? ''}. The valid value of argument number is an integer between 1 and 5`,
              ),
            );
          }
          if ((options.tlsCert === undefined) !== (options.tlsKey === undefined))
            return err(
              usageError(`--tls-cert and --tls-key go together: give both or neither${MORE_HELP}`),
            );
          if (options.plaintext && options.tlsCert !== undefined)
            return err(
              usageError(
                `--plaintext serves without TLS: it cannot be combined with --tls-cert/--tls-key${MORE_HELP}`,
              ),
            );
          const cluster = checkClusterOptions(options);
          if (cluster.isErr()) return err(cluster.error);
          const { inspectPort: inspectPortText, ...rest } = options;
          const inspectPort: Result<number | undefined, UsageError> =
            inspectPortText === undefined
              ? ok(undefined)
              : parsePort(inspectPortText, '--inspect-port', true);
          return inspectPort.map((inspectPort): ServerCommand => ({
            kind: 'serve',
            config: {
              ...DEFAULTS,
              ...rest,
              inspectPort,
              port,
              maxFailedAttempts: Number(attemptsText),
            },
          }));
        },
      );
    },
  );
}

const NODE_ID = /^[A-Za-z0-9._:-]{1,64}$/;

/** The cluster options make sense together (docs/CLUSTER.md). */
function checkClusterOptions(options: {
  redisUrl: string | undefined;
  redisPrefix: string;
  nodeId: string | undefined;
  nodeHeartbeatMs: number;
  nodeExpiryMs: number;
}): Result<void, UsageError> {
  const { redisUrl, redisPrefix, nodeId, nodeHeartbeatMs, nodeExpiryMs } = options;
  if (redisUrl !== undefined && !/^rediss?:\/\/./.test(redisUrl))
    return err(
      usageError(`Invalid --redis URL: ${redisUrl}. Expected redis://HOST:PORT[/DB]${MORE_HELP}`),
    );
  if (redisPrefix === '' || /\s/.test(redisPrefix))
    return err(
      usageError(`Invalid --redis-prefix: it must be non-empty without spaces${MORE_HELP}`),
    );
  if (nodeId !== undefined && !NODE_ID.test(nodeId))
    return err(
      usageError(`Invalid --node-id: ${nodeId}. Use 1-64 letters, digits and . _ : -${MORE_HELP}`),
    );
  if (nodeExpiryMs <= 2 * nodeHeartbeatMs)
    return err(
      usageError(
        `--node-expiry must be more than twice --node-heartbeat, or a live node could be taken for dead${MORE_HELP}`,
      ),
    );
  return ok(undefined);
}
