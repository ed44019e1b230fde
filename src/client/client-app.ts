import { open, stat } from 'node:fs/promises';
import { basename, isAbsolute, relative, resolve } from 'node:path';
import { ok, type Result } from 'neverthrow';
import type { WireError } from '../protocol/error-codes.js';
import type { ResponseMessage } from '../protocol/messages.js';
import { validateMessageText } from '../shared/message-text.js';
import { DEFAULT_CONFIG, type TransportConfig } from '../p2p/config.js';
import { removeStaleDownloads } from '../p2p/stale-downloads.js';
import { P2PEndpoint } from '../p2p/endpoint.js';
import { validateFileName } from '../p2p/file-name.js';
import type { AudienceIntroduction } from '../p2p/introduction.js';
import { describeTransferError } from '../p2p/transfer-error.js';
import type { TransferHandle } from '../p2p/transfer-handle.js';
import {
  HELP_LINES,
  parseCommandLine,
  type CommandName,
  type ParsedCommand,
} from './command-line.js';
import { complete, wordKindAt, type Completion } from './completion.js';
import {
  completeError,
  describeProtocolError,
  readActiveUsers,
  readCreatedGroup,
  readEvent,
  readInvitations,
  readPresenterIntroduction,
  readTimestamp,
  type Invitation,
  type ProtocolError,
  type ServerEvent,
} from './inbound.js';
import { KnownNames } from './known-names.js';
import {
  renderActiveUsers,
  renderError,
  renderGroupMessage,
  renderInvitation,
  renderPrivateMessage,
} from './render.js';
import { ServerLink } from './server-link.js';
import { describeLinkFailure } from './trust/describe-link-failure.js';
import type { ClientLinkSecurity } from './trust/link-security.js';
import { TerminalUI, type TerminalStreams } from './terminal-ui.js';
import { TransferProgressView } from './transfer-progress-view.js';

export interface ClientOptions {
  host: string;
  port: number;
  udpPort: number;
  downloadDir: string;
  transport?: Partial<TransportConfig>;
  /** How the server link is secured and the server verified. */
  linkSecurity: ClientLinkSecurity;
}

export const COMMAND_PROMPT =
  'Enter one of the following commands (/msgto, /activeuser, /creategroup, /joingroup, /groupmsg, /p2pvideo, /logout): ';

/** Exit statuses: 0 after the user's own logout or end of input, 1 for anything else. */
const EXIT_OK = 0;
const EXIT_FAILURE = 1;

const ENDED: unique symbol = Symbol('ended');

/** A download temp file untouched for this many stall timeouts belongs to no live transfer. */
const STALE_DOWNLOAD_FACTOR = 4;

/** Departure notices kept for transfers that have not started yet. */
const MAX_REMEMBERED_DEPARTURES = 16;

/** Downloads running at once; more announcements are refused. */
const MAX_CONCURRENT_DOWNLOADS = 8;

/** One run of the terminal client: login, then commands until logout, EOF or the server goes. */
export class ClientApp {
  private readonly ui: TerminalUI;
  private link: ServerLink | undefined;
  private endpoint: P2PEndpoint | undefined;
  private username = '';
  private finish!: (code: number) => void;
  private readonly finished = new Promise<number>((resolve) => (this.finish = resolve));
  private ending = false;
  private readonly progress: TransferProgressView;
  /** Transfers under way in either direction; Ctrl-C cancels them rather than the client. */
  private readonly transfers = new Set<TransferHandle<unknown>>();
  private readonly names = new KnownNames();
  /** Peers the server reported gone before their transfer had started here (bounded). */
  private readonly departed = new Map<string, string>();

  constructor(
    private readonly options: ClientOptions,
    streams: TerminalStreams,
  ) {
    this.ui = new TerminalUI(streams);
    this.progress = new TransferProgressView(this.ui);
    this.ui.setCompleter((beforeCursor) => this.complete(beforeCursor));
  }

