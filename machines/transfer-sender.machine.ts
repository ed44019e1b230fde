// Lifecycle of one outgoing peer-to-peer transfer on the presenter's side. The datagram loop in
// src/p2p/sender.ts moves the bytes and reports control milestones only (never one event per
// datagram); this machine decides when the transfer has stalled and how it ends. All I/O is
// injected through .provide(): `finishTransport` / `abortTransport` release the socket and file.
import { assign, setup } from 'xstate';

/** Why a transfer failed. Structural so this file imports xstate only; src/p2p narrows it. */
export interface TransferFailure {
  readonly type: string;
  readonly [detail: string]: unknown;
}

export interface TransferSenderContext {
  readonly transferId: string;
  readonly total: number;
  /** bytes the audience has acknowledged */
  readonly bytes: number;
  readonly failure: TransferFailure | null;
}

export type TransferSenderEvent =
  /** the audience answered the offer (HELLO): it knows the transfer and opened its temp file */
  | { type: 'ACCEPTED' }
  /** throttled milestone: the audience is alive and has acknowledged `bytes` */
  | { type: 'PROGRESS'; bytes: number }
  /** every chunk is acknowledged; the SHA-256 is on its way (FIN) */
  | { type: 'ALL_ACKNOWLEDGED' }
  /** the audience verified the SHA-256 and saved the file */
  | { type: 'VERIFIED' }
  | { type: 'FAILED'; failure: TransferFailure }
  | { type: 'CANCEL' };

export const transferSenderMachine = setup({
  // Stryker disable next-line ObjectLiteral: type declarations only, erased at run time
  types: {
    context: {} as TransferSenderContext,
    events: {} as TransferSenderEvent,
    input: {} as { transferId: string; total: number },
    output: {} as TransferSenderContext,
  },
  actions: {
    recordProgress: assign({
      bytes: ({ context, event }) =>
        event.type === 'PROGRESS' ? Math.max(context.bytes, event.bytes) : context.bytes,
    }),
    recordAllAcknowledged: assign({ bytes: ({ context }) => context.total }),
    recordFailure: assign({
      failure: ({ event }) => (event.type === 'FAILED' ? event.failure : { type: 'Unknown' }),
    }),
    recordOfferUnanswered: assign({
      failure: () => ({ type: 'PeerVanished', side: 'presenter', phase: 'offering' }),
    }),
    recordStall: assign({
      failure: () => ({ type: 'PeerVanished', side: 'presenter', phase: 'transfer' }),
    }),
    recordCancel: assign({ failure: () => ({ type: 'Cancelled' }) }),
    // Injected by the transport: release resources when the transfer succeeded.
    finishTransport: () => {},
    // Injected by the transport: tell the peer (ABORT), close the file and the socket.
    abortTransport: () => {},
  },
  guards: {
    isForwardProgress: ({ context, event }) =>
      event.type === 'PROGRESS' && event.bytes >= context.bytes,
  },
  delays: {
    /** how long the audience may take to answer the first datagram */
    offerTimeout: 15_000,
    /** how long the audience may stay silent once the transfer runs */
    stallTimeout: 15_000,
  },
}).createMachine({
  id: 'transferSender',
  description:
    "One per audience member on the presenter's client for each /p2pvideo: the file goes out over " +
    'UDP while the audience acknowledges it. The audience must answer the offer and then keep ' +
    'acknowledging within the stall timeout; the transfer is done once the audience has verified the ' +
    'SHA-256 and saved the file, and otherwise ends failed (timeout or error, the peer is told) or cancelled.',
  context: ({ input }) => ({
    transferId: input.transferId,
    total: input.total,
    bytes: 0,
    failure: null,
  }),
  initial: 'offering',
  states: {
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
        PROGRESS: {
          guard: 'isForwardProgress',
          target: 'sending',
          reenter: true,
          actions: 'recordProgress',
        },
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
  output: ({ context }) => context,
});
