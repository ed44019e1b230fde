import { assign, fromPromise, setup } from 'xstate';

/** What checking a password against the credentials and the account's lockout concluded. */
export type LoginVerdict = 'accepted' | 'wrongPassword' | 'lockedNow' | 'blocked' | 'alreadyActive';

export interface SessionContext {
  /** Which connection this session belongs to; the socket itself stays outside the machine. */
  connectionId: number;
  username: string | null;
  /** Request being answered while the session waits on an actor (the password check). */
  pendingRequestId: number | null;
}

export type SessionEvent =
  | { type: 'USERNAME'; requestId: number; username: string; accountLocked: boolean }
  | { type: 'PASSWORD'; requestId: number; password: string; udpPort: number }
  | { type: 'COMMAND'; requestId: number; command: string; args: string[] }
  | { type: 'LOGOUT'; requestId: number }
  | { type: 'DISCONNECTED' };

export interface VerifyCredentialsInput {
  connectionId: number;
  username: string;
  password: string;
  udpPort: number;
}

/** Default time a connection may take to log in; the server overrides it (`--login-timeout`). */
export const DEFAULT_LOGIN_TIMEOUT_MS = 60_000;

type Verdict = { output: { verdict: LoginVerdict } };

export const sessionMachine = setup({
  types: {
    context: {} as SessionContext,
    events: {} as SessionEvent,
    input: {} as { connectionId: number },
  },
  actors: {
    // The server provides the real check (credentials + lockout + presence, atomically).
    verifyCredentials: fromPromise<{ verdict: LoginVerdict }, VerifyCredentialsInput>(async () => ({
      verdict: 'wrongPassword',
    })),
  },
  guards: {
    accountBlocked: ({ event }) => event.type === 'USERNAME' && event.accountLocked,
    accepted: ({ event }) => (event as unknown as Verdict).output.verdict === 'accepted',
    lockedNow: ({ event }) => (event as unknown as Verdict).output.verdict === 'lockedNow',
    blocked: ({ event }) => (event as unknown as Verdict).output.verdict === 'blocked',
    alreadyActive: ({ event }) => (event as unknown as Verdict).output.verdict === 'alreadyActive',
  },
  actions: {
    rememberUsername: assign({
      username: ({ event }) => (event.type === 'USERNAME' ? event.username : null),
    }),
    rememberRequest: assign({
      pendingRequestId: ({ event }) => ('requestId' in event ? event.requestId : null),
    }),
    forgetUsername: assign({ username: null }),
    // I/O actions: the connection bridge provides these.
    askForPassword: () => {},
    refuseBlocked: () => {},
    refuseLockedNow: () => {},
    refuseWrongPassword: () => {},
    refuseAlreadyActive: () => {},
    refuseLoginTimeout: () => {},
    reportInternalError: () => {},
    welcome: () => {},
    runCommand: () => {},
    sayBye: () => {},
    goOffline: () => {},
    closeConnection: () => {},
  },
  delays: {
    loginTimeout: DEFAULT_LOGIN_TIMEOUT_MS,
  },
}).createMachine({
  id: 'session',
  description:
    'One per TCP connection on the server. A connection must log in (username, then password, ' +
    'with failures counted by the account lockout) within the login timeout; a blocked account ends ' +
    'the connection. Once active, each command is run in turn until the user logs out or the ' +
    'connection drops, which both take the user offline at once.',
  context: ({ input }) => ({ connectionId: input.connectionId, username: null, pendingRequestId: null }),
  initial: 'authenticating',
  states: {
    authenticating: {
      description: 'Not logged in yet: only USERNAME and PASSWORD are accepted.',
      initial: 'awaitingUsername',
      after: { loginTimeout: { target: 'timedOut' } },
      on: { DISCONNECTED: { target: 'closed' } },
      states: {
        awaitingUsername: {
          on: {
            USERNAME: [
              { guard: 'accountBlocked', target: '#session.blocked', actions: ['rememberUsername', 'refuseBlocked'] },
              { target: 'awaitingPassword', actions: ['rememberUsername', 'askForPassword'] },
            ],
          },
        },
        awaitingPassword: {
          on: { PASSWORD: { target: 'verifying', actions: 'rememberRequest' } },
        },
        verifying: {
          invoke: {
            src: 'verifyCredentials',
            input: ({ context, event }) => ({
              connectionId: context.connectionId,
              username: context.username ?? '',
              password: event.type === 'PASSWORD' ? event.password : '',
              udpPort: event.type === 'PASSWORD' ? event.udpPort : 0,
            }),
            onDone: [
              { guard: 'accepted', target: '#session.active', actions: 'welcome' },
              { guard: 'lockedNow', target: '#session.blocked', actions: 'refuseLockedNow' },
              { guard: 'blocked', target: '#session.blocked', actions: 'refuseBlocked' },
              { guard: 'alreadyActive', target: 'awaitingUsername', actions: ['refuseAlreadyActive', 'forgetUsername'] },
              { target: 'awaitingPassword', actions: 'refuseWrongPassword' },
            ],
            onError: { target: '#session.closed', actions: 'reportInternalError' },
          },
        },
      },
    },
    blocked: {
      description: 'The account is locked: the refusal has been sent and the connection ends.',
      type: 'final',
      entry: 'closeConnection',
    },
    timedOut: {
      description: 'Login took longer than the login timeout.',
      type: 'final',
      entry: ['refuseLoginTimeout', 'closeConnection'],
    },
    active: {
      description: 'Logged in and listed in userlog.txt; commands run one at a time.',
      on: {
        COMMAND: { actions: 'runCommand' },
        LOGOUT: { target: 'loggedOut', actions: 'sayBye' },
        DISCONNECTED: { target: 'loggedOut' },
      },
    },
    loggedOut: {
      description: 'The user has left userlog.txt and presence; the connection is closed.',
      type: 'final',
      entry: ['goOffline', 'closeConnection'],
    },
    closed: {
      description: 'The connection ended before login.',
      type: 'final',
      entry: 'closeConnection',
    },
  },
});
