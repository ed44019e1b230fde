import arg from 'arg';
import { err, ok, Result } from 'neverthrow';
import { DEFAULTS, type ServerConfig } from '../server/config.js';
import { hideNegativeNumbers, parseIntegerOption, parsePort, parseSecondsOption, restoreNegativeNumbers, usageError, type UsageError } from './parse-number.js';

export const SERVER_USAGE = `Usage: tessenger-server <port> <max_failed_attempts> [options]
       tessenger-server hash-password

  <port>                   TCP port to listen on (1-65535; 0 picks a free port and prints it)
  <max_failed_attempts>    consecutive failed logins that block an account (1-5)

Options:
  --credentials FILE       credentials file (default ./credentials.txt)
  --data-dir DIR           where userlog.txt and the message logs live (default .)
  --host ADDR              address to listen on (default: all interfaces)
  --block-seconds N        how long a blocked account stays blocked (default 10)
  --login-timeout N        seconds a connection may take to log in (default 60)
  --max-frame-bytes N      largest protocol frame accepted (default 65536)
  --max-message-length N   longest message text in characters (default 1000)
  --max-queued-bytes N     bytes queued to a client that does not read before it is cut (default 1048576)
  --max-connections N      total connections (default 10000)
  --max-connections-per-ip N   concurrent connections from one IP address (default 64)
  --max-unauthenticated N  requests allowed before login completes (default 20)
  --rate-burst N           commands a client may send in a burst (default 100)
  --rate-per-second N      sustained commands per second per client (default 20)
  --max-throttled N        throttled commands (refilled at 1/s) before a flooding client is cut (default 50)
  --max-ip-failures N      failed logins per IP address per minute before it is throttled (default 30)
  --max-groups N           group chats the server holds at most (default 10000)
  --stats-file FILE        on SIGUSR2, write event-loop delay and memory figures to FILE as JSON
  -h, --help               show this help

hash-password reads a password (without echo on a terminal) and prints the scrypt line to put
in credentials.txt in place of the plain password.`;

export type ServerCommand = { kind: 'help' } | { kind: 'hashPassword' } | { kind: 'serve'; config: ServerConfig };

const SPEC = {
  '--credentials': String,
  '--data-dir': String,
  '--host': String,
  '--block-seconds': String,
  '--login-timeout': String,
  '--max-frame-bytes': String,
  '--max-message-length': String,
  '--max-queued-bytes': String,
  '--max-connections': String,
  '--max-connections-per-ip': String,
  '--max-unauthenticated': String,
  '--rate-burst': String,
  '--rate-per-second': String,
  '--max-throttled': String,
  '--max-ip-failures': String,
  '--max-groups': String,
  '--stats-file': String,
  '--help': Boolean,
  '-h': '--help',
} as const;

const safeArg = Result.fromThrowable(
  (argv: string[]) => {
    return restoreNegativeNumbers(arg(SPEC, { argv: hideNegativeNumbers(argv), permissive: false }));
  },
  (e) => usageError(`${e instanceof Error ? e.message : String(e)}\nRun tessenger-server --help for usage.`),
);

export function parseServerArgs(argv: string[]): Result<ServerCommand, UsageError> {
  return safeArg(argv).andThen((args) => {
    if (args['--help']) return ok({ kind: 'help' as const });
    const positional = args._;
    if (positional[0] === 'hash-password' && positional.length === 1) return ok({ kind: 'hashPassword' as const });
    if (positional.length > 2) return err(usageError(`Too many arguments: ${positional.slice(2).join(' ')}\nRun tessenger-server --help for usage.`));
    const attemptsText = positional[1];
    return parsePort(positional[0], 'port', true).andThen((port) => {
      if (attemptsText === undefined || !/^[1-5]$/.test(attemptsText)) {
        return err(usageError(`Invalid number of allowed failed consecutive attempts: ${attemptsText ?? ''}. The valid value of argument number is an integer between 1 and 5`));
      }
      const int = (name: keyof typeof SPEC, min: number, max: number, fallback: number) => parseIntegerOption(args[name as '--max-frame-bytes'], name, min, max, fallback);
      return Result.combine([
        parseSecondsOption(args['--block-seconds'], '--block-seconds', DEFAULTS.blockMs),
        parseSecondsOption(args['--login-timeout'], '--login-timeout', DEFAULTS.loginTimeoutMs),
        int('--max-frame-bytes', 1024, 16 * 1024 * 1024, DEFAULTS.maxFrameBytes),
        int('--max-message-length', 1, 100_000, DEFAULTS.maxMessageLength),
        int('--max-queued-bytes', 1024, 1024 ** 3, DEFAULTS.maxQueuedBytes),
        int('--max-connections', 1, 1_000_000, DEFAULTS.maxConnections),
        int('--max-connections-per-ip', 1, 1_000_000, DEFAULTS.maxConnectionsPerIp),
        int('--max-unauthenticated', 2, 10_000, DEFAULTS.maxUnauthenticatedMessages),
        int('--rate-burst', 1, 10_000_000, DEFAULTS.rateBurst),
        int('--rate-per-second', 1, 10_000_000, DEFAULTS.ratePerSecond),
        int('--max-throttled', 1, 10_000_000, DEFAULTS.maxThrottled),
        int('--max-ip-failures', 1, 1_000_000, DEFAULTS.maxFailuresPerIpPerMinute),
        int('--max-groups', 1, 10_000_000, DEFAULTS.maxGroups),
      ]).map(([blockMs, loginTimeoutMs, maxFrameBytes, maxMessageLength, maxQueuedBytes, maxConnections, maxConnectionsPerIp, maxUnauthenticatedMessages, rateBurst, ratePerSecond, maxThrottled, maxFailuresPerIpPerMinute, maxGroups]) => ({
        kind: 'serve' as const,
        config: {
          ...DEFAULTS,
          port,
          host: args['--host'],
          maxFailedAttempts: Number(attemptsText),
          credentialsFile: args['--credentials'] ?? DEFAULTS.credentialsFile,
          dataDir: args['--data-dir'] ?? DEFAULTS.dataDir,
          blockMs,
          loginTimeoutMs,
          maxFrameBytes,
          maxMessageLength,
          maxQueuedBytes,
          maxConnections,
          maxConnectionsPerIp,
          maxUnauthenticatedMessages,
          rateBurst,
          ratePerSecond,
          maxThrottled,
          maxFailuresPerIpPerMinute,
          maxGroups,
          statsFile: args['--stats-file'],
        },
      }));
    });
  });
}
