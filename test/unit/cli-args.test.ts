import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseClientArgs } from '../../src/cli/client-args.js';
import { parseServerArgs } from '../../src/cli/server-args.js';

test('server defaults', () => {
  const parsed = parseServerArgs(['5000', '3'])._unsafeUnwrap();
  assert.is(parsed.kind, 'serve');
  if (parsed.kind !== 'serve') return;
  assert.is(parsed.config.port, 5000);
  assert.is(parsed.config.maxFailedAttempts, 3);
  assert.is(parsed.config.blockMs, 10_000);
  assert.is(parsed.config.credentialsFile, 'credentials.txt');
  assert.is(parsed.config.dataDir, '.');
  assert.is(parsed.config.host, undefined);
});

test('server options', () => {
  const parsed = parseServerArgs([
    '0',
    '5',
    '--block-seconds',
    '0.5',
    '--data-dir',
    'd',
    '--host',
    '127.0.0.1',
    '--credentials',
    'c',
    '--max-message-length',
    '20',
  ])._unsafeUnwrap();
  if (parsed.kind !== 'serve') return assert.unreachable();
  assert.is(parsed.config.blockMs, 500);
  assert.is(parsed.config.dataDir, 'd');
  assert.is(parsed.config.host, '127.0.0.1');
  assert.is(parsed.config.credentialsFile, 'c');
  assert.is(parsed.config.maxMessageLength, 20);
});

test('--sync: always by default, off on request, anything else refused with exit 2', () => {
  const config = (argv: string[]) => {
    const parsed = parseServerArgs(argv)._unsafeUnwrap();
    if (parsed.kind !== 'serve') throw new Error('expected a serve command');
    return parsed.config;
  };
  assert.is(config(['0', '3']).sync, 'always');
  assert.is(config(['0', '3', '--sync', 'off']).sync, 'off');
  assert.is(config(['0', '3', '--sync', 'always']).sync, 'always');
  for (const v of ['sometimes', 'ALWAYS', '']) {
    const error = parseServerArgs(['0', '3', '--sync', v])._unsafeUnwrapErr();
    assert.is(error.exitCode, 2);
  }
});

test('attempts outside 1..5 and non-integers are refused with exit 2', () => {
  for (const v of ['0', '6', '1.5', 'abc', '-1', '01x', ' 3']) {
    const error = parseServerArgs(['5000', v])._unsafeUnwrapErr();
    assert.is(error.exitCode, 2);
    assert.is(
      error.message,
      `Invalid number of allowed failed consecutive attempts: ${v}. The valid value of argument number is an integer between 1 and 5`,
    );
  }
});

test('bad option values are refused', () => {
  assert.match(
    parseServerArgs(['5000', '3', '--block-seconds', '0'])._unsafeUnwrapErr().message,
    /--block-seconds: 0/,
  );
  assert.match(
    parseServerArgs(['5000', '3', '--block-seconds', 'x'])._unsafeUnwrapErr().message,
    /--block-seconds: x/,
  );
  assert.match(
    parseServerArgs(['5000', '3', '--max-frame-bytes', '10'])._unsafeUnwrapErr().message,
    /--max-frame-bytes: 10/,
  );
  assert.match(
    parseServerArgs(['5000', '3', 'extra'])._unsafeUnwrapErr().message,
    /Too many arguments: extra/,
  );
  assert.match(
    parseServerArgs(['5000', '3', '--block-seconds'])._unsafeUnwrapErr().message,
    /option requires argument: --block-seconds/,
  );
});

test('cluster options: off by default; --redis joins; names, URL and durations are checked', () => {
  const config = (argv: string[]) => {
    const parsed = parseServerArgs(['5000', '3', ...argv])._unsafeUnwrap();
    if (parsed.kind !== 'serve') throw new Error('expected a serve command');
    return parsed.config;
  };
  const plain = config([]);
  assert.is(plain.redisUrl, undefined, 'one server on its own unless told');
  assert.is(plain.redisPrefix, 'tessenger:');
  const joined = config([
    '--redis',
    'redis://127.0.0.1:6379/2',
    '--node-id',
    'node-a.1',
    '--node-heartbeat',
    '0.1',
    '--node-expiry',
    '0.5',
  ]);
  assert.is(joined.redisUrl, 'redis://127.0.0.1:6379/2');
  assert.is(joined.nodeId, 'node-a.1');
  assert.is(joined.nodeHeartbeatMs, 100);
  assert.is(joined.nodeExpiryMs, 500);
  const refused = (argv: string[], message: RegExp) =>
    assert.match(parseServerArgs(['5000', '3', ...argv])._unsafeUnwrapErr().message, message);
  refused(['--redis', 'localhost:6379'], /Invalid --redis URL: localhost:6379/);
  refused(['--node-id', 'a|b'], /Invalid --node-id: a\|b/);
  refused(['--redis-prefix', ''], /Invalid --redis-prefix/);
  refused(['--node-heartbeat', '1', '--node-expiry', '2'], /--node-expiry must be more than twice/);
});

test('help and hash-password', () => {
  assert.equal(parseServerArgs(['--help'])._unsafeUnwrap(), { kind: 'help' });
  assert.equal(parseServerArgs(['hash-password'])._unsafeUnwrap(), { kind: 'hashPassword' });
});

test('client arguments', () => {
  const parsed = parseClientArgs([
    '127.0.0.1',
    '5000',
    '8001',
    '--download-dir',
    'dl',
  ])._unsafeUnwrap();
  if (parsed.kind !== 'run') return assert.unreachable();
  assert.equal(
    { ...parsed.options, transport: undefined, linkSecurity: undefined },
    {
      host: '127.0.0.1',
      port: 5000,
      udpPort: 8001,
      downloadDir: 'dl',
      transport: undefined,
      linkSecurity: undefined,
    },
  );
  assert.is(parsed.options.transport?.stallTimeoutMs, 15_000);
  const quick = parseClientArgs([
    '127.0.0.1',
    '5000',
    '8001',
    '--transfer-timeout',
    '1',
    '--datagram-bytes',
    '1200',
  ])._unsafeUnwrap();
  if (quick.kind !== 'run') return assert.unreachable();
  assert.is(quick.options.transport?.stallTimeoutMs, 1000);
  assert.is(quick.options.transport?.datagramBytes, 1200);
  assert.ok(parseClientArgs(['127.0.0.1', '5000', '8001', '--datagram-bytes', '100']).isErr());
  assert.ok(parseClientArgs(['127.0.0.1', '5000', '0']).isOk(), 'UDP port 0 picks one');
  assert.ok(parseClientArgs(['127.0.0.1', '0', '8001']).isErr());
  assert.ok(parseClientArgs(['127.0.0.1', '5000', '65536']).isErr());
  assert.ok(parseClientArgs(['300.1.1.1', '5000', '8001']).isErr());
  assert.ok(parseClientArgs(['127.0.0.1', '5000', '8001', 'x']).isErr());
});

test.run();
