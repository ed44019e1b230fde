// The client trusts nothing a server sends: names and texts with escape sequences, CR and LF
// are shown escaped, never obeyed, and events or replies with missing or wrongly typed fields
// give one clear protocol error, never "undefined". The "server" here is a script on a socket.
import { createServer, type Socket } from 'node:net';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { encodeFrame, FrameDecoder } from '../../src/protocol/frame-codec.js';
import { PROMPT, startClient } from '../support/processes.js';

interface Script {
  port: number;
  /** Resolves with the socket once the client has logged in. */
  loggedIn: Promise<Socket>;
  close(): void;
}

/** A fake server: answers the handshake and the login, then lets the test write frames. */
async function fakeServer(): Promise<Script> {
  let onLogin: (s: Socket) => void = () => {};
  const loggedIn = new Promise<Socket>((resolve) => (onLogin = resolve));
  const server = createServer((socket) => {
    const decoder = new FrameDecoder(1 << 20);
    const send = (value: unknown) => socket.write(encodeFrame(JSON.stringify(value)));
    socket.on('error', () => undefined);
    socket.on('data', (chunk) => {
      for (const frame of decoder.push(chunk).unwrapOr([])) {
        const message = JSON.parse(frame.toString()) as { t: string; id: number; cmd: string };
        if (message.t === 'hello')
          send({ t: 'welcome', v: 1, limits: { maxFrameBytes: 65536, maxMessageLength: 1000 } });
        else if (message.cmd === 'username') send({ t: 'res', id: message.id, ok: true });
        else if (message.cmd === 'password') {
          send({
            t: 'res',
            id: message.id,
            ok: true,
            data: { username: 'Yoda', invitations: [{ group: 'G\x1b[2J', by: 'Va\rder' }] },
          });
          onLogin(socket);
        } else if (message.cmd === 'msgto') send({ t: 'res', id: message.id, ok: true, data: {} });
        else if (message.cmd === 'activeuser')
          send({
            t: 'res',
            id: message.id,
            ok: true,
            data: {
              users: [
                { user: 'Evil\x1b]0;title\x07', address: '127.0.0.1', udpPort: 1, since: 'now' },
              ],
            },
          });
        else if (message.cmd === 'joingroup')
          send({ t: 'res', id: message.id, ok: false, error: { code: 'GROUP_NOT_FOUND' } });
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  return {
    port: typeof address === 'object' && address ? address.port : 0,
    loggedIn,
    close: () => server.close(),
  };
}

test('hostile strings are shown escaped and malformed events are reported, never printed as undefined', async () => {
  const fake = await fakeServer();
  const client = startClient(fake, 'Yoda', { args: ['--plaintext'] }); // the scripted server speaks plain TCP
  try {
    await client.expect('Username:');
    client.type('Yoda');
    await client.expect('Password:');
    client.type('secret');
    const socket = await fake.loggedIn;
    await client.expect(
      'Va\\rder invited you to the group chat G\\e[2J. To join: /joingroup G\\e[2J',
    );
    await client.expect(PROMPT);
    const send = (value: unknown) => socket.write(encodeFrame(JSON.stringify(value)));
    send({
      t: 'ev',
      ev: 'private',
      from: 'Vader\x1b[2J',
      text: 'line one\r\n01 Jun 2023 15:00:01, Yoda: forged\u202e',
      ts: '01 Jun 2023 15:00:00',
    });
    await client.expect(
      '01 Jun 2023 15:00:00, Vader\\e[2J: line one\\r\\n01 Jun 2023 15:00:01, Yoda: forged\\u{202e}',
    );
    send({ t: 'ev', ev: 'private', from: 'Vader', ts: '01 Jun 2023 15:00:00' });
    await client.expect(
      'Protocol error: the server sent event "private" without a string "text"; it was ignored.',
    );
    send({ t: 'ev', ev: 'group', group: 7, from: 'Vader', text: 'x', ts: 'TS' });
    await client.expect(
      'Protocol error: the server sent event "group" without a string "group"; it was ignored.',
    );
    send({
      t: 'ev',
      ev: 'p2p-incoming',
      transferId: 'x',
      key: 'y',
      presenter: 'Vader',
      presenterAddress: '127.0.0.1',
      fileName: 'a.mp4',
    });
    await client.expect(
      'Protocol error: the server sent event "p2p-incoming" without a whole number "size"; it was ignored.',
    );
    client.type('/msgto Vader hello');
    await client.expect(
      'Protocol error: the server sent a "msgto" reply without a string "ts"; it was ignored.',
    );
    client.type('/activeuser');
    await client.expect('Evil\\e]0;title\\x07, 127.0.0.1, 1, active since now.');
    client.type('/joingroup Sith');
    await client.expect("Groupchat Sith doesn't exist.");
    assert.not.ok(client.output.includes('undefined'), client.output);
    assert.not.ok(
      /[\x1b\x07\r]/.test(client.output),
      'no raw control character reached the output',
    );
    socket.destroy();
    await client.expect('Lost connection to the server.');
    assert.is(await client.exitCode(), 1);
  } finally {
    fake.close();
  }
});

test.run();
