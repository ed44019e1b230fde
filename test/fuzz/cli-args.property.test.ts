// Property tests for everything a person types: the server's and client's argument lists and the
// client's command lines. Whatever the input, the parsers answer with a Result and never throw.
import { isIP } from 'node:net';
import fc from 'fast-check';
import { Err, Ok, type Result } from 'neverthrow';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseClientArgs } from '../../src/cli/client-args.js';
import { parseServerArgs } from '../../src/cli/server-args.js';
import { CLIENT_COMMANDS, parseCommandLine, quoteWord } from '../../src/client/command-line.js';

const SEED = 0xc11a;
const run = <T>(property: fc.IProperty<T>, numRuns: number): void =>
  fc.assert(property, { seed: SEED, numRuns });
const isResult = (value: unknown): value is Result<unknown, unknown> =>
  value instanceof Ok || value instanceof Err;

const SERVER_OPTIONS = [
  '--credentials',
  '--data-dir',
  '--host',
  '--block-seconds',
  '--login-timeout',
  '--max-frame-bytes',
  '--max-message-length',
  '--max-queued-bytes',
  '--max-connections',
  '--max-connections-per-ip',
  '--max-unauthenticated',
  '--rate-burst',
  '--rate-per-second',
  '--max-throttled',
  '--max-ip-failures',
  '--stats-file',
];
const CLIENT_OPTIONS = ['--download-dir', '--transfer-timeout', '--datagram-bytes'];

const anyCodeUnit = fc.integer({ min: 0, max: 0xffff }).map((n) => String.fromCharCode(n));

/** One argument as a shell might pass it: junk, numbers of every shape, option-like words. */
const argWord = (options: string[]) =>
  fc.oneof(
    fc.string({ maxLength: 12 }),
    fc.string({ unit: 'binary', maxLength: 12 }),
    fc.string({ unit: anyCodeUnit, maxLength: 8 }),
    fc.constantFrom(
      ...options,
      '--help',
      '-h',
      '-',
      '--',
      '---',
      '--x',
      '-x',
      '-1',
      '-0',
      '-.5',
      '-1e3',
      '--=',
      '--block-seconds=',
      '--help=1',
      'hash-password',
      '\u0000',
      '\u0000-1',
      '',
    ),
    fc.constantFrom(...options).chain((o) => fc.string({ maxLength: 6 }).map((v) => `${o}=${v}`)),
    fc.integer({ min: -70000, max: 70000 }).map(String),
    fc.double({ noNaN: false }).map(String),
    fc.constantFrom(
      '127.0.0.1',
      '::1',
      'localhost',
      '0',
      '65535',
      '65536',
      '5000',
      '3',
      '1',
      '5',
      '6',
      '0x10',
      '1e3',
      ' 3',
      '3 ',
      '٣',
    ),
  );

const argv = (options: string[]) => fc.array(argWord(options), { maxLength: 14 });

test('parseServerArgs never throws on random argument lists and always returns a Result', () => {
  run(
    fc.property(argv(SERVER_OPTIONS), (args) => {
      const result = parseServerArgs(args);
      assert.ok(isResult(result));
      if (result.isErr()) {
        assert.is(result.error.exitCode, 2);
        assert.type(result.error.message, 'string');
        assert.ok(result.error.message.length > 0);
        return;
      }
      const command = result.value;
      if (command.kind !== 'serve') return;
      const c = command.config;
      assert.ok(Number.isInteger(c.port) && c.port >= 0 && c.port <= 65535, `port ${c.port}`);
      assert.ok(
        Number.isInteger(c.maxFailedAttempts) &&
          c.maxFailedAttempts >= 1 &&
          c.maxFailedAttempts <= 5,
      );
      assert.ok(c.blockMs >= 0 && c.blockMs <= 86_400_000 && Number.isFinite(c.blockMs));
      assert.ok(
        c.loginTimeoutMs >= 0 &&
          c.loginTimeoutMs <= 86_400_000 &&
          Number.isFinite(c.loginTimeoutMs),
      );
      assert.ok(c.maxFrameBytes >= 1024 && c.maxFrameBytes <= 16 * 1024 * 1024);
      for (const n of [
        c.maxMessageLength,
        c.maxQueuedBytes,
        c.maxConnections,
        c.maxConnectionsPerIp,
        c.maxUnauthenticatedMessages,
        c.rateBurst,
        c.ratePerSecond,
        c.maxThrottled,
        c.maxFailuresPerIpPerMinute,
      ]) {
        assert.ok(Number.isSafeInteger(n) && n >= 1, `limit ${n}`);
      }
    }),
    5000,
  );
});

