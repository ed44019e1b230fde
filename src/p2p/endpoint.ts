// The client's peer-to-peer endpoint: one UDP socket on `client_udp_port` shared by every
// incoming transfer, plus one ephemeral socket per outgoing transfer. Incoming datagrams are
// demultiplexed by connection id (derived from the transfer key the server gave us); a datagram
// is only handed to a transfer when it authenticates under that transfer's key (checked first,
// before anything else in it is believed) and comes from the announced presenter address (and,
// after the first one, from the same source port). Everything else is dropped and counted.
import dgram from 'node:dgram';
import { err, ResultAsync } from 'neverthrow';
import { isIPv6 } from 'node:net';
import { normalizeAddress, resolveConfig, type TransportConfig } from './config.js';
import { encodeAbort, encodeDone, readPreamble, type Datagram } from './datagram.js';
import { DatagramSeal } from './seal.js';
import {
  checkAudienceIntroduction,
  checkPresenterIntroduction,
  type AudienceIntroduction,
  type PresenterIntroduction,
} from './introduction.js';
import { ReceiveTransfer, type Epilogue, type ReceiveOptions } from './receiver.js';
import { SendTransfer, type SendOptions } from './sender.js';
import { emptyEndpointCounters, emptyTransferStats, type EndpointCounters } from './stats.js';
import { errorText, type TransferError } from './transfer-error.js';
import type { ReceiveOutcome, SendOutcome, TransferHandle } from './transfer-handle.js';

export interface ListenOptions {
  /** 0 = let the OS pick (read `endpoint.port` afterwards) */
  readonly port: number;
  /** default '0.0.0.0' (an IPv6 address selects an IPv6 socket) */
  readonly host?: string;
  readonly config?: Partial<TransportConfig>;
}

/** A finished incoming transfer keeps answering late datagrams for a while. */
interface Tombstone {
  readonly epilogue: Epilogue;
  readonly seal: DatagramSeal;
  readonly address: string;
  readonly port: number | null;
  lastReplyAt: number;
  /** when the presenter was last heard (performance.now()): its FINs stop once it has our DONE */
  lastHeardAt: number;
  readonly expiresAt: number;
  readonly timer: NodeJS.Timeout;
}

export class P2PEndpoint {
  private readonly incoming = new Map<
    string,
    { readonly transfer: ReceiveTransfer; readonly seal: DatagramSeal }
  >();
  private readonly outgoing = new Set<SendTransfer>();
  private readonly tombstones = new Map<string, Tombstone>();
  private readonly endpointCounters: EndpointCounters = emptyEndpointCounters();
  private closed = false;

  private constructor(
    private readonly socket: dgram.Socket,
    readonly config: TransportConfig,
  ) {
    socket.on('message', (msg, rinfo) => this.onDatagram(msg, rinfo));
    // Errors on a UDP socket (e.g. ICMP feedback) concern single datagrams, never the endpoint.
    socket.on('error', () => undefined);
  }