  async run(): Promise<number> {
    const bound = await P2PEndpoint.listen({
      port: this.options.udpPort,
      ...(this.options.transport ? { config: this.options.transport } : {}),
    });
    if (bound.isErr()) {
      this.ui.print(
        `Cannot listen for files on UDP port ${this.options.udpPort}: ${describeTransferError(bound.error)}`,
        'error',
      );
      return this.shutdown(EXIT_FAILURE);
    }
    this.endpoint = bound.value;
    await this.removeStaleDownloads();
    const result = await ServerLink.open(
      this.options.host,
      this.options.port,
      this.options.linkSecurity,
    );
    if (!('link' in result)) {
      this.ui.print(describeLinkFailure(this.options.host, this.options.port, result), 'error');
      return this.shutdown(EXIT_FAILURE);
    }
    if (result.notice !== null) this.ui.print(result.notice);
    const opened = result.link;
    this.link = opened;
    opened.on('event', (event) => {
      const read = readEvent(event);
      if (read.isErr()) return this.printProtocolError(read.error);
      this.onEvent(read.value);
    });
    opened.on('closed', () => {
      if (this.ending) return;
      this.ui.print('Lost connection to the server.', 'error');
      this.end(EXIT_FAILURE);
    });
    this.ui.onInterrupt(() => this.onInterrupt());
    process.on('SIGINT', () => this.onInterrupt());
    process.on('SIGTERM', () => void this.logout());
    process.on('SIGHUP', () => void this.logout());

    void this.session();
    return this.shutdown(await this.finished);
  }

  /** Unfinished downloads of an earlier run (killed mid-transfer) are removed, and said so. */
  private async removeStaleDownloads(): Promise<void> {
    const stallTimeoutMs = this.options.transport?.stallTimeoutMs ?? DEFAULT_CONFIG.stallTimeoutMs;
    const removed = await removeStaleDownloads(
      this.options.downloadDir,
      STALE_DOWNLOAD_FACTOR * stallTimeoutMs,
    );
    if (removed.length > 0)
      this.ui.print(
        `Removed ${removed.length} unfinished download(s) left in ${this.options.downloadDir} by an earlier run.`,
      );
  }

  private async session(): Promise<void> {
    const invitations = await this.login();
    if (!invitations) return;
    this.ui.print('Welcome to TESSENGER!');
    for (const invitation of invitations) this.showInvitation(invitation);
    for (;;) {
      const line = await this.until(this.ui.ask(COMMAND_PROMPT));
      if (line === ENDED) return;
      if (line === undefined) return void this.logout();
      if (line.trim() === '') continue;
      const parsed = parseCommandLine(line);
      if (parsed.isErr()) {
        const error = parsed.error;
        const text =
          error.type === 'InvalidCommand'
            ? 'Error. Invalid command!'
            : error.type === 'Usage'
              ? error.usage
              : error.type === 'UnclosedQuote'
                ? 'Unclosed quote: end the quoted name with the same quote mark (or write spaces as "\\ ").'
                : 'Please enter at least one more active user.';
        this.ui.print(text, 'error');
        continue;
      }
      const done = await this.until(this.runCommand(parsed.value));
      if (done === ENDED || this.ending) return;
    }
  }

