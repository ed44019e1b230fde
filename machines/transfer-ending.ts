// How a transfer ends without success, the same on both sides (presenter and audience): the
// failure that becomes the result, and whether the peer must be told with an ABORT datagram
// (`tellPeer`, read by the transport's `abortTransport`). Both transfer machines assign these.
// Type only (erased at run time): the machines and the transport share one failure type.
import type { TransferError, TransferSide } from '../src/p2p/transfer-error.js';

/** The context fields a transfer's unsuccessful end sets. */
export interface TransferEnding {
  readonly failure: TransferError;
  readonly tellPeer: boolean;
}

/**
 * A failure the transport reported. The peer is told unless it knows already: it told us
 * (`PeerAborted`), it is gone (`PeerLeft`) or it is silent (`PeerVanished`).
 */
export const failedWith = (failure: TransferError): TransferEnding => ({
  failure,
  tellPeer: !(
    failure.type === 'PeerAborted' ||
    failure.type === 'PeerLeft' ||
    failure.type === 'PeerVanished'
  ),
});

/** Cancelled on this side: the peer is told, unless `quietly` (as if this process had vanished). */
export const cancelledHere = (quietly: boolean | undefined): TransferEnding => ({
  failure: { type: 'Cancelled' },
  tellPeer: quietly !== true,
});

/** The peer stayed silent for `silentMs` (this `side` noticed): there is nobody to tell. */
export const peerVanished = (side: TransferSide, silentMs: number): TransferEnding => ({
  failure: { type: 'PeerVanished', side, silentMs },
  tellPeer: false,
});
