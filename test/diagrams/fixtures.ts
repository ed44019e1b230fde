// Small machines that exercise every feature the diagram generator draws.
import { and, assign, createMachine, fromPromise, not, setup } from 'xstate';

/** Atomic states, a guard, named + inline actions, a targetless and a self transition, named and
 *  literal delays (one a function of context), `always`, final. */
export const basicMachine = setup({
  types: { context: {} as { timeoutMs: number; count: number } },
  guards: { canStart: () => true, isDone: () => false, isBlocked: () => false, isAdmin: () => true },
  actions: { log: () => {}, reset: assign({ count: 0 }), notify: () => {}, a1: () => {}, a2: () => {} },
  delays: {
    blockDuration: 10_000,
    loginTimeout: ({ context }) => context.timeoutMs,
    broken: () => {
      throw new Error('needs a real context');
    },
  },
}).createMachine({
  id: 'basic',
  description: 'A  small\n  demo machine. The `x` way.',
  context: { timeoutMs: 30_000, count: 0 },
  initial: 'Idle',
  states: {
    Idle: {
      entry: ['reset', () => {}],
      on: {
        START: { target: 'Running', guard: 'canStart', actions: ['log', () => {}] },
        PING: { actions: 'log' },
        RESET: { target: 'Idle', reenter: true, actions: { type: 'notify' } },
        MANY: { target: 'Running', actions: ['log', 'notify', 'a1', 'a2', 'reset'] },
        SPECIAL: { target: 'Running', guard: and(['canStart', not('isBlocked')]) },
      },
      after: { loginTimeout: 'Done', broken: 'Done' },
    },
    Running: {
      always: { guard: 'isDone', target: 'Done' },
      after: { blockDuration: { target: 'Idle', actions: 'notify' }, 1500: 'Idle' },
      on: { STOP: 'Done' },
      exit: 'log',
    },
    Done: { type: 'final' },
  },
});

/** A compound state with an invoked actor (onDone/onError), an inline actor with an id, a nested
 *  final state reached by `done`, a deep history state and a transition from the root. Built with
 *  plain `createMachine` (implementations passed separately) so inline actor logic is allowed. */
export const nestedMachine = createMachine(
  {
    id: 'nested',
    description: 'Logs in, then stays active.',
    initial: 'auth',
    on: { KILL: '.closed' },
    states: {
      auth: {
        description: 'Logging in.',
        initial: 'askName',
        states: {
          askName: { on: { NAME: 'checking' } },
          checking: {
            invoke: {
              src: 'verifyCredentials',
              onDone: [{ guard: 'accepted', target: 'ok' }, { target: 'askName' }],
              onError: '#nested.closed',
            },
          },
          ok: { type: 'final' },
          hist: { type: 'history', history: 'deep' },
        },
        onDone: 'active',
      },
      active: {
        invoke: { id: 'heartbeat', src: fromPromise(async () => 1) },
        on: { BACK: 'auth.hist' },
      },
      closed: { type: 'final' },
    },
  },
  {
    actors: { verifyCredentials: fromPromise(async () => 'ok') },
    guards: { accepted: () => true },
  },
);

/** Parallel regions with keys that repeat across regions (ids must stay unique in Mermaid). */
export const parallelMachine = setup({}).createMachine({
  id: 'player',
  description: 'Sound and video switched independently.',
  type: 'parallel',
  states: {
    sound: { initial: 'off', states: { off: { on: { TOGGLE: 'on' } }, on: { on: { TOGGLE: 'off' } } } },
    'video-out': { initial: 'off', states: { off: { on: { TOGGLE: 'on' } }, on: { on: { TOGGLE: 'off' } } } },
  },
});
