import type { Socket } from 'node:net';
import { createActor, type Actor, type AnyActorRef } from 'xstate';
import type {
  ClosingReason,
  FrameEvent,
  SessionEvent,
  SessionLimits,
} from '../../machines/session.machine.js';
import type { WireError } from '../protocol/error-codes.js';
import { encodeFrame, FrameDecoder } from '../protocol/frame-codec.js';
import { decodeClientText, encodeMessage, type ServerMessage } from '../protocol/messages.js';
import { normalizeAddress } from '../shared/address.js';
import { toSessionEvent } from './commands/dispatcher.js';
import type { ServerConfig } from './config.js';
import { MAX_IN_FLIGHT_PER_CONNECTION, type Intake, type Reader } from './intake.js';
import { CommandRate } from './limits/command-rate.js';
import type { LoginPacing } from './login-pacing.js';
import { RunningCommands } from './running-commands.js';
import type { ServerServices } from './services.js';
import type { SessionLogic, SessionPort } from './session-logic.js';
import type { CommandContext } from './services.js';

export interface ConnectionDeps {
  config: ServerConfig;
  services: ServerServices;
  sessionLogic: SessionLogic;
  /** The welcome is the same for every connection: encoded once per server. */
  welcomeFrame: Buffer;
  /** The same for every session: one object per server, not one per connection. */
  limits: SessionLimits;
  /** The server-wide side of back-pressure. */
  intake: Intake;
  /** How much of each turn goes to reading connections that are still logging in. */
  loginPacing: LoginPacing;
  /**
   * The parent of every session actor: they share its actor system (and its clock) instead of
   * each making one of its own, which would cost about 1.9 KiB per idle session. It is told when
   * a session ends (the actor's id is the connection's) and calls `sessionEnded`.
   */
  sessions: AnyActorRef;
  onClosed: (connection: Connection) => void;
}

const RESUME_IN_FLIGHT = (MAX_IN_FLIGHT_PER_CONNECTION * 3) / 4;

// One listener for every socket's 'error' (a closure per connection would cost memory).
const ignore = (): void => {};

const writeOutgoing = (connection: Connection): void => connection.writeOutgoing();

// How long a closing connection may take to flush before it is destroyed.
const CLOSE_GRACE_MS = 2000;

/**
 * One TCP socket and its session actor (machines/session.machine.ts). This class decides nothing:
 * bytes become frames, frames become the machine's events, and the machine's actions write frames
 * and close the socket through the methods below.
 */
export class Connection implements SessionPort, Reader {
  readonly address: string;
  session: CommandContext | undefined;
  private readonly decoder: FrameDecoder;
  private readonly actor: Actor<SessionLogic>;
  /** Frames written this event-loop turn, not yet handed to the socket. */
  private outgoing: Buffer[] | undefined;
  private outgoingBytes = 0;
  private ended = false;
  /** Made at the first command after login: connections that never log in do not pay for them. */
  private rate: CommandRate | undefined;
  private running: RunningCommands | undefined;
  /** Not reading from the socket (back-pressure, see intake.ts). */
  private paused = false;
  private reading = false;
  private awaitingDrain = false;
  /** The client's framing broke: told the session once. */
  private broken = false;

  constructor(
    readonly id: number,
    private readonly socket: Socket,
    private readonly deps: ConnectionDeps,
  ) {
    this.address = normalizeAddress(socket.remoteAddress);
    this.decoder = new FrameDecoder(deps.config.maxFrameBytes);
    this.actor = createActor(deps.sessionLogic, {
      id: String(id),
      input: { connectionId: id, limits: deps.limits },
      parent: deps.sessions,
    });
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', ignore); // 'close' always follows
    socket.on('close', () => {
      this.deps.intake.forget(this);
      this.deps.loginPacing.forget(this);
      this.setPaused(false);
      this.tell({ type: 'DISCONNECTED' });
    });
  }

