import type { Socket } from 'node:net';
import { EventEmitter } from 'node:events';
import { encodeFrame, FrameDecoder } from '../protocol/frame-codec.js';
import {
  openSecuredSocket,
  type ClientLinkSecurity,
  type LinkSecurityFailure,
} from './trust/link-security.js';
import type { CommandArgs, CommandName, CommandReply } from '../protocol/catalogue.js';
import {
  decodeServerMessage,
  encodeMessage,
  PROTOCOL_VERSION,
  type EventMessage,
  type ResponseMessage,
  type ServerLimits,
} from '../protocol/messages.js';

export type LinkFailure = LinkSecurityFailure | { type: 'TlsRequired' };

/** A link after its handshake, and the line to show about trusting a new server, if any. */
export interface OpenedLink {
  readonly link: ServerLink;
  readonly notice: string | null;
}

interface LinkEvents {
  event: [EventMessage];
  closed: [];
}

const CONNECT_TIMEOUT_MS = 10_000;
// The server's replies are small; a larger frame from "the server" means something is wrong.
const MAX_INBOUND_FRAME = 1024 * 1024;

/**
 * The client's side of the wire protocol: one TCP connection, the version handshake, requests
 * matched to responses by id, and server-pushed events.
 */
export class ServerLink extends EventEmitter<LinkEvents> {
  private nextId = 1;
  private readonly pending = new Map<number, (response: ResponseMessage | undefined) => void>();
  private readonly decoder = new FrameDecoder(MAX_INBOUND_FRAME);
  private isClosed = false;

  private constructor(
    private readonly socket: Socket,
    readonly limits: ServerLimits,
  ) {
    super();
  }

  /**
   * Connects, secures the link as `security` says (nothing is sent before the server is
   * verified), then performs the protocol handshake.
   */
  static async open(
    host: string,
    port: number,
    security: ClientLinkSecurity,
  ): Promise<OpenedLink | LinkFailure> {
    const secured = await openSecuredSocket(host, port, security);
    if (secured.isErr()) return secured.error;
    const { socket, notice } = secured.value;
    return new Promise((resolve) => {
      socket.setNoDelay(true);
      const decoder = new FrameDecoder(MAX_INBOUND_FRAME);
      const timer = setTimeout(() => {
        socket.destroy();
        resolve({ type: 'Unreachable', reason: 'timed out' });
      }, CONNECT_TIMEOUT_MS);
      const onError = (e: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        resolve({ type: 'Unreachable', reason: e.code ?? e.message });
      };
      socket.once('error', onError);
      socket.once('close', () => {
        clearTimeout(timer);
        resolve({ type: 'Unreachable', reason: 'connection closed during handshake' });
      });
      socket.write(
        encodeFrame(encodeMessage({ t: 'hello', v: PROTOCOL_VERSION, agent: 'tessenger-client' })),
      );
      const onData = (chunk: Buffer) => {
        const frames = decoder.push(chunk);
        const first = frames.isOk() ? frames.value[0] : undefined;
        if (!first) return;
        clearTimeout(timer);
        socket.off('data', onData);
        socket.off('error', onError);
        socket.removeAllListeners('close');
        const message = decodeServerMessage(first);
        if (message.isErr() || message.value.t !== 'welcome') {
          socket.destroy();
          const code =
            message.isOk() && message.value.t === 'ev'
              ? String((message.value.error as { code?: string } | undefined)?.code)
              : 'unexpected greeting';
          resolve(
            code === 'TLS_REQUIRED'
              ? { type: 'TlsRequired' }
              : { type: 'Unreachable', reason: code },
          );
          return;
        }
        const link = new ServerLink(socket, message.value.limits);
        link.attach();
        resolve({ link, notice });
        // Anything that came in the same chunk as the welcome is handled once the caller listens.
        const rest = frames.isOk() ? frames.value.slice(1) : [];
        if (rest.length > 0) setImmediate(() => rest.forEach((frame) => link.onFrame(frame)));
      };
      socket.on('data', onData);
    });
  }

  get closed(): boolean {
    return this.isClosed;
  }

  private attach(): void {
    this.socket.on('data', (chunk: Buffer) => {
      const frames = this.decoder.push(chunk);
      if (frames.isErr()) return this.socket.destroy();
      for (const frame of frames.value) this.onFrame(frame);
    });
    this.socket.on('error', () => {});
    this.socket.on('close', () => {
      this.isClosed = true;
      for (const resolve of this.pending.values()) resolve(undefined);
      this.pending.clear();
      this.emit('closed');
    });
  }

  private onFrame(frame: Buffer): void {
    const decoded = decodeServerMessage(frame);
    if (decoded.isErr()) return;
    const message = decoded.value;
    if (message.t === 'res') {
      const resolve = this.pending.get(message.id);
      this.pending.delete(message.id);
      resolve?.(message);
    } else if (message.t === 'ev') {
      this.emit('event', message);
    }
  }

  /**
   * Sends a request; resolves with its response, or undefined if the connection is lost first.
   * Named by the catalogue (src/protocol/catalogue.ts), the arguments are checked at compile
   * time and the reply is typed as that command's; the client still checks reply data before
   * use (inbound.ts), since a server is a peer on the network.
   */
  request<C extends CommandName>(
    cmd: C,
    args: CommandArgs<C>,
  ): Promise<CommandReply<C> | ResponseMessage | undefined>;
  request(cmd: string, args?: readonly string[]): Promise<ResponseMessage | undefined>;
  request(cmd: string, args: readonly string[] = []): Promise<ResponseMessage | undefined> {
    if (this.isClosed) return Promise.resolve(undefined);
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.pending.set(id, resolve);
      this.socket.write(encodeFrame(encodeMessage({ t: 'req', id, cmd, args: [...args] })));
    });
  }

  close(): void {
    this.socket.end();
  }
}
