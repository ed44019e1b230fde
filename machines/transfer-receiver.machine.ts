// Lifecycle of one incoming peer-to-peer transfer on the audience's side. The datagram loop in
// src/p2p/receiver.ts reports milestones (the presenter started, progress, everything arrived,
// the presenter's digest, the file saved); this machine owns the timeouts and the decision to
// save or discard. I/O is injected through .provide(): `saveFile` asks the transport to rename
// the verified temp file, `finishTransport` / `abortTransport` release resources (the latter also
// deletes the temp file, so nothing partial survives).
import { assign, setup } from 'xstate';

export interface TransferFailure {
  readonly type: string;
  readonly [detail: string]: unknown;
}

export interface TransferReceiverContext {
  readonly transferId: string;
  readonly total: number;
  /** bytes received in order (hashed and queued for writing) */
  readonly bytes: number;
  readonly savedPath: string | null;
  readonly failure: TransferFailure | null;
}

export type TransferReceiverEvent =
  /** the presenter's first valid datagram arrived and the temp file is open */
  | { type: 'STARTED' }
  /** throttled milestone: the presenter is alive and `bytes` arrived in order */
  | { type: 'PROGRESS'; bytes: number }
  /** every chunk arrived and is written; waiting for the presenter's digest */
  | { type: 'ALL_RECEIVED' }
  /** the presenter's SHA-256 (expected) and ours (actual), hex */
  | { type: 'DIGEST'; expected: string; actual: string }
  | { type: 'SAVED'; path: string }
  | { type: 'FAILED'; failure: TransferFailure }
  | { type: 'CANCEL' };

export const transferReceiverMachine = setup({
  // Stryker disable next-line ObjectLiteral: type declarations only, erased at run time
  types: {
    context: {} as TransferReceiverContext,
    events: {} as TransferReceiverEvent,
    input: {} as { transferId: string; total: number },
    output: {} as TransferReceiverContext,
  },
  actions: {
    recordProgress: assign({
      bytes: ({ context, event }) =>
        event.type === 'PROGRESS' ? Math.max(context.bytes, event.bytes) : context.bytes,
    }),
    recordAllReceived: assign({ bytes: ({ context }) => context.total }),
    recordSaved: assign({ savedPath: ({ event }) => (event.type === 'SAVED' ? event.path : null) }),
    recordFailure: assign({
      failure: ({ event }) => (event.type === 'FAILED' ? event.failure : { type: 'Unknown' }),
    }),
    recordDigestMismatch: assign({
      failure: ({ event }) =>
        event.type === 'DIGEST'
          ? { type: 'VerificationFailed', expected: event.expected, actual: event.actual }
          : { type: 'Unknown' },
    }),
    recordNeverStarted: assign({
      failure: () => ({ type: 'PeerVanished', side: 'audience', phase: 'announced' }),
    }),
    recordStall: assign({
      failure: () => ({ type: 'PeerVanished', side: 'audience', phase: 'transfer' }),
    }),
    recordCancel: assign({ failure: () => ({ type: 'Cancelled' }) }),
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
    announceTimeout: 30_000,
    /** how long the presenter may stay silent once the transfer runs */
    stallTimeout: 15_000,
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
    bytes: 0,
    savedPath: null,
    failure: null,
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
        PROGRESS: { target: 'receiving', reenter: true, actions: 'recordProgress' },
        ALL_RECEIVED: { target: 'verifying', actions: 'recordAllReceived' },
        FAILED: { target: 'failed', actions: 'recordFailure' },
        CANCEL: { target: 'cancelled', actions: 'recordCancel' },
      },
    },
    verifying: {
      after: { stallTimeout: { target: 'failed', actions: 'recordStall' } },
      on: {
        PROGRESS: { target: 'verifying', reenter: true },
        DIGEST: [
          { guard: 'digestsMatch', target: 'saving' },
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
  output: ({ context }) => context,
});