  /**
   * The session actor reached a final state, or failed (a bug: logged, and the socket dropped).
   * Its parent passes this on (ConnectionDeps.sessions): an observer per actor would cost about
   * 1.6 KiB of heap per idle session.
   */
  sessionEnded(failure?: { error: unknown }): void {
    if (failure) {
      this.deps.services.console.line(
        `Internal error in a session from ${this.address}: ${String(failure.error)}`,
      );
      this.destroy();
    }
    this.deps.onClosed(this);
  }

  /** Events for a session that has ended are dropped (e.g. the socket's close after a logout). */
  private tell(event: SessionEvent): void {
    if (this.actor.getSnapshot().status === 'active') this.actor.send(event);
  }

  /** Starts the session; separate from construction so the server can register it first. */
  start(): void {
    this.actor.start();
  }

  /** The server ends this connection (limits, shutdown): the session answers what runs, then says why. */
  close(reason: ClosingReason): void {
    this.tell({ type: 'CLOSE', ...reason });
  }

  private onData(chunk: Buffer): void {
    if (this.ended) return; // closing: nothing more is served, so nothing is kept
    this.decoder.append(chunk);
    const { stats } = this.deps.intake;
    if (this.decoder.bufferedBytes > stats.peakUnreadBytes)
      stats.peakUnreadBytes = this.decoder.bufferedBytes;
    this.readMore();
  }

  /** The next buffered frame as the session's event, if a whole one is buffered. */
  private nextFrame(): FrameEvent | undefined {
    const text = this.decoder.nextText();
    if (text === undefined) return undefined;
    const { stats } = this.deps.intake;
    stats.requestsRead += 1;
    if (this.socket.writableLength > stats.peakQueuedReplyBytes)
      stats.peakQueuedReplyBytes = this.socket.writableLength;
    const decoded = decodeClientText(text);
    if (decoded.isErr()) return { type: 'BAD_MESSAGE' };
    if (decoded.value.t === 'hello') return { type: 'HELLO', version: decoded.value.v };
    return toSessionEvent(decoded.value);
  }

  /** Why this connection should not take in another request now (intake.ts), if it should not. */
  private mustWait(): boolean {
    if ((this.running?.size ?? 0) >= MAX_IN_FLIGHT_PER_CONNECTION) return true;
    if (this.socket.writableNeedDrain) {
      // listened for only while needed: an idle session pays for no listener
      if (!this.awaitingDrain) {
        this.awaitingDrain = true;
        this.socket.once('drain', () => {
          this.awaitingDrain = false;
          this.readMore();
        });
      }
      return true;
    }
    if (this.deps.intake.full) {
      this.deps.intake.waitForRoom(this);
      return true;
    }
    return this.session === undefined && this.deps.loginPacing.holdsBack(this);
  }

  /**
   * Turns buffered frames into session events until none is left (then the socket is read
   * again) or the connection must wait (then the socket stops being read; the frames already
   * received wait in the decoder, in order). The frames at hand go to the session as one event
   * (`FRAMES`), as many as may start a command now: each frame starts at most one, so a batch
   * never takes the connection or the server past their bounds. Called on data, when a command
   * of this connection is answered, on the socket's 'drain', and when the server has room again.
   */
  readMore(): void {
    if (this.reading || this.ended) return;
    this.reading = true;
    let waiting = false;
    while (!(waiting = this.mustWait())) {
      const room = Math.min(
        MAX_IN_FLIGHT_PER_CONNECTION - (this.running?.size ?? 0),
        this.deps.intake.room,
      );
      // A lone frame (most reads of a client that does not pipeline) goes as its own event,
      // without a batch array; two or more are collected into one FRAMES event.
      const first = this.nextFrame();
      if (first === undefined) break;
      const second = room > 1 ? this.nextFrame() : undefined;
      if (second === undefined) {
        this.tell(first);
        continue;
      }
      const frames = [first, second];
      for (let next; frames.length < room && (next = this.nextFrame()) !== undefined;)
        frames.push(next);
      this.tell({ type: 'FRAMES', frames });
    }
    this.reading = false;
    const failure = this.decoder.error;
    if (failure && !this.broken) {
      this.broken = true;
      const code = failure.type === 'FrameTooLarge' ? 'FRAME_TOO_LARGE' : 'BAD_FRAME';
      this.tell({ type: 'CLOSE', code, limit: this.deps.config.maxFrameBytes });
      return;
    }
    this.setPaused(waiting);
  }

