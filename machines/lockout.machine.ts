import { assign, setup } from 'xstate';

export interface LockoutContext {
  failures: number;
  maxFailures: number;
}

export type LockoutEvent = { type: 'FAILED' } | { type: 'SUCCEEDED' };

/** Default block time (SPEC §3: 10 s); the server overrides it from `--block-seconds`. */
export const DEFAULT_BLOCK_MS = 10_000;

export const lockoutMachine = setup({
  // Stryker disable next-line ObjectLiteral: type declarations only, erased at run time
  types: {
    context: {} as LockoutContext,
    input: {} as { maxFailures: number },
    events: {} as LockoutEvent,
  },
  guards: {
    reachesLimit: ({ context }) => context.failures + 1 >= context.maxFailures,
  },
  actions: {
    countFailure: assign({ failures: ({ context }) => context.failures + 1 }),
    resetFailures: assign({ failures: 0 }),
  },
  delays: {
    blockDuration: DEFAULT_BLOCK_MS,
  },
}).createMachine({
  id: 'lockout',
  // Stryker disable StringLiteral: diagram text, not behaviour (npm run diagrams:check compares it)
  description:
    'One per username, shared by every connection: consecutive failed logins are counted across ' +
    'terminals and IP addresses; the failure that reaches the limit locks the account for the block ' +
    'duration, after which the count starts again from zero. A successful login clears the count.',
  // Stryker restore StringLiteral
  context: ({ input }) => ({ failures: 0, maxFailures: input.maxFailures }),
  initial: 'clear',
  states: {
    clear: {
      // Stryker disable next-line StringLiteral: diagram text, not behaviour
      description: 'No recent failures.',
      on: {
        FAILED: [
          { guard: 'reachesLimit', target: 'locked' },
          { target: 'failing', actions: 'countFailure' },
        ],
      },
    },
    failing: {
      // Stryker disable next-line StringLiteral: diagram text, not behaviour
      description: 'Some consecutive failures, fewer than the limit.',
      on: {
        FAILED: [{ guard: 'reachesLimit', target: 'locked' }, { actions: 'countFailure' }],
        SUCCEEDED: { target: 'clear', actions: 'resetFailures' },
      },
    },
    locked: {
      // Stryker disable next-line StringLiteral: diagram text, not behaviour
      description: 'Every login is refused, even with the right password, until the block ends.',
      entry: 'resetFailures',
      after: { blockDuration: 'clear' },
    },
  },
});