  /** Once logged in, the invitations waiting for this user; undefined if the session ended (blocked, EOF, server gone). */
  private async login(): Promise<Invitation[] | undefined> {
    this.ui.print('Please login');
    for (;;) {
      const username = await this.until(this.ui.ask('Username: '));
      if (username === ENDED) return undefined;
      if (username === undefined) return (this.end(EXIT_OK), undefined);
      if (username.trim() === '') continue;
      const reply = await this.request('username', [username.trim()]);
      if (!reply) return undefined;
      if (!reply.ok) {
        this.ui.print(
          renderError('login', completeError(reply.error, { user: username.trim() })),
          'error',
        );
        if (reply.error.code === 'ACCOUNT_BLOCKED') return (this.end(EXIT_FAILURE), undefined);
        continue;
      }
      for (;;) {
        const password = await this.until(this.ui.ask('Password: ', { secret: true }));
        if (password === ENDED) return undefined;
        if (password === undefined) return (this.end(EXIT_OK), undefined);
        const answer = await this.request('password', [
          password,
          String(this.endpoint?.port ?? this.options.udpPort),
        ]);
        if (!answer) return undefined;
        if (answer.ok) {
          this.username = username.trim();
          const invitations = readInvitations(answer.data);
          if (invitations.isErr()) this.printProtocolError(invitations.error);
          return invitations.unwrapOr([]);
        }
        this.ui.print(
          renderError('login', completeError(answer.error, { user: username.trim() })),
          'error',
        );
        const code = answer.error.code;
        if (
          code === 'ACCOUNT_LOCKED_NOW' ||
          code === 'ACCOUNT_BLOCKED' ||
          code === 'LOGIN_THROTTLED'
        )
          return (this.end(EXIT_FAILURE), undefined);
        if (code !== 'INVALID_PASSWORD') break; // e.g. already logged in elsewhere: ask for a username again
      }
    }
  }

  private async runCommand({ name, args }: ParsedCommand): Promise<void> {
    switch (name) {
      case 'msgto':
      case 'groupmsg': {
        const text = validateMessageText(args[1] ?? '', this.link?.limits.maxMessageLength);
        if (text.isErr())
          return this.printError(name, {
            code:
              text.error.type === 'MessageTooLong'
                ? 'MESSAGE_TOO_LONG'
                : text.error.type === 'MessageEmpty'
                  ? 'MESSAGE_EMPTY'
                  : text.error.type === 'MessageLineBreak'
                    ? 'MESSAGE_LINE_BREAK'
                    : 'MESSAGE_INVALID_CHARS',
            limit: this.link?.limits.maxMessageLength ?? 0,
          });
        if (name === 'msgto') this.names.sawUser(args[0] ?? '');
        else this.names.sawGroup(args[0] ?? '');
        return this.simple(name, args, (data) =>
          readTimestamp(data, name).map((ts) =>
            name === 'msgto' ? `message sent at ${ts}.` : 'Group chat message sent.',
          ),
        );
      }
      case 'activeuser':
        return this.simple(name, args, (data) =>
          readActiveUsers(data).map((rows) => {
            this.names.setActive(rows.map((r) => r.user));
            return renderActiveUsers(rows).join('\n');
          }),
        );
      case 'creategroup':
        return this.simple(name, args, (data) =>
          readCreatedGroup(data).map(({ group, members }) => {
            this.names.sawGroup(group);
            return `Group chat room has been created, room name: ${group}, users in this room: ${members.join(', ')}`;
          }),
        );
      case 'joingroup':
        return this.simple(name, args, () => {
          this.names.sawGroup(args[0] ?? '');
          return ok(`Joined the group chat: ${args[0]} successfully.`);
        });
      case 'logout':
        return this.logout();
      case 'p2pvideo':
        return this.present(args[0] ?? '', args[1] ?? '');
      case 'help':
        this.ui.print('Commands:');
        for (const line of HELP_LINES) this.ui.print(line);
        return;
    }
  }

  /** A request whose success is text (one line, or several separated by newlines). */
  private async simple(
    name: CommandName,
    args: string[],
    success: (data: unknown) => Result<string, ProtocolError>,
  ): Promise<void> {
    const reply = await this.request(name, args);
    if (!reply) return;
    if (!reply.ok) return this.printError(name, reply.error, args);
    const text = success(reply.data);
    if (text.isErr()) return this.printProtocolError(text.error);
    for (const line of text.value.split('\n')) this.ui.print(line);
  }

  /** `args` stand in for names the server left out of the error (the user or group the command named). */
  private printError(command: CommandName, error: WireError, args: readonly string[] = []): void {
    const named = args[0];
    const fallback =
      named === undefined
        ? {}
        : command === 'joingroup' || command === 'groupmsg' || command === 'creategroup'
          ? { group: named }
          : { user: named };
    this.ui.print(renderError(command, completeError(error, fallback)), 'error');
  }

