// The presenter's side of one transfer, as glue: machines/transfer-sender.machine.ts holds the
// lifecycle (opening → offering → sending → finishing → done / failed / cancelled) and the
// result (its output); this file turns what happens on the socket and the disk into the machine's
// control events and does what the machine's states ask. The data path is elsewhere: the file
// (read in order, hashed) in block-reader.ts, the window and retransmission in send-window.ts.
//
// The transfer has its own UDP socket (an OS-chosen ephemeral port, connected to the audience so
// the kernel filters out every other source).
import dgram from 'node:dgram';
import { isIPv6 } from 'node:net';
import { err, ok, type Result } from 'neverthrow';
import { createActor, type Actor } from 'xstate';
import {
  transferSenderMachine,
  type TransferSenderContext,
  type TransferSenderOutput,
} from '../../machines/transfer-sender.machine.js';
import { datagramBytesFor, normalizeAddress, type TransportConfig } from './config.js';
import {
  DATA_HEADER_BYTES,
  encodeAbort,
  encodeDataHeader,
  encodeFin,
  encodeHello,
  type Datagram,
} from './datagram.js';
import type { PresenterIntroduction } from './introduction.js';
import type { DatagramSeal } from './seal.js';
import { ProgressMeter, report } from './progress.js';
import { emptyTransferStats, type TransferStats } from './stats.js';
import { abortReasonName, failureToAbortReason } from './abort-reasons.js';
import { BlockReader } from './block-reader.js';
import { SendWindow, type Ack } from './send-window.js';
import { machineOutput } from './machine-output.js';
import { internalError, type TransferError } from './transfer-error.js';
import type { ProgressListener, SendOutcome } from './transfer-handle.js';

export interface SendOptions {
  readonly filePath: string;
  readonly onProgress?: ProgressListener;
}

type SenderActor = Actor<typeof transferSenderMachine>;

export class SendTransfer {
  readonly stats: TransferStats = emptyTransferStats();
  readonly result: Promise<Result<SendOutcome, TransferError>>;
  private resolveResult!: (r: Result<SendOutcome, TransferError>) => void;
  private readonly output: Promise<TransferSenderOutput>;
  private readonly actor: SenderActor;
  private readonly chunkBytes: number;

  // resources, present from `opening` until the final state releases them
  private reader: BlockReader | null = null;
  private socket: dgram.Socket | null = null;
  private socketOpening: Promise<Result<void, TransferError>> | null = null;
  private meter: ProgressMeter | null = null;
  private window: SendWindow | null = null;
  private helloTimer: NodeJS.Timeout | null = null;
  private helloDelay = 100;
  /** the FIN's SHA-256, once every chunk is acknowledged */
  private fin: Buffer | null = null;
  /** resources are released once, by a final state or by an actor error */
  private released = false;

  constructor(
    readonly intro: PresenterIntroduction,
    /** Seals what we send and opens what the audience sends (src/p2p/seal.ts). */
    private readonly seal: DatagramSeal,
    private readonly options: SendOptions,
    private readonly config: TransportConfig,
    private readonly onSettled: () => void,
    /** the lifecycle; tests pass one with a fault injected */
    machine: typeof transferSenderMachine = transferSenderMachine,
  ) {
    const datagramBytes = datagramBytesFor(config, intro.audience.address);
    this.chunkBytes = datagramBytes - DATA_HEADER_BYTES - seal.overheadBytes;
    this.result = new Promise((resolve) => (this.resolveResult = resolve));
    this.actor = createActor(
      machine.provide({
        actions: {
          finishTransport: ({ context }) => void this.release(context),
          abortTransport: ({ context }) => void this.release(context),
        },
      }),
      {
        input: {
          transferId: intro.transferId,
          offerTimeoutMs: config.offerTimeoutMs,
          stallTimeoutMs: config.stallTimeoutMs,
        },
      },
    );
    this.output = machineOutput(
      this.actor,
      (e) => void this.release({ failure: internalError(e), tellPeer: true }),
    );
    this.actor.start();
  }

  state(): string {
    const value = this.actor.getSnapshot().value;
    return typeof value === 'string' ? value : JSON.stringify(value);
  }

  /** The machine is in `state` and still running (not in a final state). */
  private in(state: 'opening' | 'offering' | 'sending' | 'finishing'): boolean {
    return this.actor.getSnapshot().value === state;
  }

  private get running(): boolean {
    return this.actor.getSnapshot().status === 'active';
  }

