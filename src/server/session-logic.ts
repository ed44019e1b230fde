import type { Result } from 'neverthrow';
import { fromPromise } from 'xstate';
import {
  framesOf,
  sessionMachine,
  type ClosingReason,
  type LoginCheck,
  type SessionContext,
} from '../../machines/session.machine.js';
import type { WireError } from '../protocol/error-codes.js';
import { formatTimestamp } from '../shared/timestamp.js';
import { authenticate, type AuthDeps } from './auth.js';
import { refusalBeforeLogin, serve, type ReplyPort } from './commands/dispatcher.js';
import type { ServerConfig } from './config.js';
import type { CommandRate } from './limits/command-rate.js';
import { announceDeparture } from './peer-departure.js';
import { printableName } from './printable-name.js';
import type { CommandContext, ServerServices } from './services.js';
import type { BackendError } from './state/backend-error.js';
import type { UserlogWriter } from './storage/userlog-writer.js';

/**
 * The value of a shared-state call; its failure becomes the invoked actor's error, naming the
 * closing code the client is told (closingCodeOf in the session machine).
 */
function orThrow<T>(result: Result<T, BackendError>): T {
  if (result.isOk()) return result.value;
  const { type, reason } = result.error;
  throw Object.assign(new Error(`shared-state backend failed: ${reason}`), {
    closingCode: type === 'ClusterUnavailable' ? 'CLUSTER_UNAVAILABLE' : 'INTERNAL',
  });
}

/** What the session machine's actions need from the connection they belong to. */
export interface SessionPort extends ReplyPort {
  readonly address: string;
  /** The logged-in user's command context, made once at login. */
  session: CommandContext | undefined;
  /** Pushes an encoded frame (another user's event) to this client. */
  deliver(frame: Buffer): void;
  sendWelcome(): void;
  sendEvent(event: { ev: 'error' | 'closing'; error: WireError }): void;
  /** This connection's command rate, made at the first command after login. */
  commandRate(): CommandRate;
  /** Resolves once every command still running has been answered. */
  commandsAnswered(): Promise<void>;
  /** Flushes and closes the socket. */
  end(): void;
  /** Drops the socket without flushing. */
  destroy(): void;
}

export interface SessionLogicDeps {
  services: ServerServices;
  auth: AuthDeps;
  userlog: UserlogWriter;
  config: Pick<
    ServerConfig,
    | 'loginTimeoutMs'
    | 'maxBadMessages'
    | 'maxUnauthenticatedMessages'
    | 'maxThrottled'
    | 'maxQueuedBytes'
    | 'maxFrameBytes'
    | 'maxFailuresPerIpPerMinute'
  >;
  now: () => Date;
  /**
   * The connection of a session (the machine only holds its id). It exists while its session
   * runs: the server forgets a connection only once its session has ended.
   */
  port: (connectionId: number) => SessionPort;
}

/**
 * The session machine with the server's implementations, built once per server (not per
 * connection: a provided machine per socket would cost memory on every idle session).
 */
