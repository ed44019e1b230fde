// The client in a real terminal (tmux), looked at as a person would: whole screens at 80×24 and
// 40×20 while a long line is being typed and messages and a file arrive, and the screen each way
// of ending the client leaves behind. `[exit N]` marks where the shell's prompt would appear.
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { createServer, type Socket } from 'node:net';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { P2PEndpoint } from '../../src/p2p/endpoint.js';
import { encodeFrame } from '../../src/protocol/frame-codec.js';
import { GateRelay } from '../model/gate-relay.js';
import {
  beforeAll,
  CLIENT_BIN,
  PASSWORDS,
  startServer,
  tempDir,
  type ServerHandle,
} from '../support/processes.js';
import { RawClient } from '../support/raw-client.js';
import { TmuxScreen, withoutTimestamps } from '../support/tmux.js';

const PROMPT =
  'Enter one of the following commands (/msgto, /activeuser, /creategroup, /joingroup, /groupmsg, /p2pvideo, /logout): ';

let server: ServerHandle;
beforeAll(async () => {
  server = await startServer({ args: ['--login-timeout', '60'] });
});
test.after(async () => {
  await server.stop();
});

/** The prompt and `typed` cut into rows of `columns`, as the screen shows them. */
function rows(text: string, columns: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < text.length; i += columns) out.push(text.slice(i, i + columns).trimEnd());
  return out;
}

/** Over TLS with the server's certificate pinned by --fingerprint: no trust line on the screen, no known-servers file. */
async function clientInTmux(
  columns: number,
  rows: number,
  args: string[] = [],
  target: ServerHandle = server,
): Promise<TmuxScreen> {
  const pin = ['--fingerprint', target.fingerprint ?? ''];
  return TmuxScreen.start(
    [process.execPath, CLIENT_BIN, '127.0.0.1', String(target.port), '0', ...pin, ...args],
    { columns, rows, cwd: tempDir('tmux-client') },
  );
}

async function logIn(screen: TmuxScreen, user: string): Promise<void> {
  await screen.waitFor('Username:');
  await screen.type(user);
  await screen.press('Enter');
  await screen.waitFor('Password:');
  await screen.type(PASSWORDS[user] ?? '');
  await screen.press('Enter');
  await screen.waitFor((s) => s.replace(/\n/g, '').includes(PROMPT.trimEnd()));
}

async function rawUser(user: string): Promise<RawClient> {
  const raw = await RawClient.connect(server.port);
  await raw.login(user, PASSWORDS[user] ?? '');
  return raw;
}

/** Obi-wan (a protocol-level client here) says something to `to`. */
async function say(raw: RawClient, to: string, text: string): Promise<void> {
  const reply = await raw.response(raw.request('msgto', [to, text]));
  assert.ok(reply.t === 'res' && reply.ok, JSON.stringify(reply));
}

/**
 * Obi-wan starts sending a 1 MiB file to `to` through a relay that lets the handshake through
 * and holds every data datagram, so the transfer stays at 0 % until `finish` lets it go.
 */
async function stalledTransfer(
  raw: RawClient,
  to: string,
): Promise<{ finish: () => Promise<void>; close: () => void }> {
  const id = raw.request('activeuser');
  const list = await raw.response(id);
  const users =
    list.t === 'res' && list.ok
      ? ((list.data as { users: Array<{ user: string; udpPort: number }> }).users ?? [])
      : [];
  const port = users.find((u) => u.user === to)?.udpPort ?? 0;
  const dir = tempDir('tmux-presenter');
  const file = join(dir, 'big.bin');
  await writeFile(file, randomBytes(1024 * 1024));
  const presenter = (await P2PEndpoint.listen({ port: 0, host: '127.0.0.1' }))._unsafeUnwrap();
  const reply = await raw.response(raw.request('p2pvideo', [to, 'big.bin', String(1024 * 1024)]));
  assert.ok(reply.t === 'res' && reply.ok, JSON.stringify(reply));
  const intro = reply.data as { transferId: string; key: string };
  // The relay knows the transfer key (it steers by datagram type, which it reads by opening them).
  const relay = await GateRelay.start(
    { address: '127.0.0.1', port },
    Buffer.from(intro.key, 'hex'),
  );
  relay.rule('forward', 'pass', 'Hello', 'Abort');
  relay.rule('backward', 'pass');
  const handle = presenter.send(
    {
      transferId: intro.transferId,
      key: intro.key,
      audience: { address: '127.0.0.1', port: relay.port },
    },
    { filePath: file },
  );
  return {
    finish: async () => {
      relay.rule('forward', 'pass');
      relay.release('forward', () => true);
      assert.ok((await handle.result).isOk());
    },
    close: () => {
      handle.cancel();
      relay.close();
      void presenter.close();
    },
  };
}