  /** Binds the shared socket. Fails (as a value) when the port is taken or the host is invalid. */
  static listen(options: ListenOptions): ResultAsync<P2PEndpoint, TransferError> {
    const config = resolveConfig(options.config);
    const host = options.host ?? '0.0.0.0';
    const socket = dgram.createSocket({
      type: isIPv6(host) ? 'udp6' : 'udp4',
      recvBufferSize: config.socketBufferBytes,
      sendBufferSize: config.socketBufferBytes,
    });
    const bound = new Promise<P2PEndpoint>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(options.port, host, () => {
        socket.off('error', reject);
        resolve(new P2PEndpoint(socket, config));
      });
    });
    return ResultAsync.fromPromise(bound, (e) => {
      socket.close();
      return { type: 'SocketError' as const, detail: errorText(e) };
    });
  }

  /** The UDP port incoming transfers arrive on. */
  get port(): number {
    return this.socket.address().port;
  }

  get address(): string {
    return this.socket.address().address;
  }

  /** Datagrams dropped before reaching any transfer. */
  counters(): EndpointCounters {
    return { ...this.endpointCounters };
  }

  /** Transfers still running, both directions. */
  activeTransfers(): number {
    return this.incoming.size + this.outgoing.size;
  }

  /**
   * Registers an incoming transfer the server announced. The returned handle settles with the
   * saved path once the file is verified, or with a TransferError.
   */
  expect(intro: AudienceIntroduction, options: ReceiveOptions): TransferHandle<ReceiveOutcome> {
    if (this.closed) return failedHandle(intro.transferId, 'receive', { type: 'EndpointClosed' });
    const checked = checkAudienceIntroduction(intro);
    if (checked.isErr()) return failedHandle(intro.transferId, 'receive', checked.error);
    const seal = DatagramSeal.fromKey(checked.value, 'audience', this.config.sealDatagrams);
    const key = seal.connectionId.toString('hex');
    if (this.incoming.has(key) || this.tombstones.has(key)) {
      return failedHandle(intro.transferId, 'receive', {
        type: 'InvalidIntroduction',
        detail: 'this transfer is already known',
      });
    }
    const presenterAddress = normalizeAddress(intro.presenterAddress);
    const transfer = new ReceiveTransfer(
      intro,
      seal.connectionId,
      options,
      this.config,
      (buf, port) =>
        new Promise<void>((resolve) =>
          this.socket.send(seal.seal([buf]), port, presenterAddress, () => resolve()),
        ),
      (epilogue) => {
        this.incoming.delete(key);
        this.bury(key, epilogue, seal, presenterAddress, transfer.peerPort);
      },
    );
    this.incoming.set(key, { transfer, seal });
    return {
      transferId: intro.transferId,
      direction: 'receive',
      result: transfer.result,
      cancel: () => transfer.cancel(),
      abort: (error) => transfer.abort(error),
      stats: () => ({ ...transfer.stats }),
      state: () => transfer.state(),
    };
  }

  /** Starts sending `options.filePath` to the audience the server introduced. */
  send(intro: PresenterIntroduction, options: SendOptions): TransferHandle<SendOutcome> {
    if (this.closed) return failedHandle(intro.transferId, 'send', { type: 'EndpointClosed' });
    const checked = checkPresenterIntroduction(intro);
    if (checked.isErr()) return failedHandle(intro.transferId, 'send', checked.error);
    const seal = DatagramSeal.fromKey(checked.value, 'presenter', this.config.sealDatagrams);
    const transfer: SendTransfer = new SendTransfer(intro, seal, options, this.config, () =>
      this.outgoing.delete(transfer),
    );
    this.outgoing.add(transfer);
    void transfer.start();
    return {
      transferId: intro.transferId,
      direction: 'send',
      result: transfer.result,
      cancel: () => transfer.cancel(),
      abort: (error) => transfer.abort(error),
      stats: () => ({ ...transfer.stats }),
      state: () => transfer.state(),
    };
  }

  /**
   * Ends every transfer (their results become err Cancelled) and closes the socket. With
   * `notifyPeers: false` the peers are not told, as if this process had vanished.
   */
  async close(options: { notifyPeers?: boolean } = {}): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const notify = options.notifyPeers ?? true;
    const pending: Promise<unknown>[] = [];
    for (const { transfer: t } of this.incoming.values()) {
      t.close(notify);
      pending.push(t.result);
    }
    for (const t of this.outgoing) {
      t.close(notify);
      pending.push(t.result);
    }
    await Promise.all(pending);
    if (notify) await this.untilPresentersHaveDone();
    for (const t of this.tombstones.values()) clearTimeout(t.timer);
    this.tombstones.clear();
    await new Promise<void>((resolve) => this.socket.close(() => resolve()));
  }

  /**
   * The DONE of a saved transfer is a single datagram: if it was lost, the presenter repeats its
   * FIN (at least once per maxRtoMs) and the tombstone answers. Closing the socket at once would
   * leave it to report a file that arrived as failed, so close() waits until every recently
   * saved transfer's presenter has been quiet for two of its longest FIN intervals (it has our
   * DONE, or gave up), never beyond the tombstone's own lifetime (lingerMs). See docs/P2P.md.
   */
  private async untilPresentersHaveDone(): Promise<void> {
    const quietMs = 2 * this.config.maxRtoMs;
    for (;;) {
      const now = performance.now();
      let wait = 0;
      for (const t of this.tombstones.values())
        if (t.epilogue.kind === 'saved')
          wait = Math.max(wait, Math.min(t.lastHeardAt + quietMs, t.expiresAt) - now);
      if (wait <= 0) return;
      await new Promise((resolve) => setTimeout(resolve, Math.ceil(wait)));
    }
  }

  // ---- demultiplexing ------------------------------------------------------------------------

  private onDatagram(msg: Buffer, rinfo: dgram.RemoteInfo): void {
    const c = this.endpointCounters;
    c.datagramsReceived++;
    const preamble = readPreamble(msg);
    if (preamble.isErr()) {
      c.malformed++;
      return;
    }
    const key = preamble.value.connectionId.toString('hex');
    const incoming = this.incoming.get(key);
    if (incoming === undefined) return this.answerLate(key, msg, rinfo);
    const { transfer, seal } = incoming;
    // Authentication comes first: nothing in a datagram that fails it is believed or counted as
    // the peer's (not even its source port).
    const opened = seal.open(msg, preamble.value);
    if (opened.isErr()) {
      if (opened.error.type === 'Unauthenticated') {
        c.unauthenticated++;
        transfer.stats.droppedUnauthenticated++;
      } else c.malformed++;
      return;
    }
    const d = opened.value;
    if (normalizeAddress(rinfo.address) !== normalizeAddress(transfer.intro.presenterAddress)) {
      c.wrongSource++;
      transfer.stats.droppedWrongSource++;
      return;
    }
    if (d.type === 'Ack' || d.type === 'Done') {
      c.unexpected++;
      return;
    }
    if (transfer.peerPort === null) transfer.peerPort = rinfo.port;
    else if (transfer.peerPort !== rinfo.port) {
      c.wrongSource++;
      transfer.stats.droppedWrongSource++;
      return;
    }
    transfer.handle(d);
  }

  /** Late datagrams of a finished transfer get the final word again (rate-limited); others are counted. */
  private answerLate(key: string, msg: Buffer, rinfo: dgram.RemoteInfo): void {
    const t = this.tombstones.get(key);
    if (t === undefined) {
      this.endpointCounters.unknownTransfer++;
      return;
    }
    const opened = t.seal.open(msg);
    if (opened.isErr()) {
      if (opened.error.type === 'Unauthenticated') this.endpointCounters.unauthenticated++;
      else this.endpointCounters.malformed++;
      return;
    }
    if (
      normalizeAddress(rinfo.address) !== t.address ||
      (t.port !== null && t.port !== rinfo.port)
    ) {
      this.endpointCounters.wrongSource++;
      return;
    }
    const now = performance.now();
    t.lastHeardAt = now;
    if (now - t.lastReplyAt < 20) return;
    t.lastReplyAt = now;
    const d: Datagram = opened.value;
    const id = t.seal.connectionId;
    const reply =
      t.epilogue.kind === 'saved'
        ? d.type === 'Fin'
          ? encodeDone(id)
          : null
        : encodeAbort(id, t.epilogue.reason);
    if (reply) this.socket.send(t.seal.seal([reply]), rinfo.port, rinfo.address, () => undefined);
  }

  private bury(
    key: string,
    epilogue: Epilogue,
    seal: DatagramSeal,
    address: string,
    port: number | null,
  ): void {
    // A transfer that ends while the endpoint closes is only remembered if it was saved: a
    // cancelled one told its presenter (ABORT) already, a saved one may still owe it a DONE.
    if (this.closed && epilogue.kind !== 'saved') return;
    const now = performance.now();
    const timer = setTimeout(() => this.tombstones.delete(key), this.config.lingerMs);
    timer.unref();
    this.tombstones.set(key, {
      epilogue,
      seal,
      address,
      port,
      lastReplyAt: 0,
      lastHeardAt: now,
      expiresAt: now + this.config.lingerMs,
      timer,
    });
  }
}

function failedHandle<O>(
  transferId: string,
  direction: 'send' | 'receive',
  error: TransferError,
): TransferHandle<O> {
  return {
    transferId,
    direction,
    result: Promise.resolve(err<O, TransferError>(error)),
    cancel: () => undefined,
    abort: () => undefined,
    stats: () => emptyTransferStats(),
    state: () => 'failed',
  };
}
