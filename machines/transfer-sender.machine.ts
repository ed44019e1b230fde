// Lifecycle of one outgoing peer-to-peer transfer on the presenter's side, from opening the file
// to the end. The datagram loop in src/p2p/ moves the bytes and reports control milestones only
// (never one event per datagram); this machine is the one record of where the transfer is, when
// it has stalled, how it ended and why (its `output`). All I/O is injected through .provide():
// `finishTransport` / `abortTransport` release the socket and file and settle the result.
import { assign, setup } from 'xstate';
// Type only (erased at run time): the machine and the transport share one failure type.
import type { TransferError } from '../src/p2p/transfer-error.js';
import { cancelledHere, failedWith, peerVanished } from './transfer-ending.js';

export interface TransferSenderInput {
  readonly transferId: string;
  /** how long the audience may take to answer the offer (default 15 s) */
  readonly offerTimeoutMs?: number;
  /** how long the audience may stay silent once it answered (default 15 s) */
  readonly stallTimeoutMs?: number;
}

export interface TransferSenderContext {
  readonly transferId: string;
  /** the file's size, known once it is open */
  readonly total: number;
  /** SHA-256 (hex) of what was sent, known once every chunk is acknowledged */
  readonly sha256: string | null;
  readonly failure: TransferError | null;
  /** whether the audience must be told (ABORT) that the transfer ended here */
  readonly tellPeer: boolean;
  readonly offerTimeoutMs: number;
  readonly stallTimeoutMs: number;
}

/** What the transfer ended with: `failure` is null exactly when the audience saved the file. */
export type TransferSenderOutput = Pick<
  TransferSenderContext,
  'transferId' | 'total' | 'sha256' | 'failure'
>;

export type TransferSenderEvent =
  /** the file (`total` bytes) is open and the socket bound: the offer (HELLO) goes out */
  | { type: 'OPENED'; total: number }
  /** the audience answered the offer: it knows the transfer and opened its temp file */
  | { type: 'ACCEPTED' }
  /**
   * throttled milestone: the audience is alive (it has acknowledged `bytes`; the machine only
   * needs the sign of life: the transport's meter reports the progress itself)
   */
  | { type: 'PROGRESS'; bytes: number }
  /** every chunk is acknowledged; the SHA-256 is on its way (FIN) */
  | { type: 'ALL_ACKNOWLEDGED'; sha256: string }
  /** the audience verified the SHA-256 and saved the file */
  | { type: 'VERIFIED' }
  | { type: 'FAILED'; failure: TransferError }
  /** `quietly`: end without telling the audience, as if this process had vanished */
  | { type: 'CANCEL'; quietly?: boolean };

export const transferSenderMachine = setup({
  // Stryker disable next-line ObjectLiteral: type declarations only, erased at run time
  types: {
    context: {} as TransferSenderContext,
    events: {} as TransferSenderEvent,
    input: {} as TransferSenderInput,
    output: {} as TransferSenderOutput,
  },
  actions: {
    recordOpened: assign({
      total: ({ context, event }) => (event.type === 'OPENED' ? event.total : context.total),
    }),
    recordAllAcknowledged: assign({
      sha256: ({ event }) => (event.type === 'ALL_ACKNOWLEDGED' ? event.sha256 : null),
    }),
    recordFailure: assign(({ event }) =>
      event.type === 'FAILED' ? failedWith(event.failure) : {},
    ),
    recordOfferUnanswered: assign(({ context }) =>
      peerVanished('presenter', context.offerTimeoutMs),
    ),
    recordStall: assign(({ context }) => peerVanished('presenter', context.stallTimeoutMs)),
    recordCancel: assign(({ event }) =>
      cancelledHere(event.type === 'CANCEL' ? event.quietly : undefined),
    ),
    // Injected by the transport: release the socket and the file, settle the result as done.
    finishTransport: () => {},
    // Injected by the transport: tell the audience (ABORT) if `tellPeer`, release, settle as failed.
    abortTransport: () => {},
  },
  delays: {
    /** how long the audience may take to answer the first datagram */
    offerTimeout: ({ context }) => context.offerTimeoutMs,
    /** how long the audience may stay silent once the transfer runs */
    stallTimeout: ({ context }) => context.stallTimeoutMs,
  },
}).createMachine({
  id: 'transferSender',
  description:
    "One per audience member on the presenter's client for each /p2pvideo: the file is opened, then " +
    'goes out over UDP while the audience acknowledges it. The audience must answer the offer and then ' +
    'keep acknowledging within the stall timeout; the transfer is done once the audience has verified ' +
    'the SHA-256 and saved the file, and otherwise ends failed (unreadable file, timeout or error; the ' +
    'audience is told unless it already knows) or cancelled.',
  context: ({ input }) => ({
    transferId: input.transferId,
    total: 0,
    sha256: null,
    failure: null,
    tellPeer: true,
    offerTimeoutMs: input.offerTimeoutMs ?? 15_000,
    stallTimeoutMs: input.stallTimeoutMs ?? 15_000,
  }),
  initial: 'opening',
  states: {
    opening: {
      on: {
        OPENED: { target: 'offering', actions: 'recordOpened' },
        FAILED: { target: 'failed', actions: 'recordFailure' },
        CANCEL: { target: 'cancelled', actions: 'recordCancel' },
      },
    },
    offering: {
      after: { offerTimeout: { target: 'failed', actions: 'recordOfferUnanswered' } },
      on: {
        ACCEPTED: 'sending',
        FAILED: { target: 'failed', actions: 'recordFailure' },
        CANCEL: { target: 'cancelled', actions: 'recordCancel' },
      },
    },
    sending: {
      after: { stallTimeout: { target: 'failed', actions: 'recordStall' } },
      on: {
        // re-entering restarts the stall timer: the audience is alive
        PROGRESS: { target: 'sending', reenter: true },
        ALL_ACKNOWLEDGED: { target: 'finishing', actions: 'recordAllAcknowledged' },
        FAILED: { target: 'failed', actions: 'recordFailure' },
        CANCEL: { target: 'cancelled', actions: 'recordCancel' },
      },
    },
    finishing: {
      after: { stallTimeout: { target: 'failed', actions: 'recordStall' } },
      on: {
        PROGRESS: { target: 'finishing', reenter: true },
        VERIFIED: 'done',
        FAILED: { target: 'failed', actions: 'recordFailure' },
        CANCEL: { target: 'cancelled', actions: 'recordCancel' },
      },
    },
    done: { type: 'final', entry: 'finishTransport' },
    failed: { type: 'final', entry: 'abortTransport' },
    cancelled: { type: 'final', entry: 'abortTransport' },
  },
  output: ({ context }) => ({
    transferId: context.transferId,
    total: context.total,
    sha256: context.sha256,
    failure: context.failure,
  }),
});
