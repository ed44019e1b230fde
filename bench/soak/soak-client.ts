// One protocol-level session to the server for the soak: requests with ids, responses matched
// to them, events passed on. A session ends with its connection (logout, or the server killed);
// the virtual user then opens a new one.
import type { Socket } from 'node:net';
import { connect } from 'node:tls';
import { encodeFrame, FrameDecoder } from '../../src/protocol/frame-codec.js';
import {
  decodeServerMessage,
  type EventMessage,
  type ResponseMessage,
} from '../../src/protocol/messages.js';

export class SoakSession {
  private readonly decoder = new FrameDecoder(16 * 1024 * 1024);
  private readonly waiting = new Map<number, (response: ResponseMessage | undefined) => void>();
  private nextId = 1;
  closed = false;
  readonly ended: Promise<void>;

  private constructor(
    private readonly socket: Socket,
    private readonly onEvent: (event: EventMessage) => void,
  ) {
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => {
      const frames = this.decoder.push(chunk);
      if (frames.isErr()) return socket.destroy();
      for (const frame of frames.value) {
        const message = decodeServerMessage(frame);
        if (message.isErr()) continue;
        const m = message.value;
        if (m.t === 'res') {
          this.waiting.get(m.id)?.(m);
          this.waiting.delete(m.id);
        } else if (m.t === 'ev') this.onEvent(m);
      }
    });
    socket.on('error', () => {});
    this.ended = new Promise((resolve) =>
      socket.on('close', () => {
        this.closed = true;
        // A request the server never answered is unacknowledged: it may or may not be logged.
        for (const settle of this.waiting.values()) settle(undefined);
        this.waiting.clear();
        resolve();
      }),
    );
  }

  static open(
    port: number,
    onEvent: (event: EventMessage) => void,
  ): Promise<SoakSession | undefined> {
    return new Promise((resolve) => {
      // Over TLS, the server's default (the soak checks delivery, not trust: the certificate is not checked).
      const socket = connect(
        { host: '127.0.0.1', port, rejectUnauthorized: false, minVersion: 'TLSv1.3' },
        () => {
          const session = new SoakSession(socket, onEvent);
          socket.write(encodeFrame(JSON.stringify({ t: 'hello', v: 1 })));
          resolve(session);
        },
      );
      socket.once('error', () => resolve(undefined));
      socket.once('close', () => resolve(undefined));
    });
  }

  /** Resolves with the response, or undefined if the connection ended first (unacknowledged). */
  request(cmd: string, args: string[]): Promise<ResponseMessage | undefined> {
    if (this.closed) return Promise.resolve(undefined);
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.waiting.set(id, resolve);
      this.socket.write(encodeFrame(JSON.stringify({ t: 'req', id, cmd, args })));
    });
  }

  close(): void {
    this.socket.destroy();
  }
}
