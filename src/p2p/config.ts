// Tunables of the transport, with the defaults and the reasons for them in one place.
import { MAX_DATAGRAM_BYTES, MIN_DATAGRAM_BYTES } from './datagram.js';
import { normalizeAddress } from '../shared/address.js';

export interface TransportConfig {
  /**
   * Whole UDP payload size (header included), 1,200..65,507, or 'auto'. 'auto' picks 65,507 for
   * loopback peers (the loopback MTU is 64 KiB, so nothing is fragmented and each syscall moves
   * the most data) and 1,472 otherwise (one Ethernet frame: 1,500 − 20 IPv4 − 8 UDP; a datagram
   * larger than the path MTU is IP-fragmented and losing any fragment loses all of it).
   */
  readonly datagramBytes: number | 'auto';
  /** Bytes the sender may have in flight; also what the receiver agrees to buffer. */
  readonly windowBytes: number;
  /** Kernel socket buffers we ask for (Linux caps them at net.core.[rw]mem_max). */
  readonly socketBufferBytes: number;
  /** Datagrams sent back-to-back before yielding to the event loop (pacing). */
  readonly burstDatagrams: number;
  /** A chunk is declared lost once a chunk transmitted this many transmissions later arrived. */
  readonly reorderThreshold: number;
  /** Retransmission timeout bounds (adaptive in between, from the measured round trip). */
  readonly minRtoMs: number;
  readonly maxRtoMs: number;
  /** No datagram from the peer for this long ends the transfer with PeerVanished. */
  readonly stallTimeoutMs: number;
  /** The audience waits this long for the presenter's first datagram. */
  readonly announceTimeoutMs: number;
  /** The presenter waits this long for the audience to answer its HELLO. */
  readonly offerTimeoutMs: number;
  /** How often progress is reported (to onProgress and to the machine). */
  readonly progressIntervalMs: number;
  /** How long a finished audience transfer keeps answering the presenter's repeated FIN. */
  readonly lingerMs: number;
  /**
   * Seal every datagram with AES-256-GCM (src/p2p/seal.ts). false sends them unencrypted and
   * unauthenticated: only for benchmarks that measure what sealing costs; never on the command line.
   */
  readonly sealDatagrams: boolean;
}

export const DEFAULT_CONFIG: TransportConfig = {
  datagramBytes: 'auto',
  windowBytes: 2 * 1024 * 1024,
  socketBufferBytes: 4 * 1024 * 1024,
  burstDatagrams: 32,
  reorderThreshold: 3,
  minRtoMs: 40,
  maxRtoMs: 1000,
  stallTimeoutMs: 15_000,
  announceTimeoutMs: 30_000,
  offerTimeoutMs: 15_000,
  progressIntervalMs: 200,
  lingerMs: 10_000,
  sealDatagrams: true,
};

export const ETHERNET_DATAGRAM_BYTES = 1472;

export function resolveConfig(partial: Partial<TransportConfig> | undefined): TransportConfig {
  return { ...DEFAULT_CONFIG, ...partial };
}

/** The datagram size to use towards `peerAddress`, clamped to what UDP allows. */
export function datagramBytesFor(config: TransportConfig, peerAddress: string): number {
  const wanted =
    config.datagramBytes === 'auto'
      ? isLoopback(peerAddress)
        ? MAX_DATAGRAM_BYTES
        : ETHERNET_DATAGRAM_BYTES
      : config.datagramBytes;
  return Math.max(MIN_DATAGRAM_BYTES, Math.min(MAX_DATAGRAM_BYTES, Math.floor(wanted)));
}

function isLoopback(address: string): boolean {
  const a = normalizeAddress(address);
  return a.startsWith('127.') || a === '::1' || a === 'localhost';
}

export { normalizeAddress } from '../shared/address.js';
