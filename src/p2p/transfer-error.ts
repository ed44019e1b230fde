// Every way a transfer can end badly, as a tagged union (expected failures are values, not
// exceptions), plus the one function that turns them into a sentence for a person.
import type { FileNameError } from './file-name.js';
import { describeFileNameError } from './file-name.js';

export type TransferSide = 'presenter' | 'audience';

export type TransferError =
  /** The peer stopped answering for longer than the stall timeout (or never answered at all). */
  | { readonly type: 'PeerVanished'; readonly side: TransferSide; readonly silentMs: number }
  /** The server reported that the peer went offline (logged out or disconnected) during the transfer. */
  | { readonly type: 'PeerLeft'; readonly user: string }
  /** The peer gave up and told us why (it cancelled, its disk failed, ...). */
  | { readonly type: 'PeerAborted'; readonly reason: PeerAbortReason }
  /** The SHA-256 of what arrived differs from the presenter's. Nothing was saved. */
  | { readonly type: 'VerificationFailed'; readonly expected: string; readonly actual: string }
  /** cancel() was called, or the endpoint was closed, on this side. */
  | { readonly type: 'Cancelled' }
  | { readonly type: 'FileUnreadable'; readonly path: string; readonly detail: string }
  | { readonly type: 'DiskError'; readonly path: string; readonly detail: string }
  | { readonly type: 'InvalidIntroduction'; readonly detail: string }
  | { readonly type: 'InvalidFileName'; readonly error: FileNameError }
  /** The peer sent something that contradicts the introduction (e.g. another size). */
  | { readonly type: 'ProtocolError'; readonly detail: string }
  | { readonly type: 'SocketError'; readonly detail: string }
  | { readonly type: 'EndpointClosed' }
  /** The transfer's state machine threw (a bug): the transfer ended, its resources were released. */
  | { readonly type: 'InternalError'; readonly detail: string };

export type PeerAbortReason =
  'Cancelled' | 'VerificationFailed' | 'DiskError' | 'ProtocolError' | 'FileUnreadable' | 'Stalled';

export function describeTransferError(error: TransferError): string {
  switch (error.type) {
    case 'PeerVanished':
      return `the ${error.side === 'presenter' ? 'audience' : 'presenter'} stopped responding (silent for ${Math.round(error.silentMs / 1000)} s)`;
    case 'PeerLeft':
      return `${error.user} went offline (logged out or disconnected) during the transfer`;
    case 'PeerAborted':
      return `the other side aborted the transfer (${error.reason})`;
    case 'VerificationFailed':
      return 'the received file did not match the original (SHA-256 mismatch); nothing was saved';
    case 'Cancelled':
      return 'the transfer was cancelled';
    case 'FileUnreadable':
      return `cannot read ${error.path}: ${error.detail}`;
    case 'DiskError':
      return `cannot write ${error.path}: ${error.detail}`;
    case 'InvalidIntroduction':
      return `invalid transfer introduction: ${error.detail}`;
    case 'InvalidFileName':
      return `invalid file name: ${describeFileNameError(error.error)}`;
    case 'ProtocolError':
      return `protocol error: ${error.detail}`;
    case 'SocketError':
      return `network error: ${error.detail}`;
    case 'EndpointClosed':
      return 'the peer-to-peer endpoint is closed';
    case 'InternalError':
      return `internal error (a bug): ${error.detail}`;
  }
}

/** What a thrown value says, for a failure's `detail`. */
export const errorText = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/** The failure an actor error becomes: the transfer must end, and say why, like any other. */
export function internalError(error: unknown): TransferError {
  return {
    type: 'InternalError',
    detail: `the transfer machine failed: ${errorText(error)}`,
  };
}