for (const [columns, height] of [
  [80, 24],
  [40, 20],
] as const) {
  test(`${columns}×${height}: a long line being typed survives messages and a live progress line, nothing is left behind`, async () => {
    const screen = await clientInTmux(columns, height, ['--transfer-timeout', '60']);
    await logIn(screen, 'Yoda');
    const obiwan = await rawUser('Obi-wan');
    const typed = '/msgto Obi-wan I am typing a long answer that wraps past the end of the row';
    await screen.type(typed);
    await screen.waitFor('past the end');
    await say(obiwan, 'Yoda', 'Are you there?');
    await screen.waitFor('Are you there?');
    const transfer = await stalledTransfer(obiwan, 'Yoda');
    try {
      await screen.waitFor('big.bin ← Obi-wan');
      await say(obiwan, 'Yoda', 'Sending you a file.');
      await screen.waitFor('Sending you a file.');
      // The whole bar when it fits, a shorter one on a narrow screen.
      const progress =
        columns === 80
          ? 'big.bin ← Obi-wan [--------------------]   0%  0 B / 1.0 MiB  -- B/s  ETA --:--'
          : 'big.bin ← Obi-wan [-----------------] 0%';
      const expected = [
        'Please login',
        'Username: Yoda',
        'Password:',
        'Welcome to TESSENGER!',
        ...rows('01 Jun 2023 15:00:01, Obi-wan: Are you there?', columns).map(withoutTimestamps),
        ...rows('01 Jun 2023 15:00:01, Obi-wan: Sending you a file.', columns).map(
          withoutTimestamps,
        ),
        progress,
        ...rows(PROMPT + typed, columns),
      ];
      assert.is(withoutTimestamps(await screen.screen()), expected.join('\n'));
      // The cursor is after the typed text, on the last row of the input area.
      const promptRows = rows(PROMPT + typed, columns);
      assert.equal(await screen.cursor(), {
        row: expected.length - 1,
        column: (promptRows.at(-1) ?? '').length,
      });

      await transfer.finish();
      const done = await screen.waitFor('Saved as');
      assert.is(
        withoutTimestamps(done),
        [
          ...expected.slice(0, expected.length - promptRows.length - 1),
          ...rows('Received big.bin from Obi-wan', columns),
          ...rows('Saved as Obi-wan_big.bin', columns),
          ...promptRows,
        ].join('\n'),
      );
      // Enter sends the line that was typed through all of it.
      await screen.press('Enter');
      await screen.waitFor('message sent at');
    } finally {
      transfer.close();
      obiwan.close();
    }
  });
}

const LOGGED_IN = ['Please login', 'Username: Yoda', 'Password:', 'Welcome to TESSENGER!'];

test('Ctrl-C with a half-typed line: logged out, nothing of the prompt left, the shell starts on a fresh line', async () => {
  const screen = await clientInTmux(80, 24);
  await logIn(screen, 'Yoda');
  await screen.type('/msgto Obi-wan half-typed');
  await screen.waitFor('half-typed');
  await screen.press('C-c');
  assert.is(await screen.waitFor('[exit'), [...LOGGED_IN, 'Bye, Yoda!', '[exit 0]'].join('\n'));
  await server.program.expect('Yoda logout');
});

test('Ctrl-D on an empty line: "Bye" on its own line', async () => {
  const screen = await clientInTmux(80, 24);
  await logIn(screen, 'Yoda');
  await screen.press('C-d');
  assert.is(await screen.waitFor('[exit'), [...LOGGED_IN, 'Bye, Yoda!', '[exit 0]'].join('\n'));
});

test('/logout: the command stays on screen as typed, then "Bye"', async () => {
  const screen = await clientInTmux(40, 20);
  await logIn(screen, 'Yoda');
  await screen.type('/logout');
  await screen.press('Enter');
  assert.is(
    await screen.waitFor('[exit'),
    [...LOGGED_IN, ...rows(`${PROMPT}/logout`, 40), 'Bye, Yoda!', '[exit 0]'].join('\n'),
  );
});

test('server shutdown while typing: the notice, then the shell on a fresh line', async () => {
  const own = await startServer();
  const screen = await clientInTmux(80, 24, [], own);
  await logIn(screen, 'Yoda');
  await screen.type('/msgto Obi-wan never sent');
  await screen.waitFor('never sent');
  assert.is(await own.stop(), 0);
  assert.is(
    await screen.waitFor('[exit'),
    [...LOGGED_IN, 'The server is shutting down. Goodbye.', '[exit 1]'].join('\n'),
  );
});

