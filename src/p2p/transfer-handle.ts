// What `P2PEndpoint.send` / `expect` return: one handle per transfer, the same shape on both sides.
import type { Result } from 'neverthrow';
import type { TransferError } from './transfer-error.js';
import type { TransferStats } from './stats.js';
import type { TransferProgress } from './progress.js';

export interface TransferHandle<Outcome> {
  readonly transferId: string;
  readonly direction: 'send' | 'receive';
  /** Settles once: ok when the transfer completed (see the outcome types), err otherwise. Never rejects. */
  readonly result: Promise<Result<Outcome, TransferError>>;
  /** Ends the transfer (the peer is told); `result` becomes err Cancelled unless already settled. */
  cancel(): void;
  /** Ends the transfer at once with `error` (e.g. the server reported the peer gone), unless already settled. */
  abort(error: TransferError): void;
  /** A snapshot of the counters of this transfer. */
  stats(): TransferStats;
  /** Current state of the transfer machine, e.g. 'sending' (for status displays and tests). */
  state(): string;
}

export interface SendOutcome {
  readonly transferId: string;
  readonly bytes: number;
  readonly sha256: string;
  readonly stats: TransferStats;
}

export interface ReceiveOutcome {
  readonly transferId: string;
  /** Where the verified file was saved (may carry a " (n)" suffix, see docs/P2P.md). */
  readonly path: string;
  readonly bytes: number;
  readonly sha256: string;
  readonly presenter: string;
  readonly fileName: string;
  readonly stats: TransferStats;
}

export type ProgressListener = (progress: TransferProgress) => void;
