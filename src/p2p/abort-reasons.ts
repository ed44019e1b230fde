// Mapping between the one-byte reason carried by ABORT and the names used in TransferError.
import { AbortReason, type AbortReasonCode } from './datagram.js';
import type { PeerAbortReason } from './transfer-error.js';

export function abortReasonName(code: AbortReasonCode): PeerAbortReason {
  switch (code) {
    case AbortReason.Cancelled:
      return 'Cancelled';
    case AbortReason.VerificationFailed:
      return 'VerificationFailed';
    case AbortReason.DiskError:
      return 'DiskError';
    case AbortReason.ProtocolError:
      return 'ProtocolError';
    case AbortReason.FileUnreadable:
      return 'FileUnreadable';
    case AbortReason.Stalled:
      return 'Stalled';
  }
}

/** What to tell the peer when this side fails with a failure of type `failureType`. */
export function failureToAbortReason(failureType: string): AbortReasonCode {
  switch (failureType) {
    case 'Cancelled':
    case 'EndpointClosed':
    case 'PeerLeft':
      return AbortReason.Cancelled;
    case 'VerificationFailed':
      return AbortReason.VerificationFailed;
    case 'DiskError':
      return AbortReason.DiskError;
    case 'FileUnreadable':
      return AbortReason.FileUnreadable;
    case 'PeerVanished':
      return AbortReason.Stalled;
    default:
      return AbortReason.ProtocolError;
  }
}