export function provideSessionLogic(deps: SessionLogicDeps) {
  const { services, auth, userlog, now, port, config } = deps;
  const requestIdOf = (context: SessionContext): number =>
    context.current?.requestId ?? context.queue[0]?.requestId ?? 0;
  // A name typed before login is untrusted: shown quoted and escaped unless it is a plain name,
  // so it can never forge console lines or send terminal escapes.
  const userOf = (context: SessionContext): string =>
    printableName(context.username ?? '(unknown)');
  const describe = (context: SessionContext): string =>
    context.online ? userOf(context) : `connection from ${port(context.connectionId).address}`;
  const updateUserlog = () =>
    userlog
      .update()
      .catch((e: unknown) =>
        services.console.line(`Could not update ${userlog.file}: ${String(e)}`),
      );
  /** Console line for a disconnect the session decided; other reasons are logged where they are decided (server.ts). */
  const closingLine = (context: SessionContext, reason: ClosingReason): string | null => {
    const who = describe(context);
    switch (reason.code) {
      case 'FRAME_TOO_LARGE':
        return `Disconnecting ${who}: limit maxFrameBytes (${config.maxFrameBytes}) exceeded`;
      case 'BAD_FRAME':
        return `Disconnecting ${who}: malformed frame`;
      case 'BAD_MESSAGE':
        return `Disconnecting ${who}: limit maxBadMessages (${config.maxBadMessages}) reached`;
      case 'TOO_MANY_UNAUTHENTICATED_MESSAGES':
        return `Disconnecting ${who}: limit maxUnauthenticatedMessages (${config.maxUnauthenticatedMessages}) reached`;
      case 'FLOODING':
        return `Disconnecting ${who}: limit maxThrottled (${config.maxThrottled}) reached, sustained flood`;
      case 'LOGIN_TIMEOUT':
        return `Disconnecting ${who}: limit loginTimeout (${config.loginTimeoutMs} ms) reached`;
      case 'CLUSTER_UNAVAILABLE':
        return `Disconnecting ${who}: the cluster's shared state (Redis) cannot be reached`;
      default:
        return null;
    }
  };

  return sessionMachine.provide({
    actors: {
      // A failing backend rejects the actor's promise: the machine's error transition (INTERNAL).
      checkLockout: fromPromise(async ({ input }) => ({
        locked: orThrow(await auth.lockouts.isLocked(input.username)),
      })),
      verifyCredentials: fromPromise(async ({ input, signal }) => {
        const connection = port(input.connectionId);
        // Counted now, not when the check fails: concurrent attempts cannot all pass (auth.ts).
        const begun = orThrow(await auth.failuresByIp.tryBegin(connection.address));
        if (!begun.allowed)
          return { verdict: 'throttled' as const, retryAfterSeconds: begun.retryAfterSeconds };
        const verdict = orThrow(
          await authenticate(auth, input.password, {
            username: input.username,
            address: connection.address,
            udpPort: input.udpPort,
            since: formatTimestamp(now()),
          }),
        );
        if (verdict === 'accepted') {
          // The session may have ended while the password was checked (hang-up, timeout,
          // shutdown): its machine no longer waits for this answer, so leave no ghost online.
          if (signal.aborted) await services.presence.release(input.username);
          else services.delivery.attach(input.username, connection);
        }
        return { verdict };
      }),
      goOnline: fromPromise(async ({ input }) => {
        // Invitations to groups not yet joined come with the reply (none if the backend fails).
        const invitations = services.groups.invitations(input.username).unwrapOr([]);
        await updateUserlog();
        return { invitations: await invitations };
      }),
      commandsAnswered: fromPromise(async ({ input }) => {
        await port(input.connectionId).commandsAnswered();
      }),
      goOffline: fromPromise(async ({ input }) => {
        const { username } = input;
        const released = await services.presence.release(username);
        if (released.isErr())
          services.console.line(
            `Could not take ${username} offline in the presence backend: ${released.error.reason}`,
          );
        const connection = port(input.connectionId);
        services.delivery.detach(username, connection);
        await announceDeparture(services, username);
        services.console.line(`${printableName(username)} logout`);
        await updateUserlog();
      }),
    },
    guards: {
      commandRateFlooding: ({ context }) => port(context.connectionId).commandRate().isFlooding(),
      commandRateThrottled: ({ context }) => port(context.connectionId).commandRate().isThrottled(),
      commandRateAdmitsAll: ({ context, event }) =>
        port(context.connectionId).commandRate().admits(framesOf(event).length),
    },
    actions: {
      welcomeClient: ({ context }) => port(context.connectionId).sendWelcome(),
      reportBadMessage: ({ context }) =>
        port(context.connectionId).sendEvent({ ev: 'error', error: { code: 'BAD_MESSAGE' } }),
      askForPassword: ({ context }) => port(context.connectionId).reply(requestIdOf(context)),
      refuseOutOfOrder: ({ context }) =>
        port(context.connectionId).replyError(requestIdOf(context), { code: 'OUT_OF_ORDER' }),
      refuseBeforeLogin: ({ context }) => {
        const next = context.queue[0];
        if (next) port(context.connectionId).replyError(next.requestId, refusalBeforeLogin(next));
      },
      refuseBlocked: ({ context }) => {
        services.console.line(`${userOf(context)} tried to log in but the account is blocked`);
        port(context.connectionId).replyError(requestIdOf(context), { code: 'ACCOUNT_BLOCKED' });
      },
      refuseLockedNow: ({ context }) => {
        const connection = port(context.connectionId);
        services.console.line(
          `${userOf(context)} failed to log in from ${connection.address}; the account is now blocked`,
        );
        connection.replyError(requestIdOf(context), { code: 'ACCOUNT_LOCKED_NOW' });
      },
      refuseWrongPassword: ({ context }) => {
        const connection = port(context.connectionId);
        services.console.line(`${userOf(context)} failed to log in from ${connection.address}`);
        connection.replyError(requestIdOf(context), { code: 'INVALID_PASSWORD' });
      },
      refuseAlreadyActive: ({ context }) => {
        const connection = port(context.connectionId);
        services.console.line(
          `${userOf(context)} tried to log in again from ${connection.address} but is already online`,
        );
        connection.replyError(requestIdOf(context), {
          code: 'USER_ALREADY_ACTIVE',
          user: context.username ?? '',
        });
      },
      refuseThrottled: ({ context, event }) => {
        const connection = port(context.connectionId);
        const check = 'output' in event ? (event.output as LoginCheck) : undefined;
        services.console.line(
          `Refusing a login from ${connection.address}: limit maxFailuresPerIpPerMinute (${config.maxFailuresPerIpPerMinute}) reached`,
        );
        connection.replyError(requestIdOf(context), {
          code: 'LOGIN_THROTTLED',
          retryAfterSeconds: check?.retryAfterSeconds ?? 60,
        });
      },
      answerLogin: ({ context, event }) => {
        const connection = port(context.connectionId);
        services.console.line(`${userOf(context)} is online`);
        // The console quotes names; the client gets the name itself.
        const username = context.username ?? '';
        connection.session = {
          username,
          address: connection.address,
          services,
        };
        const invitations =
          'output' in event ? (event.output as { invitations: unknown }).invitations : [];
        connection.reply(requestIdOf(context), { username, invitations });
      },
      refuseRateLimited: ({ context, event }) => {
        const connection = port(context.connectionId);
        if (event.type === 'REQUEST')
          connection.replyError(event.requestId, {
            code: 'RATE_LIMITED',
            retryAfterSeconds: connection.commandRate().chargeStrike(),
          });
      },
      serve: ({ context, event }) => {
        const connection = port(context.connectionId);
        if (!connection.session || event.type !== 'REQUEST') return;
        connection.commandRate().chargeCommand();
        serve(event, connection.session, connection);
      },
      serveAll: ({ context, event }) => {
        const connection = port(context.connectionId);
        if (!connection.session) return;
        const rate = connection.commandRate();
        for (const frame of framesOf(event)) {
          if (frame.type !== 'REQUEST') continue; // the guard let only requests through
          rate.chargeCommand();
          serve(frame, connection.session, connection);
        }
      },
      serveNext: ({ context }) => {
        const connection = port(context.connectionId);
        const next = context.queue[0];
        if (connection.session && next) serve(next, connection.session, connection);
      },
      logClosing: ({ context }) => {
        if (context.end?.type !== 'closedByServer') return;
        const line = closingLine(context, context.end.reason);
        if (line) services.console.line(line);
      },
      logSlowReader: ({ context }) =>
        services.console.line(
          `Disconnecting ${describe(context)}: limit maxQueuedBytes (${config.maxQueuedBytes}) reached, client is not reading`,
        ),
      sayWhy: ({ context }) => {
        if (context.end?.type === 'closedByServer')
          port(context.connectionId).sendEvent({ ev: 'closing', error: context.end.reason });
      },
      sayBye: ({ context }) => {
        const logout = context.current;
        // The client gets the name itself; only the console quotes it (userOf).
        if (logout)
          port(context.connectionId).reply(logout.requestId, { username: context.username ?? '' });
      },
      endSocket: ({ context }) => port(context.connectionId).end(),
      destroySocket: ({ context }) => port(context.connectionId).destroy(),
    },
    delays: { loginTimeout: config.loginTimeoutMs },
  });
}

export type SessionLogic = ReturnType<typeof provideSessionLogic>;