  /** Stops or resumes reading the socket, keeping the intake's counts (a closed socket: false). */
  private setPaused(paused: boolean): void {
    if (paused === this.paused) return;
    this.paused = paused;
    const { stats } = this.deps.intake;
    if (paused) {
      stats.pauses += 1;
      stats.pausedNow += 1;
      this.socket.pause();
    } else {
      stats.pausedNow -= 1;
      this.socket.resume();
    }
  }

  // ---- what the session's actions do with the socket (SessionPort) ---------------------------

  /**
   * Writes a frame. Frames written in the same event-loop turn leave in one write (one system
   * call): they are collected and written together on the next tick.
   */
  deliver(frame: Buffer): void {
    if (this.ended || this.socket.destroyed) return;
    if (this.outgoing === undefined) {
      this.outgoing = [frame];
      process.nextTick(writeOutgoing, this);
    } else this.outgoing.push(frame);
    this.outgoingBytes += frame.length;
    if (this.socket.writableLength + this.outgoingBytes > this.deps.config.maxQueuedBytes)
      this.tell({ type: 'SLOW_READER' });
  }

  /** The frames of this turn, as one write. */
  writeOutgoing(): void {
    const frames = this.outgoing;
    const bytes = this.outgoingBytes;
    this.outgoing = undefined;
    this.outgoingBytes = 0;
    if (frames === undefined || this.socket.destroyed) return;
    this.socket.write(frames.length === 1 ? frames[0]! : Buffer.concat(frames, bytes));
  }

  private send(message: ServerMessage): void {
    this.deliver(encodeFrame(encodeMessage(message)));
  }

  sendWelcome(): void {
    this.deliver(this.deps.welcomeFrame);
  }

  sendEvent(event: { ev: 'error' | 'closing'; error: WireError }): void {
    this.send({ t: 'ev', ...event });
  }

  /** The hottest frame (every command's answer): written as text, the same bytes as encodeMessage. */
  reply(id: number, data?: unknown): void {
    this.deliver(
      encodeFrame(
        data === undefined
          ? `{"t":"res","id":${id},"ok":true}`
          : `{"t":"res","id":${id},"ok":true,"data":${JSON.stringify(data)}}`,
      ),
    );
  }

  replyError(id: number, error: WireError): void {
    this.send({ t: 'res', id, ok: false, error });
  }

  internalError(requestId: number, bug: unknown): void {
    this.deps.services.console.line(
      `Internal error while serving ${this.session?.username ?? `connection from ${this.address}`}: ${bug instanceof Error ? bug.message : String(bug)}`,
    );
    this.replyError(requestId, { code: 'INTERNAL' });
  }

  began(): void {
    const commands = (this.running ??= new RunningCommands());
    commands.began();
    this.deps.intake.began(commands.size);
  }

  answered(): void {
    this.running?.answered();
    this.deps.intake.ended();
    // Read on once a quarter of the bound is free, not after every answer: no pause and resume
    // per command for a client that keeps more requests outstanding than the bound.
    if (this.paused && (this.running?.size ?? 0) <= RESUME_IN_FLIGHT) this.readMore();
  }

  commandsAnswered(): Promise<void> {
    return this.running?.allAnswered() ?? Promise.resolve();
  }

  commandRate(): CommandRate {
    const { rateBurst, ratePerSecond, maxThrottled } = this.deps.config;
    return (this.rate ??= new CommandRate({
      burst: rateBurst,
      perSecond: ratePerSecond,
      maxThrottled,
    }));
  }

  end(): void {
    if (this.ended) return;
    this.writeOutgoing();
    this.ended = true;
    this.socket.end();
    // read (and drop) on, or a paused socket would never see the client's end
    this.setPaused(false);
    setTimeout(() => this.socket.destroy(), CLOSE_GRACE_MS).unref();
  }

  destroy(): void {
    this.ended = true;
    this.outgoing = undefined;
    this.socket.destroy();
  }
}
