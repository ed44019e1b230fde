// Lifecycle of one incoming peer-to-peer transfer on the audience's side. The datagram loop in
// src/p2p/receiver.ts reports milestones (the presenter started, progress, everything arrived,
// the presenter's digest, the file saved); this machine is the one record of where the transfer
// is: it owns the timeouts, the decision to save or discard, and how it ended and why (its
// `output`). I/O is injected through .provide(): `saveFile` asks the transport to rename the
// verified temp file, `finishTransport` / `abortTransport` release resources and settle the result
// (the latter also deletes the temp file, so nothing partial survives).
import { assign, setup } from 'xstate';
// Type only (erased at run time): the machine and the transport share one failure type.
import type { TransferError } from '../src/p2p/transfer-error.js';
import { cancelledHere, failedWith, peerVanished } from './transfer-ending.js';

export interface TransferReceiverInput {
  readonly transferId: string;
  readonly total: number;
  /** how long to wait for the presenter's first datagram (default 30 s) */
  readonly announceTimeoutMs?: number;
  /** how long the presenter may stay silent once it started (default 15 s) */
  readonly stallTimeoutMs?: number;
}

export interface TransferReceiverContext {
  readonly transferId: string;
  readonly total: number;
  /** SHA-256 (hex) of what arrived, once it matched the presenter's */
  readonly sha256: string | null;
  readonly savedPath: string | null;
  readonly failure: TransferError | null;
  /** whether the presenter must be told (ABORT) that the transfer ended here */
  readonly tellPeer: boolean;
  readonly announceTimeoutMs: number;
  readonly stallTimeoutMs: number;
}

/** What the transfer ended with: `failure` is null exactly when the file was saved at `savedPath`. */
export type TransferReceiverOutput = Pick<
  TransferReceiverContext,
  'transferId' | 'total' | 'sha256' | 'savedPath' | 'failure'
>;

export type TransferReceiverEvent =
  /** the presenter's first valid datagram arrived and the temp file is open */
  | { type: 'STARTED' }
  /**
   * throttled milestone: the presenter is alive (`bytes` arrived in order; the machine only needs
   * the sign of life: the transport's meter reports the progress itself)
   */
  | { type: 'PROGRESS'; bytes: number }
  /** every chunk arrived and is written; waiting for the presenter's digest */
  | { type: 'ALL_RECEIVED' }
  /** the presenter's SHA-256 (expected) and ours (actual), hex */
  | { type: 'DIGEST'; expected: string; actual: string }
  | { type: 'SAVED'; path: string }
  | { type: 'FAILED'; failure: TransferError }
  /** `quietly`: end without telling the presenter, as if this process had vanished */
  | { type: 'CANCEL'; quietly?: boolean };

export const transferReceiverMachine = setup({
  // Stryker disable next-line ObjectLiteral: type declarations only, erased at run time
  types: {
    context: {} as TransferReceiverContext,
    events: {} as TransferReceiverEvent,
    input: {} as TransferReceiverInput,
    output: {} as TransferReceiverOutput,
  },
  actions: {
    recordSaved: assign({ savedPath: ({ event }) => (event.type === 'SAVED' ? event.path : null) }),
    recordDigest: assign({
      sha256: ({ event }) => (event.type === 'DIGEST' ? event.actual : null),
    }),
    recordFailure: assign(({ event }) =>
      event.type === 'FAILED' ? failedWith(event.failure) : {},
    ),
    recordDigestMismatch: assign(({ event }) =>
      event.type === 'DIGEST'
        ? {
            failure: {
              type: 'VerificationFailed',
              expected: event.expected,
              actual: event.actual,
            },
          }
        : {},
    ),
    recordNeverStarted: assign(({ context }) =>
      peerVanished('audience', context.announceTimeoutMs),
    ),
    recordStall: assign(({ context }) => peerVanished('audience', context.stallTimeoutMs)),
    recordCancel: assign(({ event }) =>
      cancelledHere(event.type === 'CANCEL' ? event.quietly : undefined),
    ),
    // Injected: move the verified temp file to its final name, then send SAVED or FAILED.
    saveFile: () => {},
    finishTransport: () => {},
    abortTransport: () => {},
  },
  guards: {
    digestsMatch: ({ event }) => event.type === 'DIGEST' && event.expected === event.actual,
  },
  delays: {
    /** how long to wait for the presenter's first datagram after the introduction */
    announceTimeout: ({ context }) => context.announceTimeoutMs,
    /** how long the presenter may stay silent once the transfer runs */
    stallTimeout: ({ context }) => context.stallTimeoutMs,
  },
}).createMachine({
  id: 'transferReceiver',
  description:
    "One per incoming /p2pvideo on the audience member's client: the presenter must start sending " +
    'within the announce timeout and then never stay silent longer than the stall timeout. Once every ' +
    'byte has arrived the SHA-256 is compared with the presenter’s; only a matching file is saved under ' +
    'its final name, and on any failure or cancel the partial file is deleted.',
  context: ({ input }) => ({
    transferId: input.transferId,
    total: input.total,
    sha256: null,
    savedPath: null,
    failure: null,
    tellPeer: true,
    announceTimeoutMs: input.announceTimeoutMs ?? 30_000,
    stallTimeoutMs: input.stallTimeoutMs ?? 15_000,
  }),
  initial: 'announced',
  states: {
    announced: {
      after: { announceTimeout: { target: 'failed', actions: 'recordNeverStarted' } },
      on: {
        STARTED: 'receiving',
        FAILED: { target: 'failed', actions: 'recordFailure' },
        CANCEL: { target: 'cancelled', actions: 'recordCancel' },
      },
    },
    receiving: {
      after: { stallTimeout: { target: 'failed', actions: 'recordStall' } },
      on: {
        PROGRESS: { target: 'receiving', reenter: true },
        ALL_RECEIVED: 'verifying',
        FAILED: { target: 'failed', actions: 'recordFailure' },
        CANCEL: { target: 'cancelled', actions: 'recordCancel' },
      },
    },
    verifying: {
      after: { stallTimeout: { target: 'failed', actions: 'recordStall' } },
      on: {
        PROGRESS: { target: 'verifying', reenter: true },
        DIGEST: [
          { guard: 'digestsMatch', target: 'saving', actions: 'recordDigest' },
          { target: 'failed', actions: 'recordDigestMismatch' },
        ],
        FAILED: { target: 'failed', actions: 'recordFailure' },
        CANCEL: { target: 'cancelled', actions: 'recordCancel' },
      },
    },
    saving: {
      entry: 'saveFile',
      on: {
        SAVED: { target: 'saved', actions: 'recordSaved' },
        FAILED: { target: 'failed', actions: 'recordFailure' },
        // a local rename cannot be interrupted half-way; CANCEL here is ignored on purpose
      },
    },
    saved: { type: 'final', entry: 'finishTransport' },
    failed: { type: 'final', entry: 'abortTransport' },
    cancelled: { type: 'final', entry: 'abortTransport' },
  },
  output: ({ context }) => ({
    transferId: context.transferId,
    total: context.total,
    sha256: context.sha256,
    savedPath: context.savedPath,
    failure: context.failure,
  }),
});