test('login timeout at the Username prompt: the notice, then the shell on a fresh line', async () => {
  const own = await startServer({ args: ['--login-timeout', '1'] });
  try {
    const screen = await clientInTmux(80, 24, [], own);
    await screen.waitFor('Username:');
    await screen.type('Yo');
    assert.is(
      await screen.waitFor('[exit'),
      [
        'Please login',
        'Login took too long; the server closed the connection. Please try again.',
        '[exit 1]',
      ].join('\n'),
    );
  } finally {
    await own.stop();
  }
});

test('typing ahead before the Username prompt keeps the prompt line', async () => {
  // A server that holds its welcome until the keys were typed, so they are typed before any prompt.
  let connected: () => void = () => {};
  const connection = new Promise<void>((resolve) => (connected = resolve));
  const sockets: Socket[] = [];
  const slow = createServer((socket) => {
    sockets.push(socket);
    socket.on('error', () => undefined);
    connected();
  });
  await new Promise<void>((resolve) => slow.listen(0, '127.0.0.1', resolve));
  try {
    const address = slow.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    // the scripted server speaks plain TCP
    const screen = await TmuxScreen.start(
      [process.execPath, CLIENT_BIN, '127.0.0.1', String(port), '0', '--plaintext'],
      { columns: 80, rows: 24, cwd: tempDir('tmux-client') },
    );
    await connection;
    await screen.type('Yoda');
    for (const socket of sockets)
      socket.write(
        encodeFrame(
          JSON.stringify({
            t: 'welcome',
            v: 1,
            limits: { maxFrameBytes: 65536, maxMessageLength: 1000 },
          }),
        ),
      );
    await screen.waitFor('Username: Yoda');
    assert.is(await screen.screen(), 'Please login\nUsername: Yoda');
  } finally {
    for (const socket of sockets) socket.destroy();
    slow.close();
  }
});

test("Tab: a space after a unique completion, user names from the server's list, Tab in the same keystroke chunk as other keys", async () => {
  const screen = await clientInTmux(80, 24);
  await logIn(screen, 'Yoda');
  const hans = await rawUser('Hans');
  try {
    // "/ms", Tab, "Ha", Tab, "hi" arrive as one chunk; Hans was never seen, only listed by the server.
    await screen.type('/ms\tHa\thi');
    await screen.waitFor('/msgto Hans hi');
    await screen.press('Enter');
    await screen.waitFor('message sent at');
    await hans.waitFor((m) => m.t === 'ev' && m.ev === 'private' && m.text === 'hi');
  } finally {
    hans.close();
  }
});

test('a bracketed paste with a Tab inserts it as a space, not a completion', async () => {
  const screen = await clientInTmux(80, 24);
  await logIn(screen, 'Yoda');
  await screen.paste('/ms\tx');
  await screen.waitFor('/ms x');
});

/**
 * Waits until the whole transcript (scrollback included, timestamps as TS) is `expected`, then
 * passes; otherwise fails showing the last one. The message shows up before the client has
 * redrawn its prompt under it, so one capture right after it appears can catch the redraw halfway.
 */
async function transcriptBecomes(screen: TmuxScreen, expected: string): Promise<void> {
  const deadline = Date.now() + 15_000;
  let last = '';
  for (;;) {
    last = withoutTimestamps(await screen.screen({ history: true }));
    if (last === expected || Date.now() > deadline) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.is(last, expected);
}

test('resizing from 80×24 to 40×20 while typing: the input area is redrawn for the new width, nothing stale stays', async () => {
  const screen = await clientInTmux(80, 24);
  await logIn(screen, 'Yoda');
  const obiwan = await rawUser('Obi-wan');
  try {
    const typed = '/msgto Obi-wan a reply typed before the window shrinks';
    await screen.type(typed);
    await screen.waitFor('shrinks');
    await screen.resize(40, 20);
    await say(obiwan, 'Yoda', 'resized?');
    await screen.waitFor('resized?');
    // A shorter window pushes the top rows into the scrollback: the transcript includes them.
    await transcriptBecomes(
      screen,
      [
        ...LOGGED_IN,
        ...rows('01 Jun 2023 15:00:01, Obi-wan: resized?', 40).map(withoutTimestamps),
        ...rows(PROMPT + typed, 40),
      ].join('\n'),
    );
  } finally {
    obiwan.close();
  }
});

test.run();