  private printProtocolError(error: ProtocolError): void {
    this.ui.print(describeProtocolError(error), 'error');
  }

  /** Tab: completes from the names known; user names are first refreshed from the server's list when stale or unknown. */
  private complete(beforeCursor: string): Completion | Promise<Completion> {
    const word = /\S*$/.exec(beforeCursor)?.[0] ?? '';
    if (wordKindAt(beforeCursor) !== 'user' || !this.names.needsActiveList(word))
      return complete(beforeCursor, this.names);
    return this.request('activeuser', []).then((reply) => {
      if (reply?.ok)
        readActiveUsers(reply.data).map((rows) => this.names.setActive(rows.map((r) => r.user)));
      return complete(beforeCursor, this.names);
    });
  }

  private showInvitation({ group, by }: Invitation): void {
    this.names.sawGroup(group);
    this.names.sawUser(by);
    this.ui.print(renderInvitation(group, by), 'incoming');
  }

  /** `/p2pvideo USER FILE`: check the file here, ask the server for USER, then send over UDP. */
  private async present(audience: string, file: string): Promise<void> {
    const path = resolve(file);
    const name = basename(file);
    const checked = validateFileName(name);
    if (checked.isErr())
      return this.printError('p2pvideo', {
        code:
          checked.error.type === 'FileNameHasBidiControl'
            ? 'FILE_NAME_BIDI_CONTROL'
            : 'FILE_NAME_INVALID',
      });
    const info = await stat(path).catch((e: NodeJS.ErrnoException) => e);
    if (info instanceof Error) {
      const why =
        info.code === 'ENOENT'
          ? 'no such file'
          : info.code === 'EACCES'
            ? 'permission denied'
            : (info.code ?? info.message);
      return this.ui.print(`Cannot send ${file}: ${why}.`, 'error');
    }
    if (!info.isFile()) return this.ui.print(`Cannot send ${file}: not a regular file.`, 'error');
    // Opened before the server announces anything, so an unreadable file never leaves the
    // audience waiting for a transfer that cannot start.
    const readable = await open(path, 'r').then(
      (h) => h.close().then(() => undefined),
      (e: NodeJS.ErrnoException) => e.code ?? e.message,
    );
    if (readable !== undefined)
      return this.ui.print(
        `Cannot send ${file}: ${readable === 'EACCES' ? 'permission denied' : readable}.`,
        'error',
      );
    this.names.sawUser(audience);
    const reply = await this.request('p2pvideo', [audience, name, String(info.size)]);
    if (!reply) return;
    if (!reply.ok) return this.printError('p2pvideo', reply.error, [audience]);
    const read = readPresenterIntroduction(reply.data);
    if (read.isErr()) return this.printProtocolError(read.error);
    const intro = read.value;
    this.progress.start(intro.transferId, `${name} → ${audience}`, info.size);
    const handle = this.endpoint!.send(intro, {
      filePath: path,
      onProgress: (p) => this.progress.update(intro.transferId, p),
    });
    this.transfers.add(handle);
    const departed = this.departed.get(intro.transferId);
    if (departed !== undefined) handle.abort({ type: 'PeerLeft', user: departed });
    const result = await handle.result;
    this.transfers.delete(handle);
    this.progress.done(intro.transferId);
    if (result.isOk()) this.ui.print(`${file} has been uploaded`);
    else
      this.ui.print(
        `Could not send ${file} to ${audience}: ${describeTransferError(result.error)}.`,
        'error',
      );
  }