test('parseClientArgs never throws on random argument lists and always returns a Result', () => {
  run(
    fc.property(argv(CLIENT_OPTIONS), (args) => {
      const result = parseClientArgs(args);
      assert.ok(isResult(result));
      if (result.isErr()) {
        assert.is(result.error.exitCode, 2);
        assert.ok(result.error.message.length > 0);
        return;
      }
      if (result.value.kind !== 'run') return;
      const o = result.value.options;
      assert.ok(isIP(o.host) !== 0 || o.host === 'localhost', o.host);
      assert.ok(Number.isInteger(o.port) && o.port >= 1 && o.port <= 65535);
      assert.ok(Number.isInteger(o.udpPort) && o.udpPort >= 0 && o.udpPort <= 65535);
    }),
    5000,
  );
});

test('an option without its value is refused, not thrown, wherever it stands', () => {
  run(
    fc.property(
      fc.constantFrom(...SERVER_OPTIONS),
      fc.array(fc.constantFrom('5000', '3'), { maxLength: 2 }),
      (option, positional) => {
        const result = parseServerArgs([...positional, option]);
        assert.ok(result.isErr());
        assert.match(result._unsafeUnwrapErr().message, `option requires argument: ${option}`);
      },
    ),
    100,
  );
  run(
    fc.property(fc.constantFrom(...CLIENT_OPTIONS), (option) => {
      const result = parseClientArgs(['127.0.0.1', '5000', '0', option]);
      assert.ok(result.isErr());
      assert.match(result._unsafeUnwrapErr().message, `option requires argument: ${option}`);
    }),
    20,
  );
});

test('valid server arguments, options in any order, parse to the values given', () => {
  const validServer = fc.record({
    port: fc.integer({ min: 0, max: 65535 }),
    attempts: fc.integer({ min: 1, max: 5 }),
    blockSeconds: fc.option(fc.integer({ min: 1, max: 86_400 }), { nil: undefined }),
    frame: fc.option(fc.integer({ min: 1024, max: 16 * 1024 * 1024 }), { nil: undefined }),
    dataDir: fc.option(fc.stringMatching(/^[a-z0-9_./]{1,12}$/), { nil: undefined }),
    equalsForm: fc.boolean(),
    order: fc.nat(),
  });
  run(
    fc.property(
      validServer,
      ({ port, attempts, blockSeconds, frame, dataDir, equalsForm, order }) => {
        const options: string[][] = [];
        const add = (name: string, value: string | number | undefined) => {
          if (value !== undefined)
            options.push(equalsForm ? [`${name}=${value}`] : [name, String(value)]);
        };
        add('--block-seconds', blockSeconds);
        add('--max-frame-bytes', frame);
        add('--data-dir', dataDir);
        // Options may come before, between or after the positionals.
        const positional = [String(port), String(attempts)];
        const at = order % (options.length + 1);
        const args = [
          ...options.slice(0, at).flat(),
          positional[0] ?? '',
          ...options.slice(at).flat(),
          positional[1] ?? '',
        ];
        const parsed = parseServerArgs(args);
        assert.ok(parsed.isOk(), `${JSON.stringify(args)} → ${JSON.stringify(parsed)}`);
        const command = parsed._unsafeUnwrap();
        if (command.kind !== 'serve') return assert.unreachable();
        assert.is(command.config.port, port);
        assert.is(command.config.maxFailedAttempts, attempts);
        if (blockSeconds !== undefined) assert.is(command.config.blockMs, blockSeconds * 1000);
        if (frame !== undefined) assert.is(command.config.maxFrameBytes, frame);
        if (dataDir !== undefined) assert.is(command.config.dataDir, dataDir);
      },
    ),
    500,
  );
});

test('negative and out-of-range numbers are refused as values, never thrown', () => {
  run(
    fc.property(fc.integer({ min: -100_000, max: -1 }), fc.constantFrom(0, 1), (n, where) => {
      const args = where === 0 ? [String(n), '3'] : ['5000', String(n)];
      const result = parseServerArgs(args);
      assert.ok(result.isErr());
      assert.ok(
        result._unsafeUnwrapErr().message.includes(String(n)),
        result._unsafeUnwrapErr().message,
      );
      const client = parseClientArgs(['127.0.0.1', String(n), '0']);
      assert.ok(client.isErr());
      assert.ok(
        client._unsafeUnwrapErr().message.includes(`Invalid server port: ${n}.`),
        client._unsafeUnwrapErr().message,
      );
    }),
    200,
  );
});

