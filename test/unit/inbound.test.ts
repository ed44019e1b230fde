import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  completeError,
  describeProtocolError,
  readActiveUsers,
  readCreatedGroup,
  readEvent,
  readInvitations,
  readPresenterIntroduction,
  readTimestamp,
} from '../../src/client/inbound.js';
import {
  renderError,
  renderGroupMessage,
  renderInvitation,
  renderPrivateMessage,
} from '../../src/client/render.js';

const ev = (fields: Record<string, unknown>) => ({
  t: 'ev' as const,
  ev: String(fields.ev),
  ...fields,
});

test('events with every field of the right type are read', () => {
  assert.equal(
    readEvent(ev({ ev: 'private', from: 'Yoda', text: 'hi', ts: 'TS' }))._unsafeUnwrap(),
    { kind: 'private', from: 'Yoda', text: 'hi', ts: 'TS' },
  );
  assert.equal(readEvent(ev({ ev: 'invited', group: 'G1', by: 'Yoda' }))._unsafeUnwrap(), {
    kind: 'invited',
    group: 'G1',
    by: 'Yoda',
  });
  assert.equal(readEvent(ev({ ev: 'closing' }))._unsafeUnwrap(), {
    kind: 'closing',
    error: undefined,
  });
  assert.equal(readEvent(ev({ ev: 'from-the-future', x: 1 }))._unsafeUnwrap(), {
    kind: 'unknown',
    name: 'from-the-future',
  });
});

test('a missing or wrongly typed field is a protocol error naming it, never "undefined"', () => {
  const missing = readEvent(ev({ ev: 'private', from: 'Yoda', ts: 'TS' }))._unsafeUnwrapErr();
  assert.is(
    describeProtocolError(missing),
    'Protocol error: the server sent event "private" without a string "text"; it was ignored.',
  );
  assert.is(
    readEvent(ev({ ev: 'group', group: 'G', from: 7, text: 'x', ts: 'TS' }))._unsafeUnwrapErr()
      .field,
    'from',
  );
  assert.is(
    readEvent(
      ev({
        ev: 'p2p-incoming',
        transferId: 'a',
        key: 'b',
        presenter: 'Y',
        presenterAddress: '127.0.0.1',
        fileName: 'f',
        size: -1,
      }),
    )._unsafeUnwrapErr().field,
    'size',
  );
  assert.is(
    readEvent(ev({ ev: 'error', error: { code: 'NOPE' } }))._unsafeUnwrapErr().field,
    'error',
  );
  assert.is(readTimestamp({}, 'msgto')._unsafeUnwrapErr().field, 'ts');
  assert.is(readTimestamp(undefined, 'msgto')._unsafeUnwrapErr().field, 'ts');
  assert.is(
    readActiveUsers({
      users: [{ user: 'Y', address: '1', udpPort: '8001', since: 'TS' }],
    })._unsafeUnwrapErr().field,
    'udpPort',
  );
  assert.is(
    readCreatedGroup({ group: 'G', members: ['a', 1] })._unsafeUnwrapErr().field,
    'members',
  );
  assert.is(
    readPresenterIntroduction({ transferId: 'a', key: 'b', audience: {} })._unsafeUnwrapErr().field,
    'address',
  );
  assert.is(readInvitations({ invitations: [{ group: 'G' }] })._unsafeUnwrapErr().field, 'by');
  assert.equal(
    readInvitations({ username: 'Yoda' })._unsafeUnwrap(),
    [],
    'an older server sends none',
  );
});

test('an error without the name it refers to is completed from what the user typed', () => {
  assert.is(
    renderError('msgto', completeError({ code: 'USER_OFFLINE' }, { user: 'Hans' })),
    'Hans is offline',
  );
  assert.is(
    renderError('msgto', completeError({ code: 'USER_OFFLINE', user: 'Leia' }, { user: 'Hans' })),
    'Leia is offline',
  );
  assert.is(
    renderError(
      'joingroup',
      completeError({ code: 'GROUP_NOT_FOUND', group: 42 as unknown as string }, { group: 'G1' }),
    ),
    "Groupchat G1 doesn't exist.",
  );
});

test('CLUSTER_UNAVAILABLE reads as a refused login when it ends a login, as a refused command otherwise', () => {
  assert.is(
    renderError('login', { code: 'CLUSTER_UNAVAILABLE' }),
    'The server cannot reach the rest of its cluster right now, so it cannot log you in. Please try again shortly.',
  );
  assert.is(
    renderError('msgto', { code: 'CLUSTER_UNAVAILABLE' }),
    'The server cannot reach the rest of its cluster right now; that was not done. Please try again shortly.',
  );
  assert.is(
    renderError('login', { code: 'LOGGED_IN_ELSEWHERE' }),
    'You logged in on another server of this cluster while this one could not reach it; this session ends here.',
  );
});

test('rendered network text is escaped', () => {
  assert.is(
    renderPrivateMessage('TS', 'Va\x1b[2Jder', 'hi\r\nTS, Yoda: forged'),
    'TS, Va\\e[2Jder: hi\\r\\nTS, Yoda: forged',
  );
  assert.is(renderGroupMessage('TS', 'G\u202e1', 'Yoda', 'x'), 'TS, G\\u{202e}1, Yoda: x');
  assert.is(
    renderInvitation('G1', 'Yoda'),
    'Yoda invited you to the group chat G1. To join: /joingroup G1',
  );
  assert.is(renderError('msgto', { code: 'USER_OFFLINE', user: 'x\x07' }), 'x\\x07 is offline');
});

test.run();
