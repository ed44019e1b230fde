import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { CLIENT_OPTIONS } from '../../src/cli/client-options.js';
import {
  formatOptionHelp,
  parseCommandLine,
  type OptionTable,
} from '../../src/cli/option-table.js';
import { SERVER_OPTIONS } from '../../src/cli/server-options.js';

const TABLE = {
  count: { flag: '--count', kind: 'integer', min: 1, max: 9, default: 3, help: 'how many' },
  wait: { flag: '--wait', kind: 'seconds', defaultMs: 1500, help: 'how long' },
  file: { flag: '--file', kind: 'text', placeholder: 'FILE', default: undefined, help: 'a file' },
  loud: { flag: '--loud', kind: 'flag', help: 'shout' },
  mode: {
    flag: '--mode',
    kind: 'choice',
    choices: ['fast', 'safe'],
    default: 'safe',
    help: 'the mode',
  },
} as const satisfies OptionTable;

test('defaults come from the table when nothing is given', () => {
  const parsed = parseCommandLine(TABLE, ['a', 'b'], 'prog')._unsafeUnwrap();
  assert.equal(parsed.options, {
    count: 3,
    wait: 1500,
    file: undefined,
    loud: false,
    mode: 'safe',
  });
  assert.equal(parsed.positionals, ['a', 'b']);
  assert.is(parsed.help, false);
});

test('every kind of value is read and checked', () => {
  const parsed = parseCommandLine(
    TABLE,
    ['--count', '9', '--wait', '0.25', '--file', 'x.txt', '--loud', '--mode', 'fast'],
    'prog',
  )._unsafeUnwrap();
  assert.equal(parsed.options, { count: 9, wait: 250, file: 'x.txt', loud: true, mode: 'fast' });
  assert.match(
    parseCommandLine(TABLE, ['--count', '10'], 'prog')._unsafeUnwrapErr().message,
    /Invalid value for --count: 10\. Expected an integer between 1 and 9/,
  );
  assert.match(
    parseCommandLine(TABLE, ['--count', '-1'], 'prog')._unsafeUnwrapErr().message,
    /Invalid value for --count: -1/,
  );
  assert.match(
    parseCommandLine(TABLE, ['--wait', '0'], 'prog')._unsafeUnwrapErr().message,
    /--wait: 0/,
  );
  assert.match(
    parseCommandLine(TABLE, ['--mode', 'slow'], 'prog')._unsafeUnwrapErr().message,
    /Expected one of: fast, safe/,
  );
  const unknown = parseCommandLine(TABLE, ['--nope'], 'prog')._unsafeUnwrapErr();
  assert.is(unknown.exitCode, 2);
  assert.match(
    unknown.message,
    /unknown or unexpected option: --nope\nRun prog --help for usage\./,
  );
});

test('help lists every row with its placeholder and default', () => {
  const help = formatOptionHelp(TABLE);
  assert.match(help, /--count N\s+how many \(default 3\)/);
  assert.match(help, /--wait N\s+how long \(default 1\.5\)/);
  assert.match(help, /--file FILE\s+a file\n/);
  assert.match(help, /--loud\s+shout\n/);
  assert.match(help, /--mode fast\|safe\s+the mode \(default safe\)/);
  assert.match(help, /-h, --help\s+show this help$/);
});

test('the real tables: every option appears in help, no line is wider than 100 columns', () => {
  for (const table of [SERVER_OPTIONS, CLIENT_OPTIONS] as OptionTable[]) {
    const help = formatOptionHelp(table);
    for (const option of Object.values(table)) assert.ok(help.includes(option.flag), option.flag);
    for (const line of help.split('\n')) assert.ok(line.length <= 100, line);
  }
});

test.run();
