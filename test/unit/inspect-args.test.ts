import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseServerArgs, SERVER_USAGE } from '../../src/cli/server-args.js';

const config = (argv: string[]) => {
  const parsed = parseServerArgs(['5000', '3', ...argv])._unsafeUnwrap();
  if (parsed.kind !== 'serve') throw new Error('not a serve command');
  return parsed.config;
};

test('no live view unless --inspect-port is given; loopback unless --inspect-host says otherwise', () => {
  assert.is(config([]).inspectPort, undefined);
  assert.is(config([]).inspectHost, '127.0.0.1');
  assert.is(config(['--inspect-port', '8080']).inspectPort, 8080);
  assert.is(config(['--inspect-port', '0']).inspectPort, 0, '0 picks a free port');
  assert.is(config(['--inspect-port', '8080', '--inspect-host', '::1']).inspectHost, '::1');
});

test('a bad --inspect-port is refused with exit 2', () => {
  for (const v of ['70000', '-1', 'http', '80.5', '']) {
    const error = parseServerArgs(['5000', '3', '--inspect-port', v])._unsafeUnwrapErr();
    assert.is(error.exitCode, 2, v);
    assert.match(error.message, `Invalid --inspect-port: ${v === '' ? '' : v}`, v);
  }
});

test('--help lists both options', () => {
  assert.match(SERVER_USAGE, '--inspect-port N');
  assert.match(SERVER_USAGE, '--inspect-host ADDR');
});

test.run();
