import type { Socket } from 'node:net';
import { createActor, type Actor } from 'xstate';
import type { SessionEvent } from '../../machines/session.machine.js';
import type { ErrorCode, WireError } from '../protocol/error-codes.js';
import { normalizeAddress } from '../shared/address.js';
import { validateUserName } from '../shared/user-name.js';
import { encodeFrame, FrameDecoder } from '../protocol/frame-codec.js';
import { decodeClientMessage, encodeMessage, PROTOCOL_VERSION, type RequestMessage, type ServerMessage } from '../protocol/messages.js';
import type { AuthDeps } from './auth.js';
import { CommandRate } from './limits/command-rate.js';
import { findCommand, type CommandSpec } from './commands/command-table.js';
import { toWireError } from './commands/command-error.js';
import type { ServerConfig } from './config.js';
import type { ServerServices } from './services.js';
import type { SessionLogic, SessionPort } from './session-logic.js';
import type { Clock } from './state/lockouts.js';

export interface ConnectionDeps {
  config: ServerConfig;
  services: ServerServices;
  auth: AuthDeps;
  sessionLogic: SessionLogic;
  /** The welcome is the same for every connection: encoded once per server. */
  welcomeFrame: Buffer;
  clock?: Clock;
  onClosed: (connection: Connection) => void;
}

// How long a closing connection may take to flush before it is destroyed.
const CLOSE_GRACE_MS = 2000;

/**
 * The bridge between one TCP socket and its session actor. Sockets decide nothing: bytes become
 * frames, frames become messages, messages become machine events; the machine's actions (see
 * session-logic.ts) call back into this class to reply, run commands or close the socket.
 */
export class Connection implements SessionPort {
  readonly address: string;
  private readonly decoder: FrameDecoder;
  private readonly actor: Actor<SessionLogic>;
  private handshaken = false;
  private badMessages = 0;
  private unauthenticatedMessages = 0;
  private closed = false;
  /** A disconnect is under way: no more input is handled. */
  private closing = false;
  private corked = false;
  private byeRequestId: number | null = null;
  /** Made at the first command after login: connections that never log in do not pay for it. */
  private rate: CommandRate | undefined;
  private offline: Promise<void> = Promise.resolve();
  /** Login and logout steps, applied strictly in the order the client sent them. */
  private sessionSteps: Promise<void> = Promise.resolve();
  /** Commands still running; a logout answers them before it says bye. */
  private readonly running = new Set<Promise<void>>();

  constructor(
    readonly id: number,
    private readonly socket: Socket,
    private readonly deps: ConnectionDeps,
  ) {
    this.address = normalizeAddress(socket.remoteAddress);
    this.decoder = new FrameDecoder(deps.config.maxFrameBytes);
    this.actor = createActor(deps.sessionLogic, { input: { connectionId: id }, ...(deps.clock ? { clock: deps.clock } : {}) });
    this.actor.subscribe({
      error: (error) => {
        deps.services.console.line(`Internal error in a session from ${this.address}: ${String(error)}`);
        this.socket.destroy();
      },
    });
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', () => {}); // 'close' always follows
    socket.on('close', () => this.onClose());
  }