  cancel(): void {
    this.actor.send({ type: 'CANCEL' });
  }

  /** Ends the transfer as cancel() does; without `notifyPeer` the audience is not told. */
  close(notifyPeer: boolean): void {
    this.actor.send({ type: 'CANCEL', quietly: !notifyPeer });
  }

  /** Ends the transfer now with `error` (the server reported the audience gone). */
  abort(error: TransferError): void {
    this.fail(error);
  }

  private fail(error: TransferError): void {
    this.actor.send({ type: 'FAILED', failure: error });
  }

  /** `opening`: the file, then the socket; OPENED sends the offer. */
  async start(): Promise<void> {
    const reader = await BlockReader.open(
      this.options.filePath,
      this.chunkBytes,
      this.config.windowBytes,
      {
        onChunks: () => {
          if (this.running) this.window?.pump();
        },
        onError: (e) => this.fail(e),
      },
    );
    if (reader.isErr()) return this.fail(reader.error);
    const opened = reader.value;
    if (!this.running) return void opened.close(); // ended while the file was opening
    this.reader = opened;
    this.socketOpening = this.openSocket();
    const socket = await this.socketOpening;
    if (socket.isErr()) return this.fail(socket.error);
    if (!this.running) return;
    const size = opened.size;
    this.meter = new ProgressMeter(size, this.config.progressIntervalMs, (p) => {
      report(this.options.onProgress, p);
      this.actor.send({ type: 'PROGRESS', bytes: p.bytes });
    });
    this.window = new SendWindow(
      Math.ceil(size / this.chunkBytes),
      this.chunkBytes,
      opened,
      {
        sendData: (seq, tx, data) =>
          this.transmit([encodeDataHeader(this.seal.connectionId, seq, tx), data]),
        // finishing: the FIN again; otherwise flow control is closed and the HELLO makes the
        // audience answer with a fresh window
        probe: () => (this.in('finishing') ? this.sendFin() : this.transmitHello()),
      },
      this.stats,
      this.config,
    );
    this.actor.send({ type: 'OPENED', total: size });
    this.sendHello();
  }

  private openSocket(): Promise<Result<void, TransferError>> {
    const port = this.intro.audience.port;
    const address = normalizeAddress(this.intro.audience.address);
    const socket = dgram.createSocket({
      type: isIPv6(address) ? 'udp6' : 'udp4',
      recvBufferSize: this.config.socketBufferBytes,
      sendBufferSize: this.config.socketBufferBytes,
    });
    this.socket = socket;
    socket.on('message', (msg) => this.onDatagram(msg));
    return new Promise((resolve) => {
      const onError = (e: Error): void => {
        socket.close();
        this.socket = null;
        resolve(err({ type: 'SocketError', detail: e.message }));
      };
      socket.once('error', onError);
      socket.bind(0, () => {
        socket.connect(port, address, () => {
          socket.off('error', onError);
          // ICMP "port unreachable" surfaces as ECONNREFUSED on a connected socket: the audience
          // may simply not be listening yet, so it is not fatal; silence is judged by the machine.
          socket.on('error', (e: NodeJS.ErrnoException) => {
            if (e.code !== 'ECONNREFUSED') this.fail({ type: 'SocketError', detail: e.message });
          });
          resolve(ok(undefined));
        });
      });
    });
  }

  // ---- offering ------------------------------------------------------------------------------

  private sendHello(): void {
    if (!this.in('offering')) return;
    this.transmitHello();
    this.helloTimer = setTimeout(() => this.sendHello(), this.helloDelay);
    this.helloDelay = Math.min(this.helloDelay * 2, 1000);
  }

  private transmitHello(): void {
    this.transmitControl(encodeHello(this.seal.connectionId, this.reader!.size, this.chunkBytes));
  }

  // ---- incoming ------------------------------------------------------------------------------

  private onDatagram(msg: Buffer): void {
    if (!this.running) return;
    this.stats.datagramsReceived++;
    // Authenticated first: a datagram that fails is dropped before anything in it is believed.
    const opened = this.seal.open(msg);
    if (opened.isErr()) {
      if (opened.error.type === 'Unauthenticated') this.stats.droppedUnauthenticated++;
      else if (opened.error.type === 'OtherTransfer') this.stats.droppedForged++;
      else this.stats.droppedMalformed++;
      return;
    }
    this.handle(opened.value);
  }