  private receive(intro: AudienceIntroduction): void {
    this.names.sawUser(intro.presenter);
    // Each download holds a temp file and a receive window: a flood of announcements must not
    // exhaust this client. Beyond the cap an announcement is refused (the presenter times out).
    const downloads = [...this.transfers].filter((t) => t.direction === 'receive').length;
    if (downloads >= MAX_CONCURRENT_DOWNLOADS) {
      this.ui.print(
        `Refused ${intro.fileName} from ${intro.presenter}: already receiving ${downloads} files.`,
        'error',
      );
      return;
    }
    const handle = this.endpoint!.expect(intro, {
      downloadDir: this.options.downloadDir,
      onProgress: (p) => this.progress.update(intro.transferId, p),
    });
    this.progress.start(intro.transferId, `${intro.fileName} ← ${intro.presenter}`, intro.size);
    this.transfers.add(handle);
    void handle.result.then((result) => {
      this.transfers.delete(handle);
      this.progress.done(intro.transferId);
      if (result.isOk()) {
        // SPEC's line as it is, then where the file went (it may carry a " (n)" suffix or be in --download-dir).
        this.ui.print(`Received ${intro.fileName} from ${intro.presenter}`, 'incoming');
        this.ui.print(`Saved as ${shownPath(result.value.path)}`, 'notice');
      } else
        this.ui.print(
          `Could not receive ${intro.fileName} from ${intro.presenter}: ${describeTransferError(result.error)}.`,
          'error',
        );
    });
  }

  private onEvent(event: ServerEvent): void {
    switch (event.kind) {
      case 'private':
        this.names.sawUser(event.from);
        return this.ui.print(renderPrivateMessage(event.ts, event.from, event.text), 'incoming');
      case 'group':
        this.names.sawUser(event.from);
        this.names.sawGroup(event.group);
        return this.ui.print(
          renderGroupMessage(event.ts, event.group, event.from, event.text),
          'incoming',
        );
      case 'p2p-incoming': {
        const { kind: _kind, ...intro } = event;
        return this.receive(intro);
      }
      case 'p2p-peer-left':
        return this.onPeerLeft(event.transferId, event.user);
      case 'invited':
        return this.showInvitation(event);
      case 'error':
        return this.ui.print(renderError('login', event.error), 'error');
      case 'closing':
        this.ui.print(
          event.error ? renderError('login', event.error) : 'The server closed the connection.',
          'error',
        );
        this.ending = true;
        return this.end(EXIT_FAILURE);
      case 'unknown':
        return; // events from a newer server are ignored
    }
  }

  /**
   * The server saw the other side of a transfer go: end that transfer now, not after a stall
   * timeout. The notice can overtake the start of an upload (it may arrive in the same read as
   * the reply that starts it), so it is also remembered for a transfer not yet started.
   */
  private onPeerLeft(transferId: string, user: string): void {
    const transfer = [...this.transfers].find((t) => t.transferId === transferId);
    if (transfer) return transfer.abort({ type: 'PeerLeft', user });
    this.departed.set(transferId, user);
    if (this.departed.size > MAX_REMEMBERED_DEPARTURES)
      this.departed.delete(this.departed.keys().next().value as string);
  }

  /** Ctrl-C cancels the transfers under way, if any; otherwise it logs out like /logout. */
  private onInterrupt(): void {
    if (this.transfers.size > 0) {
      for (const transfer of this.transfers) transfer.cancel();
      return;
    }
    void this.logout();
  }

  private async logout(): Promise<void> {
    if (this.ending) return;
    this.ending = true;
    if (this.username === '' || !this.link || this.link.closed) return this.end(EXIT_OK);
    const reply = await this.link.request('logout', []);
    if (reply?.ok) this.ui.print(`Bye, ${this.username}!`);
    this.end(EXIT_OK);
  }

  private request(cmd: string, args: string[]): Promise<ResponseMessage | undefined> {
    return this.link?.request(cmd, args) ?? Promise.resolve(undefined);
  }

  /** Races a step against the end of the session, so a closed session never waits on input. */
  private until<T>(promise: Promise<T>): Promise<T | typeof ENDED> {
    return Promise.race([promise, this.finished.then((): typeof ENDED => ENDED)]);
  }

  private end(code: number): void {
    this.finish(code);
  }

  private async shutdown(code: number): Promise<number> {
    this.ending = true;
    this.link?.close();
    await this.endpoint?.close();
    this.ui.close();
    return code;
  }
}

/** A saved file's path as the user reads it: relative to the current directory when inside it. */
function shownPath(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel) ? rel : path;
}
