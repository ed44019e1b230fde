import { and, assign, enqueueActions, fromPromise, setup } from 'xstate';

/** What checking a password (per-IP throttle, credentials, lockout, presence) concluded. */
export type LoginVerdict =
  'accepted' | 'wrongPassword' | 'lockedNow' | 'blocked' | 'alreadyActive' | 'throttled';

/**
 * The command a request names, as the server's command table describes it. The machine only
 * passes it on to the `serve` action; the server registers its own type here (module
 * augmentation), so the handler arrives typed without the machine importing server code.
 */
export interface SessionCommandRegistry {}
export type SessionCommand = SessionCommandRegistry extends { command: infer C }
  ? C
  : { readonly name: string };

/** A request, already looked up in the command table and parsed (src/server/commands/dispatcher.ts). */
export type SessionRequest =
  | { type: 'REQUEST'; step: 'username'; requestId: number; username: string }
  | { type: 'REQUEST'; step: 'password'; requestId: number; password: string; udpPort: number }
  | { type: 'REQUEST'; step: 'logout'; requestId: number }
  | { type: 'REQUEST'; step: 'command'; requestId: number; command: SessionCommand; args: string[] }
  /** Unknown command (`needsLogin` null) or bad arguments for a known one. */
  | {
      type: 'REQUEST';
      step: 'invalid';
      requestId: number;
      code: 'UNKNOWN_COMMAND' | 'BAD_ARGUMENTS' | 'USER_NAME_BIDI_CONTROL';
      needsLogin: boolean | null;
    };

/** Why the server ends a connection; sent to the client in the `closing` event. */
export type ClosingCode =
  | 'SHUTTING_DOWN'
  | 'LOGIN_TIMEOUT'
  | 'FRAME_TOO_LARGE'
  | 'BAD_FRAME'
  | 'BAD_MESSAGE'
  | 'HANDSHAKE_REQUIRED'
  | 'VERSION_UNSUPPORTED'
  | 'TOO_MANY_CONNECTIONS'
  | 'TOO_MANY_CONNECTIONS_FROM_IP'
  | 'TOO_MANY_UNAUTHENTICATED_MESSAGES'
  | 'FLOODING'
  | 'CLUSTER_UNAVAILABLE'
  | 'LOGGED_IN_ELSEWHERE'
  | 'INTERNAL';
export interface ClosingReason {
  code: ClosingCode;
  limit?: number;
}

/**
 * How a session is ending, where its last steps depend on it: a logout is answered with `bye`,
 * an end the server chose says why (`closing`). Every other end is told by its final state.
 */
export type SessionEnd = { type: 'loggedOut' } | { type: 'closedByServer'; reason: ClosingReason };

/** What one frame from the client is to the session. */
export type FrameEvent =
  /** The first frame's protocol version (any later hello is a bad message). */
  | { type: 'HELLO'; version: number }
  | SessionRequest
  /** A frame that is not a valid message. */
  | { type: 'BAD_MESSAGE' };

export type SessionEvent =
  | FrameEvent
  /**
   * Several frames read together, in the order sent: one event instead of one per frame (a
   * pipelining client's read holds dozens). The session takes them exactly as if each had come
   * as its own event, in turn; a logged-in session serves a run of plain requests at once.
   */
  | { type: 'FRAMES'; frames: FrameEvent[] }
  /** The server ends the connection (bad framing, connection limits, shutdown). */
  | ({ type: 'CLOSE' } & ClosingReason)
  /** The client does not read what it is sent: cut without a notice that could never arrive. */
  | { type: 'SLOW_READER' }
  /** The socket closed. */
  | { type: 'DISCONNECTED' };

export interface SessionLimits {
  protocolVersion: number;
  maxBadMessages: number;
  maxUnauthenticatedMessages: number;
}