  private handle(d: Datagram): void {
    switch (d.type) {
      case 'Ack':
        return this.onAck(d);
      case 'Done':
        // only an answer to our FIN means the file was verified
        if (!this.in('finishing')) {
          this.stats.droppedForged++;
          return;
        }
        this.meter?.finish(this.reader!.size);
        this.actor.send({ type: 'VERIFIED' });
        return;
      case 'Abort':
        return this.fail({ type: 'PeerAborted', reason: abortReasonName(d.reason) });
      default:
        // HELLO / DATA / FIN never travel towards the presenter
        this.stats.droppedMalformed++;
    }
  }

  private onAck(a: Ack): void {
    const window = this.window;
    if (window === null) return; // still opening: no offer went out, so this answers none
    if (!window.plausible(a)) {
      this.stats.droppedForged++;
      return;
    }
    if (this.in('offering')) this.accept();
    window.onAck(a);
    const size = this.reader!.size;
    this.meter?.update(Math.min(size, window.acknowledgedBytes));
    if (window.complete && this.in('sending')) this.allAcknowledged();
  }

  /** The audience answered the offer: the window opens (with this very ACK). */
  private accept(): void {
    if (this.helloTimer) clearTimeout(this.helloTimer);
    this.actor.send({ type: 'ACCEPTED' });
  }

  // ---- finishing -----------------------------------------------------------------------------

  private allAcknowledged(): void {
    const digest = this.reader!.digest();
    this.fin = digest;
    this.actor.send({ type: 'ALL_ACKNOWLEDGED', sha256: digest.toString('hex') });
    this.sendFin();
    this.window?.restartTimer();
  }

  private sendFin(): void {
    if (this.fin) this.transmitControl(encodeFin(this.seal.connectionId, this.fin));
  }

  // ---- sending -------------------------------------------------------------------------------

  private transmitControl(buf: Buffer): void {
    this.stats.datagramsSent++;
    this.transmit([buf]);
  }

  private transmit(parts: Buffer[]): void {
    const sealed = this.seal.seal(parts);
    this.socket?.send(sealed, (e) => {
      this.seal.recycle(sealed); // sent (or failed): the socket is done with it
      this.onSendError(e);
    });
  }

  private readonly onSendError = (e: Error | null): void => {
    if (e && (e as NodeJS.ErrnoException).code !== 'ECONNREFUSED')
      this.fail({ type: 'SocketError', detail: e.message });
  };

  // ---- the end -------------------------------------------------------------------------------

  /**
   * Entry action of every final state: stop the timers, tell the audience if the machine says
   * so, close everything, and settle the result from the machine's output.
   */
  private async release(
    context: Pick<TransferSenderContext, 'failure' | 'tellPeer'>,
  ): Promise<void> {
    if (this.released) return;
    this.released = true;
    if (this.helloTimer) clearTimeout(this.helloTimer);
    this.window?.stop();
    // a socket still being bound is left to finish first (closing it half-way would throw)
    if (this.socketOpening !== null) await this.socketOpening;
    const { tellPeer, failure } = context;
    if (failure !== null && tellPeer) await this.tellAudience(failureToAbortReason(failure.type));
    this.socket?.close();
    await this.reader?.close();
    this.onSettled();
    // an actor that errored has no output: its failure is the one given here
    if (failure !== null && this.actor.getSnapshot().status === 'error')
      return this.resolveResult(err(failure));
    const output = await this.output;
    if (output.failure !== null) return this.resolveResult(err(output.failure));
    this.resolveResult(
      ok({
        transferId: output.transferId,
        bytes: output.total,
        sha256: output.sha256 ?? '',
        stats: { ...this.stats },
      }),
    );
  }

  /** One ABORT, awaited: a socket closed right after would otherwise swallow it. */
  private tellAudience(reason: ReturnType<typeof failureToAbortReason>): Promise<void> {
    const abort = this.seal.seal([encodeAbort(this.seal.connectionId, reason)]);
    const socket = this.socket;
    if (socket !== null) return new Promise((resolve) => socket.send(abort, () => resolve()));
    // Ended before the socket was up: the server told the audience to expect this file, so it
    // hears at once instead of timing out. Nothing was sent yet (no HELLO), so the audience has
    // locked onto no source port: a fresh socket is as good as the transfer's own.
    const address = normalizeAddress(this.intro.audience.address);
    const once = dgram.createSocket(isIPv6(address) ? 'udp6' : 'udp4');
    once.on('error', () => undefined);
    return new Promise((resolve) =>
      once.send(abort, this.intro.audience.port, address, () => {
        once.close();
        resolve();
      }),
    );
  }
}