  /** Starts the session; separate from construction so the server can register it first. */
  start(): void {
    this.actor.start();
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** The logged-in user, or null. */
  get username(): string | null {
    const snapshot = this.actor.getSnapshot();
    return snapshot.matches('active') ? snapshot.context.username : null;
  }

  /**
   * Writes a frame. Frames written in the same event-loop turn leave in one system call: the
   * socket is corked on the first and uncorked on the next tick.
   */
  deliver(frame: Buffer): void {
    if (this.closed || this.socket.destroyed) return;
    if (!this.corked) {
      this.corked = true;
      this.socket.cork();
      process.nextTick(() => {
        this.corked = false;
        this.socket.uncork();
      });
    }
    this.socket.write(frame);
    if (this.socket.writableLength > this.deps.config.maxQueuedBytes) {
      this.deps.services.console.line(`Disconnecting ${this.describe()}: limit maxQueuedBytes (${this.deps.config.maxQueuedBytes}) reached, client is not reading`);
      // No notice: it would only join the queue the client is not reading.
      this.closed = true;
      this.socket.destroy();
    }
  }

  private send(message: ServerMessage): void {
    this.deliver(encodeFrame(encodeMessage(message)));
  }

  reply(id: number, data?: unknown): void {
    this.send(data === undefined ? { t: 'res', id, ok: true } : { t: 'res', id, ok: true, data });
  }

  replyError(id: number, error: WireError): void {
    this.send({ t: 'res', id, ok: false, error });
  }

  notifyClosing(error: WireError): void {
    this.send({ t: 'ev', ev: 'closing', error });
  }

  /**
   * Tells the client why it is being disconnected, then closes. Input stops at once; commands
   * already running are answered first, so nothing that was logged goes unacknowledged.
   */
  disconnect(code: ErrorCode, detail: Omit<WireError, 'code'> = {}): void {
    if (this.closing) return;
    this.closing = true;
    void Promise.all(this.running).then(() => {
      this.notifyClosing({ code, ...detail });
      this.end();
    });
  }

  rememberBye(requestId: number): void {
    this.byeRequestId = requestId;
  }

  goingOffline(work: Promise<void>): void {
    this.offline = work;
  }

  close(): void {
    void Promise.all([this.offline, ...this.running]).then(() => {
      if (this.byeRequestId !== null) this.reply(this.byeRequestId, { username: this.actor.getSnapshot().context.username });
      this.end();
    });
  }

  private describe(): string {
    return this.username ?? `connection from ${this.address}`;
  }

  private end(): void {
    if (this.closed) return;
    this.closed = true;
    this.socket.end();
    setTimeout(() => this.socket.destroy(), CLOSE_GRACE_MS).unref();
  }

  private onData(chunk: Buffer): void {
    const frames = this.decoder.push(chunk);
    if (frames.isErr()) {
      const code = frames.error.type === 'FrameTooLarge' ? 'FRAME_TOO_LARGE' : 'BAD_FRAME';
      this.deps.services.console.line(`Disconnecting ${this.describe()}: ${code === 'FRAME_TOO_LARGE' ? `limit maxFrameBytes (${this.deps.config.maxFrameBytes}) exceeded` : 'malformed frame'}`);
      this.disconnect(code, { limit: this.deps.config.maxFrameBytes });
      return;
    }
    for (const frame of frames.value) {
      if (this.closed || this.closing) return;
      this.onFrame(frame);
    }
  }

  private onFrame(frame: Buffer): void {
    const decoded = decodeClientMessage(frame);
    if (decoded.isErr()) return this.onBadMessage();
    const message = decoded.value;
    if (!this.handshaken) {
      if (message.t !== 'hello') return this.disconnect('HANDSHAKE_REQUIRED');
      if (message.v !== PROTOCOL_VERSION) return this.disconnect('VERSION_UNSUPPORTED');
      this.handshaken = true;
      this.deliver(this.deps.welcomeFrame);
      return;
    }
    if (message.t === 'hello') return this.onBadMessage();
    this.dispatch(message);
  }

  private onBadMessage(): void {
    this.badMessages += 1;
    if (this.badMessages > this.deps.config.maxBadMessages) {
      this.deps.services.console.line(`Disconnecting ${this.describe()}: limit maxBadMessages (${this.deps.config.maxBadMessages}) reached`);
      this.disconnect('BAD_MESSAGE', { limit: this.deps.config.maxBadMessages });
      return;
    }
    this.send({ t: 'ev', ev: 'error', error: { code: 'BAD_MESSAGE' } });
  }

  /** The dispatcher: table lookup, login and arity checks, then a machine event. */
  private dispatch(request: RequestMessage): void {
    const { id, cmd, args } = request;
    const active = this.actor.getSnapshot().matches('active');
    if (!active && ++this.unauthenticatedMessages > this.deps.config.maxUnauthenticatedMessages) {
      this.deps.services.console.line(`Disconnecting ${this.describe()}: limit maxUnauthenticatedMessages (${this.deps.config.maxUnauthenticatedMessages}) reached`);
      return this.disconnect('TOO_MANY_UNAUTHENTICATED_MESSAGES', { limit: this.deps.config.maxUnauthenticatedMessages });
    }
    if (active) {
      const { rateBurst, ratePerSecond, maxThrottled } = this.deps.config;
      this.rate ??= new CommandRate({ burst: rateBurst, perSecond: ratePerSecond, maxThrottled });
      const verdict = this.rate.check();
      if (verdict.type === 'flooding') {
        this.deps.services.console.line(`Disconnecting ${this.describe()}: limit maxThrottled (${this.deps.config.maxThrottled}) reached, sustained flood`);
        return this.disconnect('FLOODING', { limit: this.deps.config.ratePerSecond });
      }
      if (verdict.type === 'throttled') return this.replyError(id, { code: 'RATE_LIMITED', retryAfterSeconds: verdict.retryAfterSeconds });
    }
    const spec = findCommand(cmd);
    if (!spec) return this.replyError(id, { code: 'UNKNOWN_COMMAND' });
    if (spec.needsLogin && !active) return this.replyError(id, { code: 'NOT_LOGGED_IN' });
    if (!spec.needsLogin && active) return this.replyError(id, { code: 'ALREADY_AUTHENTICATED' });
    if (args.length < spec.minArgs || args.length > spec.maxArgs) return this.replyError(id, { code: 'BAD_ARGUMENTS' });
    if (spec.kind === 'handler') {
      this.actor.send({ type: 'COMMAND', requestId: id, command: cmd, args });
      return;
    }
    this.sessionSteps = this.sessionSteps
      .then(async () => {
        const event = await this.toSessionEvent(spec, id, args);
        if (event === 'handled') return;
        if (!event) return this.replyError(id, { code: 'BAD_ARGUMENTS' });
        if (!this.actor.getSnapshot().can(event)) return this.replyError(id, { code: 'OUT_OF_ORDER' });
        this.actor.send(event);
      })
      .catch((bug: unknown) => this.internalError(id, bug));
  }

  /** The machine event for a login/logout request; undefined for bad arguments, 'handled' if already answered. */
  private async toSessionEvent(spec: CommandSpec, requestId: number, args: string[]): Promise<SessionEvent | 'handled' | undefined> {
    switch (spec.name) {
      case 'username': {
        const username = args[0] ?? '';
        if (username === '' || username.length > 256) return undefined;
        if (validateUserName(username).isErr()) {
          this.replyError(requestId, { code: 'USER_NAME_BIDI_CONTROL' });
          return 'handled';
        }
        return { type: 'USERNAME', requestId, username, accountLocked: await this.deps.auth.lockouts.isLocked(username) };
      }
      case 'password': {
        const udpPort = Number(args[1]);
        if (!/^\d+$/.test(args[1] ?? '') || udpPort < 1 || udpPort > 65535) return undefined;
        const { failuresByIp } = this.deps.auth;
        // Counted now, not when the check fails: concurrent attempts cannot all pass (auth.ts).
        if (!failuresByIp.tryBegin(this.address)) {
          this.deps.services.console.line(`Refusing a login from ${this.address}: limit maxFailuresPerIpPerMinute (${this.deps.config.maxFailuresPerIpPerMinute}) reached`);
          this.replyError(requestId, { code: 'LOGIN_THROTTLED', retryAfterSeconds: failuresByIp.retryAfterSeconds(this.address) });
          this.end();
          return 'handled';
        }
        return { type: 'PASSWORD', requestId, password: args[0] ?? '', udpPort };
      }
      case 'logout':
        return { type: 'LOGOUT', requestId };
      default:
        return undefined;
    }
  }

  runCommand(requestId: number, command: string, args: string[]): void {
    const spec = findCommand(command);
    const username = this.actor.getSnapshot().context.username;
    if (spec?.kind !== 'handler' || username === null) return this.replyError(requestId, { code: 'INTERNAL' });
    const done = spec
      .run({ username, address: this.address, services: this.deps.services }, args)
      .match(
        (data) => this.reply(requestId, data),
        (error) => this.replyError(requestId, toWireError(error)),
      )
      .catch((bug: unknown) => this.internalError(requestId, bug));
    this.running.add(done);
    void done.finally(() => this.running.delete(done));
  }

  /** A bug, not an expected failure: say so on the console, answer INTERNAL, keep serving. */
  private internalError(requestId: number, bug: unknown): void {
    this.deps.services.console.line(`Internal error while serving ${this.describe()}: ${bug instanceof Error ? bug.message : String(bug)}`);
    this.replyError(requestId, { code: 'INTERNAL' });
  }

  private onClose(): void {
    this.closed = true;
    this.actor.send({ type: 'DISCONNECTED' });
    void this.offline.then(() => {
      this.actor.stop();
      this.deps.onClosed(this);
    });
  }
}