export interface SessionContext {
  /** Which connection this session belongs to; the socket itself stays outside the machine. */
  connectionId: number;
  limits: SessionLimits;
  username: string | null;
  /** Listed in presence and userlog.txt: leaving must take the user offline. */
  online: boolean;
  /** Requests received while a login step was still being worked on, in the order sent. */
  queue: SessionRequest[];
  /** The login step being worked on (a username lookup or a password check). */
  current: SessionRequest | null;
  badMessages: number;
  unauthenticatedMessages: number;
  end: SessionEnd | null;
}

export interface VerifyCredentialsInput {
  connectionId: number;
  username: string;
  password: string;
  udpPort: number;
}

/** What the password check concluded; a throttled attempt says when the address may try again. */
export interface LoginCheck {
  verdict: LoginVerdict;
  retryAfterSeconds?: number;
}

/**
 * An invoked login check (lockout, credentials) fails with an error that may name the closing
 * code the client is told: CLUSTER_UNAVAILABLE when the cluster's shared state cannot be
 * reached. Any other failure is a bug: INTERNAL.
 */
export const closingCodeOf = (error: unknown): ClosingCode =>
  (error as { closingCode?: unknown } | null)?.closingCode === 'CLUSTER_UNAVAILABLE'
    ? 'CLUSTER_UNAVAILABLE'
    : 'INTERNAL';

/** Default time a connection may take to log in; the server overrides it (`--login-timeout`). */
export const DEFAULT_LOGIN_TIMEOUT_MS = 60_000;

const head = (context: SessionContext): SessionRequest | undefined => context.queue[0];

/** The frames of a `FRAMES` event: for the guard and action only its transitions name. */
export const framesOf = (event: SessionEvent): FrameEvent[] =>
  (event as Extract<SessionEvent, { type: 'FRAMES' }>).frames;

/** A guard on the verifying actor's done event: the login check's verdict is `verdict`. */
const verdictIs =
  (verdict: LoginVerdict) =>
  ({ event }: { event: unknown }): boolean =>
    (event as { output: { verdict: LoginVerdict } }).output.verdict === verdict;

/**
 * A malformed frame, and any hello after the first: counted, reported to the client, and past
 * the limit the server ends the connection.
 */
const aBadMessage = [
  {
    guard: 'tooManyBadMessages',
    target: 'draining',
    actions: [{ type: 'closeFor', params: { code: 'BAD_MESSAGE' } }, 'logClosing'],
  },
  { actions: ['countBadMessage', 'reportBadMessage'] },
] as const;

