import { fromPromise } from 'xstate';
import { sessionMachine, type SessionContext } from '../../machines/session.machine.js';
import type { WireError } from '../protocol/error-codes.js';
import { formatTimestamp } from '../shared/timestamp.js';
import { authenticate, type AuthDeps } from './auth.js';
import { printableName } from './printable-name.js';
import { announceDeparture } from './peer-departure.js';
import type { ServerServices } from './services.js';
import type { UserlogWriter } from './storage/userlog-writer.js';

/** What the session machine's actions need from the connection they belong to. */
export interface SessionPort {
  readonly address: string;
  readonly isClosed: boolean;
  reply(requestId: number, data?: unknown): void;
  replyError(requestId: number, error: WireError): void;
  notifyClosing(error: WireError): void;
  deliver(frame: Buffer): void;
  runCommand(requestId: number, command: string, args: string[]): void;
  rememberBye(requestId: number): void;
  /** Records the work of going offline; `close` waits for it. */
  goingOffline(work: Promise<void>): void;
  /** Says bye if asked to, then ends the socket, once going offline (if any) has finished. */
  close(): void;
}

export interface SessionLogicDeps {
  services: ServerServices;
  auth: AuthDeps;
  userlog: UserlogWriter;
  now: () => Date;
  loginTimeoutMs: number;
  /** Finds the connection of a session; the machine only holds its id. */
  port: (connectionId: number) => SessionPort | undefined;
}

/**
 * The session machine with the server's implementations, built once per server (not per
 * connection: a provided machine per socket would cost memory on every idle session).
 */
export function provideSessionLogic(deps: SessionLogicDeps) {
  const { services, auth, userlog, now, port } = deps;
  const requestIdOf = (context: SessionContext, event: { type: string }): number =>
    'requestId' in event && typeof event.requestId === 'number' ? event.requestId : (context.pendingRequestId ?? 0);
  // A name typed before login is untrusted: shown quoted and escaped unless it is a plain name,
  // so it can never forge console lines or send terminal escapes.
  const userOf = (context: SessionContext): string => printableName(context.username ?? '(unknown)');
  const updateUserlog = () => userlog.update().catch((e: unknown) => services.console.line(`Could not update ${userlog.file}: ${String(e)}`));

  return sessionMachine.provide({
    actors: {
      verifyCredentials: fromPromise(async ({ input }) => {
        const connection = port(input.connectionId);
        if (!connection) return { verdict: 'wrongPassword' as const };
        const verdict = await authenticate(auth, input.password, {
          username: input.username,
          address: connection.address,
          udpPort: input.udpPort,
          since: formatTimestamp(now()),
          deliver: (frame) => connection.deliver(frame),
        });
        // The client may have gone while the password was checked: leave no ghost online.
        if (verdict === 'accepted' && connection.isClosed) await services.presence.release(input.username);
        return { verdict };
      }),
    },
    actions: {
      askForPassword: ({ event, context }) => port(context.connectionId)?.reply(requestIdOf(context, event)),
      refuseBlocked: ({ event, context }) => {
        services.console.line(`${userOf(context)} tried to log in but the account is blocked`);
        port(context.connectionId)?.replyError(requestIdOf(context, event), { code: 'ACCOUNT_BLOCKED' });
      },
      refuseLockedNow: ({ context }) => {
        const connection = port(context.connectionId);
        services.console.line(`${userOf(context)} failed to log in from ${connection?.address}; the account is now blocked`);
        connection?.replyError(context.pendingRequestId ?? 0, { code: 'ACCOUNT_LOCKED_NOW' });
      },
      refuseWrongPassword: ({ context }) => {
        const connection = port(context.connectionId);
        services.console.line(`${userOf(context)} failed to log in from ${connection?.address}`);
        connection?.replyError(context.pendingRequestId ?? 0, { code: 'INVALID_PASSWORD' });
      },
      refuseAlreadyActive: ({ context }) => {
        const connection = port(context.connectionId);
        services.console.line(`${userOf(context)} tried to log in again from ${connection?.address} but is already online`);
        connection?.replyError(context.pendingRequestId ?? 0, { code: 'USER_ALREADY_ACTIVE', user: context.username ?? '' });
      },
      refuseLoginTimeout: ({ context }) => {
        const connection = port(context.connectionId);
        services.console.line(`Disconnecting connection from ${connection?.address}: limit loginTimeout (${deps.loginTimeoutMs} ms) reached`);
        connection?.notifyClosing({ code: 'LOGIN_TIMEOUT' });
      },
      reportInternalError: ({ context }) => port(context.connectionId)?.notifyClosing({ code: 'INTERNAL' }),
      welcome: ({ context }) => {
        const requestId = context.pendingRequestId ?? 0;
        services.console.line(`${userOf(context)} is online`);
        // The console quotes names; the client gets the name itself.
        const username = context.username ?? '';
        // The reply waits for userlog.txt, so a user told "Welcome" is already listed there.
        // Invitations to groups not yet joined come with the reply (none if the backend fails).
        const invitations = services.groups.invitations(context.username ?? '').catch(() => []);
        void updateUserlog().then(async () => port(context.connectionId)?.reply(requestId, { username, invitations: await invitations }));
      },
      runCommand: ({ event, context }) => {
        if (event.type === 'COMMAND') port(context.connectionId)?.runCommand(event.requestId, event.command, event.args);
      },
      sayBye: ({ event, context }) => {
        if (event.type === 'LOGOUT') port(context.connectionId)?.rememberBye(event.requestId);
      },
      goOffline: ({ context }) => {
        const username = context.username ?? '';
        port(context.connectionId)?.goingOffline(
          (async () => {
            try {
              await services.presence.release(username);
              await announceDeparture(services, username);
            } catch (e) {
              services.console.line(`Could not take ${username} offline in the presence backend: ${String(e)}`);
            }
            services.console.line(`${printableName(username)} logout`);
            await updateUserlog();
          })(),
        );
      },
      closeConnection: ({ context }) => port(context.connectionId)?.close(),
    },
    delays: { loginTimeout: deps.loginTimeoutMs },
  });
}

export type SessionLogic = ReturnType<typeof provideSessionLogic>;