// Known bug (reported): `hideNegativeNumbers` prefixes every word that looks like a negative
// number with U+0000 before `arg` sees it, but only positionals are restored, so an option VALUE
// such as `--data-dir -5x`, `--download-dir -1` or `--block-seconds -1` keeps the hidden NUL:
// the directory becomes "\u0000-5x" (the server then fails with ERR_INVALID_ARG_VALUE) and error
// messages carry an invisible NUL. Enable this test once fixed.
test('an option value that looks like a negative number reaches the config unchanged, with no hidden NUL', () => {
  run(
    fc.property(fc.stringMatching(/^-[0-9.][a-z0-9]{0,6}$/), (value) => {
      const server = parseServerArgs(['5000', '3', '--data-dir', value]);
      assert.ok(server.isOk());
      const command = server._unsafeUnwrap();
      if (command.kind === 'serve') assert.is(command.config.dataDir, value);
      const blocked = parseServerArgs(['5000', '3', '--block-seconds', value]);
      if (blocked.isErr()) assert.not.match(blocked.error.message, '\u0000');
      const client = parseClientArgs(['127.0.0.1', '5000', '0', '--download-dir', value]);
      assert.ok(client.isOk());
      const run = client._unsafeUnwrap();
      if (run.kind === 'run') assert.is(run.options.downloadDir, value);
    }),
    100,
  );
});

// ---------- the client's command line ----------

const commandNames = Object.keys(CLIENT_COMMANDS);
const lineWord = fc.oneof(
  fc.string({ maxLength: 10 }),
  fc.string({ unit: 'binary', maxLength: 10 }),
  fc.string({ unit: anyCodeUnit, maxLength: 6 }),
  fc.constantFrom(
    ...commandNames.map((n) => `/${n}`),
    '/',
    '//',
    '/MSGTO',
    'Obi-wan',
    'G1',
    'a.mp4',
    '',
    '"my file.mp4"',
    "'a b'",
    'a\\ b',
    '"open',
    '\\',
  ),
);
const spaces = fc.string({
  unit: fc.constantFrom(' ', '\t', '\n', '\r', '\u00a0', '\u2028', '\u3000', '\ufeff', '\v', '\f'),
  maxLength: 3,
});
const randomLine = fc.oneof(
  fc.string({ maxLength: 60 }),
  fc.string({ unit: 'binary', maxLength: 60 }),
  fc.string({ unit: anyCodeUnit, maxLength: 60 }),
  fc
    .tuple(
      spaces,
      fc.constantFrom(...commandNames.map((n) => `/${n}`)),
      fc.array(fc.tuple(spaces, lineWord), { maxLength: 6 }),
      spaces,
    )
    .map(
      ([lead, cmd, words, tail]) => `${lead}${cmd}${words.map(([s, w]) => s + w).join('')}${tail}`,
    ),
);

test('parseCommandLine never throws on random lines, and what it accepts has the right shape', () => {
  run(
    fc.property(randomLine, (line) => {
      const result = parseCommandLine(line);
      assert.ok(isResult(result));
      if (result.isErr()) {
        assert.ok(
          ['InvalidCommand', 'Usage', 'GroupNeedsMembers', 'UnclosedQuote'].includes(
            result.error.type,
          ),
        );
        return;
      }
      const { name, args } = result.value;
      const shape = CLIENT_COMMANDS[name];
      assert.ok(shape !== undefined, name);
      // Fixed arguments may hold spaces only when they were quoted; retyped quoted, they parse the same.
      for (const word of args.slice(0, shape.fixed))
        assert.ok(word.length > 0, `fixed argument ${JSON.stringify(word)}`);
      if (shape.tail === 'none') assert.is(args.length, shape.fixed);
      if (shape.tail === 'text') {
        assert.is(args.length, shape.fixed + 1);
        assert.ok((args.at(-1) ?? '').trim() !== '');
        // The text is kept as typed: retyping the parsed command gives the same parse.
        const fixed = args.slice(0, shape.fixed).map(quoteWord);
        assert.equal(
          parseCommandLine(`/${name} ${[...fixed, args.at(-1)].join(' ')}`)._unsafeUnwrap(),
          result.value,
        );
      }
      if (shape.tail === 'words') {
        assert.ok(args.length > shape.fixed);
        for (const word of args) assert.ok(word.length > 0);
        assert.equal(
          parseCommandLine(`/${name} ${args.map(quoteWord).join(' ')}`)._unsafeUnwrap(),
          result.value,
        );
      }
    }),
    5000,
  );
});

test('parseCommandLine never throws on huge lines', () => {
  run(
    fc.property(
      fc.constantFrom('/msgto Obi-wan ', '/creategroup G ', '/', '', '/activeuser', ' '.repeat(10)),
      fc.constantFrom(' ', 'x ', 'é', '\t', '/', 'a'),
      fc.integer({ min: 1000, max: 200_000 }),
      (prefix, unit, n) => {
        const result = parseCommandLine(prefix + unit.repeat(n));
        assert.ok(isResult(result));
      },
    ),
    40,
  );
});

test.run();