export const sessionMachine = setup({
  // Stryker disable next-line ObjectLiteral: type declarations only, erased at run time
  types: {
    context: {} as SessionContext,
    events: {} as SessionEvent,
    input: {} as { connectionId: number; limits: SessionLimits },
  },
  actors: {
    // The server provides the real implementations (session-logic.ts).
    // Stryker disable next-line all: a placeholder the server replaces (session-logic.ts), never run
    checkLockout: fromPromise<{ locked: boolean }, { connectionId: number; username: string }>(
      async () => ({ locked: false }),
    ),
    // Stryker disable next-line all: a placeholder the server replaces (session-logic.ts), never run
    verifyCredentials: fromPromise<LoginCheck, VerifyCredentialsInput>(async () => ({
      verdict: 'wrongPassword',
    })),
    /** userlog.txt lists the user before the login is answered; the answer names open invitations. */
    goOnline: fromPromise<
      { invitations: ReadonlyArray<{ group: string; by: string }> },
      { connectionId: number; username: string }
    >(async () => ({ invitations: [] })),
    /** Resolves once every command still running on the connection has been answered. */
    commandsAnswered: fromPromise<void, { connectionId: number }>(async () => {}),
    /** Leaves presence and userlog.txt. */
    goOffline: fromPromise<void, { connectionId: number; username: string }>(async () => {}),
  },
  guards: {
    supportedVersion: ({ context, event }) =>
      event.type === 'HELLO' && event.version === context.limits.protocolVersion,
    tooManyBadMessages: ({ context }) => context.badMessages + 1 > context.limits.maxBadMessages,
    tooManyUnauthenticated: ({ context }) =>
      context.unauthenticatedMessages + 1 > context.limits.maxUnauthenticatedMessages,
    nextIsUsername: ({ context }) => head(context)?.step === 'username',
    nextIsPassword: ({ context }) => head(context)?.step === 'password',
    nextIsLogout: ({ context }) => head(context)?.step === 'logout',
    hasQueued: ({ context }) => context.queue.length > 0,
    locked: ({ event }) => (event as unknown as { output: { locked: boolean } }).output.locked,
    accepted: verdictIs('accepted'),
    lockedNow: verdictIs('lockedNow'),
    blocked: verdictIs('blocked'),
    alreadyActive: verdictIs('alreadyActive'),
    throttled: verdictIs('throttled'),
    isLogout: ({ event }) => event.type === 'REQUEST' && event.step === 'logout',
    /** Every frame is a request the active state would serve as it came: no logout among them. */
    onlyRequestsToServe: ({ event }) =>
      framesOf(event).every((frame) => frame.type === 'REQUEST' && frame.step !== 'logout'),
    online: ({ context }) => context.online,
    loggingOut: ({ context }) => context.end?.type === 'loggedOut',
    closedByServer: ({ context }) => context.end?.type === 'closedByServer',
    // The server provides the per-connection command rate (src/server/limits/command-rate.ts).
    // Stryker disable next-line all: a placeholder the server replaces (session-logic.ts), never run
    commandRateFlooding: () => false,
    // Stryker disable next-line all: a placeholder the server replaces (session-logic.ts), never run
    commandRateThrottled: () => false,
    /**
     * The command rate admits every request of the `FRAMES` event without a refusal or a flood:
     * each would take the active state's plain `serve` transition. The server provides it.
     */
    // Stryker disable next-line all: a placeholder the server replaces (session-logic.ts), never run
    commandRateAdmitsAll: () => false,
  },
  actions: {
    countBadMessage: assign({ badMessages: ({ context }) => context.badMessages + 1 }),
    countUnauthenticated: assign({
      unauthenticatedMessages: ({ context }) => context.unauthenticatedMessages + 1,
    }),
    enqueue: assign({
      queue: ({ context, event }) =>
        event.type === 'REQUEST' ? [...context.queue, event] : context.queue,
    }),
    /** The queue's head becomes the step being worked on. */
    takeNext: assign({
      current: ({ context }) => head(context) ?? null,
      queue: ({ context }) => context.queue.slice(1),
    }),
    /** The queue's head was answered (refused) without changing state. */
    dropNext: assign({ queue: ({ context }) => context.queue.slice(1) }),
    rememberUsername: assign({
      username: ({ context }) =>
        context.current?.step === 'username' ? context.current.username : context.username,
    }),
    forgetUsername: assign({ username: null }),
    forgetCurrent: assign({ current: null }),
    rememberRequest: assign({
      current: ({ context, event }) => (event.type === 'REQUEST' ? event : context.current),
    }),
    markOnline: assign({ online: true }),
    closeFor: assign({
      end: ({ event }, reason: ClosingReason) => ({
        type: 'closedByServer',
        reason:
          event.type === 'CLOSE'
            ? { code: event.code, ...(event.limit === undefined ? {} : { limit: event.limit }) }
            : reason,
      }),
    }),
    endAs: assign({ end: (_, end: SessionEnd) => end }),
    /** Frames read together are taken one by one, in order, as the events they are. */
    takeEachInTurn: enqueueActions<
      SessionContext,
      SessionEvent,
      undefined,
      SessionEvent,
      never,
      never,
      never,
      never,
      never
    >(({ event, enqueue }) => {
      for (const frame of framesOf(event)) enqueue.raise(frame);
    }),
    /** An invoked login check failed: the reason its error names (closingCodeOf). */
    closeForFailure: assign({
      end: ({ event }): SessionEnd => ({
        type: 'closedByServer',
        reason: { code: closingCodeOf((event as { error?: unknown }).error) },
      }),
    }),
    // I/O: the server provides these (session-logic.ts).
    welcomeClient: () => {},
    reportBadMessage: () => {},
    askForPassword: () => {},
    refuseOutOfOrder: () => {},
    refuseBeforeLogin: () => {},
    refuseBlocked: () => {},
    refuseLockedNow: () => {},
    refuseWrongPassword: () => {},
    refuseAlreadyActive: () => {},
    refuseThrottled: () => {},
    answerLogin: () => {},
    refuseRateLimited: () => {},
    /** Answers one request of a logged-in user through the dispatcher (runs its handler). */
    serve: () => {},
    /** Answers every request of a `FRAMES` event the way `serve` answers one, in order. */
    serveAll: () => {},
    serveNext: () => {},
    logClosing: () => {},
    logSlowReader: () => {},
    sayWhy: () => {},
    sayBye: () => {},
    endSocket: () => {},
    destroySocket: () => {},
  },
  delays: {
    loginTimeout: DEFAULT_LOGIN_TIMEOUT_MS,
  },
}).createMachine({
  id: 'session',
  // Stryker disable StringLiteral: diagram text, not behaviour (npm run diagrams:check compares it)
  description:
    'One per TCP connection on the server; the connection only turns bytes into these events and ' +
    'writes what the actions send. A client says hello, logs in (username, then password, with ' +
    'failures counted by the account lockout and per IP) within the login timeout, and is then ' +
    'active: its commands run concurrently, each answered when done. Login steps are applied ' +
    'strictly in the order sent: requests that arrive while a step is being worked on wait in the ' +
    'queue. Every way a connection ends is a final state.',
  // Stryker restore StringLiteral
  context: ({ input }) => ({
    connectionId: input.connectionId,
    limits: input.limits,
    username: null,
    online: false,
    queue: [],
    current: null,
    badMessages: 0,
    unauthenticatedMessages: 0,
    end: null,
  }),
  initial: 'open',
  states: {
    open: {
      // Stryker disable next-line StringLiteral: diagram text, not behaviour
      description:
        'Reading requests. Malformed frames are counted; the server or the client may end it at any time.',
      initial: 'authenticating',
      on: {
        BAD_MESSAGE: aBadMessage,
        FRAMES: { actions: 'takeEachInTurn' },
        CLOSE: {
          target: 'draining',
          actions: [{ type: 'closeFor', params: { code: 'INTERNAL' } }, 'logClosing'],
        },
        DISCONNECTED: [{ guard: 'online', target: 'goingOffline' }, { target: 'lost' }],
        // Only the first frame may be a hello: any later one is a malformed message.
        HELLO: aBadMessage,
      },
      states: {
        authenticating: {
          // Stryker disable next-line StringLiteral: diagram text, not behaviour
          description:
            'Not logged in yet. Every request counts against the unauthenticated limit and waits its turn in the queue.',
          initial: 'handshake',
          after: {
            loginTimeout: {
              target: '#session.draining',
              actions: [{ type: 'closeFor', params: { code: 'LOGIN_TIMEOUT' } }, 'logClosing'],
            },
          },
          on: {
            REQUEST: [
              {
                guard: 'tooManyUnauthenticated',
                target: '#session.draining',
                actions: [
                  { type: 'closeFor', params: { code: 'TOO_MANY_UNAUTHENTICATED_MESSAGES' } },
                  'logClosing',
                ],
              },
              { actions: ['countUnauthenticated', 'enqueue'] },
            ],
          },
          states: {
            handshake: {
              // Stryker disable next-line StringLiteral: diagram text, not behaviour
              description: 'The first frame must be a hello with the protocol version.',
              on: {
                HELLO: [
                  {
                    guard: 'supportedVersion',
                    target: 'awaitingUsername',
                    actions: 'welcomeClient',
                  },
                  {
                    target: '#session.draining',
                    actions: [
                      { type: 'closeFor', params: { code: 'VERSION_UNSUPPORTED' } },
                      'logClosing',
                    ],
                  },
                ],
                REQUEST: {
                  target: '#session.draining',
                  actions: [
                    { type: 'closeFor', params: { code: 'HANDSHAKE_REQUIRED' } },
                    'logClosing',
                  ],
                },
              },
            },
            awaitingUsername: {
              always: [
                {
                  guard: 'nextIsUsername',
                  target: 'checkingLockout',
                  actions: ['takeNext', 'rememberUsername'],
                },
                { guard: 'nextIsPassword', actions: ['refuseOutOfOrder', 'dropNext'] },
                { guard: 'hasQueued', actions: ['refuseBeforeLogin', 'dropNext'] },
              ],
            },
            checkingLockout: {
              // Stryker disable next-line StringLiteral: diagram text, not behaviour
              description: 'Asks the account lockout whether this username is blocked.',
              invoke: {
                src: 'checkLockout',
                input: ({ context }) => ({
                  connectionId: context.connectionId,
                  username: context.username ?? '',
                }),
                onDone: [
                  {
                    guard: 'locked',
                    target: '#session.refused',
                    actions: 'refuseBlocked',
                  },
                  { target: 'awaitingPassword', actions: ['askForPassword', 'forgetCurrent'] },
                ],
                onError: {
                  target: '#session.draining',
                  actions: ['closeForFailure', 'logClosing'],
                },
              },
            },
            awaitingPassword: {
              always: [
                { guard: 'nextIsPassword', target: 'verifying', actions: 'takeNext' },
                { guard: 'nextIsUsername', actions: ['refuseOutOfOrder', 'dropNext'] },
                { guard: 'hasQueued', actions: ['refuseBeforeLogin', 'dropNext'] },
              ],
            },
            verifying: {
              // Stryker disable next-line StringLiteral: diagram text, not behaviour
              description: 'Per-IP throttle, credentials, lockout and presence, decided together.',
              invoke: {
                src: 'verifyCredentials',
                input: ({ context }) => ({
                  connectionId: context.connectionId,
                  username: context.username ?? '',
                  password: context.current?.step === 'password' ? context.current.password : '',
                  udpPort: context.current?.step === 'password' ? context.current.udpPort : 0,
                }),
                onDone: [
                  { guard: 'accepted', target: 'welcoming', actions: 'markOnline' },
                  {
                    guard: 'lockedNow',
                    target: '#session.refused',
                    actions: 'refuseLockedNow',
                  },
                  {
                    guard: 'blocked',
                    target: '#session.refused',
                    actions: 'refuseBlocked',
                  },
                  {
                    guard: 'throttled',
                    target: '#session.refused',
                    actions: 'refuseThrottled',
                  },
                  {
                    guard: 'alreadyActive',
                    target: 'awaitingUsername',
                    actions: ['refuseAlreadyActive', 'forgetUsername', 'forgetCurrent'],
                  },
                  { target: 'awaitingPassword', actions: ['refuseWrongPassword', 'forgetCurrent'] },
                ],
                onError: {
                  target: '#session.draining',
                  actions: ['closeForFailure', 'logClosing'],
                },
              },
            },
            welcoming: {
              // Stryker disable next-line StringLiteral: diagram text, not behaviour
              description:
                'Accepted: the user is claimed in presence; userlog.txt is written before the login is answered.',
              invoke: {
                src: 'goOnline',
                input: ({ context }) => ({
                  connectionId: context.connectionId,
                  username: context.username ?? '',
                }),
                onDone: {
                  target: '#session.open.active',
                  actions: ['answerLogin', 'forgetCurrent'],
                },
              },
            },
          },
        },
        active: {
          // Stryker disable StringLiteral: diagram text, not behaviour (npm run diagrams:check compares it)
          description:
            'Logged in and listed in userlog.txt. Each request is checked against the command rate, then ' +
            'dispatched; commands run concurrently and are answered when done. Requests that waited during ' +
            'the login are applied first, in order.',
          // Stryker restore StringLiteral
          always: [
            {
              guard: 'nextIsLogout',
              target: '#session.loggingOut',
              actions: 'takeNext',
            },
            { guard: 'hasQueued', actions: ['serveNext', 'dropNext'] },
          ],
          on: {
            REQUEST: [
              {
                guard: 'commandRateFlooding',
                target: '#session.draining',
                actions: [{ type: 'closeFor', params: { code: 'FLOODING' } }, 'logClosing'],
              },
              { guard: 'commandRateThrottled', actions: 'refuseRateLimited' },
              {
                guard: 'isLogout',
                target: '#session.loggingOut',
                actions: 'rememberRequest',
              },
              { actions: 'serve' },
            ],
            // A run of plain requests the rate admits: served in one action, not one event each.
            FRAMES: {
              guard: and(['onlyRequestsToServe', 'commandRateAdmitsAll']),
              actions: 'serveAll',
            },
            // Only a logged-in user is sent enough (other users' messages) to fall behind.
            SLOW_READER: {
              target: '#session.goingOffline',
              actions: ['logSlowReader', 'destroySocket'],
            },
          },
        },
      },
    },
    draining: {
      // Stryker disable next-line StringLiteral: diagram text, not behaviour
      description:
        'The server ends the connection: commands still running are answered, then the client is told why and the socket is flushed and closed.',
      invoke: {
        src: 'commandsAnswered',
        input: ({ context }) => ({ connectionId: context.connectionId }),
        onDone: [
          { guard: 'online', target: 'goingOffline', actions: ['sayWhy', 'endSocket'] },
          { target: 'closedByServer', actions: ['sayWhy', 'endSocket'] },
        ],
      },
    },
    loggingOut: {
      // Stryker disable next-line StringLiteral: diagram text, not behaviour
      description: 'The user logged out: commands still running are answered first.',
      invoke: {
        src: 'commandsAnswered',
        input: ({ context }) => ({ connectionId: context.connectionId }),
        onDone: {
          target: 'goingOffline',
          actions: { type: 'endAs', params: { type: 'loggedOut' } },
        },
      },
    },
    goingOffline: {
      // Stryker disable next-line StringLiteral: diagram text, not behaviour
      description:
        'The user leaves presence and userlog.txt (logout, hang-up, or a disconnect the server chose).',
      invoke: {
        src: 'goOffline',
        input: ({ context }) => ({
          connectionId: context.connectionId,
          username: context.username ?? '',
        }),
        onDone: [
          {
            guard: 'loggingOut',
            target: 'loggedOut',
            actions: ['sayBye', 'endSocket'],
          },
          { guard: 'closedByServer', target: 'closedByServer' },
          { target: 'lost' },
        ],
      },
    },
    // Stryker disable next-line StringLiteral: diagram text, not behaviour
    loggedOut: { type: 'final', description: 'Bye sent; the user has left userlog.txt.' },
    // Stryker disable next-line StringLiteral: diagram text, not behaviour
    lost: { type: 'final', description: 'The client hung up, or was cut for not reading.' },
    // Stryker disable next-line StringLiteral: diagram text, not behaviour
    closedByServer: {
      type: 'final',
      description: 'The server ended the connection and said why (`closing` event).',
    },
    // Stryker disable next-line StringLiteral: diagram text, not behaviour
    refused: {
      type: 'final',
      description:
        'The login was refused for good (account blocked, locked now, or too many failures from the address); the socket is ended.',
      entry: 'endSocket',
    },
  },
});
